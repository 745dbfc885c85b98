//! Sources: the agencies and outlets a story is credited to.

use std::collections::HashMap;

use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait,
    QueryFilter, TransactionTrait,
};

use super::{claim, refuse_in_use};
use crate::entity::{article, source};
use crate::error::{Record, StoreResult};
use crate::ids::unique;
use crate::store::Store;
use dateline_domain::model::Source;

/// A new source. Text is already validated.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub url: Option<String>,
}

/// What an edit of a source changes; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SourceChanges {
    pub name: Option<String>,
    pub url: Option<Option<String>>,
}

impl Store {
    /// Sources with these ids, keyed by id.
    pub async fn sources_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Source>> {
        let rows = source::Entity::find()
            .filter(source::Column::Id.is_in(unique(ids)))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Source::from(r))).collect())
    }

    /// Creates a source.
    pub async fn create_source(&self, new: NewSource) -> StoreResult<Source> {
        let row = source::ActiveModel {
            id: NotSet,
            name: Set(new.name),
            url: Set(new.url),
        };
        let row = source::Entity::insert(row)
            .exec_with_returning(self.connection())
            .await?;
        Ok(Source::from(row))
    }

    /// Changes a source's name or website.
    pub async fn update_source(&self, id: i32, changes: SourceChanges) -> StoreResult<Source> {
        let txn = self.connection().begin().await?;
        let mut row = claim::<source::Entity>(&txn, id).await?.into_active_model();
        if let Some(name) = changes.name {
            row.name = Set(name);
        }
        if let Some(url) = changes.url {
            row.url = Set(url);
        }
        let row = row.update(&txn).await?;
        txn.commit().await?;
        Ok(Source::from(row))
    }

    /// Deletes a source no article (in the trash or not) is credited to.
    pub async fn delete_source(&self, id: i32) -> StoreResult<()> {
        let txn = self.connection().begin().await?;
        claim::<source::Entity>(&txn, id).await?;
        let articles = article::Entity::find()
            .filter(article::Column::SourceId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(Record::Source, articles, 0)?;
        source::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
