//! The newsroom's rules, free of databases, GraphQL and async.
//!
//! A newcomer learns here what the newsroom's records are, what a valid slug is, which moves
//! an article may make through the workflow, how body HTML is made safe and what is derived
//! from it (plain text, excerpt, word count, reading time), who on the staff may do what, how
//! password guessing is slowed down, how public URLs are laid out, how a reader's search text
//! becomes search terms (the database's query syntax is persistence's), and how "Check Also"
//! stories are ranked.
//!
//! # Layout
//!
//! - [`model`]: the newsroom's records (articles, revisions, corrections, authors, sections
//!   and the section tree, tags, sources, staff accounts), built from the types below.
//! - [`slug`], [`status`], [`input`], [`role`]: the types records are made of, each parsed
//!   once where it enters (`Slug`, `ArticleStatus`, `Email`, `Role`…), and who may do what.
//! - [`workflow`]: which moves an article may make from where it stands, and what each one
//!   changes; persistence writes the decision.
//! - [`html`], [`text`]: sanitising bodies and what derives from them.
//! - [`route`], [`related`], [`search`], [`sign_in`]: public URLs, "Check Also" ranking,
//!   a reader's search text as terms, the sign-in throttle.

pub mod html;
pub mod input;
pub mod model;
pub mod related;
pub mod role;
pub mod route;
pub mod search;
pub mod seo;
pub mod sign_in;
pub mod slug;
pub mod status;
pub mod text;
pub mod workflow;

pub use input::{BodyFormat, Email, InputError, NewPassword};
pub use related::{
    RelatedArticle, RelatedCandidate, RelatedReason, RelatedScore, headline_words,
    shared_headline_words,
};
pub use role::{ArticleAction, ArticleFacts, DeskAction, Policy, Role, co_bylines};
pub use route::RoutePath;
pub use search::{QueryError, SearchQuery, Term};
pub use slug::{Slug, SlugError};
pub use status::ArticleStatus;
pub use workflow::{Transition, WorkflowError};
