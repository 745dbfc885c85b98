//! The workflow: review, publish, schedule, unpublish, archive, the trash, and the scheduled
//! publishing every server runs.
//!
//! Each change to an existing article begins by writing its row — `revision = revision + 1 …
//! WHERE revision = expected`, or a condition on the status for scheduled publishing. That
//! claims the row before anything is read, so two editors saving from the same revision
//! cannot both succeed, on PostgreSQL (row lock, then the second `WHERE` no longer matches)
//! as on SQLite (one writer at a time). Whatever fails after that rolls the whole change
//! back.

use chrono::{DateTime, Utc};
use dateline_domain::workflow::Change;
use dateline_domain::{ArticleStatus, Transition};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};

use super::change::{Trash, claim, set_tags_visibility};
use super::insert::visible_from;
use crate::entity::{article, article_tag};
use crate::error::{Record, StoreError, StoreResult};
use crate::events::ArticleEvent;
use crate::search::index::{Reindex, reindex};
use crate::store::{Store, stored_time};
use dateline_domain::model::Article;

impl Store {
    /// Moves the article through the workflow if it is still at `expected` revision and
    /// the workflow allows the move from where it stands.
    pub async fn transition(
        &self,
        id: i32,
        expected: i32,
        transition: Transition,
        editor: i32,
    ) -> StoreResult<Article> {
        let txn = self.connection().begin().await?;
        let now = stored_time(Utc::now());
        let trash = if transition.from_trash() {
            Trash::Inside
        } else {
            Trash::Outside
        };
        let current = claim(&txn, id, expected, trash, now).await?;
        let from = Article::try_from(current.clone())?.status;
        let decision = transition.decide(from, now)?;
        let mut row = current.into_active_model();
        row.status = Set(decision.status.as_str().to_owned());
        let set = |change: Change<DateTime<Utc>>, column: &mut sea_orm::ActiveValue<_>| match change
        {
            Change::Keep => {}
            Change::Set(at) => *column = Set(Some(stored_time(at))),
            Change::Clear => *column = Set(None),
        };
        set(decision.published_at, &mut row.published_at);
        set(decision.review_requested_at, &mut row.review_requested_at);
        set(decision.deleted_at, &mut row.deleted_at);
        if decision.status_changed {
            row.status_changed_at = Set(Some(now));
        }
        let row = row.update(&txn).await?;
        let went_public = decision.went_public;
        let status = Article::try_from(row.clone())?.status;
        set_tags_visibility(&txn, id, visible_from(status, row.published_at)).await?;
        self.finish_change(txn, &row, Some(editor), now, went_public)
            .await?;
        Article::try_from(row)
    }

    /// Publishes every scheduled article whose time has come, and returns their ids. Each
    /// article is claimed by a conditional update in its own transaction, so with several
    /// servers running this at once every article is published exactly once.
    pub async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<i32>> {
        let scheduled = ArticleStatus::Scheduled.as_str();
        let mut poll = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Status.eq(scheduled))
            .filter(article::Column::PublishedAt.lte(now))
            .order_by_asc(article::Column::PublishedAt)
            .limit(100)
            .build(self.backend());
        poll.sql.push_str(crate::BACKGROUND_MARK);
        let due = self
            .connection()
            .query_all_raw(poll)
            .await?
            .iter()
            .map(|row| row.try_get_by_index::<i32>(0))
            .collect::<Result<Vec<_>, _>>()?;
        let mut published = Vec::with_capacity(due.len());
        for id in due {
            // One article that fails must not hold up the others queued behind it.
            match self.publish_scheduled(id, now).await {
                Ok(true) => published.push(id),
                Ok(false) => {}
                Err(error) => tracing::error!(article = id, %error, "scheduled publishing failed"),
            }
        }
        Ok(published)
    }

    /// Publishes scheduled article `id` if it is still due at `now` and no other server has
    /// published it meanwhile; says whether this call did.
    pub(super) async fn publish_scheduled(&self, id: i32, now: DateTime<Utc>) -> StoreResult<bool> {
        let scheduled = ArticleStatus::Scheduled.as_str();
        let now = stored_time(now);
        let txn = self.connection().begin().await?;
        let claimed = article::Entity::update_many()
            .col_expr(
                article::Column::Status,
                Expr::value(ArticleStatus::Published.as_str()),
            )
            .col_expr(
                article::Column::Revision,
                Expr::col(article::Column::Revision).add(1),
            )
            .col_expr(article::Column::UpdatedAt, Expr::value(now))
            .col_expr(article::Column::StatusChangedAt, Expr::value(now))
            .filter(article::Column::Id.eq(id))
            .filter(article::Column::Status.eq(scheduled))
            .filter(article::Column::PublishedAt.lte(now))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(false);
        }
        let row = article::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound(Record::Article))?;
        set_tags_visibility(
            &txn,
            id,
            visible_from(ArticleStatus::Published, row.published_at),
        )
        .await?;
        self.finish_change(txn, &row, None, now, Some(now)).await?;
        Ok(true)
    }

    /// Sets an article's status and publication time, and keeps the copy of its visibility on
    /// its tag links in step, in one transaction that announces the change.
    pub async fn set_publication(
        &self,
        article_id: i32,
        status: ArticleStatus,
        published_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let txn = self.connection().begin().await?;
        let updated = article::Entity::update_many()
            .col_expr(article::Column::Status, Expr::value(status.as_str()))
            .col_expr(
                article::Column::PublishedAt,
                Expr::value(published_at.map(stored_time)),
            )
            .col_expr(
                article::Column::UpdatedAt,
                Expr::value(stored_time(Utc::now())),
            )
            .filter(article::Column::Id.eq(article_id))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::NotFound(Record::Article));
        }
        article_tag::Entity::update_many()
            .col_expr(
                article_tag::Column::VisibleFrom,
                Expr::value(visible_from(status, published_at)),
            )
            .filter(article_tag::Column::ArticleId.eq(article_id))
            .exec(&txn)
            .await?;
        reindex(&txn, Reindex::Articles(&[article_id])).await?;
        self.commit_announcing(txn, &[ArticleEvent::Updated { article_id }])
            .await
    }
}
