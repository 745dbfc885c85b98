//! Articles: reading them (pages, by slug, by id, related stories, previews), writing them
//! (new drafts, edits), the workflow, revisions and corrections.
//!
//! Each write is one transaction. A change to an existing article claims its row first (see
//! [`workflow`]); new drafts are inserted, their references checked first and by the
//! constraints.

mod edit;
pub(crate) mod insert;
mod pins;
mod previews;
pub(crate) mod read;
pub(crate) mod related;
pub(crate) mod related_cache;
mod revisions;
mod workflow;

pub use edit::{ArticleChanges, ArticleContent, Reference};
pub use insert::NewArticle;
pub use read::{ArticleFilter, ArticleOrder, ArticlePage};
pub use related::{RelatedArticle, RelatedRequest};
pub use workflow::{SCHEDULER_POLL_MARK, Transition};

use sea_orm::sea_query::{Condition, Expr, ExprTrait};

use crate::entity::article;
use crate::error::StoreError;
use crate::store::Visibility;

/// Why an edit was refused. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no such article")]
    NotFound,
    #[error("the article is in the trash")]
    InTrash,
    #[error("the article is not in the trash")]
    NotInTrash,
    #[error("the article has changed since revision {expected}: it is at revision {current}")]
    Conflict { expected: i32, current: i32 },
    #[error("another article has this slug")]
    SlugTaken,
    #[error("there is no {kind:?} with id {id}")]
    Unknown { kind: Reference, id: i32 },
    #[error("something the article refers to was deleted meanwhile")]
    ReferenceGone,
    #[error("no revision {0} of this article")]
    UnknownRevision(i32),
    #[error("an article cannot be related to itself")]
    RelatedToItself,
    #[error("{0}")]
    Workflow(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for EditError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error.into())
    }
}

type EditResult<T> = Result<T, EditError>;

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
