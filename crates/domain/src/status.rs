//! The life of an article: draft, scheduled, published, archived.

use std::fmt;
use std::str::FromStr;

/// Where an article stands in the editorial workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleStatus {
    /// Being written; visible to staff only.
    Draft,
    /// Approved and waiting for its publication time.
    Scheduled,
    /// Public from its publication time on.
    Published,
    /// Taken down; kept for the record, visible to staff only.
    Archived,
}

/// A stored status string that names no status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown article status {0:?}")]
pub struct UnknownStatus(pub String);

impl ArticleStatus {
    /// Every status, in workflow order.
    pub const ALL: [Self; 4] = [
        Self::Draft,
        Self::Scheduled,
        Self::Published,
        Self::Archived,
    ];

    /// The stable lowercase name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Whether the workflow allows moving from `self` to `next`. A scheduled article may be
    /// rescheduled; nothing else stays where it is.
    pub fn can_become(self, next: Self) -> bool {
        use ArticleStatus::*;
        matches!(
            (self, next),
            (Draft, Scheduled | Published | Archived)
                | (Scheduled, Draft | Scheduled | Published | Archived)
                | (Published, Draft | Archived)
                | (Archived, Draft)
        )
    }
}

impl FromStr for ArticleStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

impl fmt::Display for ArticleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_stored_name() {
        for status in ArticleStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!("live".parse::<ArticleStatus>().is_err());
    }

    #[test]
    fn archived_articles_must_go_back_to_draft_before_publishing() {
        assert!(ArticleStatus::Draft.can_become(ArticleStatus::Published));
        assert!(!ArticleStatus::Archived.can_become(ArticleStatus::Published));
        assert!(!ArticleStatus::Published.can_become(ArticleStatus::Published));
    }
}
