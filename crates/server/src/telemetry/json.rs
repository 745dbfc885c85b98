//! Log lines as JSON, one object per line:
//!
//! ```json
//! {"timestamp":"2025-01-01T12:00:00.000000Z","level":"WARN","target":"dateline_server::graphql_http",
//!  "request_id":"4f1c…","method":"POST","path":"/graphql","message":"slow request",
//!  "fields":{"duration_ms":1532,"statements":4}}
//! ```
//!
//! The fields of the spans the event happened in (the request's `request_id`, `method` and
//! `path`; the GraphQL operation's name and type) are at the top level, so that
//! `jq 'select(.request_id == "…")'` finds every line of one request; the event's own fields
//! are under `fields`.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats events as JSON lines; spans' fields must be formatted by
/// [`tracing_subscriber::fmt::format::JsonFields`].
pub(crate) struct JsonLines;

/// The keys of a line that no span field takes.
const RESERVED: [&str; 5] = ["timestamp", "level", "target", "message", "fields"];

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // Events from the `log` crate carry their own target.
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut visitor = Fields::default();
        event.record(&mut visitor);
        let mut line = Line {
            timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            level: metadata.level().as_str(),
            target: metadata.target(),
            spans: Vec::new(),
            message: visitor.message,
            fields: visitor.fields,
        };
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(recorded) = extensions.get::<FormattedFields<N>>() else {
                    continue;
                };
                let Ok(fields) = serde_json::from_str::<Map<String, Value>>(recorded) else {
                    continue;
                };
                for (key, value) in fields {
                    if RESERVED.contains(&key.as_str()) || key.starts_with("otel.") {
                        continue;
                    }
                    match line.spans.iter_mut().find(|(k, _)| *k == key) {
                        // The inner span's value wins.
                        Some(entry) => entry.1 = value,
                        // The request's id first, where people look for it.
                        None if key == "request_id" => line.spans.insert(0, (key, value)),
                        None => line.spans.push((key, value)),
                    }
                }
            }
        }
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// One line, its keys in the order people read them.
struct Line<'a> {
    timestamp: String,
    level: &'a str,
    target: &'a str,
    spans: Vec<(String, Value)>,
    message: Option<String>,
    fields: Map<String, Value>,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("timestamp", &self.timestamp)?;
        map.serialize_entry("level", self.level)?;
        map.serialize_entry("target", self.target)?;
        for (key, value) in &self.spans {
            map.serialize_entry(key, value)?;
        }
        if let Some(message) = &self.message {
            map.serialize_entry("message", message)?;
        }
        if !self.fields.is_empty() {
            map.serialize_entry("fields", &self.fields)?;
        }
        map.end()
    }
}

/// An event's message and other fields (but those `tracing-log` adds to events from the
/// `log` crate, which are the line's target already).
#[derive(Default)]
struct Fields {
    message: Option<String>,
    fields: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        if name == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else if !name.starts_with("log.") {
            self.fields.insert(name.to_owned(), value);
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::format::JsonFields;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines(buffer: &Buffer) -> Vec<Value> {
        let bytes = buffer.0.lock().expect("the buffer").clone();
        String::from_utf8(bytes)
            .expect("UTF-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }

    #[test]
    fn a_line_carries_its_spans_fields_at_the_top_level() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .fmt_fields(JsonFields::new())
                .event_format(JsonLines)
                .with_writer(buffer.clone()),
        );
        tracing::subscriber::with_default(subscriber, || {
            let request = tracing::error_span!(
                "request",
                request_id = "abc-1",
                path = "/graphql",
                otel.name = "POST /graphql"
            );
            let _request = request.enter();
            let inner = tracing::info_span!("graphql", path = "/inner", level = "no");
            let _inner = inner.enter();
            tracing::warn!(statements = 3, slow = true, "slow \"request\"\nsecond line");
            drop(_inner);
            tracing::info!(target: "elsewhere", "outside the operation");
        });
        tracing::info!("after");
        let text = String::from_utf8(buffer.0.lock().expect("the buffer").clone()).expect("UTF-8");
        assert!(
            text.lines().all(|line| line.starts_with(r#"{"timestamp":"#)
                && line.find(r#""request_id":"#) < line.find(r#""path":"#)),
            "{text}"
        );
        let lines = lines(&buffer);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let first = &lines[0];
        assert_eq!(first["level"], "WARN");
        assert_eq!(first["request_id"], "abc-1");
        assert_eq!(first["path"], "/inner", "the inner span's field wins");
        assert_eq!(first["message"], "slow \"request\"\nsecond line");
        assert_eq!(first["fields"]["statements"], 3);
        assert_eq!(first["fields"]["slow"], true);
        assert!(first.get("otel.name").is_none());
        assert!(
            first["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        let second = &lines[1];
        assert_eq!(second["target"], "elsewhere");
        assert_eq!(second["request_id"], "abc-1");
        assert_eq!(second["path"], "/graphql");
        assert!(second.get("fields").is_none());
    }
}
