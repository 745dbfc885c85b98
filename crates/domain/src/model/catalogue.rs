//! What stories are filed under and credited to: author profiles, sections, tags and sources.

use crate::Slug;

/// A byline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: i32,
    pub slug: Slug,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// A section of the site; sections form a tree through `parent_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: i32,
    pub slug: Slug,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i32>,
    pub position: i32,
}

/// A topic label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: i32,
    pub slug: Slug,
    pub name: String,
}

/// The desk or agency a story is credited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: i32,
    pub slug: Slug,
    pub name: String,
    pub url: Option<String>,
}
