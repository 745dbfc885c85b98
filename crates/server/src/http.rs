//! The HTTP surface: GraphQL over POST and GET at `/graphql` ([`crate::graphql_http`]),
//! subscriptions over websockets at the same address ([`crate::websocket`]), GraphiQL at
//! `/graphiql` ([`crate::graphiql`]), liveness at `/healthz`, readiness at `/readyz` and
//! Prometheus metrics at `/metrics`; RSS and Atom feeds at `/feed`, `/feed/atom` and
//! `<page path>/feed[/atom]` for every section, tag, author and source page, the sitemap
//! index at `/sitemap.xml` with its sitemaps under `/sitemaps/`, and `/robots.txt`
//! ([`crate::syndication`]); and the server's lifecycle, with its supervised background
//! tasks.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dateline_graphql::error::{INTERNAL_MESSAGE, code};
use dateline_graphql::{Api, Options, PublicUrl, panic_message};
use dateline_persistence::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::client::TrustedProxies;
use crate::graphql_http::{self, Endpoint, HttpPolicy};
use crate::request_id::{self, RequestId};
use crate::supervise::{Restarts, supervise};
use crate::syndication::{self, FeedPolicy, Listings, Site};
use crate::websocket::{self, WebsocketPolicy, Websockets};
use crate::{conditional, graphiql, metrics, scheduler, statements, telemetry};

/// How a server is set up beyond its database.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether `/graphiql` is served.
    pub graphiql: bool,
    /// What clients may do beyond the fixed limits.
    pub api: Options,
    /// Whose `X-Forwarded-For` to believe.
    pub trusted_proxies: TrustedProxies,
    /// Deadlines, size caps and caching of answers.
    pub http: HttpPolicy,
    /// Limits on websockets.
    pub websockets: WebsocketPolicy,
    /// How long feeds are and what their items carry.
    pub feeds: FeedPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            graphiql: true,
            api: Options::default(),
            trusted_proxies: TrustedProxies::default(),
            http: HttpPolicy::default(),
            websockets: WebsocketPolicy::default(),
            feeds: FeedPolicy::default(),
        }
    }
}

impl From<&crate::cli::ServeArgs> for Settings {
    fn from(args: &crate::cli::ServeArgs) -> Self {
        Self {
            graphiql: !args.no_graphiql,
            api: Options {
                anonymous_introspection: !args.no_anonymous_introspection,
                public_url: args.public_url.clone(),
                site_name: args.site_name.clone(),
                site_language: args.site_language.clone(),
                site_logo_url: args.site_logo_url.clone(),
                ..Options::default()
            },
            trusted_proxies: TrustedProxies::new(args.trusted_proxies.clone()),
            http: HttpPolicy {
                cache_max_age: args.cache_max_age,
                cache_stale_while_revalidate: args.cache_stale_while_revalidate,
                request_timeout: Duration::from_secs(args.request_timeout),
                max_response_bytes: args.max_response_bytes,
                slow_request: (args.slow_request_ms > 0)
                    .then(|| Duration::from_millis(args.slow_request_ms)),
            },
            websockets: WebsocketPolicy {
                per_client: args.max_websockets_per_client,
                ..WebsocketPolicy::default()
            },
            feeds: FeedPolicy {
                items: args.feed_items,
                content: args.feed_content,
            },
        }
    }
}

#[derive(Clone)]
struct AppState {
    endpoint: Endpoint,
    /// The open websockets, which close when the server shuts down.
    websockets: Websockets,
    restarts: Restarts,
}

impl FromRef<AppState> for Endpoint {
    fn from_ref(state: &AppState) -> Self {
        state.endpoint.clone()
    }
}

/// The application's routes over `store`, with its `websockets`.
fn router(store: Store, settings: &Settings, websockets: Websockets, restarts: Restarts) -> Router {
    let listings = Listings {
        store: store.clone(),
        site: Arc::new(Site::new(&settings.api)),
        feeds: settings.feeds.clone(),
        http: settings.http.clone(),
    };
    let state = AppState {
        endpoint: Endpoint {
            api: Api::new(&settings.api),
            store,
            proxies: settings.trusted_proxies.clone(),
            policy: settings.http.clone(),
        },
        websockets,
        restarts,
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .expose_headers([header::ETAG, header::RETRY_AFTER, request_id::X_REQUEST_ID])
        .max_age(Duration::from_secs(3600));
    let mut routes = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_http::post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(serve_metrics));
    if settings.graphiql {
        routes = routes
            .route("/graphiql", get(graphiql::page))
            .route("/graphiql/assets/{name}", get(graphiql::asset));
    }
    // The handler has its own deadline, answered as a GraphQL error; this one is a
    // backstop for everything else.
    let backstop = settings.http.request_timeout + Duration::from_secs(5);
    routes
        .with_state(state)
        .merge(syndication::router(listings))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(conditional::conditional))
        .layer(cors)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            backstop,
        ))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(finished),
        )
        .layer(axum::middleware::from_fn(request_id::tag))
        .layer(axum::middleware::from_fn(metrics::count_http))
}

/// The paths load balancers and Prometheus poll every few seconds: their requests are
/// logged at `DEBUG` only, and not traced.
const PROBES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The span of a request: its id, method and path (never its query string, which may hold
/// a token), and what traces need besides when they are exported. It is an `ERROR` span so
/// that whatever `RUST_LOG` lets through of the request carries its id.
fn request_span<B>(request: &axum::http::Request<B>) -> Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map_or("-", RequestId::as_str);
    let method = request.method().as_str();
    let path = request.uri().path();
    if PROBES.contains(&path) {
        return tracing::error_span!(target: telemetry::PROBE, "request", request_id = id, method, path);
    }
    if !telemetry::exporting() {
        return tracing::error_span!("request", request_id = id, method, path);
    }
    let route = request.extensions().get::<MatchedPath>();
    let name = match route {
        Some(route) => format!("{method} {}", route.as_str()),
        None => method.to_owned(),
    };
    tracing::error_span!(
        "request",
        request_id = id,
        method,
        path,
        otel.name = name.as_str(),
        otel.kind = "server",
        http.route = route.map(MatchedPath::as_str),
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    )
}

/// The access log: one line per request answered, with its status and how long it took
/// (at `DEBUG` for [`PROBES`]).
fn finished<B>(response: &axum::http::Response<B>, latency: Duration, span: &Span) {
    let status = response.status();
    if telemetry::exporting() {
        // As a signed integer: traces record unsigned ones as text.
        span.record("http.response.status_code", i64::from(status.as_u16()));
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
    }
    let latency_ms = graphql_http::millis(latency);
    let status = status.as_u16();
    if span
        .metadata()
        .is_some_and(|m| m.target() == telemetry::PROBE)
    {
        tracing::debug!(target: "dateline::access", status, latency_ms, "answered");
    } else {
        tracing::info!(target: "dateline::access", status, latency_ms, "answered");
    }
}

/// Serves the application on `listener` until `shutdown` completes, then finishes the
/// requests in flight (websockets are closed with `1001` as soon as it begins). Scheduled
/// articles are published meanwhile, expired sessions purged and events from other servers
/// relayed; these tasks are restarted should they ever panic.
pub async fn run(
    listener: TcpListener,
    store: Store,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut settings = settings;
    if settings.api.public_url.is_none() {
        settings.api.public_url = Some(own_address(&listener)?);
    }
    metrics::install();
    statements::install_hook(None);
    let upkeep = tokio::spawn(metrics::upkeep());
    let restarts = Restarts::default();
    let scheduler = tokio::spawn({
        let store = store.clone();
        supervise("scheduler", Arc::clone(&restarts.scheduler), move || {
            scheduler::run(store.clone(), scheduler::POLL_INTERVAL)
        })
    });
    let housekeeping = tokio::spawn({
        let store = store.clone();
        supervise(
            "housekeeping",
            Arc::clone(&restarts.housekeeping),
            move || scheduler::housekeep(store.clone(), scheduler::HOUSEKEEPING_INTERVAL),
        )
    });
    let relay = tokio::spawn({
        let store = store.clone();
        supervise("event relay", Arc::clone(&restarts.relay), move || {
            let store = store.clone();
            async move { store.relay_events().await }
        })
    });
    let replica_watch = tokio::spawn({
        let store = store.clone();
        supervise(
            "replica watch",
            Arc::clone(&restarts.replica_watch),
            move || {
                let store = store.clone();
                async move { store.watch_replicas().await }
            },
        )
    });
    let (close, closing) = watch::channel(false);
    let live = Websockets::runtime(&settings.websockets)?;
    let websockets = Websockets::new(settings.websockets.clone(), closing, live.handle());
    let app = router(store, &settings, websockets.clone(), restarts);
    // Websockets are not requests the graceful shutdown waits for: they are told to go
    // (`1001`) as soon as it begins, while requests in flight finish.
    let shutdown = async move {
        shutdown.await;
        close.send_replace(true);
    };
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    let deadline = tokio::time::Instant::now() + WEBSOCKETS_CLOSE_WITHIN;
    while websockets.open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A publication in flight is one transaction: stopping here rolls it back, and the next
    // server to poll publishes the article.
    scheduler.abort();
    housekeeping.abort();
    relay.abort();
    replica_watch.abort();
    upkeep.abort();
    drop(live);
    served
}

/// The public URL of a server given none: its own address, which is right for a demo on
/// this machine and nowhere else.
fn own_address(listener: &TcpListener) -> std::io::Result<PublicUrl> {
    let address = listener.local_addr()?;
    if address.ip().is_unspecified() {
        tracing::warn!(
            %address,
            "no --public-url: absolute URLs, feeds and sitemaps name this unspecified address"
        );
    }
    PublicUrl::parse(&format!("http://{address}"))
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))
}

/// How long a server shutting down waits for its websockets' close frames to go out.
const WEBSOCKETS_CLOSE_WITHIN: Duration = Duration::from_secs(2);

/// The answer to a request whose handler panicked: the panic is logged, the server goes on.
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!(
        panic = panic_message(panic.as_ref()),
        "a request handler panicked"
    );
    let body = serde_json::json!({
        "errors": [{ "message": INTERNAL_MESSAGE, "extensions": { "code": code::INTERNAL } }]
    });
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `GET /graphql`: a query in the URL, or a websocket for subscriptions.
async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let upgrade = request
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"));
    if upgrade {
        return websocket::upgrade(&state.endpoint, &state.websockets, request).await;
    }
    graphql_http::get(&state.endpoint, request).await
}

/// Liveness: the process answers. A load balancer that restarts what fails this must not
/// restart every server because the database is down.
async fn healthz() -> &'static str {
    "ok"
}

/// How long readiness waits for the database to answer.
const READY_WITHIN: Duration = Duration::from_secs(1);

/// Readiness: whether this server can serve now — its database answers within
/// [`READY_WITHIN`] and events from other servers reach it. `503`, with what is wrong,
/// takes it out of a load balancer's rotation until it is back.
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    let store = &state.endpoint.store;
    let database = match tokio::time::timeout(READY_WITHIN, store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database does not answer");
            Some("the database does not answer")
        }
        Err(_) => Some("the database does not answer in time"),
    };
    let relay = (!store.events().relaying())
        .then_some("live events from other servers do not reach this one");
    let problems: Vec<&str> = database.into_iter().chain(relay).collect();
    if problems.is_empty() {
        (StatusCode::OK, "ready".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {}", problems.join("; ")),
        )
    }
}

/// Prometheus metrics: the process's, and this server's state (see [`crate::metrics`]).
async fn serve_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = metrics::scrape(
        &state.endpoint.store,
        state.websockets.open(),
        &state.restarts,
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(metrics::CONTENT_TYPE),
        )],
        body,
    )
}
