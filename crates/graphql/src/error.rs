//! The API's errors and their `extensions.code`, mapped in one place.
//!
//! Resolvers return [`ApiError`]; it becomes a GraphQL error with a code here.
//! [`crate::Api::execute`] (over HTTP) and the [`crate::pipeline::Pipeline`] extension (over
//! websockets) then make sure, with the functions here, that every error in a response
//! carries a code: parse and validation failures get theirs, and
//! any resolver error that escaped without one is treated as internal — logged in full,
//! answered with a generic message, so SQL or file paths never reach a client.

use async_graphql::{ErrorExtensions, Response, ServerError, Value};
use dateline_persistence::StoreError;

use crate::limits::Refusal;

/// What went wrong, in terms a client can act on.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The request is malformed (a bad cursor, a page size out of range, a malformed id).
    BadUserInput(String),
    /// The request went over one of the API's limits.
    LimitExceeded(String),
    /// The request needs a signed-in viewer, or its bearer token is not valid.
    Unauthenticated(String),
    /// The viewer's role does not allow this.
    Forbidden(String),
    /// What the request names does not exist, or not for this viewer.
    NotFound(String),
    /// Too many failed attempts: try again after `retry_after_seconds`.
    RateLimited {
        message: String,
        retry_after_seconds: u64,
    },
    /// Something failed on our side; the cause is logged, never returned.
    Internal(StoreError),
}

/// The codes this API puts in `extensions.code`.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const TIMEOUT: &str = "TIMEOUT";
    pub const INTERNAL: &str = "INTERNAL";
    /// The database is out of reach for the moment: retry after `retryAfter` seconds
    /// (answered `503` over HTTP).
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// Sent to a subscription in place of events it may have missed: read what it shows
    /// again.
    pub const RESYNC: &str = "RESYNC";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
}

/// What a client is told of any internal failure; the cause is logged.
pub const INTERNAL_MESSAGE: &str = "Internal error: the request could not be completed.";

/// What a client is told when the database is out of reach.
pub const UNAVAILABLE_MESSAGE: &str =
    "The service is briefly unavailable (its database cannot be reached): try again shortly.";

/// The seconds an `UNAVAILABLE` answer asks a client to wait (`retryAfter`, `Retry-After`).
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 1;

impl ApiError {
    /// A `BAD_USER_INPUT` error with this message.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput(message.into())
    }

    /// An `INTERNAL` error for data that breaks the store's own invariants (an article
    /// pointing at a missing author, say); `detail` goes to the log only.
    pub fn inconsistent(detail: impl Into<String>) -> Self {
        Self::Internal(StoreError::Corrupt(detail.into()))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::Internal(error)
    }
}

// `ApiError` deliberately has no `Display`: async-graphql turns any displayable error into a
// client-visible message, and this conversion is the only way ours may become one.
impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let (code, message) = match error {
            ApiError::BadUserInput(message) => (code::BAD_USER_INPUT, message),
            ApiError::LimitExceeded(message) => (code::LIMIT_EXCEEDED, message),
            ApiError::Unauthenticated(message) => (code::UNAUTHENTICATED, message),
            ApiError::Forbidden(message) => (code::FORBIDDEN, message),
            ApiError::NotFound(message) => (code::NOT_FOUND, message),
            ApiError::RateLimited {
                message,
                retry_after_seconds,
            } => {
                return async_graphql::Error::new(message).extend_with(|_, e| {
                    e.set("code", code::RATE_LIMITED);
                    e.set("retryAfter", retry_after_seconds);
                });
            }
            ApiError::Internal(cause) if cause.is_unavailable() => {
                tracing::warn!(error = %cause, "the database is unavailable");
                return async_graphql::Error::new(UNAVAILABLE_MESSAGE).extend_with(|_, e| {
                    e.set("code", code::UNAVAILABLE);
                    e.set("retryAfter", UNAVAILABLE_RETRY_AFTER_SECONDS);
                });
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                (code::INTERNAL, INTERNAL_MESSAGE.to_owned())
            }
        };
        async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
    }
}

/// Results of resolvers.
pub type ApiResult<T> = Result<T, ApiError>;

/// A request-level error (no path, no location) for `error`, coded as a resolver's would be.
pub fn request_failure(error: ApiError) -> ServerError {
    async_graphql::Error::from(error).into_server_error(async_graphql::Pos::default())
}

/// Whether any of `errors` says the database is out of reach: such an answer is `503`.
pub fn is_unavailable(errors: &[ServerError]) -> bool {
    errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == Value::from(code::UNAVAILABLE))
    })
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .is_some()
}

fn set_code(error: &mut ServerError, code: &str) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// `error` with `extensions.code` set to `code`.
pub fn with_code(mut error: ServerError, code: &str) -> ServerError {
    set_code(&mut error, code);
    error
}

/// A request-level error with a code and no location.
pub fn request_error(message: impl Into<String>, code: &str) -> ServerError {
    with_code(ServerError::new(message, None), code)
}

/// The error for a request the gate refused.
pub(crate) fn refused(refusal: Refusal) -> ServerError {
    let (code, message) = match refusal {
        Refusal::Parse(message) => (code::GRAPHQL_PARSE_FAILED, message),
        Refusal::Validation(message) => (code::GRAPHQL_VALIDATION_FAILED, message),
        Refusal::Limit(message) => (code::LIMIT_EXCEEDED, message),
        Refusal::BadInput(message) => (code::BAD_USER_INPUT, message),
    };
    request_error(message, code)
}

/// Codes what the stages below did not: errors about the request itself, such as an
/// operation name that names no operation.
pub(crate) fn code_request_errors(response: &mut Response) {
    for error in &mut response.errors {
        if !has_code(error) {
            set_code(error, code::BAD_USER_INPUT);
        }
    }
}

/// Codes a parse failure (async-graphql's own recursion limit is a limit, not a typo).
pub(crate) fn code_parse_error(error: ServerError) -> ServerError {
    let code = if error
        .message
        .starts_with("The recursion depth of the query")
    {
        code::LIMIT_EXCEEDED
    } else {
        code::GRAPHQL_PARSE_FAILED
    };
    with_code(error, code)
}

/// Codes validation failures (async-graphql's depth and complexity limits are limits).
pub(crate) fn code_validation_errors(errors: Vec<ServerError>) -> Vec<ServerError> {
    errors
        .into_iter()
        .map(|e| {
            let code = if e.message.starts_with("Query is too complex")
                || e.message.starts_with("Query is nested too deep")
            {
                code::LIMIT_EXCEEDED
            } else {
                code::GRAPHQL_VALIDATION_FAILED
            };
            with_code(e, code)
        })
        .collect()
}

/// Codes the errors of an execution: any that escaped a resolver without a code is
/// internal (logged, answered with a generic message), but for the engine's own complaints
/// about input values.
pub(crate) fn code_execution_errors(response: &mut Response) {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| {
            if has_code(&e) {
                e
            } else if e.source.is_some() {
                // An error some library turned into a message: it may hold anything.
                tracing::error!(message = %e.message, path = ?e.path, "uncoded resolver error");
                ServerError {
                    message: INTERNAL_MESSAGE.to_owned(),
                    ..with_code(e, code::INTERNAL)
                }
            } else {
                with_code(e, code::BAD_USER_INPUT)
            }
        })
        .collect();
}

/// Codes async-graphql's complaints that a request names no operation it holds.
pub(crate) fn code_operation_choice(response: &mut Response) {
    for error in &mut response.errors {
        if error.message.starts_with("Unknown operation named")
            || error.message.starts_with("Operation name required")
        {
            set_code(error, code::BAD_USER_INPUT);
        }
    }
}

/// Codes the errors of an answer the schema gave without the pipeline extension, as the
/// extension would have, and says whether the operation ran. One that ran has data, or
/// errors at a path (a failed non-null root field leaves no data); errors of one that did
/// not run come from validation (the gate parsed the document before).
pub(crate) fn code_answer(response: &mut Response) -> bool {
    let executed =
        !matches!(response.data, Value::Null) || response.errors.iter().any(|e| !e.path.is_empty());
    if executed {
        code_execution_errors(response);
    } else {
        let (coded, uncoded): (Vec<_>, Vec<_>) = std::mem::take(&mut response.errors)
            .into_iter()
            .partition(has_code);
        response.errors = coded;
        response.errors.extend(code_validation_errors(uncoded));
    }
    code_request_errors(response);
    executed
}
