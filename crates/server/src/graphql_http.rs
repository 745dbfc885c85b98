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

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql::{Extensions, ServerError, Variables};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dateline_graphql::error::{INTERNAL_MESSAGE, code, request_error};
use dateline_graphql::{Answer, Viewer, authenticate, prepare_request};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::http::AppState;

/// The largest request body accepted at `/graphql`.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How much of an oversized body is read (and dropped) before the `413`, and for how long.
const DRAIN_BYTES: usize = 8 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(5);

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

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
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            cache_max_age: 30,
            cache_stale_while_revalidate: 120,
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

/// The media types a GraphQL response is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphQLResponse,
    Json,
}

impl MediaType {
    /// The type the client's `Accept` headers prefer (by `q`, then by order), or `None`
    /// when they accept neither. No `Accept` is `application/json`.
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let mut best: Option<(f32, Self)> = None;
        let mut any = false;
        for range in headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
        {
            let mut parts = range.split(';').map(str::trim);
            let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
            if essence.is_empty() {
                continue;
            }
            any = true;
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
            let media = match essence.as_str() {
                "application/graphql-response+json" => Self::GraphQLResponse,
                "application/json" | "application/*" | "*/*" => Self::Json,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, media));
            }
        }
        match best {
            Some((_, media)) => Some(media),
            None if !any => Some(Self::Json),
            None => None,
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphQLResponse => GRAPHQL_RESPONSE_JSON,
            Self::Json => JSON,
        })
    }
}

/// The parameters of a GraphQL request.
#[derive(Deserialize)]
struct Params {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<Variables>,
    extensions: Option<Extensions>,
}

/// The parameters of a GraphQL request in a URL: `variables` and `extensions` are JSON.
#[derive(Deserialize)]
struct UrlParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl TryFrom<UrlParams> for Params {
    type Error = String;

    fn try_from(url: UrlParams) -> Result<Self, String> {
        fn json<T: for<'de> Deserialize<'de>>(
            name: &str,
            text: Option<String>,
        ) -> Result<Option<T>, String> {
            match text.filter(|t| !t.trim().is_empty()) {
                None => Ok(None),
                Some(text) => serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| format!("`{name}` must be a JSON object: {e}")),
            }
        }
        Ok(Self {
            query: url.query,
            operation_name: url.operation_name,
            variables: json("variables", url.variables)?,
            extensions: json("extensions", url.extensions)?,
        })
    }
}

impl Params {
    fn into_request(self) -> Result<async_graphql::Request, Refusal> {
        let persisted = self
            .extensions
            .as_ref()
            .is_some_and(|e| e.contains_key("persistedQuery"));
        let query = match self.query {
            Some(query) => query,
            None if persisted => String::new(),
            None => {
                return Err(Refusal::bad_request(
                    "the request has no `query` (a GraphQL document)",
                ));
            }
        };
        let mut request = async_graphql::Request::new(query);
        request.operation_name = self.operation_name;
        request.variables = self.variables.unwrap_or_default();
        request.extensions = self.extensions.unwrap_or_default();
        Ok(request)
    }
}

/// A request refused before GraphQL sees it.
struct Refusal {
    status: StatusCode,
    message: String,
    code: &'static str,
    allow: Option<&'static str>,
}

impl Refusal {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            code: code::BAD_USER_INPUT,
            allow: None,
        }
    }

    fn respond(self, media: MediaType) -> Response {
        let body = ErrorsOnly {
            errors: &[request_error(self.message, self.code)],
        };
        let mut response = (self.status, json_bytes(&body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, media.content_type());
        headers.insert(header::CACHE_CONTROL, private());
        headers.insert(header::VARY, vary());
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// `POST /graphql`.
pub(crate) async fn post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(media) = MediaType::negotiate(&parts.headers) else {
        return not_acceptable();
    };
    let params = match read_body(&parts.headers, body).await {
        Ok(params) => params,
        Err(refusal) => return refusal.respond(media),
    };
    serve(&state, &parts, media, params).await
}

/// `GET /graphql` without a websocket upgrade.
pub(crate) async fn get(state: &AppState, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    let Some(media) = MediaType::negotiate(&parts.headers) else {
        return not_acceptable();
    };
    let params = parts.uri.query().unwrap_or_default();
    let params = serde_urlencoded::from_str::<UrlParams>(params)
        .map_err(|e| format!("the URL's parameters are malformed: {e}"))
        .and_then(Params::try_from);
    match params {
        Ok(params) => serve(state, &parts, media, params).await,
        Err(message) => Refusal::bad_request(message).respond(media),
    }
}

/// Reads a POST body of JSON parameters.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Params, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_json_utf8(content_type) {
        return Err(Refusal {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "send the request as `Content-Type: application/json` (UTF-8)".to_owned(),
            code: code::BAD_USER_INPUT,
            allow: None,
        });
    }
    let too_large = || Refusal {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        code: code::LIMIT_EXCEEDED,
        allow: None,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut stream = body.into_data_stream();
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        drain(stream).await;
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(1024).min(MAX_BODY_BYTES));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Refusal::bad_request("the request body was cut short"))?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            drain(stream).await;
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::bad_request("the request body is empty"));
    }
    serde_json::from_slice::<Params>(&bytes).map_err(|e| {
        Refusal::bad_request(format!(
            "the body must be a JSON object with `query` (a string) and optionally \
             `operationName` (a string), `variables` and `extensions` (objects): {e}"
        ))
    })
}

/// Reads and drops what is left of an oversized body, up to a bound, so that the client,
/// still sending, reads the `413` instead of a reset connection.
async fn drain(mut stream: axum::body::BodyDataStream) {
    let mut left = DRAIN_BYTES;
    let deadline = tokio::time::sleep(DRAIN_TIME);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            chunk = stream.next() => match chunk {
                Some(Ok(chunk)) if chunk.len() < left => left -= chunk.len(),
                _ => return,
            },
            () = &mut deadline => return,
        }
    }
}

/// Whether a `Content-Type` is JSON in UTF-8 (no charset means UTF-8).
fn is_json_utf8(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|p| match p.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// Runs a GraphQL request and answers it.
async fn serve(state: &AppState, parts: &Parts, media: MediaType, params: Params) -> Response {
    let mut request = match params.into_request() {
        Ok(request) => request,
        Err(refusal) => return refusal.respond(media),
    };
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("?"));
    let viewer = match authenticate(&state.store, authorization).await {
        Ok(viewer) => viewer,
        Err(refused) => {
            let status = match media {
                MediaType::GraphQLResponse => StatusCode::UNAUTHORIZED,
                MediaType::Json => StatusCode::OK,
            };
            let mut response = respond(state, media, status, &refused, false, false);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    };
    let anonymous = viewer == Viewer::Anonymous;
    request = prepare_request(request, &state.store, viewer, client(state, parts));
    let operation = match state.api.admit(&mut request) {
        Ok(operation) => operation,
        Err(refused) => {
            let status = match media {
                MediaType::GraphQLResponse => StatusCode::BAD_REQUEST,
                MediaType::Json => StatusCode::OK,
            };
            return respond(state, media, status, &refused, false, false);
        }
    };
    let over_get = parts.method == Method::GET || parts.method == Method::HEAD;
    match operation {
        Some(OperationType::Mutation) if over_get => {
            return Refusal {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: "mutations run over POST only".to_owned(),
                code: code::BAD_USER_INPUT,
                allow: Some("POST"),
            }
            .respond(media);
        }
        Some(OperationType::Subscription) => {
            return Refusal {
                status: if over_get {
                    StatusCode::METHOD_NOT_ALLOWED
                } else {
                    StatusCode::BAD_REQUEST
                },
                message: "subscriptions run over a websocket at /graphql".to_owned(),
                code: code::BAD_USER_INPUT,
                allow: over_get.then_some("POST"),
            }
            .respond(media);
        }
        _ => {}
    }
    let answer = match tokio::time::timeout(
        state.policy.request_timeout,
        state.api.execute(request),
    )
    .await
    {
        Ok(answer) => answer,
        Err(_) => {
            let timeout = Refusal {
                status: StatusCode::REQUEST_TIMEOUT,
                message: format!(
                    "the request took longer than {} s",
                    state.policy.request_timeout.as_secs()
                ),
                code: code::TIMEOUT,
                allow: None,
            };
            return timeout.respond(media);
        }
    };
    let Answer { response, executed } = answer;
    let status = match (executed, media) {
        (false, MediaType::GraphQLResponse) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let cacheable = over_get && anonymous && executed && response.errors.is_empty();
    respond(state, media, status, &response, executed, cacheable)
}

/// The client's address, as far as the proxies in front are trusted to tell.
fn client(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(state.proxies.client(peer, &parts.headers))
}

#[derive(Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

#[derive(Serialize)]
struct ErrorsOnly<'a> {
    errors: &'a [ServerError],
}

/// Writes a GraphQL response: `data` only if the operation ran, the size capped, and the
/// caching headers it deserves.
fn respond(
    state: &AppState,
    media: MediaType,
    status: StatusCode,
    response: &async_graphql::Response,
    executed: bool,
    cacheable: bool,
) -> Response {
    let body = ResponseBody {
        data: executed.then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    // The answer is in memory already, as values larger than their JSON: writing it out
    // whole and then measuring it costs less than checking every write.
    let (bytes, cacheable) = match serde_json::to_vec(&body) {
        Ok(bytes) if bytes.len() <= state.policy.max_response_bytes => (bytes, cacheable),
        Ok(bytes) => {
            tracing::warn!(
                bytes = bytes.len(),
                limit = state.policy.max_response_bytes,
                "response over the size cap"
            );
            let too_large = request_error(
                format!(
                    "the response is larger than {} bytes: ask for fewer or smaller fields",
                    state.policy.max_response_bytes
                ),
                code::LIMIT_EXCEEDED,
            );
            let body = ResponseBody {
                data: executed.then_some(&async_graphql::Value::Null),
                errors: &[too_large],
                extensions: &BTreeMap::new(),
            };
            (json_bytes(&body), false)
        }
        Err(error) => {
            tracing::error!(%error, "a response could not be written");
            let body = ErrorsOnly {
                errors: &[request_error(INTERNAL_MESSAGE, code::INTERNAL)],
            };
            return (StatusCode::INTERNAL_SERVER_ERROR, json_bytes(&body)).into_response();
        }
    };
    let retry_after = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("retryAfter"))
        .filter_map(|v| match v {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        })
        .max();
    let etag = cacheable.then(|| entity_tag(&bytes));
    let mut answer = (status, bytes).into_response();
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    headers.insert(header::VARY, vary());
    match etag {
        Some(etag) => {
            let policy = format!(
                "public, max-age={}, stale-while-revalidate={}",
                state.policy.cache_max_age, state.policy.cache_stale_while_revalidate
            );
            if let Ok(value) = HeaderValue::from_str(&policy) {
                headers.insert(header::CACHE_CONTROL, value);
            }
            if let Ok(value) = HeaderValue::from_str(&etag) {
                headers.insert(header::ETAG, value);
            }
        }
        None => {
            headers.insert(header::CACHE_CONTROL, private());
        }
    }
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    answer
}

/// A strong entity tag for a body: its SHA-256, shortened.
fn entity_tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]))
}

fn private() -> HeaderValue {
    HeaderValue::from_static("private, no-store")
}

fn vary() -> HeaderValue {
    HeaderValue::from_static("Authorization, Accept")
}

fn not_acceptable() -> Response {
    let body = ErrorsOnly {
        errors: &[request_error(
            "this server answers `application/graphql-response+json` or `application/json` only",
            code::BAD_USER_INPUT,
        )],
    };
    let mut response = (StatusCode::NOT_ACCEPTABLE, json_bytes(&body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    headers.insert(header::VARY, vary());
    headers.insert(header::CACHE_CONTROL, private());
    response
}

/// Small JSON bodies whose writing cannot fail (they hold strings and codes only).
fn json_bytes(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, value.parse().expect("a header value"));
        }
        headers
    }

    #[test]
    fn accept_chooses_by_quality_then_order() {
        use MediaType::{GraphQLResponse, Json};
        let cases: [(&[&str], Option<MediaType>); 9] = [
            (&[], Some(Json)),
            (&["*/*"], Some(Json)),
            (&["application/json"], Some(Json)),
            (
                &["application/graphql-response+json"],
                Some(GraphQLResponse),
            ),
            (
                &["application/graphql-response+json, application/json;q=0.9"],
                Some(GraphQLResponse),
            ),
            (
                &[
                    "application/json;q=0.5",
                    "application/graphql-response+json",
                ],
                Some(GraphQLResponse),
            ),
            (
                &["application/json, application/graphql-response+json"],
                Some(Json),
            ),
            (&["text/html"], None),
            (&["application/json;q=0"], None),
        ];
        for (values, expected) in cases {
            assert_eq!(
                MediaType::negotiate(&accept(values)),
                expected,
                "{values:?}"
            );
        }
    }

    #[test]
    fn only_json_in_utf8_is_accepted() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=\"UTF-8\"",
        ] {
            assert!(is_json_utf8(ok), "{ok}");
        }
        for refused in [
            "",
            "text/plain;charset=UTF-8",
            "application/json; charset=latin1",
            "application/graphql",
        ] {
            assert!(!is_json_utf8(refused), "{refused}");
        }
    }
}
