//! Conditional GETs: `304 Not Modified` when the client (or a CDN) already holds the
//! response.
//!
//! This layer sits outside compression, so it sees each response as it goes out. A strong
//! `ETag` names one representation, so a compressed body gets its own (`"…-gzip"`), and a
//! `304` is answered only when `If-None-Match` names the very representation this request
//! would get. The body of a `304` is never compressed or sent. Handlers tag what they answer
//! with [`entity_tag`].

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A strong entity tag for a body: its SHA-256, shortened.
pub(crate) fn entity_tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]))
}

/// Gives compressed responses their own entity tag and answers `304` where it can.
pub async fn conditional(request: Request, next: Next) -> Response {
    let conditional = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    let Some(tag) = representation_tag(response.headers()) else {
        return response;
    };
    let Ok(value) = HeaderValue::from_str(&tag) else {
        return response;
    };
    response.headers_mut().insert(header::ETAG, value);
    let matched = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| matches(list, &tag));
    if !(conditional && matched && response.status() == StatusCode::OK) {
        return response;
    }
    crate::metrics::not_modified();
    let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
    for name in [
        header::ETAG,
        header::CACHE_CONTROL,
        header::VARY,
        header::CONTENT_LOCATION,
        header::EXPIRES,
        header::DATE,
    ] {
        for value in response.headers().get_all(&name) {
            not_modified
                .headers_mut()
                .append(name.clone(), value.clone());
        }
    }
    not_modified
}

/// The response's strong entity tag, naming its content encoding if it has one.
fn representation_tag(headers: &HeaderMap) -> Option<String> {
    let tag = headers.get(header::ETAG)?.to_str().ok()?;
    let opaque = tag.strip_prefix('"')?.strip_suffix('"')?;
    match headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        Some(encoding) if !encoding.eq_ignore_ascii_case("identity") => Some(format!(
            "\"{opaque}-{}\"",
            encoding.trim().to_ascii_lowercase()
        )),
        _ => Some(tag.to_owned()),
    }
}

/// Whether an `If-None-Match` list names `tag` (weak comparison, as RFC 9110 has it for
/// this header).
fn matches(list: &str, tag: &str) -> bool {
    list.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_are_compared_weakly() {
        assert!(matches("\"a\"", "\"a\""));
        assert!(matches("\"x\", W/\"a\"", "\"a\""));
        assert!(matches("*", "\"a\""));
        assert!(!matches("\"a-gzip\"", "\"a\""));
        assert!(!matches("\"b\"", "\"a\""));
    }

    #[test]
    fn a_compressed_representation_has_its_own_tag() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("\"abc\""));
        assert_eq!(representation_tag(&headers).as_deref(), Some("\"abc\""));
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(
            representation_tag(&headers).as_deref(),
            Some("\"abc-gzip\"")
        );
        headers.insert(header::ETAG, HeaderValue::from_static("W/\"weak\""));
        assert_eq!(representation_tag(&headers), None);
    }
}
