//! The records the API reads, in the newsroom's terms. Rows are mapped into these once, here.

use chrono::{DateTime, Utc};
use dateline_domain::ArticleStatus;

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
