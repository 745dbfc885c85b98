//! The records the API reads, in the newsroom's terms. Rows are mapped into these once, here.

use chrono::{DateTime, Utc};
use dateline_domain::{ArticleStatus, Role};

use crate::entity;
use crate::error::StoreError;

/// A story.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i32,
    pub slug: String,
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

/// A byline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// A section of the site; sections form a tree through `parent_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i32>,
    pub position: i32,
}

/// A topic label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

/// The desk or agency a story is credited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: i32,
    pub name: String,
    pub url: Option<String>,
}

impl TryFrom<entity::article::Model> for Article {
    type Error = StoreError;

    fn try_from(row: entity::article::Model) -> Result<Self, Self::Error> {
        let status = row.status.parse().map_err(|_| {
            StoreError::Corrupt(format!("article {} has status {:?}", row.id, row.status))
        })?;
        let featured_image = row.featured_image_url.map(|url| FeaturedImage {
            url,
            alt_text: row.featured_image_alt,
            caption: row.featured_image_caption,
            credit: row.featured_image_credit,
        });
        Ok(Self {
            id: row.id,
            slug: row.slug,
            title: row.title,
            subtitle: row.subtitle,
            excerpt: row.excerpt,
            word_count: u32::try_from(row.word_count).unwrap_or_default(),
            dateline_place: row.dateline_place,
            source_id: row.source_id,
            author_id: row.author_id,
            section_id: row.section_id,
            status,
            published_at: row.published_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            featured: row.featured,
            featured_image,
            revision: row.revision,
            owner_id: row.owner_id,
            review_requested_at: row.review_requested_at,
            deleted_at: row.deleted_at,
            status_changed_at: row.status_changed_at,
        })
    }
}

impl From<entity::article_body::Model> for ArticleBody {
    fn from(row: entity::article_body::Model) -> Self {
        Self {
            html: row.body_html,
            text: row.body_text,
        }
    }
}

impl From<entity::author::Model> for Author {
    fn from(row: entity::author::Model) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            bio: row.bio,
            avatar_url: row.avatar_url,
        }
    }
}

impl From<entity::section::Model> for Section {
    fn from(row: entity::section::Model) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            parent_id: row.parent_id,
            position: row.position,
        }
    }
}

impl From<entity::tag::Model> for Tag {
    fn from(row: entity::tag::Model) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
        }
    }
}

impl From<entity::source::Model> for Source {
    fn from(row: entity::source::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            url: row.url,
        }
    }
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The public author profile this person writes as.
    pub author_id: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<entity::user::Model> for User {
    type Error = StoreError;

    fn try_from(row: entity::user::Model) -> Result<Self, Self::Error> {
        let role = row
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("user {} has role {:?}", row.id, row.role)))?;
        Ok(Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            author_id: row.author_id,
            created_at: row.created_at,
        })
    }
}

/// An article as one change left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub article_id: i32,
    pub number: i32,
    /// Who made the change; `None` for the scheduler or a deleted account.
    pub user_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub status: ArticleStatus,
    pub slug: String,
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

impl TryFrom<entity::article_revision::Model> for Revision {
    type Error = StoreError;

    fn try_from(row: entity::article_revision::Model) -> Result<Self, Self::Error> {
        let corrupt = || {
            StoreError::Corrupt(format!(
                "revision {} of article {} is malformed",
                row.revision, row.article_id
            ))
        };
        let status = row.status.parse().map_err(|_| corrupt())?;
        let ids = |list: &str| {
            list.split(',')
                .filter(|id| !id.is_empty())
                .map(str::parse)
                .collect::<Result<Vec<i32>, _>>()
                .map_err(|_| corrupt())
        };
        let tag_ids = ids(&row.tag_ids)?;
        let co_author_ids = ids(&row.co_author_ids)?;
        let featured_image = row.featured_image_url.map(|url| FeaturedImage {
            url,
            alt_text: row.featured_image_alt,
            caption: row.featured_image_caption,
            credit: row.featured_image_credit,
        });
        Ok(Self {
            article_id: row.article_id,
            number: row.revision,
            user_id: row.user_id,
            created_at: row.created_at,
            status,
            slug: row.slug,
            title: row.title,
            subtitle: row.subtitle,
            custom_excerpt: row.custom_excerpt,
            body_html: row.body_html,
            dateline_place: row.dateline_place,
            section_id: row.section_id,
            source_id: row.source_id,
            author_id: row.author_id,
            tag_ids,
            co_author_ids,
            featured: row.featured,
            featured_image,
        })
    }
}

/// A public note correcting a published article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub id: i32,
    pub article_id: i32,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

impl From<entity::article_correction::Model> for Correction {
    fn from(row: entity::article_correction::Model) -> Self {
        Self {
            id: row.id,
            article_id: row.article_id,
            note: row.note,
            created_at: row.created_at,
        }
    }
}
