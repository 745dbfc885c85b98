//! Dateline's storage: SeaORM entities and the queries the API needs, on SQLite or PostgreSQL.
//!
//! Callers hold a [`Store`] and ask it for things in the newsroom's terms — a page of the
//! latest articles, the authors with these ids, the section tree — and get back the records
//! in [`model`]. Lists are keyset pages ([`page`]); batch loads return maps keyed by id, ready
//! for dataloaders.

pub mod demo;
mod entity;
pub mod error;
pub mod model;
pub mod page;
mod queries;
pub mod seed;
mod store;
mod write;

pub use error::{StoreError, StoreResult};
pub use queries::articles::{ArticleFilter, ArticleOrder};
pub use queries::related::RelatedArticle;
pub use sea_orm::DatabaseConnection;
pub use store::{Store, Visibility, connect};
pub use write::NewArticle;
