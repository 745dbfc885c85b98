//! Prometheus metrics, served at `/metrics`.
//!
//! What happens — requests, statements, cache lookups, events, sign-ins — is counted through
//! the `metrics` facade into one Prometheus recorder per process ([`install`]); the graphql
//! and persistence crates count their own with `metrics::counter!`. What a server *is* at
//! the moment — its websockets, subscriptions, pools, replicas, restarted tasks — is read
//! from that server's own state at each scrape and written after the recorder's text
//! ([`scrape`]), so that several servers in one process (as in the tests) each tell their
//! own. Latencies, sizes and statement counts are histograms with fixed buckets
//! (`_bucket{le=…}`), which Prometheus can add up across servers.
//!
//! Every label value comes from a short list fixed here, or from this server's own
//! configuration (pool and replica names), except GraphQL operation names, which clients
//! choose: those are bounded by [`operations`]. `ops/grafana/dateline.json` is a dashboard
//! of these metrics.
//!
//! Requests over HTTP are counted at one place, [`graphql_request`], at the end of
//! `graphql_http::serve`.

mod operations;
mod scrape;

use std::sync::{OnceLock, RwLock};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use dateline_graphql::error::code;
use dateline_persistence::observe::Statement;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{
    BuildError, Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

pub(crate) use operations::{Database, Kind, Operation, Outcome, is_graphql_name, operation};
pub(crate) use scrape::{CONTENT_TYPE, scrape};

/// How often histogram samples are folded into their buckets between scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Buckets of latencies of requests, in seconds.
const REQUEST_SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Buckets of latencies of SQL statements, in seconds.
const STATEMENT_SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// Buckets of how late events arrive, in seconds.
const LAG_SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Buckets of response sizes, in bytes.
const RESPONSE_BYTES: &[f64] = &[
    128.0,
    512.0,
    2048.0,
    8192.0,
    32768.0,
    131_072.0,
    524_288.0,
    1_048_576.0,
    4_194_304.0,
];
/// Buckets of statements per request.
const STATEMENTS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0,
];

/// The histograms, their buckets and what they measure.
const HISTOGRAMS: &[(&str, &[f64], &str)] = &[
    (
        "dateline_graphql_request_duration_seconds",
        REQUEST_SECONDS,
        "GraphQL requests over HTTP by operation and type: how long they took to answer.",
    ),
    (
        "dateline_graphql_request_statements",
        STATEMENTS,
        "SQL statements run for each GraphQL request over HTTP (dataloader batches included).",
    ),
    (
        "dateline_http_response_bytes",
        RESPONSE_BYTES,
        "Size of GraphQL responses over HTTP, before compression.",
    ),
    (
        "dateline_db_statement_duration_seconds",
        STATEMENT_SECONDS,
        "SQL statements by pool: how long each took, from sending it to its last row.",
    ),
    (
        "dateline_event_relay_lag_seconds",
        LAG_SECONDS,
        "Events heard through PostgreSQL: how long after they were announced (by the \
         announcing server's clock) they arrived.",
    ),
];

/// The counters and what they count.
const COUNTERS: &[(&str, &str)] = &[
    (
        "dateline_graphql_requests_total",
        "GraphQL requests over HTTP by operation name (`anonymous` if unnamed, `other` past \
         the first 200 names), type, outcome (ok, error, refused) and database (primary, \
         replica).",
    ),
    (
        "dateline_graphql_errors_total",
        "Errors in GraphQL responses over HTTP, by extensions.code.",
    ),
    (
        "dateline_http_requests_total",
        "HTTP requests by route and status.",
    ),
    (
        "dateline_http_not_modified_total",
        "Conditional GETs answered 304 Not Modified.",
    ),
    (
        "dateline_db_unavailable_total",
        "GraphQL requests answered UNAVAILABLE: the database could not be reached, or no \
         connection was free in time.",
    ),
    (
        "dateline_db_statement_failures_total",
        "SQL statements that failed, by pool.",
    ),
    (
        "dateline_persisted_queries_total",
        "Persisted query lookups (hit, miss) and documents stored.",
    ),
    (
        "dateline_cache_lookups_total",
        "Lookups in what this server keeps of public content (section_tree, related), by \
         result (hit, miss).",
    ),
    (
        "dateline_websocket_connections_total",
        "Websocket connections opened.",
    ),
    (
        "dateline_websocket_refusals_total",
        "Websocket connections refused: the client address held as many as it may.",
    ),
    (
        "dateline_subscriptions_started_total",
        "GraphQL subscriptions started.",
    ),
    (
        "dateline_events_published_total",
        "Article events this server announced, by kind.",
    ),
    (
        "dateline_events_relayed_total",
        "Events heard through PostgreSQL (this server's own included), by kind.",
    ),
    (
        "dateline_scheduler_runs_total",
        "Runs of background tasks (publish, housekeeping) by outcome (ok, error).",
    ),
    (
        "dateline_scheduled_published_total",
        "Scheduled articles this server published when their time came.",
    ),
    (
        "dateline_sign_ins_total",
        "Password checks (sign-ins, password changes) by outcome: ok, wrong, throttled.",
    ),
];

/// What is counted under labels fixed in advance, made at once so that it is scraped (at
/// zero) before it first happens.
const KNOWN_SERIES: &[(&str, &[(&str, &str)])] = &[
    ("dateline_http_not_modified_total", &[]),
    ("dateline_db_unavailable_total", &[]),
    ("dateline_persisted_queries_total", &[("result", "hit")]),
    ("dateline_persisted_queries_total", &[("result", "miss")]),
    ("dateline_persisted_queries_total", &[("result", "stored")]),
    (
        "dateline_cache_lookups_total",
        &[("cache", "section_tree"), ("result", "hit")],
    ),
    (
        "dateline_cache_lookups_total",
        &[("cache", "section_tree"), ("result", "miss")],
    ),
    (
        "dateline_cache_lookups_total",
        &[("cache", "related"), ("result", "hit")],
    ),
    (
        "dateline_cache_lookups_total",
        &[("cache", "related"), ("result", "miss")],
    ),
    ("dateline_websocket_connections_total", &[]),
    ("dateline_websocket_refusals_total", &[]),
    ("dateline_subscriptions_started_total", &[]),
    ("dateline_events_published_total", &[("kind", "published")]),
    ("dateline_events_published_total", &[("kind", "updated")]),
    (
        "dateline_events_published_total",
        &[("kind", "sections_changed")],
    ),
    ("dateline_events_relayed_total", &[("kind", "published")]),
    ("dateline_events_relayed_total", &[("kind", "updated")]),
    (
        "dateline_events_relayed_total",
        &[("kind", "sections_changed")],
    ),
    (
        "dateline_scheduler_runs_total",
        &[("task", "publish"), ("outcome", "ok")],
    ),
    (
        "dateline_scheduler_runs_total",
        &[("task", "publish"), ("outcome", "error")],
    ),
    (
        "dateline_scheduler_runs_total",
        &[("task", "housekeeping"), ("outcome", "ok")],
    ),
    (
        "dateline_scheduler_runs_total",
        &[("task", "housekeeping"), ("outcome", "error")],
    ),
    ("dateline_scheduled_published_total", &[]),
    ("dateline_sign_ins_total", &[("outcome", "ok")]),
    ("dateline_sign_ins_total", &[("outcome", "wrong")]),
    ("dateline_sign_ins_total", &[("outcome", "throttled")]),
];

/// The route classes of `dateline_http_requests_total`.
const ROUTES: [&str; 7] = [
    "graphql", "feed", "sitemap", "health", "metrics", "graphiql", "other",
];
/// HTTP statuses run from 100 to 599.
const STATUSES: usize = 500;

/// The recorder, and the handles of what every request counts.
struct Installed {
    handle: PrometheusHandle,
    statements: Histogram,
    response_bytes: Histogram,
    unavailable: Counter,
    not_modified: Counter,
    websockets_opened: Counter,
    websockets_refused: Counter,
    scheduled_published: Counter,
    /// `dateline_http_requests_total` by route class and status, made when first used.
    http: Box<[OnceLock<Counter>]>,
    /// Statement series by pool, made when first used.
    pools: RwLock<Vec<PoolSeries>>,
}

/// One pool's statement series.
struct PoolSeries {
    name: Box<str>,
    duration: Histogram,
    failures: Counter,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// Installs this process's recorder, once: every server of the process renders it. Call it
/// before counting anything (`run` does), or what is counted before is lost.
pub(crate) fn install() -> &'static PrometheusHandle {
    &INSTALLED.get_or_init(installed).handle
}

fn installed() -> Installed {
    let recorder = match recorder() {
        Ok(recorder) => recorder,
        Err(error) => {
            tracing::error!(%error, "metrics: histogram buckets refused; latencies are summaries");
            PrometheusBuilder::new().build_recorder()
        }
    };
    let handle = recorder.handle();
    if let Err(error) = metrics::set_global_recorder(recorder) {
        tracing::warn!(%error, "metrics: another recorder is installed; /metrics shows this server's state only");
    }
    for (name, _, help) in HISTOGRAMS {
        metrics::describe_histogram!(*name, *help);
    }
    for (name, help) in COUNTERS {
        metrics::describe_counter!(*name, *help);
    }
    for (name, labels) in KNOWN_SERIES {
        let labels: Vec<metrics::Label> = labels
            .iter()
            .map(|(key, value)| metrics::Label::new(*key, *value))
            .collect();
        let _ = metrics::counter!(*name, labels);
    }
    let _ = metrics::histogram!("dateline_event_relay_lag_seconds");
    Installed {
        handle,
        statements: metrics::histogram!("dateline_graphql_request_statements"),
        response_bytes: metrics::histogram!("dateline_http_response_bytes"),
        unavailable: metrics::counter!("dateline_db_unavailable_total"),
        not_modified: metrics::counter!("dateline_http_not_modified_total"),
        websockets_opened: metrics::counter!("dateline_websocket_connections_total"),
        websockets_refused: metrics::counter!("dateline_websocket_refusals_total"),
        scheduled_published: metrics::counter!("dateline_scheduled_published_total"),
        http: (0..ROUTES.len() * STATUSES)
            .map(|_| OnceLock::new())
            .collect(),
        pools: RwLock::default(),
    }
}

/// A recorder whose histograms have their buckets.
fn recorder() -> Result<PrometheusRecorder, BuildError> {
    let mut builder = PrometheusBuilder::new().set_buckets(REQUEST_SECONDS)?;
    for (name, buckets, _) in HISTOGRAMS {
        builder = builder.set_buckets_for_metric(Matcher::Full((*name).to_owned()), buckets)?;
    }
    Ok(builder.build_recorder())
}

/// Folds histogram samples into their buckets every [`UPKEEP_INTERVAL`], until the task is
/// dropped, so that they do not pile up in memory while nobody scrapes.
pub(crate) async fn upkeep() {
    let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        install().run_upkeep();
    }
}

/// What one GraphQL request over HTTP was, for [`graphql_request`].
pub(crate) struct Served {
    /// Its operation, as counted.
    pub operation: std::sync::Arc<Operation>,
    pub kind: Kind,
    /// Whether its operation ran.
    pub executed: bool,
    /// Whether a replica answered it.
    pub replica: bool,
    /// The `extensions.code` of each error in its response.
    pub codes: Vec<&'static str>,
    pub elapsed: Duration,
    /// The SQL statements it ran.
    pub statements: u32,
    /// Its response body's size, when known.
    pub response_bytes: Option<u64>,
}

impl Served {
    /// A request not yet read: an unnamed operation of no known type that never ran.
    pub(crate) fn new() -> Self {
        Self {
            operation: operation(None),
            kind: Kind::None,
            executed: false,
            replica: false,
            codes: Vec::new(),
            elapsed: Duration::ZERO,
            statements: 0,
            response_bytes: None,
        }
    }

    /// Notes the codes of `errors`.
    pub(crate) fn errors(&mut self, errors: &[async_graphql::ServerError]) {
        self.codes.extend(errors.iter().map(|error| {
            let code = error.extensions.as_ref().and_then(|e| e.get("code"));
            match code {
                Some(async_graphql::Value::String(code)) => known_code(code),
                _ => "NONE",
            }
        }));
    }

    /// How it ended: with no error it is `ok`; errors after it ran, or that are the
    /// server's (a deadline, the database, a fault), are `error`; others `refused`.
    pub(crate) fn outcome(&self) -> Outcome {
        let servers_fault =
            |code: &&str| matches!(*code, code::INTERNAL | code::UNAVAILABLE | code::TIMEOUT);
        if self.codes.is_empty() {
            Outcome::Ok
        } else if self.executed || self.codes.iter().any(servers_fault) {
            Outcome::Error
        } else {
            Outcome::Refused
        }
    }
}

/// `code` if it is one this API answers, else `OTHER`: a label with few values.
fn known_code(code: &str) -> &'static str {
    const KNOWN: [&str; 13] = [
        code::BAD_USER_INPUT,
        code::LIMIT_EXCEEDED,
        code::UNAUTHENTICATED,
        code::FORBIDDEN,
        code::NOT_FOUND,
        code::RATE_LIMITED,
        code::TIMEOUT,
        code::INTERNAL,
        code::UNAVAILABLE,
        code::RESYNC,
        code::GRAPHQL_PARSE_FAILED,
        code::GRAPHQL_VALIDATION_FAILED,
        code::PERSISTED_QUERY_NOT_FOUND,
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == code)
        .unwrap_or("OTHER")
}

/// Counts one GraphQL request over HTTP.
pub(crate) fn graphql_request(served: &Served) {
    let Some(installed) = INSTALLED.get() else {
        return;
    };
    let database = if served.replica {
        Database::Replica
    } else {
        Database::Primary
    };
    let operation = &served.operation;
    operation
        .requests(served.kind, served.outcome(), database)
        .increment(1);
    operation
        .duration(served.kind)
        .record(served.elapsed.as_secs_f64());
    installed.statements.record(f64::from(served.statements));
    if let Some(bytes) = served.response_bytes {
        // Precise to 2^53 bytes, far beyond any response.
        #[allow(clippy::cast_precision_loss)]
        installed.response_bytes.record(bytes as f64);
    }
    for code in &served.codes {
        metrics::counter!("dateline_graphql_errors_total", "code" => *code).increment(1);
    }
    if served.codes.contains(&code::UNAVAILABLE) {
        installed.unavailable.increment(1);
    }
}

/// Counts one SQL statement (the statement hook's share, see [`crate::statements`]).
pub(crate) fn statement(statement: &Statement<'_>) {
    let Some(installed) = INSTALLED.get() else {
        return;
    };
    let record = |series: &PoolSeries| {
        series.duration.record(statement.elapsed.as_secs_f64());
        if statement.failed {
            series.failures.increment(1);
        }
    };
    {
        let pools = installed.pools.read().unwrap_or_else(|e| e.into_inner());
        if let Some(series) = pools.iter().find(|p| *p.name == *statement.database) {
            return record(series);
        }
    }
    let mut pools = installed.pools.write().unwrap_or_else(|e| e.into_inner());
    if let Some(series) = pools.iter().find(|p| *p.name == *statement.database) {
        return record(series);
    }
    let database = statement.database.to_owned();
    let series = PoolSeries {
        name: database.clone().into(),
        duration: metrics::histogram!("dateline_db_statement_duration_seconds", "database" => database.clone()),
        failures: metrics::counter!("dateline_db_statement_failures_total", "database" => database),
    };
    record(&series);
    pools.push(series);
}

/// Counts a `304 Not Modified`.
pub(crate) fn not_modified() {
    if let Some(installed) = INSTALLED.get() {
        installed.not_modified.increment(1);
    }
}

/// Counts a websocket opened (`true`) or refused.
pub(crate) fn websocket(opened: bool) {
    if let Some(installed) = INSTALLED.get() {
        if opened {
            installed.websockets_opened.increment(1);
        } else {
            installed.websockets_refused.increment(1);
        }
    }
}

/// Counts a run of the background task `task` (`publish`, `housekeeping`).
pub(crate) fn scheduler_run(task: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("dateline_scheduler_runs_total", "task" => task, "outcome" => outcome)
        .increment(1);
}

/// Counts `articles` published by the scheduler.
pub(crate) fn scheduled_published(articles: usize) {
    if let Some(installed) = INSTALLED.get() {
        installed
            .scheduled_published
            .increment(u64::try_from(articles).unwrap_or(u64::MAX));
    }
}

/// Counts every HTTP request by route class and status (a middleware, outside all others).
pub(crate) async fn count_http(request: Request, next: Next) -> Response {
    let route = route_class(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let response = next.run(request).await;
    if let Some(installed) = INSTALLED.get() {
        let status = response.status().as_u16();
        let index = usize::from(status.saturating_sub(100));
        if index < STATUSES {
            installed.http[route * STATUSES + index]
                .get_or_init(|| {
                    metrics::counter!(
                        "dateline_http_requests_total",
                        "route" => ROUTES[route],
                        "status" => status.to_string(),
                    )
                })
                .increment(1);
        }
    }
    response
}

/// The index in [`ROUTES`] of the route `matched` (`None`: no route, a `404`).
fn route_class(matched: Option<&str>) -> usize {
    let class = match matched {
        Some("/graphql") => "graphql",
        Some("/healthz" | "/readyz") => "health",
        Some("/metrics") => "metrics",
        Some("/sitemap.xml" | "/robots.txt") => "sitemap",
        Some(path) if path.starts_with("/sitemaps/") => "sitemap",
        Some(path) if path.starts_with("/graphiql") => "graphiql",
        Some(path)
            if path.trim_end_matches('/').ends_with("/feed")
                || path.trim_end_matches('/').ends_with("/feed/atom") =>
        {
            "feed"
        }
        _ => "other",
    };
    ROUTES
        .iter()
        .position(|r| *r == class)
        .unwrap_or(ROUTES.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_classed_by_the_route_that_matched() {
        let class = |path| ROUTES[route_class(path)];
        assert_eq!(class(Some("/graphql")), "graphql");
        assert_eq!(class(Some("/{section}/feed/atom/")), "feed");
        assert_eq!(class(Some("/feed")), "feed");
        assert_eq!(class(Some("/sitemaps/{name}")), "sitemap");
        assert_eq!(class(Some("/readyz")), "health");
        assert_eq!(class(Some("/graphiql/assets/{name}")), "graphiql");
        assert_eq!(class(Some("/metrics")), "metrics");
        assert_eq!(class(None), "other");
    }

    #[test]
    fn outcomes_follow_the_errors_and_whether_the_operation_ran() {
        let mut served = Served::new();
        assert_eq!(served.outcome(), Outcome::Ok);
        served.codes.push(code::GRAPHQL_VALIDATION_FAILED);
        assert_eq!(served.outcome(), Outcome::Refused);
        served.executed = true;
        assert_eq!(served.outcome(), Outcome::Error);
        let mut timed_out = Served::new();
        timed_out.codes.push(code::TIMEOUT);
        assert_eq!(timed_out.outcome(), Outcome::Error);
        assert_eq!(known_code("NOT_FOUND"), "NOT_FOUND");
        assert_eq!(known_code("made up by a resolver"), "OTHER");
    }
}
