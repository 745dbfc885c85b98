//! A GraphQL websocket client for the live-update suites, speaking either protocol.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::TestApp;

/// The two GraphQL websocket protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`, from the `graphql-ws` library: today's clients.
    TransportWs,
    /// `graphql-ws`, from the retired `subscriptions-transport-ws` library.
    LegacyWs,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Self::TransportWs => "graphql-transport-ws",
            Self::LegacyWs => "graphql-ws",
        }
    }
}

/// One websocket connection to `/graphql`, initialised and acknowledged.
pub struct LiveClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: Protocol,
}

/// What the server sent about a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A result: the `data` of one event.
    Data(Value),
    /// The subscription was refused or failed: the GraphQL errors.
    Errors(Value),
}

impl LiveClient {
    /// Connects to `app` and sends `connection_init` with `payload`; panics unless the server
    /// acknowledges.
    pub async fn connect(app: &TestApp, protocol: Protocol, payload: Value) -> Self {
        let client = Self::open(app, protocol, payload).await;
        client.expect("the server acknowledges the connection")
    }

    /// Like [`LiveClient::connect`], but returns the server's refusal instead of panicking.
    pub async fn open(app: &TestApp, protocol: Protocol, payload: Value) -> Result<Self, String> {
        let url = app.address.replacen("http://", "ws://", 1) + "/graphql";
        let mut request = url.into_client_request().expect("a websocket request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(protocol.name()),
        );
        let (socket, response) = connect_async(request).await.expect("websocket upgrade");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .map(|v| v.as_bytes()),
            Some(protocol.name().as_bytes()),
            "the server speaks the protocol asked for"
        );
        let mut client = Self { socket, protocol };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        loop {
            match client.receive(Duration::from_secs(10)).await {
                Some(message) if message["type"] == "connection_ack" => return Ok(client),
                Some(message) if message["type"] == "ka" => continue,
                Some(message) => return Err(message.to_string()),
                None => return Err("the server closed the connection".to_owned()),
            }
        }
    }

    /// Starts subscription `id` with this document and variables.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::LegacyWs => "start",
        };
        self.send(json!({
            "id": id,
            "type": kind,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next result or error for subscription `id` within `wait`, or `None` if nothing
    /// came (or the connection closed).
    pub async fn next(&mut self, id: &str, wait: Duration) -> Option<Delivery> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.receive(left).await?;
            if message["id"] != id {
                continue;
            }
            let payload = message["payload"].clone();
            match message["type"].as_str() {
                Some("next" | "data") if payload.get("errors").is_some() => {
                    return Some(Delivery::Errors(payload["errors"].clone()));
                }
                Some("next" | "data") => return Some(Delivery::Data(payload["data"].clone())),
                Some("error") => {
                    // graphql-transport-ws sends the errors as the payload; graphql-ws as
                    // one error object.
                    let errors = if payload.is_array() {
                        payload
                    } else {
                        json!([payload])
                    };
                    return Some(Delivery::Errors(errors));
                }
                _ => continue,
            }
        }
    }

    /// The `data` of the next event of subscription `id`; panics if none comes in 15 s or
    /// the server sends errors.
    pub async fn next_data(&mut self, id: &str) -> Value {
        match self.next(id, Duration::from_secs(15)).await {
            Some(Delivery::Data(data)) => data,
            other => panic!("expected an event for subscription {id}, got {other:?}"),
        }
    }

    /// The next message for `id` within `wait`, as the server wrote it.
    pub async fn next_text(&mut self, id: &str, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = tokio::time::timeout(left, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    if message["id"] == id {
                        return Some(text.as_str().to_owned());
                    }
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Reads until the server closes the connection or `wait` passes: how many pings came,
    /// and the close frame's code (`None` if the connection just ended, or nothing came).
    pub async fn until_closed(&mut self, wait: Duration) -> (usize, Option<u16>) {
        let deadline = tokio::time::Instant::now() + wait;
        let mut pings = 0;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return (pings, frame.map(|f| u16::from(f.code)));
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) | Err(_) => return (pings, None),
            }
        }
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    /// Sends `message`. A connection the server has closed is not an error here: what the
    /// server sends next (nothing) says so.
    async fn send(&mut self, message: Value) {
        let _ = self.socket.send(Message::text(message.to_string())).await;
    }

    /// The next text message within `wait`, unparsed, whatever it is for; `None` on timeout
    /// or close.
    pub async fn receive_text(&mut self, wait: Duration) -> Option<String> {
        loop {
            let frame = tokio::time::timeout(wait, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => return Some(text.as_str().to_owned()),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next JSON message within `wait`, whatever it is for; `None` on timeout or close.
    pub async fn receive(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(wait, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => {
                    return Some(serde_json::from_str(text.as_str()).expect("JSON messages"));
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

/// This server's live subscriptions, from `/metrics`.
pub async fn subscriptions(app: &TestApp) -> usize {
    metric(app, "dateline_subscriptions").await
}

/// Waits (up to 10 s) until `app` has `n` live subscriptions and hears other servers'
/// events, so that an event sent next is one the subscribers are there for.
pub async fn await_subscriptions(app: &TestApp, n: usize) {
    for _ in 0..200 {
        if subscriptions(app).await == n && metric(app, "dateline_event_relay_up").await == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} live subscriptions, the server has {}",
        subscriptions(app).await
    );
}

/// This server's open websockets, from `/metrics`.
pub async fn websockets(app: &TestApp) -> usize {
    metric(app, "dateline_websockets").await
}

async fn metric(app: &TestApp, name: &str) -> usize {
    let text = app.metrics().await;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics: {text}"))
}

/// Opens a websocket to `app` that never says `connection_init`, and says whether the
/// server closes it within `wait`.
pub async fn silent_socket_is_closed_within(app: &TestApp, wait: Duration) -> bool {
    let url = app.address.replacen("http://", "ws://", 1) + "/graphql";
    let mut request = url.into_client_request().expect("a websocket request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(Protocol::TransportWs.name()),
    );
    let (mut socket, _) = connect_async(request).await.expect("websocket upgrade");
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) => continue,
        }
    }
}
