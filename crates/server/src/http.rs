//! The HTTP surface: GraphQL over POST and GET at `/graphql`, GraphiQL at `/graphiql`, and a
//! health check at `/healthz`.

use std::future::Future;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use dateline_graphql::{DatelineSchema, authenticate, build_schema, prepare_request};
use dateline_persistence::Store;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::scheduler;

/// The largest request body accepted at `/graphql`.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct AppState {
    schema: DatelineSchema,
    store: Store,
}

/// The application's routes over `store`.
pub fn router(store: Store) -> Router {
    let state = AppState {
        schema: build_schema(),
        store,
    };
    // The GraphQL extractor reads the body itself, so axum's DefaultBodyLimit would not
    // apply: the limit is a layer in front of the route instead.
    let graphql = Router::new()
        .route("/graphql", get(graphql).post(graphql))
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
    let served = axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await;
    // A publication in flight is one transaction: stopping here rolls it back, and the next
    // server to poll publishes the article.
    scheduler.abort();
    served
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    // A header that is not even text is as unusable as a wrong token.
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("?"));
    let viewer = match authenticate(&state.store, authorization).await {
        Ok(viewer) => viewer,
        Err(refused) => return refused.into(),
    };
    let request = prepare_request(request.into_inner(), &state.store, viewer);
    state.schema.execute(request).await.into()
}

async fn graphiql() -> impl IntoResponse {
    let page = GraphiQLSource::build()
        .endpoint("/graphql")
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
