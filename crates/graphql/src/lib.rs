//! Dateline's GraphQL schema, executable without HTTP.
//!
//! [`build_schema`] makes the schema once; every request is then given its own
//! [`RequestScope`] by [`prepare_request`] (viewer, clock, dataloaders), so caches never
//! cross requests. Resolvers talk to `dateline-persistence` only and report failures as
//! [`error::ApiError`], which becomes a GraphQL error with an `extensions.code`.

pub mod error;
mod id;
pub mod limits;
mod loaders;
pub mod pagination;
mod query;
pub mod scope;
mod sections;
pub mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Schema};
use dateline_persistence::Store;

pub use error::ErrorCodes;
pub use query::Query;
pub use scope::{RequestScope, Viewer};

/// The deepest selection a query may nest.
pub const MAX_DEPTH: usize = 16;
/// The most fields one query may resolve, counting a list's selection once per item it may
/// return (a page of 100 articles with up to 99 fields each fits).
pub const MAX_COMPLEXITY: usize = 10_000;

/// Dateline's schema type.
pub type DatelineSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema with its limits and error handling.
pub fn build_schema() -> DatelineSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(ErrorCodes)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// Attaches a fresh per-request scope for `viewer` to `request`.
pub fn prepare_request(request: Request, store: &Store, viewer: Viewer) -> Request {
    request.data(RequestScope::new(store.clone(), viewer))
}

#[cfg(test)]
mod schema_tests;
