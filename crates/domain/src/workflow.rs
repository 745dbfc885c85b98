//! Moves through the editorial workflow: which are allowed from where an article stands, and
//! what each one changes. Persistence writes the [`Decision`]; it decides nothing itself.

use chrono::{DateTime, Utc};

use crate::ArticleStatus;

/// A move through the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Asks an editor to review a draft.
    SubmitForReview,
    /// Public from now on.
    Publish,
    /// Public from `at`, a time still to come, published then by the scheduler.
    Schedule(DateTime<Utc>),
    /// Back to draft, from published, scheduled or archived.
    Unpublish,
    /// Taken down, kept for the record.
    Archive,
    /// Into the trash, as a draft.
    Trash,
    /// Out of the trash.
    Restore,
}

/// Why the workflow refuses a move. Its text is fit for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("only drafts are submitted for review")]
    NotADraft,
    #[error("a {from} article cannot become {to}")]
    NotAllowed {
        from: ArticleStatus,
        to: ArticleStatus,
    },
    #[error("a {0} article is not published")]
    NotPublished(ArticleStatus),
    #[error("corrections are added to published articles; edit a draft instead")]
    CorrectionOfUnpublished,
}

/// How a move changes one of an article's optional times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<T> {
    Keep,
    Set(T),
    Clear,
}

/// What a move allowed by the workflow changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The status the article ends in.
    pub status: ArticleStatus,
    pub published_at: Change<DateTime<Utc>>,
    pub review_requested_at: Change<DateTime<Utc>>,
    pub deleted_at: Change<DateTime<Utc>>,
    /// Whether the move changes where the article stands (a review request does not).
    pub status_changed: bool,
    /// Set when the move makes the article public now.
    pub went_public: Option<DateTime<Utc>>,
}

impl Transition {
    /// Whether the move applies to articles in the trash (only restoring does).
    pub fn from_trash(self) -> bool {
        self == Self::Restore
    }

    /// What the move does to an article that is `from`, at `now`, or why it may not.
    pub fn decide(
        self,
        from: ArticleStatus,
        now: DateTime<Utc>,
    ) -> Result<Decision, WorkflowError> {
        let keep = Decision {
            status: from,
            published_at: Change::Keep,
            review_requested_at: Change::Keep,
            deleted_at: Change::Keep,
            status_changed: true,
            went_public: None,
        };
        let to = |status: ArticleStatus| {
            if from.can_become(status) {
                Ok(Decision { status, ..keep })
            } else {
                Err(WorkflowError::NotAllowed { from, to: status })
            }
        };
        Ok(match self {
            Self::SubmitForReview if from != ArticleStatus::Draft => {
                return Err(WorkflowError::NotADraft);
            }
            Self::SubmitForReview => Decision {
                review_requested_at: Change::Set(now),
                status_changed: false,
                ..keep
            },
            Self::Publish => Decision {
                published_at: Change::Set(now),
                review_requested_at: Change::Clear,
                went_public: Some(now),
                ..to(ArticleStatus::Published)?
            },
            Self::Schedule(at) => Decision {
                published_at: Change::Set(at),
                review_requested_at: Change::Clear,
                ..to(ArticleStatus::Scheduled)?
            },
            Self::Unpublish if from == ArticleStatus::Draft => {
                return Err(WorkflowError::NotPublished(from));
            }
            Self::Unpublish => to(ArticleStatus::Draft)?,
            Self::Archive => to(ArticleStatus::Archived)?,
            Self::Trash => Decision {
                status: ArticleStatus::Draft,
                deleted_at: Change::Set(now),
                ..keep
            },
            Self::Restore => Decision {
                deleted_at: Change::Clear,
                ..keep
            },
        })
    }
}

/// Whether an article that is `status` takes corrections: only what was made public does.
pub fn takes_corrections(status: ArticleStatus) -> bool {
    matches!(status, ArticleStatus::Published | ArticleStatus::Archived)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArticleStatus::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).expect("a valid time")
    }

    #[test]
    fn publishing_a_draft_makes_it_public_now_and_ends_its_review() {
        let d = Transition::Publish.decide(Draft, now()).expect("allowed");
        assert_eq!(d.status, Published);
        assert_eq!(d.published_at, Change::Set(now()));
        assert_eq!(d.review_requested_at, Change::Clear);
        assert_eq!(d.went_public, Some(now()));
    }

    #[test]
    fn refusals_say_why() {
        let archived = Transition::Publish
            .decide(Archived, now())
            .expect_err("refused");
        assert_eq!(
            archived.to_string(),
            "a archived article cannot become published"
        );
        let review = Transition::SubmitForReview
            .decide(Published, now())
            .expect_err("refused");
        assert_eq!(review, WorkflowError::NotADraft);
        let draft = Transition::Unpublish
            .decide(Draft, now())
            .expect_err("refused");
        assert_eq!(draft.to_string(), "a draft article is not published");
    }

    #[test]
    fn a_review_request_changes_no_status() {
        let d = Transition::SubmitForReview
            .decide(Draft, now())
            .expect("allowed");
        assert_eq!((d.status, d.status_changed), (Draft, false));
        assert_eq!(d.review_requested_at, Change::Set(now()));
    }

    #[test]
    fn trashing_makes_a_draft_and_restoring_keeps_the_status() {
        let trashed = Transition::Trash.decide(Published, now()).expect("allowed");
        assert_eq!(
            (trashed.status, trashed.deleted_at),
            (Draft, Change::Set(now()))
        );
        let restored = Transition::Restore.decide(Draft, now()).expect("allowed");
        assert_eq!(
            (restored.status, restored.deleted_at),
            (Draft, Change::Clear)
        );
        assert!(Transition::Restore.from_trash() && !Transition::Trash.from_trash());
    }
}
