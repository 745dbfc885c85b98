//! The HTTP surface: GraphQL over POST and GET at `/graphql` ([`crate::graphql_http`]),
//! subscriptions over websockets at the same address (`graphql-transport-ws` and the
//! legacy `graphql-ws`), GraphiQL at `/graphiql` ([`crate::graphiql`]), a health check at
//! `/healthz` and Prometheus metrics at `/metrics`; and the server's lifecycle, with its
//! supervised background tasks.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dateline_graphql::error::{INTERNAL_MESSAGE, code};
use dateline_graphql::{Api, LiveViewer, Options, Viewer, authenticate, panic_message};
use dateline_persistence::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::client::TrustedProxies;
use crate::graphql_http::{self, Endpoint, HttpPolicy, MAX_BODY_BYTES};
use crate::supervise::{Restarts, supervise};
use crate::{conditional, graphiql, scheduler};

/// How long a new websocket may take to send `connection_init` before it is closed.
pub const CONNECTION_INIT_TIMEOUT: Duration = Duration::from_secs(5);

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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            graphiql: true,
            api: Options::default(),
            trusted_proxies: TrustedProxies::default(),
            http: HttpPolicy::default(),
        }
    }
}

impl From<&crate::cli::ServeArgs> for Settings {
    fn from(args: &crate::cli::ServeArgs) -> Self {
        Self {
            graphiql: !args.no_graphiql,
            api: Options {
                anonymous_introspection: !args.no_anonymous_introspection,
                ..Options::default()
            },
            trusted_proxies: TrustedProxies::new(args.trusted_proxies.clone()),
            http: HttpPolicy {
                cache_max_age: args.cache_max_age,
                cache_stale_while_revalidate: args.cache_stale_while_revalidate,
                request_timeout: Duration::from_secs(args.request_timeout),
                max_response_bytes: args.max_response_bytes,
            },
        }
    }
}

#[derive(Clone)]
struct AppState {
    endpoint: Endpoint,
    /// Becomes `true` when the server shuts down, ending live subscriptions.
    closing: watch::Receiver<bool>,
    restarts: Restarts,
}

impl FromRef<AppState> for Endpoint {
    fn from_ref(state: &AppState) -> Self {
        state.endpoint.clone()
    }
}

/// The application's routes over `store`; live subscriptions end when `closing` becomes
/// `true`.
fn router(
    store: Store,
    settings: &Settings,
    closing: watch::Receiver<bool>,
    restarts: Restarts,
) -> Router {
    let state = AppState {
        endpoint: Endpoint {
            api: Api::new(&settings.api),
            store,
            proxies: settings.trusted_proxies.clone(),
            policy: settings.http.clone(),
        },
        closing,
        restarts,
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600));
    let mut routes = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_http::post))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics));
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
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(conditional::conditional))
        .layer(cors)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            backstop,
        ))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(TraceLayer::new_for_http())
}

/// Serves the application on `listener` until `shutdown` completes, then finishes the
/// requests in flight. Scheduled articles are published meanwhile, and events from other
/// servers relayed; both tasks are restarted should they ever panic.
pub async fn run(
    listener: TcpListener,
    store: Store,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let restarts = Restarts::default();
    let scheduler = tokio::spawn({
        let store = store.clone();
        supervise("scheduler", Arc::clone(&restarts.scheduler), move || {
            scheduler::run(store.clone(), scheduler::POLL_INTERVAL)
        })
    });
    let relay = tokio::spawn({
        let store = store.clone();
        supervise("event relay", Arc::clone(&restarts.relay), move || {
            let store = store.clone();
            async move { store.relay_events().await }
        })
    });
    let (close, closing) = watch::channel(false);
    let app = router(store, &settings, closing, restarts);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    // Websockets outlive the graceful shutdown, which only waits for HTTP requests: their
    // subscriptions end here.
    close.send_replace(true);
    // A publication in flight is one transaction: stopping here rolls it back, and the next
    // server to poll publishes the article.
    scheduler.abort();
    relay.abort();
    served
}

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
        return websocket(state, request).await;
    }
    graphql_http::get(&state.endpoint, request).await
}

/// Upgrades to a GraphQL websocket. The connection signs in once: with the upgrade
/// request's `Authorization` header, or an `Authorization` entry in the `connection_init`
/// payload (browsers cannot set headers on websockets); a bad token refuses the connection.
async fn websocket(state: AppState, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let header = authorization(&parts.headers).map(str::to_owned);
    let client = graphql_http::client(&state.endpoint, &parts);
    let AppState {
        endpoint, closing, ..
    } = state;
    let (schema, store) = (endpoint.api.schema, endpoint.store);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_BODY_BYTES)
        .max_frame_size(MAX_BODY_BYTES)
        .on_upgrade(move |socket| async move {
            let greeted = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&greeted);
            let serve = GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| {
                    flag.store(true, Ordering::Relaxed);
                    connection_init(store, closing, header, client, payload)
                })
                .serve();
            tokio::pin!(serve);
            tokio::select! {
                () = &mut serve => {}
                () = tokio::time::sleep(CONNECTION_INIT_TIMEOUT) => {
                    // A socket that never says `connection_init` is dropped, and closed.
                    if greeted.load(Ordering::Relaxed) {
                        serve.await;
                    }
                }
            }
        })
}

async fn connection_init(
    store: Store,
    closing: watch::Receiver<bool>,
    header: Option<String>,
    client: Option<IpAddr>,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let in_payload = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(key))
        .map(|value| value.as_str().unwrap_or("?").to_owned());
    let viewer: Viewer = match authenticate(&store, header.or(in_payload).as_deref()).await {
        Ok(viewer) => viewer,
        Err(refused) => {
            let message = refused
                .errors
                .into_iter()
                .next()
                .map_or_else(|| "not signed in".to_owned(), |e| e.message);
            return Err(async_graphql::Error::new(message));
        }
    };
    let mut data = Data::default();
    data.insert(LiveViewer::new(store, viewer, closing, client));
    Ok(data)
}

/// The `Authorization` header; one that is not even text is as unusable as a wrong token.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("?"))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.endpoint.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Prometheus metrics of this server.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let events = state.endpoint.store.events();
    let body = format!(
        "# HELP dateline_subscriptions Live GraphQL subscriptions on this server.\n\
         # TYPE dateline_subscriptions gauge\n\
         dateline_subscriptions {}\n\
         # HELP dateline_event_relay_up Whether events published through other servers reach this one.\n\
         # TYPE dateline_event_relay_up gauge\n\
         dateline_event_relay_up {}\n\
         # HELP dateline_task_restarts_total Background tasks restarted after a panic.\n\
         # TYPE dateline_task_restarts_total counter\n\
         dateline_task_restarts_total{{task=\"scheduler\"}} {}\n\
         dateline_task_restarts_total{{task=\"event_relay\"}} {}\n",
        events.subscribers(),
        u8::from(events.relaying()),
        state.restarts.scheduler.load(Ordering::Relaxed),
        state.restarts.relay.load(Ordering::Relaxed),
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        body,
    )
}
