//! Slugs of articles, sections, tags, sources and authors: whether one is free, and the former slugs
//! that keep old URLs redirecting.

use chrono::{DateTime, Utc};
use dateline_domain::Slug;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    NotSet, PaginatorTrait, QueryFilter,
};

use crate::entity::{article, author, section, slug_redirect, source, tag};
use crate::error::{Record, StoreError, StoreResult};

/// A table whose rows are named by a unique slug.
pub(crate) trait Slugged: EntityTrait {
    /// What errors call a row.
    const RECORD: Record;
    const ID: Self::Column;
    const SLUG: Self::Column;
}

macro_rules! slugged {
    ($($entity:ident: $record:ident),*) => {$(
        impl Slugged for $entity::Entity {
            const RECORD: Record = Record::$record;
            const ID: $entity::Column = $entity::Column::Id;
            const SLUG: $entity::Column = $entity::Column::Slug;
        }
    )*};
}

slugged!(article: Article, section: Section, tag: Tag, source: Source, author: Author);

/// Refuses a slug another row of `E` (not row `except`) has.
pub(crate) async fn slug_free<E, C>(db: &C, slug: &Slug, except: Option<i32>) -> StoreResult<()>
where
    E: Slugged,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let mut taken = E::find().filter(E::SLUG.eq(slug.as_str()));
    if let Some(id) = except {
        taken = taken.filter(E::ID.ne(id));
    }
    if taken.count(db).await? > 0 {
        return Err(StoreError::SlugTaken(E::RECORD));
    }
    Ok(())
}

/// `slug` is live again: it is no longer a former slug of anything of this `kind`.
pub(crate) async fn forget_former_slug(
    txn: &DatabaseTransaction,
    kind: &str,
    slug: &Slug,
) -> Result<(), DbErr> {
    slug_redirect::Entity::delete_many()
        .filter(slug_redirect::Column::Kind.eq(kind))
        .filter(slug_redirect::Column::OldSlug.eq(slug.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Keeps `old` in the slug history of the `kind` with `id`, so its URL redirects to `new`.
pub(crate) async fn record_former_slug(
    txn: &DatabaseTransaction,
    kind: &str,
    id: i32,
    old: &str,
    new: &Slug,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    forget_former_slug(txn, kind, new).await?;
    slug_redirect::Entity::insert(slug_redirect::ActiveModel {
        id: NotSet,
        kind: Set(kind.to_owned()),
        old_slug: Set(old.to_owned()),
        target_id: Set(id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([slug_redirect::Column::Kind, slug_redirect::Column::OldSlug])
            .update_columns([
                slug_redirect::Column::TargetId,
                slug_redirect::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Forgets every former slug of the `kind` with `id`, which is being deleted.
pub(crate) async fn drop_slug_history(
    txn: &DatabaseTransaction,
    kind: &str,
    id: i32,
) -> Result<(), DbErr> {
    slug_redirect::Entity::delete_many()
        .filter(slug_redirect::Column::Kind.eq(kind))
        .filter(slug_redirect::Column::TargetId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Points every former slug of the `kind` with id `from` at `to`, which replaces it.
pub(crate) async fn move_slug_history(
    txn: &DatabaseTransaction,
    kind: &str,
    from: i32,
    to: i32,
) -> Result<(), DbErr> {
    slug_redirect::Entity::update_many()
        .col_expr(
            slug_redirect::Column::TargetId,
            sea_orm::sea_query::Expr::value(to),
        )
        .filter(slug_redirect::Column::Kind.eq(kind))
        .filter(slug_redirect::Column::TargetId.eq(from))
        .exec(txn)
        .await?;
    Ok(())
}
