//! Articles: reading them (pages, by slug, by id, related stories, previews), writing them
//! (new drafts, edits), the workflow, revisions and corrections, and the public listings of
//! feeds and sitemaps.
//!
//! Each write is one transaction. A change to an existing article claims its row first (see
//! [`workflow`]); new drafts are inserted, their references checked first and by the
//! constraints.

pub(crate) mod change;
pub(crate) mod edit;
pub(crate) mod insert;
mod listing;
mod pins;
mod previews;
pub(crate) mod read;
pub(crate) mod related;
pub(crate) mod related_cache;
mod revisions;
mod workflow;

use sea_orm::sea_query::{Condition, Expr, ExprTrait};

use crate::entity::article;
use crate::store::Visibility;

pub use edit::ArticleChanges;
pub use insert::{ArticleContent, NewArticle};
pub use listing::{FeedItems, SitemapBucket, SitemapEntry};
pub use read::{ArticleFilter, ArticleOrder, ArticlePage, ArticleSort};
pub use related::RelatedRequest;

/// The rows of `articles` a reader with `visibility` may see. Columns are qualified with the
/// table name so the condition also holds in joins.
pub(crate) fn visible(visibility: Visibility) -> Condition {
    let public = |now| {
        Condition::all()
            .add(
                Expr::col((article::Entity, article::Column::Status))
                    .eq(dateline_domain::ArticleStatus::Published.as_str()),
            )
            .add(Expr::col((article::Entity, article::Column::PublishedAt)).lte(now))
    };
    match visibility {
        Visibility::PublishedAsOf(now) => public(now),
        Visibility::Desk => Condition::all(),
        Visibility::DeskOwn { now, user_id } => Condition::any()
            .add(public(now))
            .add(Expr::col((article::Entity, article::Column::OwnerId)).eq(user_id)),
    }
}
