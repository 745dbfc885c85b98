//! Logs and traces of the real `dateline` binary: JSON log lines that carry each request's
//! id at the top level, a slow-request warning, and OpenTelemetry traces sent over OTLP/HTTP
//! to a collector this test plays, with SQL statements' text but never their values.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};

/// A slug no article has, bound as a value: it must never reach a trace.
const SECRET_SLUG: &str = "zq-bound-value-5150-never-exported";

const OPERATION: &str = "query FrontAndStory($slug: String!) { \
    story: article(slug: $slug) { title } \
    articles(first: 5) { nodes { title author { name } tags { name } } } }";

/// What the collector received: each export's body.
type Received = Arc<Mutex<Vec<Bytes>>>;

/// A collector that keeps every `POST /v1/traces` body; its address.
async fn collector(received: Received) -> String {
    let app = axum::Router::new()
        .route(
            "/v1/traces",
            post(|State(received): State<Received>, body: Bytes| async move {
                received.lock().expect("the collector's store").push(body);
                ""
            }),
        )
        .with_state(received);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the collector");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// A `dateline serve` child process, killed when dropped.
struct Server {
    child: Child,
    url: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Server {
    async fn start(database_url: &str, collector: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let stdout = std::env::temp_dir().join(format!("dateline-telemetry-{port}.out"));
        let stderr = std::env::temp_dir().join(format!("dateline-telemetry-{port}.err"));
        let child = Command::new(env!("CARGO_BIN_EXE_dateline"))
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--log-format", "json", "--slow-request-ms", "1"])
            .args(["--otlp-endpoint", collector])
            .env("DATABASE_URL", database_url)
            .env_remove("RUST_LOG")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_SERVICE_NAME")
            .env_remove("DATELINE_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("a log file"))
            .stderr(std::fs::File::create(&stderr).expect("a log file"))
            .spawn()
            .expect("start dateline");
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            stdout,
            stderr,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = server.child.try_wait().expect("the child's state") {
                panic!(
                    "dateline ended ({status}) before serving:\n{}",
                    server.output()
                );
            }
            if let Ok(response) = client.get(format!("{}/healthz", server.url)).send().await
                && response.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("dateline did not come up within 60 s:\n{}", server.output());
    }

    /// Asks the server to stop (SIGTERM) and waits until it has.
    async fn stop(&mut self) {
        let signalled = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(signalled.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the child's state") {
                assert!(status.success(), "{status}:\n{}", self.output());
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("dateline did not stop within 30 s:\n{}", self.output());
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    fn output(&self) -> String {
        let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        format!("{}{stderr}", self.stdout())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.stdout);
            let _ = std::fs::remove_file(&self.stderr);
        }
    }
}

/// Posts `body` to `/graphql` with `id` as `X-Request-Id`; the id the response gives, and
/// its body.
async fn graphql(server: &Server, id: Option<&str>, body: &Value) -> (String, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .json(body);
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.expect("POST /graphql");
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("an X-Request-Id")
        .to_owned();
    (id, response.json().await.expect("a JSON answer"))
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a Any> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn text<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    match attribute(span, key)? {
        Any::StringValue(text) => Some(text),
        _ => None,
    }
}

#[tokio::test]
async fn requests_are_logged_as_json_with_their_id_and_traced_without_bound_values() {
    let received = Received::default();
    let collector = collector(Arc::clone(&received)).await;
    let database_url = dateline_tests::fresh_database_url().await;
    let mut server = Server::start(&database_url, &collector).await;

    let (id, answer) = graphql(
        &server,
        Some("test-abc-123"),
        &json!({ "query": OPERATION, "variables": { "slug": SECRET_SLUG } }),
    )
    .await;
    assert_eq!(id, "test-abc-123", "a sane id is echoed");
    assert_eq!(answer["data"]["story"], Value::Null, "{answer}");
    assert_eq!(
        answer["data"]["articles"]["nodes"].as_array().map(Vec::len),
        Some(5),
        "{answer}"
    );

    // No id, or one that is not sane: a new one each time.
    let simple = json!({ "query": "{ articles(first: 1) { nodes { title } } }" });
    let long = "x".repeat(500);
    let injection = "x\" level=\"ERROR";
    let mut made = Vec::new();
    for sent in [None, None, Some(long.as_str()), Some(injection)] {
        let (id, _) = graphql(&server, sent, &simple).await;
        assert!(uuid_like(&id), "{id}");
        made.push(id);
    }
    made.sort();
    made.dedup();
    assert_eq!(made.len(), 4, "every new id is new: {made:?}");

    // A warning from inside a resolver carries the request's id too.
    let (_, answer) = graphql(
        &server,
        Some("test-warn-789"),
        &json!({
            "query": "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }",
            "variables": { "i": { "email": "nobody@example.com", "password": "not the password" } }
        }),
    )
    .await;
    assert_eq!(
        answer["data"]["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{answer}"
    );

    // Every response has an id, not only GraphQL's.
    let missing = reqwest::Client::new()
        .get(format!("{}/no-such-page", server.url))
        .header("x-request-id", "test-404")
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-request-id"], "test-404");

    // Stopping sends the traces not sent yet.
    server.stop().await;

    let stdout = server.stdout();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let of = |id: &str| -> Vec<&Value> { lines.iter().filter(|l| l["request_id"] == id).collect() };
    let slow = of("test-abc-123")
        .into_iter()
        .find(|l| l["message"] == "slow GraphQL request")
        .unwrap_or_else(|| panic!("a slow-request line:\n{stdout}"));
    assert_eq!(slow["level"], "WARN");
    assert_eq!(slow["fields"]["operation"], "FrontAndStory");
    assert_eq!(slow["fields"]["operation_type"], "query");
    assert!(slow["fields"]["statements"].as_u64() > Some(0), "{slow}");
    assert!(slow["fields"]["database_ms"].as_f64() > Some(0.0), "{slow}");
    assert!(
        slow["fields"]["duration_ms"].as_f64() >= Some(1.0),
        "{slow}"
    );
    let access = of("test-abc-123")
        .into_iter()
        .find(|l| l["target"] == "dateline::access")
        .unwrap_or_else(|| panic!("an access line:\n{stdout}"));
    assert_eq!(access["fields"]["status"], 200);
    assert_eq!(access["method"], "POST");
    assert_eq!(access["path"], "/graphql");
    assert!(
        of("test-warn-789")
            .iter()
            .any(|l| l["message"] == "sign-in failed" && l["level"] == "WARN"),
        "the resolver's warning carries the id:\n{stdout}"
    );
    assert!(of("test-404").iter().any(|l| l["fields"]["status"] == 404));
    assert!(
        !lines.iter().any(|l| l["path"] == "/healthz"),
        "health checks are not logged at info"
    );
    assert!(!stdout.contains(&long) && !stdout.contains("level=\\\"ERROR"));
    assert!(!stdout.contains(SECRET_SLUG), "no bound value is logged");

    let bodies = received.lock().expect("the collector's store").clone();
    assert!(!bodies.is_empty(), "the collector received traces");
    let secret = SECRET_SLUG.as_bytes();
    for body in &bodies {
        assert!(
            !body.windows(secret.len()).any(|w| w == secret),
            "a bound value reached the traces"
        );
    }
    let spans: Vec<Span> = bodies
        .iter()
        .map(|body| ExportTraceServiceRequest::decode(body.as_ref()).expect("OTLP protobuf"))
        .flat_map(|export| export.resource_spans)
        .flat_map(|resource| resource.scope_spans)
        .flat_map(|scope| scope.spans)
        .collect();
    assert!(
        !spans.iter().any(|s| text(s, "path") == Some("/healthz")),
        "health checks are not traced"
    );
    let request = spans
        .iter()
        .find(|s| text(s, "request_id") == Some("test-abc-123"))
        .unwrap_or_else(|| panic!("the request's span among {:?}", names(&spans)));
    assert_eq!(request.name, "POST /graphql");
    assert_eq!(text(request, "path"), Some("/graphql"));
    assert!(
        matches!(
            attribute(request, "http.response.status_code"),
            Some(Any::IntValue(200))
        ),
        "{request:?}"
    );
    let trace: Vec<&Span> = spans
        .iter()
        .filter(|s| s.trace_id == request.trace_id)
        .collect();
    let by_id: HashMap<&[u8], &Span> = trace.iter().map(|s| (&s.span_id[..], *s)).collect();
    let descends_from_request = |span: &Span| {
        let mut parent = &span.parent_span_id;
        while let Some(up) = by_id.get(&parent[..]) {
            if up.span_id == request.span_id {
                return true;
            }
            parent = &up.parent_span_id;
        }
        false
    };
    let operation = trace
        .iter()
        .find(|s| text(s, "graphql.operation.name") == Some("FrontAndStory"))
        .unwrap_or_else(|| panic!("a graphql span among {:?}", names(&spans)));
    assert_eq!(operation.name, "query FrontAndStory");
    assert_eq!(operation.parent_span_id, request.span_id);
    assert_eq!(
        text(operation, "graphql.root_fields"),
        Some("article,articles")
    );
    let batches: Vec<&&Span> = trace.iter().filter(|s| s.name == "dataloader").collect();
    assert!(
        batches
            .iter()
            .any(|s| text(s, "loader") == Some("TagsOfArticleLoader")
                && matches!(attribute(s, "keys"), Some(Any::IntValue(5)))),
        "a batch of the tags of 5 articles among {:?}",
        names(&spans)
    );
    let statements: Vec<&&Span> = trace
        .iter()
        .filter(|s| text(s, "db.query.text").is_some())
        .collect();
    assert!(statements.len() >= 3, "{:?}", names(&spans));
    for statement in &statements {
        assert!(descends_from_request(statement), "{statement:?}");
        assert!(
            statement.end_time_unix_nano > statement.start_time_unix_nano,
            "{statement:?}"
        );
        assert!(text(statement, "db.system.name").is_some());
        assert!(text(statement, "db.client.connection.pool.name").is_some());
    }
    let placeholder = if dateline_tests::on_postgres() {
        "$1"
    } else {
        "?"
    };
    assert!(
        statements.iter().any(|s| text(s, "db.query.text")
            .is_some_and(|sql| sql.contains("slug") && sql.contains(placeholder))),
        "the lookup by slug, with a placeholder: {:?}",
        statements
            .iter()
            .filter_map(|s| text(s, "db.query.text"))
            .collect::<Vec<_>>()
    );
    assert!(
        batches.iter().all(|b| descends_from_request(b)),
        "batches run in spawned tasks, within the request's trace"
    );
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn names(spans: &[Span]) -> Vec<&str> {
    spans.iter().map(|s| s.name.as_str()).collect()
}
