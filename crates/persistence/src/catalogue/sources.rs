//! Sources: the agencies and outlets a story is credited to, listed when credited by a
//! public story, looked up by slug, loaded per article, and created, changed and deleted by
//! the desk.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::Slug;
use dateline_domain::seo::PageKind;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait,
    QueryFilter, TransactionTrait,
};

use super::{claim, refusal, refuse_in_use};
use crate::articles::read::slug_redirect_kind;
use crate::articles::visible;
use crate::entity::{article, source};
use crate::error::{Record, StoreResult};
use crate::ids::unique;
use crate::page::{NameKey, Page, PageArgs, finish, window};
use crate::seo::forget_seo;
use crate::slug_history::{drop_slug_history, record_former_slug, slug_free};
use crate::store::{CatalogVisibility, Store, Visibility, stored_time};
use dateline_domain::model::Source;

/// A new source. Text is already validated.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub slug: Slug,
    pub name: String,
    pub url: Option<String>,
}

/// What an edit of a source changes; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SourceChanges {
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub url: Option<Option<String>>,
}

/// The sources `visibility` shows. In use means credited by a story public by now: one
/// probe of the source's latest-articles index (`source_id, status, published_at`).
fn listed_source(visibility: CatalogVisibility) -> Condition {
    let CatalogVisibility::InUseAsOf(now) = visibility else {
        return Condition::all();
    };
    Condition::all().add(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(article::Entity)
            .and_where(
                Expr::col((article::Entity, article::Column::SourceId))
                    .equals((source::Entity, source::Column::Id)),
            )
            .cond_where(visible(Visibility::PublishedAsOf(now)))
            .take(),
    ))
}

impl Store {
    /// Sources with these ids, keyed by id: the sources of articles already read, whatever
    /// else they are credited with.
    pub async fn sources_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Source>> {
        self.listed_sources_by_ids(CatalogVisibility::All, ids)
            .await
    }

    /// The sources among these ids that `visibility` shows, keyed by id.
    pub async fn listed_sources_by_ids(
        &self,
        visibility: CatalogVisibility,
        ids: &[i32],
    ) -> StoreResult<HashMap<i32, Source>> {
        let rows = source::Entity::find()
            .filter(source::Column::Id.is_in(unique(ids)))
            .filter(listed_source(visibility))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Source::from(r))).collect())
    }

    /// The source with this slug, if `visibility` shows it.
    pub async fn listed_source_by_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Source>> {
        let row = source::Entity::find()
            .filter(source::Column::Slug.eq(slug))
            .filter(listed_source(visibility))
            .one(self.connection())
            .await?;
        Ok(row.map(Source::from))
    }

    /// The source that once had this slug, if `visibility` shows it.
    pub async fn source_by_former_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Source>> {
        match self
            .former_slug_target(slug_redirect_kind::SOURCE, slug)
            .await?
        {
            Some(id) => Ok(self
                .listed_sources_by_ids(visibility, &[id])
                .await?
                .remove(&id)),
            None => Ok(None),
        }
    }

    /// A page of the sources `visibility` shows, by name.
    pub async fn sources_page(
        &self,
        visibility: CatalogVisibility,
        page: &PageArgs<NameKey>,
    ) -> StoreResult<Page<Source>> {
        let select = window(
            source::Entity::find().filter(listed_source(visibility)),
            source::Column::Name,
            source::Column::Id,
            false,
            page,
        );
        let rows = select.all(self.connection()).await?;
        Ok(finish(rows, page).map(Source::from))
    }

    /// How many sources `visibility` shows.
    pub async fn count_sources(&self, visibility: CatalogVisibility) -> StoreResult<u64> {
        Ok(source::Entity::find()
            .filter(listed_source(visibility))
            .count(self.connection())
            .await?)
    }

    /// Creates a source.
    pub async fn create_source(&self, new: NewSource) -> StoreResult<Source> {
        let db = self.connection();
        slug_free::<source::Entity, _>(db, &new.slug, None).await?;
        let row = source::ActiveModel {
            id: NotSet,
            slug: Set(new.slug.to_string()),
            name: Set(new.name),
            url: Set(new.url),
        };
        let row = source::Entity::insert(row)
            .exec_with_returning(db)
            .await
            .map_err(refusal::<source::Entity>)?;
        Ok(Source::from(row))
    }

    /// Changes a source's slug, name or website. A changed slug keeps the old one in the
    /// source's slug history, so its page redirects.
    pub async fn update_source(&self, id: i32, changes: SourceChanges) -> StoreResult<Source> {
        let txn = self.connection().begin().await?;
        let current = claim::<source::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            slug_free::<source::Entity, _>(&txn, &slug, Some(id)).await?;
            let now = stored_time(Utc::now());
            let kind = slug_redirect_kind::SOURCE;
            record_former_slug(&txn, kind, id, &current.slug, &slug, now).await?;
            row.slug = Set(slug.to_string());
        }
        if let Some(name) = changes.name {
            row.name = Set(name);
        }
        if let Some(url) = changes.url {
            row.url = Set(url);
        }
        let row = row.update(&txn).await.map_err(refusal::<source::Entity>)?;
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
        drop_slug_history(&txn, slug_redirect_kind::SOURCE, id).await?;
        forget_seo(&txn, PageKind::Source, id).await?;
        source::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
