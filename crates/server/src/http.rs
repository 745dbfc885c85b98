//! The HTTP surface: GraphQL over POST and GET at `/graphql`, subscriptions over websockets
//! at the same address (`graphql-transport-ws` and the legacy `graphql-ws`), GraphiQL at
//! `/graphiql`, a health check at `/healthz` and Prometheus metrics at `/metrics`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use dateline_graphql::{
    DatelineSchema, LiveViewer, Viewer, authenticate, build_schema, prepare_request,
};
use dateline_persistence::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::scheduler;

/// The largest request body accepted at `/graphql`.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long a new websocket may take to send `connection_init` before it is closed.
pub const CONNECTION_INIT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct AppState {
    schema: DatelineSchema,
    store: Store,
    /// Becomes `true` when the server shuts down, ending live subscriptions.
    closing: watch::Receiver<bool>,
}

/// The application's routes over `store`; live subscriptions end when `closing` becomes
/// `true`.
pub fn router(store: Store, closing: watch::Receiver<bool>) -> Router {
    let state = AppState {
        schema: build_schema(),
        store,
        closing,
    };
    // The GraphQL extractor reads the body itself, so axum's DefaultBodyLimit would not
    // apply: the limit is a layer in front of the route instead.
    let graphql = Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::from_secs(3600));
    Router::new()
        .merge(graphql)
        .route("/graphiql", get(graphiql))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
}

/// Serves the application on `listener` until `shutdown` completes, then finishes the
/// requests in flight. Scheduled articles are published meanwhile.
pub async fn run(
    listener: TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let scheduler = tokio::spawn(scheduler::run(store.clone(), scheduler::POLL_INTERVAL));
    let relay = tokio::spawn({
        let store = store.clone();
        async move { store.relay_events().await }
    });
    let (close, closing) = watch::channel(false);
    let served = axum::serve(listener, router(store, closing))
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

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let viewer = match authenticate(&state.store, authorization(&headers)).await {
        Ok(viewer) => viewer,
        Err(refused) => return refused.into(),
    };
    let request = prepare_request(request.into_inner(), &state.store, viewer);
    state.schema.execute(request).await.into()
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
    let headers = request.headers().clone();
    match GraphQLRequest::from_request(request, &state).await {
        Ok(query) => graphql(State(state), headers, query).await.into_response(),
        Err(rejection) => rejection.into_response(),
    }
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
    let AppState {
        schema,
        store,
        closing,
    } = state;
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
                    connection_init(store, closing, header, payload)
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
    data.insert(LiveViewer::new(store, viewer, closing));
    Ok(data)
}

/// The `Authorization` header; one that is not even text is as unusable as a wrong token.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("?"))
}

async fn graphiql() -> impl IntoResponse {
    let page = GraphiQLSource::build()
        .endpoint("/graphql")
        .subscription_endpoint("/graphql")
        .title("Dateline GraphiQL")
        .finish();
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Html(page),
    )
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Prometheus metrics of this server.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let events = state.store.events();
    let body = format!(
        "# HELP dateline_subscriptions Live GraphQL subscriptions on this server.\n\
         # TYPE dateline_subscriptions gauge\n\
         dateline_subscriptions {}\n\
         # HELP dateline_event_relay_up Whether events published through other servers reach this one.\n\
         # TYPE dateline_event_relay_up gauge\n\
         dateline_event_relay_up {}\n",
        events.subscribers(),
        u8::from(events.relaying()),
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        body,
    )
}
