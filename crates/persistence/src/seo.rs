//! The search-engine title and description editors set on a page ([`SeoOverride`]), kept
//! apart from the pages themselves: few pages have one, and no list reads them.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::seo::{PageKind, SeoOverride};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

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
    /// what is set now.
    pub async fn set_seo(
        &self,
        kind: PageKind,
        id: i32,
        changes: SeoChanges,
    ) -> StoreResult<SeoOverride> {
        let txn = self.connection().begin().await?;
        require_page(&txn, kind, id).await?;
        let current = seo_override::Entity::find_by_id((kind.as_str().to_owned(), id))
            .one(&txn)
            .await?;
        let (title, description) = current.map_or((None, None), |row| (row.title, row.description));
        let set = SeoOverride {
            title: changes.title.unwrap_or(title),
            description: changes.description.unwrap_or(description),
        };
        if set == SeoOverride::default() {
            forget_seo(&txn, kind, id).await?;
        } else {
            seo_override::Entity::insert(seo_override::ActiveModel {
                kind: Set(kind.as_str().to_owned()),
                target_id: Set(id),
                title: Set(set.title.clone()),
                description: Set(set.description.clone()),
                updated_at: Set(stored_time(Utc::now())),
            })
            .on_conflict(
                OnConflict::columns([seo_override::Column::Kind, seo_override::Column::TargetId])
                    .update_columns([
                        seo_override::Column::Title,
                        seo_override::Column::Description,
                        seo_override::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(set)
    }
}

/// Refuses a page that does not exist.
async fn require_page(txn: &DatabaseTransaction, kind: PageKind, id: i32) -> StoreResult<()> {
    let (found, record) = match kind {
        PageKind::Article => (
            article::Entity::find_by_id(id).count(txn).await?,
            Record::Article,
        ),
        PageKind::Section => (
            section::Entity::find_by_id(id).count(txn).await?,
            Record::Section,
        ),
        PageKind::Tag => (tag::Entity::find_by_id(id).count(txn).await?, Record::Tag),
        PageKind::Author => (
            author::Entity::find_by_id(id).count(txn).await?,
            Record::Author,
        ),
        PageKind::Source => (
            source::Entity::find_by_id(id).count(txn).await?,
            Record::Source,
        ),
    };
    if found == 0 {
        return Err(StoreError::NotFound(record));
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
