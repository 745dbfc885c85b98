//! Writing answers: the media type a client gets, GraphQL responses with their status and
//! caching headers, and rejections of requests GraphQL never sees.

use std::collections::BTreeMap;

use async_graphql::ServerError;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_graphql::error::{self, INTERNAL_MESSAGE, code, request_error};
use serde::Serialize;

use super::Endpoint;
use crate::conditional::entity_tag;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The media types a GraphQL response is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    GraphQLResponse,
    Json,
}

impl MediaType {
    /// The type the client's `Accept` headers prefer (by `q`, then by order), or `None`
    /// when they accept neither. No `Accept` is `application/json`.
    pub(super) fn negotiate(headers: &HeaderMap) -> Option<Self> {
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

    /// The status of an answer to a request that never ran (or was refused): `status` as
    /// `application/graphql-response+json`, `200` as `application/json`, which older
    /// clients expect.
    pub(super) fn status_unless_json(self, status: StatusCode) -> StatusCode {
        match self {
            Self::GraphQLResponse => status,
            Self::Json => StatusCode::OK,
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphQLResponse => GRAPHQL_RESPONSE_JSON,
            Self::Json => JSON,
        })
    }
}

/// A request refused before GraphQL sees it.
pub(super) struct Rejection {
    pub(super) status: StatusCode,
    pub(super) message: String,
    pub(super) code: &'static str,
    pub(super) allow: Option<&'static str>,
}

impl Rejection {
    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            code: code::BAD_USER_INPUT,
            allow: None,
        }
    }

    pub(super) fn respond(self, media: MediaType) -> Response {
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
pub(super) fn respond(
    state: &Endpoint,
    media: MediaType,
    status: StatusCode,
    response: &async_graphql::Response,
    executed: bool,
    cacheable: bool,
) -> Response {
    let (bytes, cacheable) = match body_bytes(state, response, executed) {
        Ok(bytes) => (bytes, cacheable),
        Err(Unwritten::TooLarge(bytes)) => (bytes, false),
        Err(Unwritten::Failed) => return internal_error(),
    };
    let retry_after = retry_after(response);
    // The database out of reach is the server's state, not the request's fault: a load
    // balancer or client retries elsewhere or later, whatever the media type.
    let status = if error::is_unavailable(&response.errors) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        status
    };
    let etag = cacheable.then(|| entity_tag(&bytes));
    let mut answer = (status, bytes).into_response();
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    headers.insert(header::VARY, vary());
    insert_cache_headers(headers, state, etag);
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    answer
}

/// Why a GraphQL response's own body is not sent.
enum Unwritten {
    /// It is over the size cap: the body of the error sent instead.
    TooLarge(Vec<u8>),
    /// It could not be written (the error is logged).
    Failed,
}

/// The JSON body of a GraphQL response, if it is within the size cap.
fn body_bytes(
    state: &Endpoint,
    response: &async_graphql::Response,
    executed: bool,
) -> Result<Vec<u8>, Unwritten> {
    let body = ResponseBody {
        data: executed.then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    // The answer is in memory already, as values larger than their JSON: writing it out
    // whole and then measuring it costs less than checking every write.
    match serde_json::to_vec(&body) {
        Ok(bytes) if bytes.len() <= state.policy.max_response_bytes => Ok(bytes),
        Ok(bytes) => Err(Unwritten::TooLarge(too_large(state, bytes.len(), executed))),
        Err(error) => {
            tracing::error!(%error, "a response could not be written");
            Err(Unwritten::Failed)
        }
    }
}

/// The `500` sent instead of a response that could not be written.
fn internal_error() -> Response {
    let body = ErrorsOnly {
        errors: &[request_error(INTERNAL_MESSAGE, code::INTERNAL)],
    };
    (StatusCode::INTERNAL_SERVER_ERROR, json_bytes(&body)).into_response()
}

/// The body sent instead of a response of `bytes` over the size cap (and the warning
/// logged about it).
fn too_large(state: &Endpoint, bytes: usize, executed: bool) -> Vec<u8> {
    tracing::warn!(
        bytes,
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
    json_bytes(&body)
}

/// The longest `retryAfter` (in seconds) among a response's errors, for `Retry-After`.
fn retry_after(response: &async_graphql::Response) -> Option<u64> {
    response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("retryAfter"))
        .filter_map(|v| match v {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        })
        .max()
}

/// `Cache-Control` (and `ETag`): public for a while when the answer has an entity tag,
/// else `private, no-store`.
fn insert_cache_headers(headers: &mut HeaderMap, state: &Endpoint, etag: Option<String>) {
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
}

fn private() -> HeaderValue {
    HeaderValue::from_static("private, no-store")
}

fn vary() -> HeaderValue {
    HeaderValue::from_static("Authorization, Accept")
}

pub(super) fn not_acceptable() -> Response {
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
}
