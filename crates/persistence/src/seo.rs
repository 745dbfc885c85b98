//! The search-engine title and description editors set on a page ([`SeoOverride`]), kept
//! apart from the pages themselves: few pages have one, and no list reads them.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::seo::{PageKind, SeoOverride};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};

use crate::catalogue::claim;
use crate::entity::{article, author, section, seo_override, source, tag};
use crate::error::{Record, StoreError, StoreResult};
use crate::ids::unique;
use crate::store::{Store, stored_time};

/// A change to a page's SEO title and description: `None` leaves one as it is,
/// `Some(None)` goes back to the derived value.
#[derive(Debug, Clone, Default)]
pub struct SeoChanges {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
}

impl Store {
    /// What editors set on the pages `keys` name; pages with nothing set are left out.
    pub async fn seo_overrides(
        &self,
        keys: &[(PageKind, i32)],
    ) -> StoreResult<HashMap<(PageKind, i32), SeoOverride>> {
        let mut any = Condition::any();
        for kind in PageKind::ALL {
            let ids: Vec<i32> = keys
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| *id)
                .collect();
            let ids = unique(&ids);
            if !ids.is_empty() {
                any = any.add(
                    Condition::all()
                        .add(seo_override::Column::Kind.eq(kind.as_str()))
                        .add(seo_override::Column::TargetId.is_in(ids)),
                );
            }
        }
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = seo_override::Entity::find()
            .filter(any)
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let kind = PageKind::from_stored(&row.kind)?;
                let set = SeoOverride {
                    title: row.title,
                    description: row.description,
                };
                Some(((kind, row.target_id), set))
            })
            .collect())
    }

    /// Sets or clears the SEO title and description of page `id` of `kind`, and returns
    /// what is set now. An article must still be at revision `expected` (the one its
    /// editor's permission was checked against) and out of the trash; a catalogue page must
    /// exist. The page is claimed first, so a concurrent delete or edit waits, and only
    /// the fields asked for are written, so two editors setting one each lose neither.
    pub async fn set_seo(
        &self,
        kind: PageKind,
        id: i32,
        expected: Option<i32>,
        changes: SeoChanges,
    ) -> StoreResult<SeoOverride> {
        let txn = self.connection().begin().await?;
        claim_page(&txn, kind, id, expected).await?;
        let mut updated = Vec::new();
        let mut row = seo_override::ActiveModel {
            kind: Set(kind.as_str().to_owned()),
            target_id: Set(id),
            title: NotSet,
            description: NotSet,
            updated_at: Set(stored_time(Utc::now())),
        };
        if let Some(title) = changes.title {
            row.title = Set(title);
            updated.push(seo_override::Column::Title);
        }
        if let Some(description) = changes.description {
            row.description = Set(description);
            updated.push(seo_override::Column::Description);
        }
        if !updated.is_empty() {
            updated.push(seo_override::Column::UpdatedAt);
            seo_override::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        seo_override::Column::Kind,
                        seo_override::Column::TargetId,
                    ])
                    .update_columns(updated)
                    .to_owned(),
                )
                .exec(&txn)
                .await?;
        }
        // A page with nothing set keeps no row.
        seo_override::Entity::delete_many()
            .filter(seo_override::Column::Kind.eq(kind.as_str()))
            .filter(seo_override::Column::TargetId.eq(id))
            .filter(seo_override::Column::Title.is_null())
            .filter(seo_override::Column::Description.is_null())
            .exec(&txn)
            .await?;
        let set = seo_override::Entity::find_by_id((kind.as_str().to_owned(), id))
            .one(&txn)
            .await?
            .map(|row| SeoOverride {
                title: row.title,
                description: row.description,
            })
            .unwrap_or_default();
        txn.commit().await?;
        Ok(set)
    }
}

/// Claims the page for this transaction: refuses one that does not exist, and an article
/// that moved on from revision `expected` or is in the trash.
async fn claim_page(
    txn: &DatabaseTransaction,
    kind: PageKind,
    id: i32,
    expected: Option<i32>,
) -> StoreResult<()> {
    match kind {
        PageKind::Article => claim_article(txn, id, expected).await,
        PageKind::Section => claim::<section::Entity>(txn, id).await.map(drop),
        PageKind::Tag => claim::<tag::Entity>(txn, id).await.map(drop),
        PageKind::Author => claim::<author::Entity>(txn, id).await.map(drop),
        PageKind::Source => claim::<source::Entity>(txn, id).await.map(drop),
    }
}

/// Claims article `id` without changing it: its revision stays, since its metadata is not
/// part of what revisions keep.
async fn claim_article(
    txn: &DatabaseTransaction,
    id: i32,
    expected: Option<i32>,
) -> StoreResult<()> {
    let mut claim = article::Entity::update_many()
        .col_expr(
            article::Column::Revision,
            Expr::col(article::Column::Revision),
        )
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::DeletedAt.is_null());
    if let Some(expected) = expected {
        claim = claim.filter(article::Column::Revision.eq(expected));
    }
    if claim.exec(txn).await?.rows_affected == 1 {
        return Ok(());
    }
    match article::Entity::find_by_id(id).one(txn).await? {
        None => Err(StoreError::NotFound(Record::Article)),
        Some(row) if row.deleted_at.is_some() => Err(StoreError::InTrash),
        Some(row) => Err(StoreError::Conflict {
            expected: expected.unwrap_or(row.revision),
            current: row.revision,
        }),
    }
}

/// Writes what an import brought for pages of `kind` (an SEO plugin's title and
/// description), replacing what was set; pages it brought nothing for are left alone.
pub(crate) async fn import_seo<C: ConnectionTrait>(
    db: &C,
    kind: PageKind,
    pages: Vec<(i32, SeoOverride)>,
) -> StoreResult<()> {
    let now = stored_time(Utc::now());
    let rows: Vec<seo_override::ActiveModel> = pages
        .into_iter()
        .filter(|(_, set)| *set != SeoOverride::default())
        .map(|(id, set)| seo_override::ActiveModel {
            kind: Set(kind.as_str().to_owned()),
            target_id: Set(id),
            title: Set(set.title),
            description: Set(set.description),
            updated_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(500) {
        seo_override::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([seo_override::Column::Kind, seo_override::Column::TargetId])
                    .update_columns([
                        seo_override::Column::Title,
                        seo_override::Column::Description,
                        seo_override::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Forgets what was set on a page that is going away.
pub(crate) async fn forget_seo<C: ConnectionTrait>(
    db: &C,
    kind: PageKind,
    id: i32,
) -> StoreResult<()> {
    seo_override::Entity::delete_many()
        .filter(seo_override::Column::Kind.eq(kind.as_str()))
        .filter(seo_override::Column::TargetId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
