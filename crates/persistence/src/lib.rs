//! Dateline's storage: SeaORM entities and the queries the API needs, on SQLite or PostgreSQL.
//!
//! Callers hold a [`Store`] and ask it for things in the newsroom's terms — a page of the
//! latest articles, the authors with these ids, the section tree — and get back the records
//! in [`model`]. Lists are keyset pages ([`page`]); batch loads return maps keyed by id, ready
//! for dataloaders.

pub mod accounts;
pub mod demo;
mod desk;
mod editorial;
mod entity;
pub mod error;
pub mod events;
pub mod model;
pub mod page;
mod previews;
mod queries;
pub mod related_cache;
mod search_index;
pub mod section_tree;
pub mod seed;
pub mod sign_ins;
mod slug_history;
mod store;
mod write;

pub use accounts::{AccountError, NewUser, UserChanges};
pub use desk::{
    AuthorChanges, DeskError, NewAuthor, NewSection, NewSource, SectionChanges, SourceChanges,
    TagChanges,
};
pub use editorial::{
    ArticleChanges, ArticleContent, EditError, Reference, SCHEDULER_POLL_MARK, Transition,
};
pub use error::{StoreError, StoreResult};
pub use queries::articles::{ArticleFilter, ArticleOrder, ArticlePage};
pub use queries::related::{RelatedArticle, RelatedRequest};
pub use queries::search::{Facet, Highlight, SearchField, SearchFilter, SearchHit, SearchKey};
pub use sea_orm::DatabaseConnection;
pub use section_tree::SectionTree;
pub use store::{CatalogVisibility, PoolSettings, Store, Visibility, connect, connect_with};
pub use write::NewArticle;
