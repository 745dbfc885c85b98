//! `/metrics`: what a dashboard reads. Requests are counted by operation with their latency,
//! statements and errors; pools, caches, events, the scheduler and sign-ins are there; the
//! text is valid exposition format; client-chosen operation names cannot grow it without
//! end; and every metric the sample Grafana dashboard (`ops/grafana/dateline.json`) queries
//! is served.
//!
//! The recorder is the process's, shared by every test server in this binary: tests use
//! operation names of their own and compare counters before and after, never to zero.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use dateline_domain::Role;
use dateline_tests::websocket::{LiveClient, Protocol};
use dateline_tests::{TestApp, on_postgres, replica_of, spawn_app, spawn_warm_app};
use serde_json::{Value, json};

use crate::fixtures::{draft, schedule};
use crate::replicas;

/// The operation names a process counts under their own name (the server's cap).
const MAX_OPERATION_NAMES: usize = 200;

/// One sample of a scrape.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// A scrape, parsed.
#[derive(Debug)]
struct Scrape {
    /// Each family's type, by name.
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Scrape {
    /// Parses the Prometheus text format, failing the test on anything malformed: a sample
    /// of a family without `# TYPE`, a family typed twice, a label or value that does not
    /// parse.
    fn parse(text: &str) -> Self {
        let mut types = HashMap::new();
        let mut samples = Vec::new();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            if let Some(declaration) = line.strip_prefix("# TYPE ") {
                let (name, kind) = declaration
                    .split_once(' ')
                    .unwrap_or_else(|| panic!("a TYPE line without a type: {line}"));
                let kind = kind.trim().to_owned();
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&&*kind),
                    "{line}"
                );
                assert!(
                    types.insert(name.to_owned(), kind).is_none(),
                    "{name} is typed twice"
                );
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            samples.push(sample(line));
        }
        let scrape = Self { types, samples };
        for sample in &scrape.samples {
            assert!(
                scrape.family(&sample.name).is_some(),
                "{} has no # TYPE before it",
                sample.name
            );
        }
        scrape
    }

    /// The type of the family `sample_name` belongs to (`x_bucket` is of histogram `x`).
    fn family(&self, sample_name: &str) -> Option<&str> {
        if let Some(kind) = self.types.get(sample_name) {
            return Some(kind);
        }
        ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
            let kind = self.types.get(sample_name.strip_suffix(suffix)?)?;
            matches!(kind.as_str(), "histogram" | "summary").then_some(kind.as_str())
        })
    }

    /// The samples named `name` that have every label of `labels`.
    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(k, v)| sample.labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
    }

    /// The sum of the samples named `name` that have every label of `labels`; 0 for none.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|s| s.value).sum()
    }

    /// The distinct values of label `label` among the samples named `name`.
    fn label_values(&self, name: &str, label: &str) -> BTreeSet<String> {
        self.matching(name, &[])
            .filter_map(|s| s.labels.iter().find(|(k, _)| k == label))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// One sample line: `name{label="value",…} value [timestamp]`.
fn sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap_or(line.len());
    let name = &line[..name_end];
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "a bad metric name in: {line}"
    );
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inside) = rest.strip_prefix('{') {
        let mut chars = inside.char_indices().peekable();
        loop {
            let Some((start, c)) = chars.next() else {
                panic!("unclosed labels in: {line}");
            };
            if c == '}' {
                rest = &inside[start + 1..];
                break;
            }
            if c == ',' {
                continue;
            }
            let key_end = inside[start..]
                .find('=')
                .map(|i| start + i)
                .unwrap_or_else(|| panic!("a label without a value in: {line}"));
            let key = inside[start..key_end].to_owned();
            while chars.peek().is_some_and(|(i, _)| *i <= key_end) {
                chars.next();
            }
            assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => panic!("a broken escape in: {line}"),
                    },
                    Some((_, c)) => value.push(c),
                    None => panic!("an unclosed label value in: {line}"),
                }
            }
            labels.push((key, value));
        }
    }
    let value = rest
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("no value in: {line}"));
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse()
            .unwrap_or_else(|_| panic!("a bad value in: {line}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("a content type")
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    Scrape::parse(&response.text().await.expect("the metrics text"))
}

#[test]
fn the_parser_reads_labels_values_and_families() {
    let scrape = Scrape::parse(
        "# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"uo\\\\te\"} 3\n\
         # TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n",
    );
    assert_eq!(scrape.sum("a_total", &[("y", "q\"uo\\te")]), 3.0);
    assert_eq!(scrape.sum("h_bucket", &[("le", "+Inf")]), 2.0);
    assert_eq!(scrape.family("h_count"), Some("histogram"));
    assert!(std::panic::catch_unwind(|| Scrape::parse("untyped_metric 1\n")).is_err());
}

const FRONT_PAGE: &str = "query MetricsFrontPage { articles(first: 3) { nodes { slug } } }";

#[tokio::test]
async fn requests_are_counted_by_operation_with_their_latency_statements_and_errors() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.data(FRONT_PAGE, json!({})).await;
    }
    // Over the page size cap: the operation runs, and fails.
    let too_many = app
        .graphql(
            "query MetricsTooMany { articles(first: 500) { nodes { slug } } }",
            json!({}),
        )
        .await;
    let too_many_code = too_many["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error code: {too_many}"))
        .to_owned();
    // A mistake validation finds: refused before it runs.
    let invalid = app
        .graphql(
            "query MetricsInvalid { articles(first: \"three\") { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        invalid["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let metrics = scrape(&app).await;

    let front_page = [("operation", "MetricsFrontPage")];
    let requests = "dateline_graphql_requests_total";
    assert_eq!(
        metrics.sum(
            requests,
            &[
                ("operation", "MetricsFrontPage"),
                ("type", "query"),
                ("outcome", "ok"),
                ("database", "primary"),
            ]
        ),
        3.0
    );
    assert_eq!(metrics.sum(requests, &front_page), 3.0);
    assert_eq!(
        metrics.sum(
            requests,
            &[("operation", "MetricsTooMany"), ("outcome", "error")]
        ),
        1.0
    );
    assert_eq!(
        metrics.sum(
            requests,
            &[("operation", "MetricsInvalid"), ("outcome", "refused")]
        ),
        1.0
    );
    assert!(metrics.sum("dateline_graphql_errors_total", &[("code", &too_many_code)]) >= 1.0);
    assert!(
        metrics.sum(
            "dateline_graphql_errors_total",
            &[("code", "GRAPHQL_VALIDATION_FAILED")]
        ) >= 1.0
    );

    // Latency is a histogram, with buckets.
    let latency = "dateline_graphql_request_duration_seconds";
    assert_eq!(metrics.family(latency), Some("histogram"));
    let buckets = format!("{latency}_bucket");
    assert_eq!(
        metrics.sum(
            &buckets,
            &[("operation", "MetricsFrontPage"), ("le", "+Inf")]
        ),
        3.0
    );
    assert!(metrics.matching(&buckets, &front_page).count() > 5);
    assert_eq!(metrics.sum(&format!("{latency}_count"), &front_page), 3.0);
    assert!(metrics.sum(&format!("{latency}_sum"), &front_page) > 0.0);

    // Statements per request and response sizes are histograms too, and were observed.
    for histogram in [
        "dateline_graphql_request_statements",
        "dateline_http_response_bytes",
        "dateline_db_statement_duration_seconds",
    ] {
        assert_eq!(metrics.family(histogram), Some("histogram"), "{histogram}");
        assert!(
            metrics.sum(&format!("{histogram}_bucket"), &[("le", "+Inf")]) >= 5.0,
            "{histogram}"
        );
    }
    // The front page ran statements: not every request sits in the bucket of none.
    let statements = "dateline_graphql_request_statements_bucket";
    assert!(metrics.sum(statements, &[("le", "0")]) < metrics.sum(statements, &[("le", "+Inf")]));
    assert!(
        metrics
            .types
            .iter()
            .all(|(name, kind)| kind != "summary" || !name.starts_with("dateline_")),
        "every dateline distribution is a histogram"
    );

    // This server's pools, read at the scrape.
    let in_use = metrics.sum(
        "dateline_db_pool_connections",
        &[("database", "primary"), ("state", "in_use")],
    );
    let idle = metrics.sum(
        "dateline_db_pool_connections",
        &[("database", "primary"), ("state", "idle")],
    );
    let max = metrics.sum(
        "dateline_db_pool_max_connections",
        &[("database", "primary")],
    );
    assert!(
        max >= 1.0 && in_use + idle <= max,
        "{in_use} + {idle} <= {max}"
    );
    assert!(
        idle >= 1.0,
        "the requests' connections went back to the pool"
    );
    assert!(
        metrics.sum(
            "dateline_http_requests_total",
            &[("route", "graphql"), ("status", "200")]
        ) >= 5.0
    );

    // A flood of made-up operation names (as a client could send): after the process's
    // first names, the rest count as `other`, and a name counted before still counts as
    // itself.
    let flood = uuid::Uuid::new_v4().simple().to_string();
    for i in 0..300 {
        app.data(
            &format!("query Flood_{flood}_{i} {{ __typename }}"),
            json!({}),
        )
        .await;
    }
    app.data(FRONT_PAGE, json!({})).await;
    let metrics = scrape(&app).await;
    let names = metrics.label_values(requests, "operation");
    assert!(
        names.len() <= MAX_OPERATION_NAMES + 2,
        "{} operation names: {names:?}",
        names.len()
    );
    let flooded = names
        .iter()
        .filter(|name| name.starts_with(&format!("Flood_{flood}_")))
        .count();
    assert!(flooded < 300, "{flooded} of the flood's names are labels");
    assert!(metrics.sum(requests, &[("operation", "other")]) >= f64::from(300 - 200));
    assert_eq!(metrics.sum(requests, &front_page), 4.0);
}

#[tokio::test]
async fn caches_events_the_scheduler_websockets_and_sign_ins_are_counted() {
    let app = spawn_warm_app().await;
    let before = scrape(&app).await;
    let editor = app.staff(Role::Editor).await;
    let wrong = app
        .graphql(
            "mutation($input: LoginInput!) { login(input: $input) { token } }",
            json!({ "input": { "email": editor.email, "password": "not the password" } }),
        )
        .await;
    assert!(wrong["data"]["login"]["token"].is_null(), "{wrong}");

    // A story scheduled a moment ahead, which the scheduler publishes.
    let article = draft(&app, &editor, "Counted when it goes out").await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(300);
    schedule(&app, &editor, &article, at).await;

    // A persisted query: unknown, then stored, then found.
    let document = "query MetricsPersisted { sections { slug } }";
    let hash = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(document.as_bytes()))
    };
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: Value| {
        app.client
            .post(format!("{}/graphql", app.address))
            .json(&body)
            .send()
    };
    let missing: Value = post(json!({ "extensions": extensions }))
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        missing["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    post(json!({ "query": document, "extensions": extensions }))
        .await
        .expect("POST");
    let found: Value = post(json!({ "extensions": extensions }))
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert!(found["data"]["sections"].is_array(), "{found}");

    // A conditional GET of what the client holds.
    let url = format!("{}/graphql?query={{sections{{slug}}}}", app.address);
    let first = app.client.get(&url).send().await.expect("GET");
    let etag = first.headers()["etag"].clone();
    let again = app
        .client
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), 304);

    // A websocket, and a subscription on it.
    let mut live = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    live.subscribe("1", "subscription { articlePublished { id } }", json!({}))
        .await;

    // The scheduler publishes the story (and, on PostgreSQL, the relay hears of it).
    let published = |m: &Scrape| m.sum("dateline_scheduled_published_total", &[]);
    let mut after = scrape(&app).await;
    for _ in 0..100 {
        let relayed = |m: &Scrape| m.sum("dateline_event_relay_lag_seconds_count", &[]);
        if published(&after) > published(&before)
            && (!on_postgres() || relayed(&after) > relayed(&before))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = scrape(&app).await;
    }
    live.close().await;

    let grew = |name: &str, labels: &[(&str, &str)]| {
        let (was, is) = (before.sum(name, labels), after.sum(name, labels));
        assert!(is > was, "{name}{labels:?}: {was} -> {is}");
    };
    grew("dateline_sign_ins_total", &[("outcome", "ok")]);
    grew("dateline_sign_ins_total", &[("outcome", "wrong")]);
    grew("dateline_scheduled_published_total", &[]);
    grew(
        "dateline_scheduler_runs_total",
        &[("task", "publish"), ("outcome", "ok")],
    );
    grew("dateline_events_published_total", &[("kind", "published")]);
    grew("dateline_persisted_queries_total", &[("result", "miss")]);
    grew("dateline_persisted_queries_total", &[("result", "stored")]);
    grew("dateline_persisted_queries_total", &[("result", "hit")]);
    grew("dateline_http_not_modified_total", &[]);
    grew("dateline_cache_lookups_total", &[("cache", "section_tree")]);
    grew("dateline_websocket_connections_total", &[]);
    grew("dateline_subscriptions_started_total", &[]);
    if on_postgres() {
        grew("dateline_events_relayed_total", &[("kind", "published")]);
        grew("dateline_event_relay_lag_seconds_count", &[]);
    }
    assert_eq!(after.sum("dateline_event_relay_up", &[]), 1.0);
}

#[tokio::test]
async fn replicas_are_told_with_the_requests_they_serve() {
    if !on_postgres() {
        return;
    }
    let _turn = replicas::TAKING_TURNS.lock().await;
    let url = replicas::newsroom().await;
    let app = replicas::with_replica(&url, &replica_of(&url), Duration::from_secs(60)).await;
    assert!(replicas::replica_serving(&app, true, Duration::from_secs(30)).await);
    // By database, not name: a test flooding the process with names may have taken the
    // last place for one.
    let on_replica = [("database", "replica"), ("outcome", "ok")];
    let before = scrape(&app)
        .await
        .sum("dateline_graphql_requests_total", &on_replica);
    let query = "query MetricsOnReplica { articles(first: 2) { nodes { slug } } }";
    for _ in 0..2 {
        app.data(query, json!({})).await;
    }
    let metrics = scrape(&app).await;
    assert_eq!(
        metrics.sum("dateline_graphql_requests_total", &on_replica),
        before + 2.0
    );
    let replica = [("replica", "replica-1")];
    assert_eq!(metrics.sum("dateline_db_replica_up", &replica), 1.0);
    assert_eq!(
        metrics
            .matching("dateline_db_replica_lag_seconds", &replica)
            .count(),
        1
    );
    let pool = [("database", "replica-1")];
    assert!(metrics.sum("dateline_db_pool_max_connections", &pool) >= 1.0);
    assert!(metrics.sum("dateline_db_statement_duration_seconds_count", &pool) >= 2.0);
}

/// The `dateline_…` metric names `text` mentions, histogram suffixes taken off.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("dateline_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        names.insert(base.to_owned());
        rest = &tail[end..];
    }
    names
}

#[tokio::test]
async fn every_metric_the_dashboard_queries_is_served() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/grafana/dateline.json");
    let text = std::fs::read_to_string(path).expect("ops/grafana/dateline.json");
    let dashboard: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    assert_eq!(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 15);
    let queried = metric_names(&text);
    assert!(queried.len() >= 20, "{queried:?}");

    // Some traffic, an error among it, so that every family has been made.
    let app = spawn_warm_app().await;
    app.data(
        "query MetricsDashboard { articles(first: 2) { nodes { slug } } }",
        json!({}),
    )
    .await;
    app.graphql("{ article(slug: 1) { id } }", json!({})).await;
    app.get("/feed").await;
    let served = scrape(&app).await;
    let missing: Vec<&String> = queried
        .iter()
        .filter(|name| !served.types.contains_key(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries metrics /metrics does not serve: {missing:?}"
    );
}
