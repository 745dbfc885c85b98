//! Revisions and corrections: every saved state of an article, restoring one, and the dated
//! public corrections of published stories.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::WorkflowError;
use dateline_domain::html::SafeHtml;
use dateline_domain::{ArticleStatus, Slug};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::change::{Trash, claim};
use super::edit::{ArticleChanges, apply, existing};
use crate::entity::{article, article_correction, article_revision, author, tag};
use crate::error::{Record, StoreError, StoreResult};
use crate::events::ArticleEvent;
use crate::ids::unique;
use crate::page::{NumberKey, Page, PageArgs, finish, window};
use crate::store::{Store, stored_time};
use dateline_domain::model::{Article, Correction, Revision};

impl Store {
    /// Brings back the content of revision `number` as a new revision.
    pub async fn restore_revision(
        &self,
        id: i32,
        expected: i32,
        number: i32,
        editor: i32,
    ) -> StoreResult<Article> {
        let txn = self.connection().begin().await?;
        let now = stored_time(Utc::now());
        let current = claim(&txn, id, expected, Trash::Outside, now).await?;
        let old = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id))
            .filter(article_revision::Column::Revision.eq(number))
            .one(&txn)
            .await?
            .ok_or(StoreError::UnknownRevision(number))?;
        let old = Revision::try_from(old)?;
        let slug = Slug::parse(&old.slug).map_err(|_| {
            StoreError::Corrupt(format!("revision {number} of {id} has a bad slug"))
        })?;
        let changes = ArticleChanges {
            slug: Some(slug),
            title: Some(old.title),
            subtitle: Some(old.subtitle),
            body: Some(SafeHtml::from_trusted(old.body_html)),
            excerpt: Some(old.custom_excerpt),
            dateline_place: Some(old.dateline_place),
            section_id: Some(old.section_id),
            source_id: Some(old.source_id),
            author_id: Some(old.author_id),
            co_author_ids: Some(existing::<author::Entity>(&txn, &old.co_author_ids).await?),
            tag_ids: Some(existing::<tag::Entity>(&txn, &old.tag_ids).await?),
            featured: Some(old.featured),
            featured_image: Some(old.featured_image),
        };
        let row = apply(&txn, current, changes, now).await?;
        self.finish_change(txn, &row, Some(editor), now, None)
            .await?;
        Article::try_from(row)
    }

    /// Adds a dated public correction to a published (or archived) article that is still
    /// at revision `expected`. The article's row is claimed first, so it cannot be
    /// unpublished or saved while the note is added.
    pub async fn add_correction(
        &self,
        id: i32,
        expected: i32,
        note: String,
        editor: i32,
    ) -> StoreResult<Correction> {
        let now = stored_time(Utc::now());
        let txn = self.connection().begin().await?;
        let public = [
            ArticleStatus::Published.as_str(),
            ArticleStatus::Archived.as_str(),
        ];
        let claimed = article::Entity::update_many()
            .col_expr(article::Column::UpdatedAt, Expr::value(now))
            .filter(article::Column::Id.eq(id))
            .filter(article::Column::Revision.eq(expected))
            .filter(article::Column::Status.is_in(public))
            .filter(article::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            let article = article::Entity::find_by_id(id).one(&txn).await?;
            return Err(match article {
                None => StoreError::NotFound(Record::Article),
                Some(a) if a.revision != expected => StoreError::Conflict {
                    expected,
                    current: a.revision,
                },
                Some(a) if a.deleted_at.is_some() => StoreError::InTrash,
                Some(_) => StoreError::Workflow(WorkflowError::CorrectionOfUnpublished),
            });
        }
        let row = article_correction::Entity::insert(article_correction::ActiveModel {
            id: NotSet,
            article_id: Set(id),
            note: Set(note),
            user_id: Set(Some(editor)),
            created_at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        let events = [ArticleEvent::Updated { article_id: id }];
        self.commit_announcing(txn, &events).await?;
        Ok(Correction::from(row))
    }

    /// Each article's corrections, oldest first, keyed by article id.
    pub async fn corrections_of(
        &self,
        article_ids: &[i32],
    ) -> Result<HashMap<i32, Vec<Correction>>, StoreError> {
        let rows = article_correction::Entity::find()
            .filter(article_correction::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_correction::Column::CreatedAt)
            .order_by_asc(article_correction::Column::Id)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Correction>> = HashMap::new();
        for row in rows {
            by_article
                .entry(row.article_id)
                .or_default()
                .push(Correction::from(row));
        }
        Ok(by_article)
    }

    /// Revision `number` of the article, if it was recorded. Revisions are never changed once
    /// written, so what this returns is what [`Store::restore_revision`] brings back; an
    /// article not yet changed through the desk has no row for the revision it is at.
    pub async fn revision(&self, id: i32, number: i32) -> Result<Option<Revision>, StoreError> {
        article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id))
            .filter(article_revision::Column::Revision.eq(number))
            .one(self.connection())
            .await?
            .map(Revision::try_from)
            .transpose()
    }

    /// A page of the article's revisions, newest first.
    pub async fn revisions_page(
        &self,
        id: i32,
        page: &PageArgs<NumberKey>,
    ) -> StoreResult<Page<Revision>> {
        let select = window(
            article_revision::Entity::find().filter(article_revision::Column::ArticleId.eq(id)),
            article_revision::Column::Revision,
            article_revision::Column::Id,
            true,
            page,
        );
        let rows = select.all(self.connection()).await?;
        let revisions = rows
            .into_iter()
            .map(Revision::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish(revisions, page))
    }

    /// How many revisions of the article were recorded.
    pub async fn count_revisions(&self, id: i32) -> StoreResult<u64> {
        Ok(article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id))
            .count(self.connection())
            .await?)
    }

    /// Recorded revisions by their row ids, whichever articles they belong to, keyed by id.
    pub async fn revisions_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Revision>> {
        article_revision::Entity::find()
            .filter(article_revision::Column::Id.is_in(unique(ids)))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| Revision::try_from(row).map(|revision| (revision.id, revision)))
            .collect()
    }

    /// Corrections by id, whichever articles they belong to, keyed by id.
    pub async fn corrections_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Correction>> {
        Ok(article_correction::Entity::find()
            .filter(article_correction::Column::Id.is_in(unique(ids)))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| (row.id, Correction::from(row)))
            .collect())
    }
}
