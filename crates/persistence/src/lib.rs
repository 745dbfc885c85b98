//! Dateline's storage: SeaORM entities and the queries and writes the API needs, on SQLite or
//! PostgreSQL.
//!
//! Callers hold a [`Store`] and ask it for things in the newsroom's terms — a page of the
//! latest articles, the authors with these ids, the section tree, a draft saved against the
//! revision its editor started from — and get back the domain's records
//! ([`dateline_domain::model`]). Lists are keyset pages ([`page`]); batch loads return maps
//! keyed by id, ready for dataloaders. Every write is one transaction.
//!
//! # Layout
//!
//! `Store`'s methods live with the aggregate they serve, reads and writes together:
//!
//! - [`articles`]: pages, lookups and related stories (`read`, `related`), new drafts and
//!   edits (`edit`, `insert`), the workflow and scheduler (`workflow`), revisions and
//!   corrections (`revisions`), what every change shares (`change`), pinned related stories
//!   (`pins`), preview links (`previews`), what feeds and sitemaps list (`listing`).
//! - [`catalogue`]: sections (and the section tree), tags, sources and author profiles.
//! - [`accounts`]: staff accounts, passwords, sessions, sign-in throttling, settings.
//! - [`search`]: full-text search, facets and highlights, and the index every write keeps.
//! - [`events`]: the live-update bus, announced with each write's transaction and relayed
//!   between servers on PostgreSQL. It knows nothing of `Store`.
//! - `dialect`: every difference between SQLite and PostgreSQL — connection settings,
//!   placeholders, full-text syntax, search SQL, statistics, notifications — and `Sql`,
//!   statements assembled from typed parts. Nothing else matches on the backend.
//! - `store`: opening, migrating and the [`Store`] handle itself; `kept`: what a server
//!   keeps between requests (the section tree, "Check Also" rankings).
//! - [`import`]: importing a WordPress site in one transaction, remembering what each
//!   record became and the old addresses that lead to it.
//! - [`narrowing`]: what readers narrow lists and searches by, for both.
//! - [`replicas`]: PostgreSQL streaming replicas that take the public's reads, and the
//!   watcher that keeps those that lag or fail out of rotation.
//! - [`observe`]: what each request's statements cost, and the hook metrics and traces
//!   watch every statement through.
//! - [`error`]: the one error type; [`page`]: keyset pagination; `records`: rows mapped to
//!   the domain's records; `rows`: decoding joined rows; `entity`: the SeaORM entities
//!   (private); `slug_history`: free slugs and former ones; [`seo`]: the search-engine titles and
//!   descriptions editors set; [`demo`] and [`seed`]: sample
//!   newsrooms.

pub mod accounts;
pub mod articles;
pub mod catalogue;
pub mod demo;
mod dialect;
mod entity;
pub mod error;
pub mod events;
mod ids;
pub mod import;
mod kept;
pub mod narrowing;
pub mod observe;
pub mod page;
mod records;
pub mod replicas;
mod rows;
pub mod search;
pub mod seed;
pub mod seo;
mod slug_history;
mod store;

pub use accounts::{NewUser, UserChanges};
pub use articles::{
    ArticleChanges, ArticleContent, ArticleFilter, ArticleOrder, ArticlePage, ArticleSort,
    FeedItems, NewArticle, RelatedRequest, SitemapBucket, SitemapEntry,
};
pub use catalogue::{
    AuthorChanges, NewAuthor, NewSection, NewSource, SectionChanges, SourceChanges, TagChanges,
};
pub use dialect::PoolSettings;
pub use error::{Record, Reference, StoreError, StoreResult};
pub use import::WordpressImport;
pub use narrowing::{Named, Narrowing};
pub use replicas::{ReplicaPools, ReplicaSettings, ReplicaStatus, probe_pool};
pub use sea_orm::DatabaseConnection;
pub use search::{Facet, Highlight, SearchHit, SearchKey};
pub use seo::SeoChanges;
pub use store::{
    CatalogVisibility, PoolUsage, Store, Visibility, connect, connect_lazily, connect_with,
};

/// A comment ending the statements every server runs on its own whatever the traffic (the
/// scheduler's poll every second, the event relay's heartbeat): instrumentation counting a
/// request's statements leaves them out.
pub const BACKGROUND_MARK: &str = " /* dateline: background */";
