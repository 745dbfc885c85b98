//! What every change to an existing article shares: claiming its row against the revision
//! the editor started from, recording the revision it leaves, keeping the copy of its
//! visibility on its tag links, and finishing (search index, commit, events).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::{article, article_body, article_co_author, article_revision, article_tag};
use crate::error::{Record, StoreError, StoreResult};
use crate::events::ArticleEvent;
use crate::search::index::{Reindex, reindex};
use crate::store::Store;

/// Whether an operation works on articles outside the trash or in it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trash {
    Outside,
    Inside,
}

/// Claims the article for this transaction by bumping its revision if it is still at
/// `expected`, and returns its row as it now stands.
pub(crate) async fn claim(
    txn: &DatabaseTransaction,
    id: i32,
    expected: i32,
    trash: Trash,
    now: DateTime<Utc>,
) -> StoreResult<article::Model> {
    let in_trash = match trash {
        Trash::Outside => article::Column::DeletedAt.is_null(),
        Trash::Inside => article::Column::DeletedAt.is_not_null(),
    };
    let claimed = article::Entity::update_many()
        .col_expr(
            article::Column::Revision,
            Expr::col(article::Column::Revision).add(1),
        )
        .col_expr(article::Column::UpdatedAt, Expr::value(now))
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::Revision.eq(expected))
        .filter(in_trash)
        .exec(txn)
        .await?;
    let row = article::Entity::find_by_id(id).one(txn).await?;
    match row {
        None => Err(StoreError::NotFound(Record::Article)),
        Some(row) if claimed.rows_affected == 1 => {
            keep_baseline(txn, &row, expected).await?;
            Ok(row)
        }
        Some(row) if row.revision != expected => Err(StoreError::Conflict {
            expected,
            current: row.revision,
        }),
        Some(_) if trash == Trash::Outside => Err(StoreError::InTrash),
        Some(_) => Err(StoreError::NotInTrash),
    }
}

/// Records the content the article has before its first change through the desk, as the
/// revision `expected` it is at: demo, seeded and imported articles have no revision rows
/// until then, and their original text must not be lost with the first save.
pub(super) async fn keep_baseline(
    txn: &DatabaseTransaction,
    row: &article::Model,
    expected: i32,
) -> StoreResult<()> {
    let kept = article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(row.id))
        .filter(article_revision::Column::Revision.eq(expected))
        .count(txn)
        .await?;
    if kept == 0 {
        snapshot_as(txn, row, expected, None, row.created_at).await?;
    }
    Ok(())
}

/// Records the article as `row` now stands as its revision `row.revision`.
pub(crate) async fn snapshot(
    txn: &DatabaseTransaction,
    row: &article::Model,
    user: Option<i32>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    snapshot_as(txn, row, row.revision, user, now).await
}

/// Records the article as `row` stands as its revision `number`.
pub(super) async fn snapshot_as(
    txn: &DatabaseTransaction,
    row: &article::Model,
    number: i32,
    user: Option<i32>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let body = article_body::Entity::find_by_id(row.id)
        .one(txn)
        .await?
        .map(|b| b.body_html)
        .unwrap_or_default();
    let tag_ids: Vec<i32> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::TagId)
        .filter(article_tag::Column::ArticleId.eq(row.id))
        .order_by_asc(article_tag::Column::Position)
        .into_tuple()
        .all(txn)
        .await?;
    let co_author_ids: Vec<i32> = article_co_author::Entity::find()
        .select_only()
        .column(article_co_author::Column::AuthorId)
        .filter(article_co_author::Column::ArticleId.eq(row.id))
        .order_by_asc(article_co_author::Column::Position)
        .into_tuple()
        .all(txn)
        .await?;
    let joined = |ids: Vec<i32>| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    article_revision::Entity::insert(article_revision::ActiveModel {
        id: NotSet,
        article_id: Set(row.id),
        revision: Set(number),
        user_id: Set(user),
        created_at: Set(at),
        status: Set(row.status.clone()),
        slug: Set(row.slug.clone()),
        title: Set(row.title.clone()),
        subtitle: Set(row.subtitle.clone()),
        custom_excerpt: Set(row.custom_excerpt.clone()),
        body_html: Set(body),
        dateline_place: Set(row.dateline_place.clone()),
        section_id: Set(row.section_id),
        source_id: Set(row.source_id),
        author_id: Set(row.author_id),
        tag_ids: Set(joined(tag_ids)),
        co_author_ids: Set(joined(co_author_ids)),
        featured: Set(row.featured),
        featured_image_url: Set(row.featured_image_url.clone()),
        featured_image_alt: Set(row.featured_image_alt.clone()),
        featured_image_caption: Set(row.featured_image_caption.clone()),
        featured_image_credit: Set(row.featured_image_credit.clone()),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

pub(crate) async fn set_tags_visibility(
    txn: &DatabaseTransaction,
    article_id: i32,
    visible_from: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    article_tag::Entity::update_many()
        .col_expr(article_tag::Column::VisibleFrom, Expr::value(visible_from))
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(txn)
        .await?;
    Ok(())
}

impl Store {
    /// Ends a change to an article's content or status: records the revision (by `editor`,
    /// none for the scheduler), rewrites its search index row, and commits, announcing the
    /// change (and its publication at `published_at`, if it published the article).
    pub(super) async fn finish_change(
        &self,
        txn: DatabaseTransaction,
        row: &article::Model,
        editor: Option<i32>,
        now: DateTime<Utc>,
        published_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        snapshot(&txn, row, editor, now).await?;
        reindex(&txn, Reindex::Articles(&[row.id])).await?;
        let events = ArticleEvent::of_change(row.id, row.section_id, published_at);
        self.commit_announcing(txn, &events).await?;
        Ok(())
    }
}
