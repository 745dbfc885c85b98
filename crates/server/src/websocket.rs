//! GraphQL over websockets at `/graphql` (`graphql-transport-ws` and the legacy
//! `graphql-ws`), for live subscriptions.
//!
//! Beyond the GraphQL protocol, the server looks after each connection itself:
//! - it pings the client every [`WebsocketPolicy::ping_interval`] (websocket `Ping`
//!   frames, which browsers answer on their own) and drops a client it has heard nothing
//!   from, pongs included, for [`WebsocketPolicy::silence_limit`]: a phone that went into a
//!   tunnel does not hold a connection for ever;
//! - a connection that holds no subscription and sends nothing for
//!   [`WebsocketPolicy::idle_timeout`] is closed (`1000`);
//! - one client address holds at most [`WebsocketPolicy::per_client`] connections; more are
//!   refused with `429` before the upgrade;
//! - when the server shuts down, every connection is closed with `1001` ("going away"),
//!   so that clients reconnect, through the load balancer, to a server that is not;
//! - connections are served on a runtime of their own ([`WebsocketPolicy::threads`]
//!   threads): a story sent to thousands of subscribers at once takes at most those
//!   threads' share of the processor, and requests keep theirs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::FromRequestParts;
use axum::extract::Request;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_graphql::error::code;
use dateline_graphql::{Api, LiveViewer, Viewer, authenticate};
use dateline_persistence::Store;
use futures::{SinkExt, StreamExt};
use tokio::sync::watch;
use tracing::Instrument;

use crate::graphql_http::{self, Endpoint, MAX_BODY_BYTES};
use crate::request_id::RequestId;

/// How long a new websocket may take to send `connection_init` before it is closed.
pub const CONNECTION_INIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Limits on websockets beyond the GraphQL protocol's.
#[derive(Debug, Clone)]
pub struct WebsocketPolicy {
    /// The most websockets one client address may hold open at once.
    pub per_client: usize,
    /// How often the server pings each client (20 s).
    pub ping_interval: Duration,
    /// How long the server waits to hear anything from a client (a pong will do) before it
    /// drops the connection (60 s).
    pub silence_limit: Duration,
    /// How long a connection may hold no subscription and send nothing before it is
    /// closed (5 minutes).
    pub idle_timeout: Duration,
    /// The threads websocket connections are served on, apart from requests' (1).
    pub threads: usize,
}

impl Default for WebsocketPolicy {
    fn default() -> Self {
        Self {
            per_client: 16,
            ping_interval: Duration::from_secs(20),
            silence_limit: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(300),
            threads: 1,
        }
    }
}

/// The websockets open on this server, by client address; becomes `closing` on shutdown.
#[derive(Clone)]
pub struct Websockets {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    total: Arc<AtomicUsize>,
    closing: watch::Receiver<bool>,
    policy: WebsocketPolicy,
    /// Where connections are served.
    live: tokio::runtime::Handle,
}

impl Websockets {
    /// No websocket yet; each one is served on `live` and closes with `1001` when `closing`
    /// becomes `true`.
    pub fn new(
        policy: WebsocketPolicy,
        closing: watch::Receiver<bool>,
        live: tokio::runtime::Handle,
    ) -> Self {
        Self {
            open: Arc::default(),
            total: Arc::default(),
            closing,
            policy,
            live,
        }
    }

    /// The runtime websocket connections are served on, with `policy`'s threads.
    pub fn runtime(policy: &WebsocketPolicy) -> std::io::Result<LiveRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(policy.threads.max(1))
            .thread_name("dateline-live")
            .enable_all()
            .build()?;
        Ok(LiveRuntime(Some(runtime)))
    }

    /// How many websockets are open.
    pub fn open(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Counts a new connection from `client`, or refuses it when that address holds as
    /// many as it may.
    fn admit(&self, client: Option<IpAddr>) -> Option<Opened> {
        if let Some(address) = client {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            let count = open.entry(address).or_default();
            if *count >= self.policy.per_client {
                return None;
            }
            *count += 1;
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        Some(Opened {
            sockets: self.clone(),
            client,
        })
    }
}

/// The runtime websockets are served on; dropping it stops them without waiting (it may be
/// dropped where waiting is not allowed, inside the server's own runtime).
pub struct LiveRuntime(Option<tokio::runtime::Runtime>);

impl LiveRuntime {
    /// A handle to spawn on it.
    pub fn handle(&self) -> tokio::runtime::Handle {
        self.0
            .as_ref()
            .map_or_else(tokio::runtime::Handle::current, |r| r.handle().clone())
    }
}

impl Drop for LiveRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// One open websocket, counted until it is dropped.
struct Opened {
    sockets: Websockets,
    client: Option<IpAddr>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.sockets.total.fetch_sub(1, Ordering::Relaxed);
        let Some(address) = self.client else { return };
        let mut open = self
            .sockets
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&address);
            }
        }
    }
}

/// Upgrades to a GraphQL websocket. The connection signs in once: with the upgrade
/// request's `Authorization` header, or an `Authorization` entry in the `connection_init`
/// payload (browsers cannot set headers on websockets); a bad token refuses the connection.
pub(crate) async fn upgrade(
    endpoint: &Endpoint,
    sockets: &Websockets,
    request: Request,
) -> Response {
    let (mut parts, _body) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let client = graphql_http::client(endpoint, &parts);
    let Some(opened) = sockets.admit(client) else {
        crate::metrics::websocket(false);
        return too_many(sockets.policy.per_client);
    };
    crate::metrics::websocket(true);
    // The connection outlives its upgrade request, so it has a span (and a trace) of its
    // own, which carries the request's id into every line it logs.
    let id = parts
        .extensions
        .get::<RequestId>()
        .map_or("-", RequestId::as_str);
    let span = tracing::error_span!(parent: None, "websocket", request_id = id);
    let sockets_runtime = sockets.live.clone();
    let connection = Connection {
        api: endpoint.api.clone(),
        policy: sockets.policy.clone(),
        store: endpoint.store.for_live(),
        closing: sockets.closing.clone(),
        header: authorization(&parts.headers).map(str::to_owned),
        client,
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_BODY_BYTES)
        .max_frame_size(MAX_BODY_BYTES)
        .on_upgrade(move |socket| async move {
            let served = sockets_runtime.spawn(connection.serve(socket, protocol).instrument(span));
            let _ = served.await;
            drop(opened);
        })
}

/// The `429` for a client address that holds as many websockets as it may.
fn too_many(per_client: usize) -> Response {
    let body = serde_json::json!({
        "errors": [{
            "message": format!("one client may hold at most {per_client} websockets open"),
            "extensions": { "code": code::LIMIT_EXCEEDED }
        }]
    });
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// What one websocket connection needs.
struct Connection {
    api: Api,
    policy: WebsocketPolicy,
    store: Store,
    closing: watch::Receiver<bool>,
    /// The upgrade request's `Authorization` header.
    header: Option<String>,
    client: Option<IpAddr>,
}

impl Connection {
    /// Speaks GraphQL on `socket` until the client leaves, falls silent or idles, or the
    /// server shuts down.
    async fn serve(self, socket: WebSocket, protocol: GraphQLProtocol) {
        let (to_client, from_client) = socket.split();
        let activity = Arc::new(Mutex::new(Activity::new()));
        let heard = Arc::clone(&activity);
        let from_client = from_client.inspect(move |frame| {
            heard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .heard(frame);
        });
        let (answers, outgoing) = futures::channel::mpsc::channel::<Message>(16);
        let greeted = Arc::new(AtomicBool::new(false));
        let subscriptions = Arc::new(AtomicUsize::new(0));
        let Self {
            api,
            policy,
            store,
            closing,
            header,
            client,
        } = self;
        let (flag, held) = (Arc::clone(&greeted), Arc::clone(&subscriptions));
        let closing_for_init = closing.clone();
        let graphql = GraphQLWebSocket::new_with_pair(answers, from_client, api.schema, protocol)
            .on_connection_init(move |payload| {
                flag.store(true, Ordering::Relaxed);
                connection_init(store, closing_for_init, header, client, held, payload)
            })
            .serve();
        let writer = Writer {
            activity,
            greeted,
            subscriptions,
            closing,
            policy,
        }
        .run(to_client, outgoing);
        tokio::pin!(graphql, writer);
        tokio::select! {
            // The GraphQL side is done: what it said last still goes out.
            () = &mut graphql => writer.await,
            () = &mut writer => {}
        }
    }
}

/// When a connection was last heard from, and last busy.
struct Activity {
    opened: Instant,
    /// Any frame, pongs included.
    heard: Instant,
    /// A message (text or binary), or a subscription held.
    busy: Instant,
}

impl Activity {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            opened: now,
            heard: now,
            busy: now,
        }
    }

    fn heard(&mut self, frame: &Result<Message, axum::Error>) {
        self.heard = Instant::now();
        if let Ok(Message::Text(_) | Message::Binary(_)) = frame {
            self.busy = self.heard;
        }
    }
}

/// What the writer does at a check.
enum Check {
    Ping,
    Drop,
    Close(u16, &'static str),
}

/// The writing half of a connection: GraphQL's messages, pings, and the close frames of
/// the server's own limits.
struct Writer {
    activity: Arc<Mutex<Activity>>,
    /// Whether the client sent `connection_init`.
    greeted: Arc<AtomicBool>,
    /// The connection's live subscriptions.
    subscriptions: Arc<AtomicUsize>,
    closing: watch::Receiver<bool>,
    policy: WebsocketPolicy,
}

impl Writer {
    async fn run(
        mut self,
        mut to_client: futures::stream::SplitSink<WebSocket, Message>,
        mut outgoing: futures::channel::mpsc::Receiver<Message>,
    ) {
        let period = self.policy.ping_interval.min(CONNECTION_INIT_TIMEOUT);
        let first = tokio::time::Instant::now() + period;
        let mut checks = tokio::time::interval_at(first, period);
        let mut pinged = Instant::now();
        loop {
            let check = tokio::select! {
                message = outgoing.next() => match message {
                    Some(message) => {
                        if !self.sent(&mut to_client, message).await {
                            return;
                        }
                        continue;
                    }
                    None => return,
                },
                _ = checks.tick() => self.check(),
                () = closed(&mut self.closing) => {
                    Check::Close(close_code::AWAY, "the server is shutting down: reconnect")
                }
            };
            let frame = match check {
                Check::Ping if pinged.elapsed() + period / 2 < self.policy.ping_interval => {
                    continue;
                }
                Check::Ping => {
                    pinged = Instant::now();
                    Message::Ping(Vec::new().into())
                }
                Check::Drop => return,
                Check::Close(code, reason) => Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })),
            };
            let last = matches!(frame, Message::Close(_));
            if !self.sent(&mut to_client, frame).await || last {
                return;
            }
        }
    }

    /// Sends `message`, and says whether it went: a client that takes nothing for
    /// [`WebsocketPolicy::silence_limit`] (it stopped reading, or its network did) is given
    /// up like a silent one, so that no write waits on it for ever.
    async fn sent(
        &self,
        to_client: &mut futures::stream::SplitSink<WebSocket, Message>,
        message: Message,
    ) -> bool {
        let send = tokio::time::timeout(self.policy.silence_limit, to_client.send(message));
        matches!(send.await, Ok(Ok(())))
    }

    /// What the connection's state calls for at a check.
    fn check(&self) -> Check {
        let mut activity = self.activity.lock().unwrap_or_else(PoisonError::into_inner);
        if self.subscriptions.load(Ordering::Relaxed) > 0 {
            activity.busy = Instant::now();
        }
        if !self.greeted.load(Ordering::Relaxed)
            && activity.opened.elapsed() >= CONNECTION_INIT_TIMEOUT
        {
            // A socket that never says `connection_init` is dropped.
            Check::Drop
        } else if activity.heard.elapsed() >= self.policy.silence_limit {
            Check::Drop
        } else if activity.busy.elapsed() >= self.policy.idle_timeout {
            Check::Close(close_code::NORMAL, "idle: no subscription and nothing sent")
        } else {
            Check::Ping
        }
    }
}

/// Resolves once `closing` becomes `true`; never, if nothing can ever set it.
async fn closed(closing: &mut watch::Receiver<bool>) {
    if closing.wait_for(|closing| *closing).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn connection_init(
    store: Store,
    closing: watch::Receiver<bool>,
    header: Option<String>,
    client: Option<IpAddr>,
    subscriptions: Arc<AtomicUsize>,
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
    data.insert(LiveViewer::new(store, viewer, closing, client).counting(subscriptions));
    Ok(data)
}

/// The `Authorization` header; one that is not even text is as unusable as a wrong token.
pub(crate) fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("?"))
}
