//! The schema's own scalars: `DateTime`, `URL` and `HTML`, each with a description and an
//! `@specifiedBy` URL, so that GraphiQL shows what a value looks like and code generators
//! map them to a string type instead of `unknown`.

use async_graphql::{Description, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{SecondsFormat, Utc};

/// An instant, written as an RFC 3339 date-time. Dateline always writes it in UTC with
/// a `Z` (`2026-05-14T08:30:00Z`, with fractions of a second when there are any), and
/// reads any offset (`2026-05-14T10:30:00+02:00` is the same instant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Description)]
pub struct DateTime(pub chrono::DateTime<Utc>);

#[Scalar(
    name = "DateTime",
    use_type_description,
    specified_by_url = "https://scalars.graphql.org/andimarek/date-time"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|at| Self(at.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(
                        "expected an RFC 3339 date-time, such as `2026-05-14T08:30:00Z`",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl std::fmt::Display for DateTime {
    /// As the API writes it: RFC 3339 in UTC.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(at: chrono::DateTime<Utc>) -> Self {
        Self(at)
    }
}

impl From<DateTime> for chrono::DateTime<Utc> {
    fn from(at: DateTime) -> Self {
        at.0
    }
}

/// A web address (WHATWG URL): `http://` or `https://` and absolute. Mutations that take
/// one answer a user error on its field for any other value.
#[derive(Clone, Debug, PartialEq, Eq, Description)]
pub struct Url(pub String);

#[Scalar(
    name = "URL",
    use_type_description,
    specified_by_url = "https://url.spec.whatwg.org/"
)]
impl ScalarType for Url {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Ok(Self(text)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

impl std::ops::Deref for Url {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Url {
    fn from(text: String) -> Self {
        Self(text)
    }
}

/// A fragment of HTML that Dateline has sanitised: no scripts, event handlers, styles or
/// unsafe URLs, so a page may insert it as it is.
#[derive(Clone, Debug, PartialEq, Eq, Description)]
pub struct Html(pub String);

#[Scalar(
    name = "HTML",
    use_type_description,
    specified_by_url = "https://html.spec.whatwg.org/multipage/syntax.html"
)]
impl ScalarType for Html {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Ok(Self(text)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

impl From<String> for Html {
    fn from(text: String) -> Self {
        Self(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_written_in_utc_and_read_with_any_offset() {
        let read = DateTime::parse(Value::String("2026-05-14T10:30:00+02:00".into()))
            .expect("an RFC 3339 date-time");
        assert_eq!(
            read.to_value(),
            Value::String("2026-05-14T08:30:00Z".into())
        );
        assert!(DateTime::parse(Value::String("14 May 2026".into())).is_err());
    }
}
