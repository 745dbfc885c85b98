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
pub mod mutation;
pub mod pagination;
mod query;
pub mod scope;
mod sections;
mod subscription;
pub mod types;

use async_graphql::{Request, Response, Schema};
use dateline_persistence::Store;

pub use error::ErrorCodes;
pub use mutation::Mutation;
pub use query::Query;
pub use scope::{RequestScope, Staff, Viewer};
pub use subscription::{LiveScopes, LiveViewer, Subscription};

/// The deepest selection a query may nest.
pub const MAX_DEPTH: usize = 16;
/// The most fields one query may resolve, counting a list's selection once per item it may
/// return (a page of 100 articles with up to 99 fields each fits).
pub const MAX_COMPLEXITY: usize = 10_000;

/// Dateline's schema type.
pub type DatelineSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with its limits and error handling.
pub fn build_schema() -> DatelineSchema {
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(ErrorCodes)
        .extension(LiveScopes)
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

/// Who a request's `Authorization` header (`Bearer <token>`) signs in. No header is the
/// public; any other header, or a token that is unknown or expired, is an
/// `UNAUTHENTICATED` response to send back as it is, so a client learns to sign in again
/// rather than silently losing access.
pub async fn authenticate(store: &Store, authorization: Option<&str>) -> Result<Viewer, Response> {
    let Some(header) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    let respond = |message: &str, code: &str| {
        let error = async_graphql::ServerError::new(message, None);
        Response::from_errors(vec![error::with_code(error, code)])
    };
    let rejected = |message: &str| respond(message, error::code::UNAUTHENTICATED);
    let token = match header.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(rejected(
                "send `Authorization: Bearer <token>` with a token from `login`",
            ));
        }
    };
    if token.is_empty() || token.len() > 200 {
        return Err(rejected("the bearer token is not valid"));
    }
    match store.session_user(token, chrono::Utc::now()).await {
        Ok(Some(user)) => Ok(Viewer::Staff(Staff {
            user,
            token: token.to_owned(),
        })),
        Ok(None) => Err(rejected(
            "the bearer token is not valid or has expired: sign in again",
        )),
        Err(cause) => {
            tracing::error!(error = %cause, "authenticating a request failed");
            Err(respond(error::INTERNAL_MESSAGE, error::code::INTERNAL))
        }
    }
}

#[cfg(test)]
mod schema_tests;
