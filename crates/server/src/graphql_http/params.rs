//! Reading a GraphQL request's parameters: a POST body of JSON, or a GET URL.

use std::time::Duration;

use async_graphql::{Extensions, Variables};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use dateline_graphql::error::code;
use futures::StreamExt;
use serde::Deserialize;

use super::MAX_BODY_BYTES;
use super::answer::Rejection;

/// How much of an oversized body is read (and dropped) before the `413`, and for how long.
const DRAIN_BYTES: usize = 8 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// The parameters of a GraphQL request.
#[derive(Deserialize)]
pub(super) struct Params {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<Variables>,
    extensions: Option<Extensions>,
}

/// The parameters of a GraphQL request in a URL: `variables` and `extensions` are JSON.
#[derive(Deserialize)]
pub(super) struct UrlParams {
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
    pub(super) fn into_request(self) -> Result<async_graphql::Request, Rejection> {
        let persisted = self
            .extensions
            .as_ref()
            .is_some_and(|e| e.contains_key("persistedQuery"));
        let query = match self.query {
            Some(query) => query,
            None if persisted => String::new(),
            None => {
                return Err(Rejection::bad_request(
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

/// Reads a POST body of JSON parameters.
pub(super) async fn read_body(headers: &HeaderMap, body: Body) -> Result<Params, Rejection> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_json_utf8(content_type) {
        return Err(Rejection {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "send the request as `Content-Type: application/json` (UTF-8)".to_owned(),
            code: code::BAD_USER_INPUT,
            allow: None,
        });
    }
    let too_large = || Rejection {
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
        let chunk = chunk.map_err(|_| Rejection::bad_request("the request body was cut short"))?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            drain(stream).await;
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::bad_request("the request body is empty"));
    }
    serde_json::from_slice::<Params>(&bytes).map_err(|e| {
        Rejection::bad_request(format!(
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

#[cfg(test)]
mod tests {
    use super::*;

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
