//! `Node`: anything with a global id, for `node(id:)`, `nodes(ids:)` and `route(path:)`.

use async_graphql::{ID, Interface};

use crate::types::{Article, ArticleRevision, Author, Correction, Section, Source, Tag, User};

/// An object with a global id that `node(id:)` can fetch again.
// Nodes live for one response only; boxing articles would cost an allocation for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global id, opaque and stable."
))]
pub enum Node {
    Article(Article),
    Author(Author),
    Section(Section),
    Source(Source),
    Tag(Tag),
    User(User),
    ArticleRevision(ArticleRevision),
    Correction(Correction),
}
