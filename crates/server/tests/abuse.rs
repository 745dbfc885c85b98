//! Abuse of the real `dateline` binary, run as a child process: no request of any shape can
//! take it down. A stack overflow aborts a whole process, so these tests cannot share one
//! with the server they attack.
//!
//! Each attack is sent at 10^3, 10^4 and 10^5 levels of nesting of each kind (selection
//! sets, list values, object values, fragment chains, and lists and objects in variables);
//! each must be refused quickly with a code, and the next request answered.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A `dateline serve` child process, killed when dropped.
struct Server {
    child: Child,
    url: String,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start() -> Server {
    let database_url = dateline_tests::fresh_database_url().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let log = std::env::temp_dir().join(format!("dateline-abuse-{port}.log"));
    let output = std::fs::File::create(&log).expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(output)
        .spawn()
        .expect("start dateline");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(response) = client.get(format!("{}/healthz", server.url)).send().await
            && response.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "dateline did not come up: {}",
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );
}

/// The error codes of a response, or what it was if it was not JSON.
fn codes(body: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(body) {
        Ok(json) => dateline_tests::error_codes(&json),
        Err(_) => vec![format!("<not JSON: {}>", &body[..body.len().min(80)])],
    }
}

/// Sends `body` and checks the answer is a quick refusal with one of `expected`, then that
/// the server still answers.
async fn attack(server: &mut Server, name: &str, body: String, expected: &[&str]) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let response = client
        .post(format!("{}/graphql", server.url))
        .header("content-type", "application/json")
        .body(body)
        .timeout(Duration::from_secs(30))
        .send()
        .await;
    let elapsed = started.elapsed();
    let outcome = match response {
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            (status.as_u16(), codes(&text))
        }
        Err(error) => (0, vec![format!("<no answer: {error}>")]),
    };
    assert!(
        outcome.1.iter().all(|c| expected.contains(&c.as_str())) && !outcome.1.is_empty(),
        "{name}: answered {outcome:?}, expected one of {expected:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "{name}: took {elapsed:?}");
    assert!(
        server
            .child
            .try_wait()
            .expect("the child's state")
            .is_none(),
        "{name}: the server died:\n{}",
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );
    // A fresh connection: the server may close one whose oversized body it did not read.
    let next: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: the next request got no answer: {e}"))
        .json()
        .await
        .expect("JSON");
    assert_eq!(next["data"]["__typename"], "Query", "{name}: {next}");
    println!("{name}: {outcome:?} in {elapsed:?}");
}

fn query(document: String) -> String {
    json!({ "query": document }).to_string()
}

/// `operation`, then fragments `F{i}` spreading `F{i+1}` for each `i` of `order` (written in
/// that order), then the last one, `F{last}`, selecting `__typename`.
fn fragment_chain(operation: &str, order: impl IntoIterator<Item = usize>, last: usize) -> String {
    let mut document = String::from(operation);
    for i in order {
        document.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
    }
    document.push_str(&format!(" fragment F{last} on Query {{ __typename }}"));
    document
}

/// A search whose `filter` argument is `open` n times, 1, then `close` n times.
fn nested_filter(open: &str, close: &str, n: usize) -> String {
    format!(
        "{{ search(query: \"x\", filter: {}1{}) {{ totalCount }} }}",
        open.repeat(n),
        close.repeat(n)
    )
}

/// A request whose variable `$v` of `variable_type` is `open` n times, 1, then `close` n
/// times, as JSON.
fn nested_variable(variable_type: &str, open: &str, close: &str, n: usize) -> String {
    format!(
        "{{\"query\":\"query($v: {variable_type}) {{ __typename }}\",\"variables\":{{\"v\":{}1{}}}}}",
        open.repeat(n),
        close.repeat(n)
    )
}

/// Fragments F0 to F30 each spreading the next four times, and F31 spreading one that does
/// not exist.
fn multiplying_fragments() -> String {
    let mut multiplying = String::from("{ ...F0 }");
    for i in 0..31 {
        let next = format!("...F{} ", i + 1);
        multiplying.push_str(&format!(" fragment F{i} on Query {{ {} }}", next.repeat(4)));
    }
    multiplying.push_str(" fragment F31 on Query { ...Missing }");
    multiplying
}

/// A mutation of `n` aliased logins.
fn logins(n: usize) -> String {
    format!(
        "mutation {{ {} }}",
        (0..n)
            .map(|i| format!(
                "l{i}: login(input: {{ email: \"a@b.c\", password: \"guess\" }}) {{ token }} "
            ))
            .collect::<String>()
    )
}

#[tokio::test]
async fn nesting_of_any_kind_and_depth_is_refused_and_the_server_lives() {
    let mut server = start().await;
    // Documents over 256 KiB are refused by size before anything reads them.
    let refused = ["GRAPHQL_PARSE_FAILED", "LIMIT_EXCEEDED"];
    for n in [1_000, 10_000, 100_000] {
        let selections = format!("{}{}", "{ a ".repeat(n), "}".repeat(n));
        attack(
            &mut server,
            &format!("selections x{n}"),
            query(selections),
            &refused,
        )
        .await;

        attack(
            &mut server,
            &format!("list values x{n}"),
            query(nested_filter("[", "]", n)),
            &refused,
        )
        .await;
        attack(
            &mut server,
            &format!("object values x{n}"),
            query(nested_filter("{a:", "}", n)),
            &refused,
        )
        .await;

        attack(
            &mut server,
            &format!("fragment chain x{n}"),
            query(fragment_chain("{ ...F0 }", 0..n, n)),
            &refused,
        )
        .await;

        // Variables arrive as JSON: nested lists and objects are refused as bad input.
        let bad_input = ["BAD_USER_INPUT", "LIMIT_EXCEEDED"];
        attack(
            &mut server,
            &format!("list variables x{n}"),
            nested_variable("[Int]", "[", "]", n),
            &bad_input,
        )
        .await;
        attack(
            &mut server,
            &format!("object variables x{n}"),
            nested_variable("SearchFilterInput", "{\"a\":", "}", n),
            &bad_input,
        )
        .await;
    }
}

#[tokio::test]
async fn amplification_is_refused_and_the_server_lives() {
    let mut server = start().await;
    let aliases = |n: usize, field: &str| -> String {
        let fields: String = (0..n).map(|i| format!("a{i}: {field} ")).collect();
        query(format!("{{ {fields} }}"))
    };
    attack(
        &mut server,
        "500 introspections",
        aliases(500, "__schema { types { name fields { name } } }"),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    attack(
        &mut server,
        "5,000 aliases",
        aliases(5_000, "__typename"),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    attack(
        &mut server,
        "20,000 unknown directives",
        query(format!("{{ __typename {} }}", "@aa ".repeat(20_000))),
        &["GRAPHQL_VALIDATION_FAILED", "LIMIT_EXCEEDED"],
    )
    .await;
    attack(
        &mut server,
        "fragments spreading 4^31 times into a missing one",
        query(multiplying_fragments()),
        &["GRAPHQL_VALIDATION_FAILED", "LIMIT_EXCEEDED"],
    )
    .await;
    attack(
        &mut server,
        "an unused chain of 6,000 fragments",
        query(fragment_chain("{ __typename }", (0..6_000).rev(), 6_000)),
        &["GRAPHQL_VALIDATION_FAILED", "LIMIT_EXCEEDED"],
    )
    .await;
    attack(
        &mut server,
        "objects nested 50,000 deep behind an unclosed block string",
        query(format!(
            "{{ search(query: \"x\", filter: [\"\"\"\"{}1{}]) {{ totalCount }} }}",
            "{a:".repeat(50_000),
            "}".repeat(50_000)
        )),
        &["GRAPHQL_PARSE_FAILED"],
    )
    .await;
    let arguments: String = (0..12_000).map(|i| format!("a{i}: 1 ")).collect();
    attack(
        &mut server,
        "12,000 arguments on each of two fields of one name",
        query(format!(
            "{{ x: __typename({arguments}) x: __typename({arguments}) }}"
        )),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    attack(
        &mut server,
        "2,000 logins",
        query(logins(2_000)),
        &["LIMIT_EXCEEDED"],
    )
    .await;
}
