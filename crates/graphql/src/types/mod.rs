//! The schema's object types, one file each, mirroring what a news page shows, and the
//! connections that list them (`connection`, and `search` for search results).

pub(crate) mod article;
mod author;
pub(crate) mod connection;
mod editorial;
mod node;
mod related;
mod route;
mod search;
mod section;
mod source;
mod tag;

pub use article::{
    Article, ArticleFilterInput, ArticleOrderBy, ArticleStatusValue, Breadcrumb, Dateline,
    FeaturedImage,
};
pub use author::Author;
pub use connection::{ArticleConnection, AuthorConnection, TagConnection};
pub use editorial::{ArticleRevision, Correction, RoleValue, Settings, User};
pub use node::Node;
pub use related::{RelatedArticle, RelatedReason, RelatedReasonKind};
pub use route::{Route, RouteKind};
pub(crate) use search::search_connection;
pub use search::{SearchConnection, SearchFilterInput};
pub use section::Section;
pub use source::Source;
pub use tag::Tag;
