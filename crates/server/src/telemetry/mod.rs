//! Logs and traces: how log lines are written (text, or one JSON object per line with the
//! request's id at the top level, [`json`]), and, when a collector is named, OpenTelemetry
//! traces over OTLP/HTTP: the request, its GraphQL operation, each dataloader batch and each
//! SQL statement ([`statement_span`]).
//!
//! Logging and tracing are separate layers with their own filters: `RUST_LOG` picks the
//! log lines, while traces take every span of Dateline's own crates down to `DEBUG`
//! (dataloader batches are `DEBUG` spans, so that without a collector no layer wants them
//! and they cost next to nothing) and warnings from anywhere as span events.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use dateline_persistence::observe;
use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, span_processor_with_async_runtime};
use tracing::{Level, Metadata};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter};

use crate::cli::LogFormat;

mod json;

/// Logging when `RUST_LOG` is not set: our own events at info, chatty libraries' spans off.
pub const DEFAULT_LOG_FILTER: &str = "info,async_graphql=warn,sqlx=warn,sea_orm=warn";

/// How long the server waits, when it stops, for the last traces to reach the collector.
const FLUSH_WITHIN: Duration = Duration::from_secs(5);

/// Where traces go, and what they are of.
#[derive(Debug, Clone)]
pub struct Traces {
    /// The collector's OTLP/HTTP address; spans are posted to its `/v1/traces`.
    pub endpoint: String,
    /// `service.name` of every span.
    pub service_name: String,
    /// The database's kind, `sqlite` or `postgresql` (`db.system.name` of SQL spans).
    pub database: &'static str,
}

impl Traces {
    /// The database kind of `url`, as OpenTelemetry names it.
    pub fn database_kind(url: &str) -> &'static str {
        if url.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgresql"
        }
    }
}

/// What traces SQL statements: the tracer, and the kind of database they run on.
struct Statements {
    tracer: SdkTracer,
    database: &'static str,
}

/// The target of the spans of health checks and metrics scrapes, which are not traced.
pub(crate) const PROBE: &str = "dateline::probe";

static STATEMENTS: OnceLock<Statements> = OnceLock::new();

static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether traces are being exported: spans then carry what only traces need.
pub(crate) fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Logging (and tracing) as set up for this process; [`Telemetry::shutdown`] sends what
/// traces are left.
#[must_use = "shut telemetry down when the command ends, or the last traces are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

/// Sets up logging to standard output in `format`, filtered by `RUST_LOG` or else
/// [`DEFAULT_LOG_FILTER`], and tracing to `traces` if given. Traces are exported from a
/// task on the current tokio runtime.
pub fn init(format: LogFormat, traces: Option<&Traces>) -> anyhow::Result<Telemetry> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    let logs = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .fmt_fields(JsonFields::new())
            .event_format(json::JsonLines)
            .with_filter(filter)
            .boxed(),
    };
    let provider = traces.map(provider).transpose()?;
    let tracing = provider.as_ref().map(|provider| {
        let tracer = provider.tracer("dateline");
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false)
            .with_context_activation(false)
            .with_filter(filter::filter_fn(traced))
    });
    tracing_subscriber::registry()
        .with(logs)
        .with(tracing)
        .try_init()
        .context("setting up logging")?;
    if let (Some(provider), Some(traces)) = (&provider, traces) {
        let _ = STATEMENTS.set(Statements {
            tracer: provider.tracer("dateline"),
            database: traces.database,
        });
        // The process's one statement hook counts statements in the metrics and, from
        // here on, traces them too.
        if !crate::statements::install_hook(Some(Box::new(statement_span))) {
            tracing::warn!("SQL statements are watched already: they are not traced");
        }
        EXPORTING.store(true, Ordering::Relaxed);
        tracing::info!(
            collector = without_credentials(&traces.endpoint),
            "traces go to an OTLP collector"
        );
    }
    Ok(Telemetry { provider })
}

impl Telemetry {
    /// Sends the traces not sent yet (waiting [`FLUSH_WITHIN`] at most) and stops tracing.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        EXPORTING.store(false, Ordering::Relaxed);
        // Shutting down blocks until the exporting task has sent its last batch.
        let shutdown = tokio::task::spawn_blocking(move || provider.shutdown());
        match tokio::time::timeout(FLUSH_WITHIN, shutdown).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "the last traces were not sent"),
            Ok(Err(error)) => tracing::warn!(%error, "the last traces were not sent"),
            Err(_) => tracing::warn!(
                "the collector did not take the last traces within {} s",
                FLUSH_WITHIN.as_secs()
            ),
        }
    }
}

/// `endpoint` without what may be secret in it (`user:password@`, a query string), for
/// logging.
fn without_credentials(endpoint: &str) -> String {
    let endpoint = endpoint.split(['?', '#']).next().unwrap_or_default();
    match endpoint.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{host}")
        }
        None => endpoint.to_owned(),
    }
}

/// The tracer provider exporting to `traces`' collector in batches.
fn provider(traces: &Traces) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{}/v1/traces", traces.endpoint))
        .build()
        .context("setting up the OTLP exporter")?;
    let batches = span_processor_with_async_runtime::BatchSpanProcessor::builder(
        exporter,
        opentelemetry_sdk::runtime::Tokio,
    )
    .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(batches)
        .with_resource(
            Resource::builder_empty()
                .with_service_name(traces.service_name.clone())
                .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                .build(),
        )
        .build())
}

/// What becomes part of a trace: spans of Dateline's own crates down to `DEBUG` (but
/// probes'), and warnings and errors (as events of the span they happen in).
fn traced(metadata: &Metadata<'_>) -> bool {
    if metadata.is_span() {
        let target = metadata.target();
        target.starts_with("dateline") && target != PROBE && *metadata.level() <= Level::DEBUG
    } else {
        *metadata.level() <= Level::WARN
    }
}

/// The longest SQL text a span carries; statements are cut there.
const MAX_SQL_BYTES: usize = 4096;

/// Traces a finished SQL statement as a span of the span it ran in (a dataloader batch,
/// the GraphQL operation), from when it was sent to its last row, with its text (which has
/// placeholders where values were bound: values never reach a trace). Statements outside
/// any traced span (the scheduler's poll, the relay's heartbeat) are not traced.
pub(crate) fn statement_span(statement: &observe::Statement<'_>) {
    let Some(statements) = STATEMENTS.get() else {
        return;
    };
    if statement.background || !exporting() {
        return;
    }
    let parent = tracing::Span::current().context();
    if !parent.span().span_context().is_valid() {
        return;
    }
    let end = SystemTime::now();
    let start = end.checked_sub(statement.elapsed).unwrap_or(end);
    let sql = cut(statement.sql.trim(), MAX_SQL_BYTES);
    let operation = sql
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let mut builder = statements
        .tracer
        .span_builder(operation.clone())
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_end_time(end)
        .with_attributes([
            KeyValue::new("db.system.name", statements.database),
            KeyValue::new("db.operation.name", operation),
            KeyValue::new("db.query.text", sql.to_owned()),
            KeyValue::new(
                "db.client.connection.pool.name",
                statement.database.to_owned(),
            ),
        ]);
    if statement.failed {
        builder = builder.with_status(Status::error("the statement failed"));
    }
    let mut span = builder.start_with_context(&statements.tracer, &parent);
    opentelemetry::trace::Span::end_with_timestamp(&mut span, end);
}

/// `text` cut to `max` bytes at most, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collector_is_logged_without_credentials() {
        assert_eq!(
            without_credentials("https://user:s3cret@otel.example.org:4318/?token=x"),
            "https://otel.example.org:4318/"
        );
        assert_eq!(
            without_credentials("http://collector:4318"),
            "http://collector:4318"
        );
    }

    #[test]
    fn sql_is_cut_at_a_character_boundary() {
        assert_eq!(cut("SELECT 1", 100), "SELECT 1");
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
    }

    #[test]
    fn traces_take_our_spans_and_warnings_only() {
        use tracing::callsite::Identifier;
        use tracing::field::FieldSet;
        use tracing::metadata::Kind;

        struct Site;
        impl tracing::Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!()
            }
        }
        static SITE: Site = Site;
        let meta = |target: &'static str, level: Level, kind: Kind| {
            Metadata::new(
                "x",
                target,
                level,
                None,
                None,
                None,
                FieldSet::new(&[], Identifier(&SITE)),
                kind,
            )
        };
        assert!(traced(&meta(
            "dateline_graphql::loaders",
            Level::DEBUG,
            Kind::SPAN
        )));
        assert!(!traced(&meta(
            "dateline_graphql::loaders",
            Level::TRACE,
            Kind::SPAN
        )));
        assert!(!traced(&meta("sqlx::query", Level::INFO, Kind::SPAN)));
        assert!(!traced(&meta(PROBE, Level::ERROR, Kind::SPAN)));
        assert!(traced(&meta("sqlx::query", Level::WARN, Kind::EVENT)));
        assert!(!traced(&meta("dateline_server", Level::INFO, Kind::EVENT)));
    }
}
