//! Stories: an article, its body, its lead picture, the revisions every change leaves and the
//! public corrections of what was published.

use chrono::{DateTime, Utc};

use crate::{ArticleStatus, Slug};

/// A story.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i32,
    pub slug: Slug,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub word_count: u32,
    pub dateline_place: Option<String>,
    pub source_id: Option<i32>,
    pub author_id: i32,
    pub section_id: i32,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub featured: bool,
    pub featured_image: Option<FeaturedImage>,
    /// Bumped by every change; editors save against the number they started from.
    pub revision: i32,
    /// The staff account that created the article, if one did.
    pub owner_id: Option<i32>,
    /// When its writer last asked for review, if it is waiting for one.
    pub review_requested_at: Option<DateTime<Utc>>,
    /// When it was moved to the trash, while it is there.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When the workflow last moved it (publish, unpublish, trash…), if ever.
    pub status_changed_at: Option<DateTime<Utc>>,
}

impl Article {
    /// Whether readers who are not signed in see the article at `now`: published, its
    /// publication time reached, and not in the trash.
    pub fn is_public_at(&self, now: DateTime<Utc>) -> bool {
        self.status == ArticleStatus::Published
            && self.deleted_at.is_none()
            && self.published_at.is_some_and(|at| at <= now)
    }
}

/// An article's body, read only when a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleBody {
    /// Sanitised HTML.
    pub html: String,
    /// Plain text, paragraphs separated by blank lines.
    pub text: String,
}

/// The lead picture of a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturedImage {
    pub url: String,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// An article as one change left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// The revision's own id, unique across every article's revisions.
    pub id: i32,
    pub article_id: i32,
    pub number: i32,
    /// Who made the change; `None` for the scheduler or a deleted account.
    pub user_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub status: ArticleStatus,
    pub slug: Slug,
    pub title: String,
    pub subtitle: Option<String>,
    pub custom_excerpt: Option<String>,
    pub body_html: String,
    pub dateline_place: Option<String>,
    pub section_id: i32,
    pub source_id: Option<i32>,
    pub author_id: i32,
    pub tag_ids: Vec<i32>,
    pub co_author_ids: Vec<i32>,
    pub featured: bool,
    pub featured_image: Option<FeaturedImage>,
}

/// A public note correcting a published article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub id: i32,
    pub article_id: i32,
    pub note: String,
    pub created_at: DateTime<Utc>,
}
