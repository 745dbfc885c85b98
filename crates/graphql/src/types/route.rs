//! `Route`: what a URL path names, for frontends that route by path.

use async_graphql::SimpleObject;

use crate::types::Node;

/// The page a URL path leads to.
#[derive(SimpleObject)]
pub struct Route {
    /// The article, section, tag or author the path names.
    pub node: Node,
    /// The path the page lives at now.
    pub canonical_uri: String,
    /// Whether the path asked for is not the canonical one (a former slug, another case or
    /// section), so the frontend should redirect to `canonicalUri`.
    pub is_redirect: bool,
}
