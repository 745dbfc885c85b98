//! Request ids: every request has one, and every response says it in `X-Request-Id`. A
//! proxy's or client's id is kept when it is sane (1 to 128 characters of
//! `A-Z a-z 0-9 . _ : / + = -`), so one id follows a request through every service it
//! crosses; anything else is replaced with a new one, so that no header can write into the
//! logs. The id is a field of the request's span, so every log line of the request carries
//! it.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// `X-Request-Id`.
pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a request.
const MAX_LEN: usize = 128;

/// The id of the request being served, in its extensions.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(HeaderValue);

impl RequestId {
    /// The id the request came with if it is sane, else a new one.
    fn of(request: &Request) -> Self {
        match request.headers().get(&X_REQUEST_ID) {
            Some(given) if sane(given.as_bytes()) => Self(given.clone()),
            _ => Self::new(),
        }
    }

    /// A new id: a random (version 4) UUID. An id needs to be unique, not secret, so it is
    /// drawn without a system call.
    fn new() -> Self {
        let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        let text = id.hyphenated().encode_lower(&mut text);
        // A UUID is always a valid header value.
        Self(HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("-")))
    }

    /// The id.
    pub(crate) fn as_str(&self) -> &str {
        // Only ever made of checked ASCII.
        self.0.to_str().unwrap_or("-")
    }
}

/// Whether `id` is one to keep: 1 to [`MAX_LEN`] bytes of letters, digits and `._:/+=-`.
fn sane(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/+=-".contains(b))
}

/// Gives the request its id (see the module's documentation) and says it in the response.
pub(crate) async fn tag(mut request: Request, next: Next) -> Response {
    let id = RequestId::of(&request);
    let header = id.0.clone();
    request.extensions_mut().insert(id);
    let mut response = next.run(request).await;
    response.headers_mut().insert(X_REQUEST_ID, header);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(id: &[u8]) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        if let Ok(value) = HeaderValue::from_bytes(id) {
            request.headers_mut().insert(X_REQUEST_ID, value);
        }
        request
    }

    #[test]
    fn a_sane_id_is_kept() {
        for id in ["test-abc-123", "a", "Root=1-5759e988;", "x.y_z:1/2+3=4"] {
            let kept = sane(id.as_bytes());
            assert_eq!(kept, !id.contains(';'), "{id}");
        }
        assert_eq!(
            RequestId::of(&with(b"test-abc-123")).as_str(),
            "test-abc-123"
        );
        assert!(sane("a".repeat(MAX_LEN).as_bytes()));
    }

    #[test]
    fn anything_else_is_replaced_with_a_new_id() {
        let long = "a".repeat(MAX_LEN + 1);
        for id in [
            b"" as &[u8],
            long.as_bytes(),
            b"a b",
            b"x\" level=\"ERROR",
            b"caf\xc3\xa9",
            b"tab\there",
        ] {
            let made = RequestId::of(&with(id));
            assert_ne!(made.as_str().as_bytes(), id);
            let uuid = uuid::Uuid::parse_str(made.as_str());
            assert_eq!(uuid.map(|u| u.get_version_num()), Ok(4), "{made:?}");
        }
        let none = RequestId::of(&with(b""));
        let other = RequestId::of(&with(b""));
        assert_ne!(none.as_str(), other.as_str(), "every new id is new");
    }
}
