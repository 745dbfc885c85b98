//! The schema's object types, one file each, mirroring what a news page shows, and the
//! connections that list them (`connection`, and `search` for search results).

pub(crate) mod article;
mod article_order;
mod author;
pub(crate) mod connection;
mod editorial;
pub(crate) mod filter;
mod node;
mod related;
mod route;
mod search;
mod section;
pub(crate) mod seo;
mod source;
mod tag;

pub use article::{Article, ArticleStatusValue, Breadcrumb, Dateline, FeaturedImage};
pub use article_order::{ArticleOrderField, ArticleOrderInput, OrderDirection};
pub use author::Author;
pub use connection::{ArticleConnection, AuthorConnection, SourceConnection, TagConnection};
pub use editorial::{ArticleRevision, Correction, RoleValue, Settings, User};
pub use filter::{ArticleFilterInput, SearchFilterInput};
pub use node::Node;
pub use related::{RelatedArticle, RelatedReason, RelatedReasonKind};
pub use route::{Route, RouteKind};
pub use search::SearchConnection;
pub(crate) use search::search_connection;
pub use section::Section;
pub use seo::{OpenGraph, Seo, SeoImage, TwitterCard};
pub use source::Source;
pub use tag::Tag;
