//! Tags: listed when in use on a public story, looked up by slug, loaded per article, and
//! created, renamed, merged and deleted by the desk.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::Slug;
use dateline_domain::seo::PageKind;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use super::{claim, refusal, refuse_in_use};
use crate::articles::read::slug_redirect_kind;
use crate::entity::{article_tag, tag};
use crate::error::{Record, Reference, StoreError, StoreResult};
use crate::ids::unique;
use crate::page::{NameKey, Page, PageArgs, finish, window};
use crate::rows::{Joined, also_related};
use crate::search::index::{Reindex, reindex};
use crate::seo::forget_seo;
use crate::slug_history::slug_free;
use crate::slug_history::{drop_slug_history, move_slug_history, record_former_slug};
use crate::store::{CatalogVisibility, Store, stored_time};
use dateline_domain::model::Tag;

/// What an edit of a tag changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TagChanges {
    pub slug: Option<Slug>,
    pub name: Option<String>,
}

/// The tags `visibility` shows. In use means on a story public by now, which the copy of
/// each story's publication time on its tag links answers from the index tag pages read
/// (`tag_id, visible_from`): one index probe per tag.
fn listed_tag(visibility: CatalogVisibility) -> Condition {
    match visibility {
        CatalogVisibility::All => Condition::all(),
        CatalogVisibility::InUseAsOf(now) => Condition::all().add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(article_tag::Entity)
                .and_where(
                    Expr::col((article_tag::Entity, article_tag::Column::TagId))
                        .equals((tag::Entity, tag::Column::Id)),
                )
                .and_where(
                    Expr::col((article_tag::Entity, article_tag::Column::VisibleFrom)).lte(now),
                )
                .take(),
        )),
    }
}

impl Store {
    /// Tags with these ids, keyed by id: the tags of articles or search results already
    /// read, whatever else carries them.
    pub async fn tags_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Tag>> {
        self.listed_tags_by_ids(CatalogVisibility::All, ids).await
    }

    /// The tags among these ids that `visibility` shows, keyed by id.
    pub async fn listed_tags_by_ids(
        &self,
        visibility: CatalogVisibility,
        ids: &[i32],
    ) -> StoreResult<HashMap<i32, Tag>> {
        let rows = tag::Entity::find()
            .filter(tag::Column::Id.is_in(unique(ids)))
            .filter(listed_tag(visibility))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Tag::from(r))).collect())
    }

    /// The tag with this slug, if `visibility` shows it.
    pub async fn listed_tag_by_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Tag>> {
        let row = tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .filter(listed_tag(visibility))
            .one(self.connection())
            .await?;
        Ok(row.map(Tag::from))
    }

    /// The tag that once had this slug (or the tag it was merged into), if `visibility`
    /// shows it.
    pub async fn tag_by_former_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Tag>> {
        match self
            .former_slug_target(slug_redirect_kind::TAG, slug)
            .await?
        {
            Some(id) => Ok(self
                .listed_tags_by_ids(visibility, &[id])
                .await?
                .remove(&id)),
            None => Ok(None),
        }
    }

    /// A page of the tags `visibility` shows, by name.
    pub async fn tags_page(
        &self,
        visibility: CatalogVisibility,
        page: &PageArgs<NameKey>,
    ) -> StoreResult<Page<Tag>> {
        let select = window(
            tag::Entity::find().filter(listed_tag(visibility)),
            tag::Column::Name,
            tag::Column::Id,
            false,
            page,
        );
        let rows = select.all(self.connection()).await?;
        Ok(finish(rows, page).map(Tag::from))
    }

    /// Each article's tags, in the editor's order, keyed by article id. Articles without tags
    /// are absent from the map.
    pub async fn tags_of_articles(
        &self,
        article_ids: &[i32],
    ) -> StoreResult<HashMap<i32, Vec<Tag>>> {
        let select = article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_tag::Column::Position);
        let rows = also_related::<_, tag::Model>(select)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Tag>> = HashMap::new();
        for Joined(link, tag) in rows {
            if let Some(tag) = tag {
                by_article
                    .entry(link.article_id)
                    .or_default()
                    .push(tag.into());
            }
        }
        Ok(by_article)
    }

    /// How many tags `visibility` shows.
    pub async fn count_tags(&self, visibility: CatalogVisibility) -> StoreResult<u64> {
        Ok(tag::Entity::find()
            .filter(listed_tag(visibility))
            .count(self.connection())
            .await?)
    }

    /// Creates a tag.
    pub async fn create_tag(&self, slug: Slug, name: String) -> StoreResult<Tag> {
        let db = self.connection();
        slug_free::<tag::Entity, _>(db, &slug, None).await?;
        let row = tag::ActiveModel {
            id: NotSet,
            slug: Set(slug.to_string()),
            name: Set(name),
        };
        let row = tag::Entity::insert(row)
            .exec_with_returning(db)
            .await
            .map_err(refusal::<tag::Entity>)?;
        Ok(Tag::from(row))
    }

    /// Changes a tag's slug or name.
    pub async fn update_tag(&self, id: i32, changes: TagChanges) -> StoreResult<Tag> {
        let txn = self.connection().begin().await?;
        let current = claim::<tag::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            slug_free::<tag::Entity, _>(&txn, &slug, Some(id)).await?;
            let now = stored_time(Utc::now());
            record_former_slug(&txn, slug_redirect_kind::TAG, id, &current.slug, &slug, now)
                .await?;
            row.slug = Set(slug.to_string());
        }
        let renamed = changes.name.filter(|name| *name != current.name);
        if let Some(name) = renamed.clone() {
            row.name = Set(name);
        }
        let row = row.update(&txn).await.map_err(refusal::<tag::Entity>)?;
        if renamed.is_some() {
            reindex(&txn, Reindex::ByTag(id)).await?;
        }
        txn.commit().await?;
        Ok(Tag::from(row))
    }

    /// Deletes a tag no article carries.
    pub async fn delete_tag(&self, id: i32) -> StoreResult<()> {
        let txn = self.connection().begin().await?;
        claim::<tag::Entity>(&txn, id).await?;
        let articles = article_tag::Entity::find()
            .filter(article_tag::Column::TagId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(Record::Tag, articles, 0)?;
        drop_slug_history(&txn, slug_redirect_kind::TAG, id).await?;
        forget_seo(&txn, PageKind::Tag, id).await?;
        tag::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Moves every article of tag `source_id` to tag `target_id`, deletes `source_id`, and
    /// returns the target. An article that carried both keeps the target's link, at the
    /// target's place in its order; a moved link keeps its place and visibility, which
    /// belong to the article, not the tag.
    pub async fn merge_tags(&self, source_id: i32, target_id: i32) -> StoreResult<Tag> {
        if source_id == target_id {
            return Err(StoreError::SameTag);
        }
        let txn = self.connection().begin().await?;
        // In id order, so that two merges of the same pair wait for each other rather than
        // deadlock.
        let mut ids = [source_id, target_id];
        ids.sort_unstable();
        let (mut source, mut target) = (None, None);
        for id in ids {
            let reference = if id == source_id {
                Reference::MergedTag
            } else {
                Reference::MergeTarget
            };
            let row = claim::<tag::Entity>(&txn, id).await.map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::Unknown { reference, id },
                e => e,
            })?;
            if id == target_id {
                target = Some(row);
            } else {
                source = Some(row);
            }
        }
        let (Some(source), Some(target)) = (source, target) else {
            return Err(StoreError::NotFound(Record::Tag));
        };
        article_tag::Entity::delete_many()
            .filter(article_tag::Column::TagId.eq(source_id))
            .filter(
                article_tag::Column::ArticleId.in_subquery(
                    Query::select()
                        .column(article_tag::Column::ArticleId)
                        .from(article_tag::Entity)
                        .and_where(article_tag::Column::TagId.eq(target_id))
                        .to_owned(),
                ),
            )
            .exec(&txn)
            .await?;
        article_tag::Entity::update_many()
            .col_expr(article_tag::Column::TagId, Expr::value(target_id))
            .filter(article_tag::Column::TagId.eq(source_id))
            .exec(&txn)
            .await?;
        // The merged tag's page, and every page it once had, now show the target.
        let kind = slug_redirect_kind::TAG;
        move_slug_history(&txn, kind, source_id, target_id).await?;
        let target_slug = Slug::parse(&target.slug)
            .map_err(|_| StoreError::Corrupt(format!("tag {target_id} has a bad slug")))?;
        let now = stored_time(Utc::now());
        record_former_slug(&txn, kind, target_id, &source.slug, &target_slug, now).await?;
        forget_seo(&txn, PageKind::Tag, source_id).await?;
        tag::Entity::delete_by_id(source_id).exec(&txn).await?;
        reindex(&txn, Reindex::ByTag(target_id)).await?;
        txn.commit().await?;
        Ok(Tag::from(target))
    }
}
