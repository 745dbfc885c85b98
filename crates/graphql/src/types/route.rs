//! `Route`: what a URL path names, for frontends that route by path.

use async_graphql::{Enum, SimpleObject};

use crate::types::Node;

/// The kinds of page a URL path can lead to.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// The front page (`/`).
    Home,
    /// An article page (`/<section>/<article>`).
    Article,
    /// A section page (`/<section>`).
    Section,
    /// A tag page (`/tag/<slug>`).
    Tag,
    /// An author page (`/author/<slug>`).
    Author,
    /// A source page (`/source/<slug>`).
    Source,
}

/// The page a URL path leads to.
#[derive(SimpleObject)]
pub struct Route {
    /// What kind of page it is.
    pub kind: RouteKind,
    /// The article, section, tag, author or source the path names; null for the front page,
    /// which is no object of its own.
    pub node: Option<Node>,
    /// The path the page lives at now.
    pub canonical_uri: String,
    /// Whether the path asked for is not the canonical one (a former slug, another case or
    /// section), so the frontend should redirect to `canonicalUri`.
    pub is_redirect: bool,
}
