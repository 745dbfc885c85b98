//! GraphQL over HTTP at `/graphql`, as the GraphQL-over-HTTP specification has it.
//!
//! - `POST` takes `application/json` (UTF-8) bodies; any other content type is `415`.
//!   `GET` takes `query`, `operationName`, `variables` and `extensions` in the URL, and runs
//!   queries only: a mutation or subscription over `GET` is `405` with `Allow: POST`.
//! - The answer is `application/graphql-response+json` when the client's `Accept` prefers
//!   it, else `application/json` (also for `*/*` or no `Accept`); an `Accept` that allows
//!   neither is `406`. With `application/graphql-response+json`, a request that never ran
//!   (it could not be parsed, did not validate, went over a limit) is a `4xx`; with
//!   `application/json` it is a `200`, as older clients expect. A malformed request (a body
//!   that is not JSON, parameters of the wrong type) is a `400` either way. Every error body
//!   is a GraphQL response whose errors carry an `extensions.code`, and a response to a
//!   request that never ran has no `data`.
//! - Caching: a `GET` by a reader who is not signed in that succeeds is public for a while
//!   (`Cache-Control: public, max-age, stale-while-revalidate`) with a strong `ETag` (see
//!   [`crate::conditional`] for `304`s); everything else is `private, no-store`. `Vary` names
//!   `Authorization` and `Accept`.
//! - Every request has a deadline and every response a size cap.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use axum::body::HttpBody;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use dateline_graphql::error::code;
use dateline_graphql::{Answer, Api, Viewer, authenticate, prepare_request};
use dateline_persistence::Store;
use dateline_persistence::observe::{self, Tally};
use tracing::Instrument;

use crate::client::TrustedProxies;
use crate::metrics::{self, Served};
use crate::telemetry;

use answer::{MediaType, Rejection, not_acceptable, respond};
use params::{Params, UrlParams, read_body};

mod answer;
mod params;

/// The largest request body accepted at `/graphql`.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What answering GraphQL over HTTP needs: the schema, the store, which proxies to trust
/// and how answers are bounded and cached.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) api: Api,
    pub(crate) store: Store,
    pub(crate) proxies: TrustedProxies,
    pub(crate) policy: HttpPolicy,
}

/// How answers are bounded and cached.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// `Cache-Control: max-age` of public answers, in seconds.
    pub cache_max_age: u32,
    /// `Cache-Control: stale-while-revalidate` of public answers, in seconds.
    pub cache_stale_while_revalidate: u32,
    /// How long a request may run before it is answered with `408`.
    pub request_timeout: Duration,
    /// The largest response body.
    pub max_response_bytes: usize,
    /// How long a request may run before it is logged as slow; `None` logs none.
    pub slow_request: Option<Duration>,
}

impl HttpPolicy {
    /// On PostgreSQL, the longest one SQL statement may run: a request's deadline, and a
    /// moment more, so that the request is answered `408` first and its statement then
    /// stopped by the database itself.
    pub fn statement_timeout(&self) -> Duration {
        self.request_timeout + Duration::from_millis(250)
    }
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            cache_max_age: 30,
            cache_stale_while_revalidate: 120,
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 4 * 1024 * 1024,
            slow_request: Some(Duration::from_secs(1)),
        }
    }
}

/// `POST /graphql`.
pub(crate) async fn post(State(state): State<Endpoint>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(media) = MediaType::negotiate(&parts.headers) else {
        return not_acceptable();
    };
    let params = read_body(&parts.headers, body).await;
    serve(&state, &parts, media, params).await
}

/// `GET /graphql` without a websocket upgrade.
pub(crate) async fn get(state: &Endpoint, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    let Some(media) = MediaType::negotiate(&parts.headers) else {
        return not_acceptable();
    };
    let params = parts.uri.query().unwrap_or_default();
    let params = if params.len() > MAX_BODY_BYTES {
        Err(Rejection {
            status: StatusCode::URI_TOO_LONG,
            message: format!(
                "the URL's parameters are longer than {MAX_BODY_BYTES} bytes: POST the \
                 request, or use a persisted query"
            ),
            code: code::LIMIT_EXCEEDED,
            allow: None,
        })
    } else {
        serde_urlencoded::from_str::<UrlParams>(params)
            .map_err(|e| format!("the URL's parameters are malformed: {e}"))
            .and_then(Params::try_from)
            .map_err(Rejection::bad_request)
    };
    serve(state, &parts, media, params).await
}

/// Runs a GraphQL request and answers it, counting the statements it runs; then logs it if
/// it was slow and counts it in the metrics.
async fn serve(
    state: &Endpoint,
    parts: &Parts,
    media: MediaType,
    params: Result<Params, Rejection>,
) -> Response {
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let mut operation = Operation::default();
    let mut served = Served::new();
    let response = observe::tallied(
        Arc::clone(&tally),
        run(state, parts, media, params, &mut operation, &mut served),
    )
    .await;
    let took = started.elapsed();
    log_if_slow(&state.policy, &operation, took, &tally);
    served.elapsed = took;
    served.statements = tally.statements();
    served.response_bytes = response.body().size_hint().exact();
    metrics::graphql_request(&served);
    response
}

/// The operation a request ran, as far as it got.
#[derive(Debug, Default)]
struct Operation {
    /// Its name: the one the request gave, or the one of the document's only operation.
    name: Option<String>,
    /// Its type.
    kind: Option<OperationType>,
}

impl Operation {
    /// The operation `request` (admitted, so parsed) will run, of type `kind`.
    fn of(request: &mut async_graphql::Request, kind: Option<OperationType>) -> Self {
        let name = request.operation_name.clone().or_else(|| {
            let document = request.parsed_query().ok()?;
            match &document.operations {
                DocumentOperations::Multiple(named) if named.len() == 1 => {
                    named.keys().next().map(ToString::to_string)
                }
                _ => None,
            }
        });
        // The name goes into log lines and spans: only a GraphQL name of sane length,
        // never text a client made up to forge a log line.
        let name = name.filter(|name| metrics::is_graphql_name(name, 128));
        Self { name, kind }
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn kind(&self) -> Option<&'static str> {
        self.kind.map(|kind| match kind {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        })
    }

    /// The span of its execution; a trace also has the names of the root fields it asks
    /// for.
    fn span(&self, request: &mut async_graphql::Request) -> tracing::Span {
        let span = tracing::info_span!(
            "graphql",
            graphql.operation.name = self.name(),
            graphql.operation.type = self.kind(),
            otel.name = tracing::field::Empty,
            graphql.root_fields = tracing::field::Empty,
        );
        if telemetry::exporting() && !span.is_disabled() {
            let name = match (self.kind(), self.name()) {
                (Some(kind), Some(name)) => format!("{kind} {name}"),
                (Some(kind), None) => kind.to_owned(),
                (None, _) => "GraphQL operation".to_owned(),
            };
            span.record("otel.name", name.as_str());
            if let Some(fields) = root_fields(request, self.name()) {
                span.record("graphql.root_fields", fields.as_str());
            }
        }
        span
    }
}

/// The names of the fields the operation named `name` (or the only one) selects at its
/// root, comma-separated.
fn root_fields(request: &mut async_graphql::Request, name: Option<&str>) -> Option<String> {
    let document = request.parsed_query().ok()?;
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(only), _) => only,
        (DocumentOperations::Multiple(named), Some(name)) => named.get(name)?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let names: Vec<&str> = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            Selection::FragmentSpread(_) | Selection::InlineFragment(_) => None,
        })
        .collect();
    Some(names.join(","))
}

/// Logs a request that took longer than the policy allows, with its operation and what its
/// statements cost (its span gives its id).
fn log_if_slow(policy: &HttpPolicy, operation: &Operation, took: Duration, tally: &Tally) {
    let Some(slow) = policy.slow_request else {
        return;
    };
    if took < slow {
        return;
    }
    tracing::warn!(
        operation = operation.name(),
        operation_type = operation.kind(),
        duration_ms = millis(took),
        statements = tally.statements(),
        database_ms = millis(tally.database_time()),
        "slow GraphQL request"
    );
}

/// `duration` in milliseconds, to the microsecond.
pub(crate) fn millis(duration: Duration) -> f64 {
    // Whole microseconds print without binary noise (`1.234`, not `1.2340000000000002`).
    duration.as_micros() as f64 / 1000.0
}

/// Runs a GraphQL request and answers it: a query by the public on a replica when one is in
/// rotation (again on the primary should the replica fail it), anything else on the
/// primary. What it learns of the request's operation goes into `operation`, and what it
/// served into `served`.
async fn run(
    state: &Endpoint,
    parts: &Parts,
    media: MediaType,
    params: Result<Params, Rejection>,
    operation: &mut Operation,
    served: &mut Served,
) -> Response {
    let mut request = match params.and_then(Params::into_request) {
        Ok(request) => request,
        Err(rejection) => return rejected(rejection, media, served),
    };
    // A name counts as its own once the document is known to define it (see below).
    served.operation = metrics::operation(None);
    let viewer = match sign_in(state, parts, media, served).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let anonymous = viewer == Viewer::Anonymous;
    let kind = match state.api.admit_as(&mut request, anonymous) {
        Ok(kind) => kind,
        Err(refused) => {
            served.errors(&refused.errors);
            let status = media.status_unless_json(StatusCode::BAD_REQUEST);
            return respond(state, media, status, &refused, false, false);
        }
    };
    *operation = Operation::of(&mut request, kind);
    served.kind = kind.into();
    if kind.is_some() {
        // The document has the operation it names: junk names of requests that never get
        // this far take none of the room for names.
        served.operation = metrics::operation(operation.name());
    }
    let span = operation.span(&mut request);
    let over_get = parts.method == Method::GET || parts.method == Method::HEAD;
    if let Some(rejection) = wrong_method(kind, over_get) {
        return rejected(rejection, media, served);
    }
    let client = client(state, parts);
    let store = if anonymous && kind == Some(OperationType::Query) && !previews(&request) {
        state.store.for_public_read()
    } else {
        state.store.clone()
    };
    let again = store.replica().map(|_| copy_of(&request));
    served.replica = again.is_some();
    let request = prepare_request(request, &store, viewer, client);
    let mut answer = match execute(state, request).instrument(span.clone()).await {
        Ok(answer) => answer,
        Err(timeout) => return rejected(timeout, media, served),
    };
    if let Some(mut request) = again
        && let Some(failure) = replica_failure(&answer)
    {
        // The replica went away since it was last probed, was too busy to give a
        // connection, cancelled the read for a conflict with recovery, or is behind what
        // the primary told this server: the query reads nothing a replica has that the
        // primary lacks, so it runs again there.
        tracing::warn!(
            replica = store.replica().unwrap_or_default(),
            code = failure,
            "a query failed on its replica: it runs again on the primary"
        );
        if failure == code::UNAVAILABLE {
            store.suspect_replica();
        }
        if state.api.admit_as(&mut request, true).is_ok() {
            served.replica = false;
            let request = prepare_request(request, &state.store, Viewer::Anonymous, client);
            answer = match execute(state, request).instrument(span).await {
                Ok(answer) => answer,
                Err(timeout) => return rejected(timeout, media, served),
            };
        }
    }
    served.executed = answer.executed;
    served.errors(&answer.response.errors);
    answer_response(state, media, answer, over_get && anonymous)
}

/// Answers a request refused before GraphQL saw it (or past its deadline), noting why in
/// `served`.
fn rejected(rejection: Rejection, media: MediaType, served: &mut Served) -> Response {
    served.codes.push(rejection.code);
    rejection.respond(media)
}

/// Whether `request` may read a preview link: its holder has usually just been sent it by
/// the editor who made it, and reads the draft as it was saved a moment ago, so it reads
/// the primary. (Any document naming `preview` at all does: a false alarm only costs a read
/// on the primary.)
fn previews(request: &async_graphql::Request) -> bool {
    request.query.contains("preview")
}

/// A copy of `request` as the client sent it, to run again.
fn copy_of(request: &async_graphql::Request) -> async_graphql::Request {
    let mut copy = async_graphql::Request::new(request.query.clone());
    copy.operation_name.clone_from(&request.operation_name);
    copy.variables = request.variables.clone();
    copy.extensions = request.extensions.clone();
    copy
}

/// The code of the error that makes a query answered on a replica worth running again on
/// the primary: `UNAVAILABLE` (the replica could not be reached) or `INTERNAL` (any other
/// database failure, such as a read cancelled by a conflict with recovery, or a replica
/// that does not have yet what the primary's caches hold).
fn replica_failure(answer: &Answer) -> Option<&'static str> {
    let codes = answer.response.errors.iter().filter_map(|error| {
        match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.as_str()),
            _ => None,
        }
    });
    let mut failure = None;
    for found in codes {
        if found == code::UNAVAILABLE {
            return Some(code::UNAVAILABLE);
        }
        if found == code::INTERNAL {
            failure = Some(code::INTERNAL);
        }
    }
    failure
}

/// Who the request's `Authorization` says the reader is; a refusal is answered `401` (or
/// `200` as `application/json`) with `WWW-Authenticate: Bearer`, and `503` when the
/// database cannot be reached to check the token.
async fn sign_in(
    state: &Endpoint,
    parts: &Parts,
    media: MediaType,
    served: &mut Served,
) -> Result<Viewer, Response> {
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("?"));
    authenticate(&state.store, authorization)
        .await
        .map_err(|refused| {
            served.errors(&refused.errors);
            let status = media.status_unless_json(StatusCode::UNAUTHORIZED);
            let mut response = respond(state, media, status, &refused, false, false);
            if response.status() != StatusCode::SERVICE_UNAVAILABLE {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        })
}

/// The refusal of an operation sent with a method it may not use: a mutation over `GET`,
/// or a subscription over anything but a websocket.
fn wrong_method(operation: Option<OperationType>, over_get: bool) -> Option<Rejection> {
    match operation {
        Some(OperationType::Mutation) if over_get => Some(Rejection {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "mutations run over POST only".to_owned(),
            code: code::BAD_USER_INPUT,
            allow: Some("POST"),
        }),
        Some(OperationType::Subscription) => Some(Rejection {
            status: if over_get {
                StatusCode::METHOD_NOT_ALLOWED
            } else {
                StatusCode::BAD_REQUEST
            },
            message: "subscriptions run over a websocket at /graphql".to_owned(),
            code: code::BAD_USER_INPUT,
            allow: over_get.then_some("POST"),
        }),
        _ => None,
    }
}

/// Executes an admitted request within the request deadline; past it, the `408` to send.
async fn execute(state: &Endpoint, request: async_graphql::Request) -> Result<Answer, Rejection> {
    tokio::time::timeout(state.policy.request_timeout, state.api.execute(request))
        .await
        .map_err(|_| Rejection {
            status: StatusCode::REQUEST_TIMEOUT,
            message: format!(
                "the request took longer than {} s",
                state.policy.request_timeout.as_secs()
            ),
            code: code::TIMEOUT,
            allow: None,
        })
}

/// Writes the answer to an executed request; `shareable` says whether it was a `GET` by a
/// reader who is not signed in, whose answer may be public.
fn answer_response(
    state: &Endpoint,
    media: MediaType,
    answer: Answer,
    shareable: bool,
) -> Response {
    let Answer { response, executed } = answer;
    let status = if executed {
        StatusCode::OK
    } else {
        media.status_unless_json(StatusCode::BAD_REQUEST)
    };
    // Only what every reader would get alike is public: an answer that read a preview
    // link, say, is the link holder's alone (async-graphql's cache control says so).
    let cacheable =
        shareable && executed && response.errors.is_empty() && response.cache_control.public;
    respond(state, media, status, &response, executed, cacheable)
}

/// The client's address, as far as the proxies in front are trusted to tell.
pub(crate) fn client(state: &Endpoint, parts: &Parts) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if parts.headers.contains_key("x-forwarded-for")
        && state.proxies.looks_like_untrusted_proxy(peer)
    {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                %peer,
                "requests arrive through a proxy that --trusted-proxy does not name: every \
                 client looks like the proxy, and sign-ins are throttled for all of them at once"
            );
        });
    }
    Some(state.proxies.client(peer, &parts.headers))
}
