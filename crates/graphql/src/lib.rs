//! Dateline's GraphQL schema, executable without HTTP.
//!
//! [`Api::new`] makes the schema once; every request is then given its own
//! [`RequestScope`] by [`prepare_request`] (viewer, client, clock, dataloaders), so caches
//! never cross requests, and passes the [`gate::Gate`] (limits, persisted queries) before
//! it runs. Resolvers talk to `dateline-persistence` only and report failures as
//! [`error::ApiError`], which becomes a GraphQL error with an `extensions.code`.
//!
//! # Layout
//!
//! Each family of things lives in one place:
//!
//! * This file: [`Api`] (building the schema, admitting and running a request, catching a
//!   panic), [`prepare_request`] and [`authenticate`].
//! * `query`, `subscription` and [`mutation`]: the three roots. `mutation/` holds one file per
//!   group of mutations (`articles` with its inputs in `article_inputs`, `desk`, `session`),
//!   `payload` (the `Payload` trait and the `payload!` macro every object-or-`userErrors`
//!   payload is declared with), `refusal` (the one place the store's refusals become
//!   `userErrors` or errors) and [`mutation::user_error`].
//! * [`types`]: the schema's object types, one file per family (`Article`, `Author`,
//!   `Section`, `Tag`, `Source`, the editorial types, `Node`, `Route`, related stories,
//!   search). `types/connection.rs` holds the article, author, source and tag connections
//!   and `article_connection`, through which every `articles` field is answered;
//!   `types/filter.rs` the filter inputs lists and search share, `types/article_order.rs`
//!   their order.
//! * [`pagination`]: the machinery every connection is built on: the Relay arguments
//!   (`Window`), cursors, page-size limits, the complexity of a connection field, `PageInfo`
//!   and the page of edges (`Edges`, `edge!`).
//! * `loaders`: the per-request dataloaders, one `store_loaders!` line per batch read.
//! * [`scope`]: what one request carries (viewer, permissions, clock, loaders, section tree).
//! * [`error`]: [`error::ApiError`] and the mapping of every error to its `extensions.code`.
//! * [`gate`], [`limits`] and [`persisted`]: admission before a request runs (its shape and
//!   size, persisted queries, introspection).
//! * `pipeline`: the extension websocket executions run through; `order`: answers in the
//!   field order their query asked for; `fanout`: what every subscriber of one kind shares
//!   when an event reaches them all.
//! * [`sign_in`]: the throttle on password guessing; `id`: Relay global ids.

pub mod error;
mod fanout;
pub mod gate;
mod id;
pub mod limits;
mod loaders;
pub mod mutation;
mod nulls;
mod order;
pub mod pagination;
pub mod persisted;
mod pipeline;
mod query;
pub mod scalars;
pub mod scope;
pub mod sign_in;
pub mod site;
mod subscription;
pub mod types;

use std::future::Future;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Response, Schema};
use dateline_persistence::Store;
use futures::FutureExt;

pub use dateline_domain::route::PublicUrl;
use error::{code, request_error};
use gate::Gate;
pub use mutation::Mutation;
use order::Shape;
pub use query::Query;
pub use scope::{RequestScope, Staff, Viewer};
use site::Site;
pub use subscription::{LiveViewer, Subscription};

/// The deepest selection a query may nest.
pub const MAX_DEPTH: usize = 16;
/// The most fields one query may resolve, counting a list's selection once per item it may
/// return (a page of 100 articles with up to 99 fields each fits).
pub const MAX_COMPLEXITY: usize = 10_000;

/// Dateline's schema type.
pub type DatelineSchema = Schema<Query, Mutation, Subscription>;

/// What a server lets its clients do beyond the fixed limits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Whether readers who are not signed in may introspect the schema (`__schema`,
    /// `__type`); tools such as GraphiQL and code generators need it.
    pub anonymous_introspection: bool,
    /// The bytes of documents the persisted-query cache holds.
    pub persisted_query_bytes: usize,
    /// Where the public site is, for the absolute `url` fields; the server fills in its
    /// own address when none is configured.
    pub public_url: Option<PublicUrl>,
    /// The publication's name (feeds, news sitemap, the publisher in metadata).
    pub site_name: String,
    /// The language the publication writes in, as a BCP 47 tag.
    pub site_language: String,
    /// The publication's logo, an absolute address.
    pub site_logo_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            anonymous_introspection: true,
            persisted_query_bytes: persisted::DEFAULT_CAPACITY_BYTES,
            public_url: None,
            site_name: "Dateline".to_owned(),
            site_language: "en".to_owned(),
            site_logo_url: None,
        }
    }
}

/// Builds the schema with its limits and error handling. Requests pass `gate` on their way
/// in.
/// The schema, with what every request shares: the gate and the sign-in throttle. The
/// `pipeline` extension runs for websocket executions, which need a fresh scope per event;
/// HTTP requests run without it (see [`Api::execute`]), because async-graphql wraps the
/// resolution of every field once per extension when there is any.
fn build_schema(
    gate: Arc<Gate>,
    throttle: Arc<sign_in::AddressThrottle>,
    site: Site,
    pipeline: bool,
) -> DatelineSchema {
    let builder = Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .data(site)
        .data(gate)
        .data(throttle)
        .data(Arc::new(fanout::Fanout::default()));
    if pipeline {
        builder.extension(pipeline::Pipeline).finish()
    } else {
        builder.finish()
    }
}

/// The schema in SDL, as `schema.graphql` holds it: with `@specifiedBy` on the scalars
/// that have a specification.
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    Api::new(&Options::default())
        .schema
        .sdl_with_options(options)
}

/// The API a transport serves: the schema, and the gate its requests pass.
#[derive(Clone)]
pub struct Api {
    /// The schema, for transports that drive it themselves (websockets).
    pub schema: DatelineSchema,
    /// The same schema without extensions, for [`Api::execute`].
    direct: DatelineSchema,
    gate: Arc<Gate>,
}

/// What running a request gave.
pub struct Answer {
    /// The response.
    pub response: Response,
    /// Whether the request's operation ran. A request refused before it ran (it cannot be
    /// parsed, does not validate, goes over a limit) has no `data`.
    pub executed: bool,
}

impl Api {
    /// The API with `options`.
    pub fn new(options: &Options) -> Self {
        let gate = Arc::new(Gate::new(
            options.persisted_query_bytes,
            options.anonymous_introspection,
        ));
        let throttle = Arc::new(sign_in::AddressThrottle::default());
        std::sync::LazyLock::force(&nulls::FIELD_TYPES);
        let site = Site::new(options);
        Self {
            schema: build_schema(Arc::clone(&gate), Arc::clone(&throttle), site.clone(), true),
            direct: build_schema(Arc::clone(&gate), throttle, site, false),
            gate,
        }
    }

    /// Lets `request` (prepared by [`prepare_request`]) through the gate, and returns the
    /// type of the operation it will run, so a transport can refuse what it does not carry
    /// (mutations over GET) before anything runs.
    pub fn admit(&self, request: &mut Request) -> Result<Option<OperationType>, Box<Response>> {
        let anonymous = gate::is_anonymous(request, None);
        self.admit_as(request, anonymous)
    }

    /// Like [`Api::admit`], for a request not prepared yet, by a viewer who is `anonymous`
    /// (or not): a transport learns what the request will do before it chooses the
    /// database it runs on.
    pub fn admit_as(
        &self,
        request: &mut Request,
        anonymous: bool,
    ) -> Result<Option<OperationType>, Box<Response>> {
        self.gate
            .admit(request, anonymous)
            .map_err(|error| Box::new(Response::from_errors(vec![error])))
    }

    /// Runs `request`. A panic anywhere in it is caught, logged and answered as
    /// `INTERNAL`: one bad request never takes the server down.
    ///
    /// It runs on the schema without extensions: the gate has already parsed the document
    /// and checked its limits ([`Api::admit`], done here when the transport did not), and
    /// the errors are coded from where they arose once the answer is known.
    pub async fn execute(&self, mut request: Request) -> Answer {
        let operation = match self.admit(&mut request) {
            Ok(operation) => operation,
            Err(refusal) => {
                return Answer {
                    response: *refusal,
                    executed: false,
                };
            }
        };
        let persist = gate::to_persist(&request);
        let operation_name = request.operation_name.clone();
        let shape = request
            .parsed_query()
            .ok()
            .and_then(|document| Shape::of(document, operation_name.as_deref()));
        match caught(self.direct.execute(request)).await {
            Some(mut response) => {
                if let Some(shape) = shape {
                    shape.finish(&mut response);
                }
                if operation.is_none() {
                    // No operation to run (an unknown name, or several and none named): a
                    // mistake in the request itself, as its validation does not find.
                    error::code_operation_choice(&mut response);
                }
                let executed = error::code_answer(&mut response);
                if executed && let Some(document) = persist {
                    self.gate.keep(document);
                }
                Answer { response, executed }
            }
            None => Answer {
                response: Response::from_errors(vec![request_error(
                    error::INTERNAL_MESSAGE,
                    code::INTERNAL,
                )]),
                executed: true,
            },
        }
    }
}

async fn caught<T>(run: impl Future<Output = T>) -> Option<T> {
    match AssertUnwindSafe(run).catch_unwind().await {
        Ok(value) => Some(value),
        Err(panic) => {
            tracing::error!(panic = panic_message(panic.as_ref()), "a request panicked");
            None
        }
    }
}

/// The text a panic was raised with, if it was text.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Attaches a fresh per-request scope for `viewer`, asking from `client`, to `request`.
pub fn prepare_request(
    request: Request,
    store: &Store,
    viewer: Viewer,
    client: Option<IpAddr>,
) -> Request {
    request.data(RequestScope::new(store.clone(), viewer).from_client(client))
}

/// Who a request's `Authorization` header (`Bearer <token>`) signs in. No header is the
/// public; any other header, or a token that is unknown or expired, is an
/// `UNAUTHENTICATED` response to send back as it is, so a client learns to sign in again
/// rather than silently losing access.
pub async fn authenticate(store: &Store, authorization: Option<&str>) -> Result<Viewer, Response> {
    let Some(header) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    let rejected = |message: &str| {
        let error = async_graphql::ServerError::new(message, None);
        Response::from_errors(vec![error::with_code(error, error::code::UNAUTHENTICATED)])
    };
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
            let failure = error::request_failure(error::ApiError::from(cause));
            Err(Response::from_errors(vec![failure]))
        }
    }
}

#[cfg(test)]
mod schema_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[tokio::test]
    async fn a_panic_is_caught_and_the_caller_goes_on() {
        let panicking = async {
            if Utc::now().timestamp() > 0 {
                panic!("a resolver's bug");
            }
            1
        };
        assert_eq!(caught(panicking).await, None);
        assert_eq!(caught(async { 2 }).await, Some(2));
    }
}
