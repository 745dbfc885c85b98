//! The HTTP surface: GET queries, GraphiQL, health, limits and error hygiene.

use dateline_tests::{error_codes, in_field_order, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn queries_work_over_get_too() {
    let app = spawn_app().await;
    let response: Value = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ sections { slug } }")])
        .send()
        .await
        .expect("GET /graphql")
        .json()
        .await
        .expect("JSON");
    assert_eq!(response["data"]["sections"][0]["slug"], "news");
}

#[tokio::test]
async fn health_is_served() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn metrics_count_background_task_restarts() {
    let app = spawn_app().await;
    let metrics = app.metrics().await;
    for line in [
        "dateline_task_restarts_total{task=\"scheduler\"} 0",
        "dateline_task_restarts_total{task=\"event_relay\"} 0",
        "# TYPE dateline_task_restarts_total counter",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let padding = " ".repeat(300 * 1024);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": format!("{{ sections {{ slug }} }}{padding}") }))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.expect("a GraphQL error body");
    assert_eq!(error_codes(&body), ["LIMIT_EXCEEDED"]);
}

#[tokio::test]
async fn every_error_carries_a_code_and_no_internals() {
    let app = spawn_app().await;
    let cases = [
        ("{ sections { slug ", "GRAPHQL_PARSE_FAILED"),
        ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
        (
            r#"{ articles(first: "many") { nodes { slug } } }"#,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (query, code) in cases {
        let response = app.graphql(query, json!({})).await;
        let codes = error_codes(&response);
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c == code),
            "{query}: {response}"
        );
    }
    let wrong_variable = app
        .graphql(
            "query($n: Int) { articles(first: $n) { nodes { slug } } }",
            json!({ "n": "x" }),
        )
        .await;
    let codes = error_codes(&wrong_variable);
    assert!(
        !codes.is_empty() && !codes.contains(&"<none>".to_owned()),
        "{wrong_variable}"
    );
}

#[tokio::test]
async fn deeply_nested_queries_hit_the_depth_limit() {
    let app = spawn_app().await;
    let mut query = String::from("slug");
    for _ in 0..20 {
        query = format!("parent {{ {query} }}");
    }
    let response = app
        .graphql(
            &format!(r#"{{ section(slug: "afghanistan") {{ {query} }} }}"#),
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&response), ["LIMIT_EXCEEDED"], "{response}");
}

#[tokio::test]
async fn many_large_pages_in_one_query_hit_the_complexity_limit() {
    let app = spawn_app().await;
    let page =
        "articles(first: 100) { nodes { slug title excerpt author { name } tags { name } } }";
    let one = app.graphql(&format!("{{ {page} }}"), json!({})).await;
    assert!(one.get("errors").is_none(), "a full page is fine: {one}");

    let aliased: String = (0..20).map(|i| format!("a{i}: {page} ")).collect();
    let response = app.graphql(&format!("{{ {aliased} }}"), json!({})).await;
    assert_eq!(error_codes(&response), ["LIMIT_EXCEEDED"], "{response}");
}

#[tokio::test]
async fn the_demo_loads_only_into_an_empty_database() {
    let app = spawn_app().await;
    let again = app.store.load_demo().await.expect("load again");
    assert_eq!(again, dateline_persistence::demo::DemoOutcome::NotEmpty);
    let data = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(
        data["articles"]["totalCount"], 36,
        "nothing was added twice"
    );
}

#[tokio::test]
async fn fragments_that_multiply_are_refused_before_they_are_expanded() {
    let app = spawn_app().await;
    let mut query = String::from("{ ...F0 }");
    for i in 0..25 {
        query.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    query.push_str(" fragment F25 on Query { sections { slug } }");
    let started = std::time::Instant::now();
    let response = app.graphql(&query, json!({})).await;
    assert_eq!(error_codes(&response), ["LIMIT_EXCEEDED"], "{response}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "refused in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn request_level_mistakes_carry_a_code_too() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "query A { sections { slug } } query B { sections { name } }", "operationName": "C" }))
        .send()
        .await
        .expect("POST")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
}

#[tokio::test]
async fn malformed_slugs_find_nothing_and_malformed_filters_are_user_errors() {
    let app = spawn_app().await;
    let data = app
        .data(
            "query($s: String!) { article(slug: $s) { id } tag(slug: $s) { id } author(slug: $s) { id } section(slug: $s) { id } }",
            json!({ "s": "bad\u{0}slug" }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "article": null, "tag": null, "author": null, "section": null })
    );
    let response = app
        .graphql(
            "{ articles(filter: { tags: [\"Bad Tag\u{0}\"] }) { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
}

#[tokio::test]
async fn lists_nested_in_lists_are_bounded_per_request() {
    let app = spawn_app().await;
    let nested =
        "{ articles(first: 36) { nodes { slug tags { articles(first: 1) { nodes { slug } } } } } }";
    let (response, statements) = {
        let before = app.statements();
        let response = app.graphql(nested, json!({})).await;
        (response, app.statements() - before)
    };
    let codes = error_codes(&response);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "LIMIT_EXCEEDED"),
        "{codes:?}"
    );
    assert!(
        statements <= 60,
        "a nested query cost {statements} statements"
    );

    let rails = "{ a: section(slug: \"news\") { articles(first: 5) { nodes { slug } } } \
                 b: section(slug: \"sport\") { articles(first: 5) { totalCount nodes { slug } } } \
                 c: tag(slug: \"climate\") { articles(first: 5) { nodes { slug } } } }";
    let fine = app.graphql(rails, json!({})).await;
    assert!(
        fine.get("errors").is_none(),
        "a home page with a few rails is fine: {fine}"
    );
}

/// Fields come back in the order the query asks for them, whether they were at hand or
/// waited for a dataloader (the specification's "Serialized Map Ordering"), and the same
/// query answers the same bytes every time.
#[tokio::test]
async fn fields_come_back_in_the_order_asked_for() {
    let app = spawn_app().await;
    let query = "{ articles(first: 10) { nodes { tags { slug } title author { name } \
                 slug section { name } } } }";
    let mut answers = Vec::new();
    for _ in 0..3 {
        let body = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("POST /graphql")
            .text()
            .await
            .expect("body");
        answers.push(body);
    }
    let parsed: Value = serde_json::from_str(&answers[0]).expect("JSON");
    let nodes = parsed["data"]["articles"]["nodes"]
        .as_array()
        .expect("nodes");
    assert!(nodes.len() > 1, "the demo has articles");
    let expected = in_field_order(nodes, &["tags", "title", "author", "slug", "section"]);
    assert_eq!(
        answers[0],
        format!(r#"{{"data":{{"articles":{{"nodes":{expected}}}}}}}"#)
    );
    assert!(answers.iter().all(|a| *a == answers[0]));
}

#[tokio::test]
async fn every_response_says_its_request_id() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;

    let app = spawn_app().await;
    let id_of = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    for (method, path) in [
        ("GET", "/feed"),
        ("GET", "/no-such-page"),
        ("GET", "/healthz"),
        ("POST", "/graphql"),
    ] {
        let request = match method {
            "POST" => app
                .client
                .post(format!("{}{path}", app.address))
                .header("content-type", "application/json")
                .body("{not json"),
            _ => app.client.get(format!("{}{path}", app.address)),
        };
        let response = request
            .header("x-request-id", "edge-42")
            .send()
            .await
            .expect("a response");
        assert_eq!(id_of(&response).as_deref(), Some("edge-42"), "{path}");
        let fresh = app.get(path).await;
        assert!(
            id_of(&fresh).is_some_and(|id| id.len() == 36),
            "{path}: a new id when none was sent"
        );
    }

    // Browsers may read it across origins.
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "https://news.example.org")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("a preflight");
    assert!(id_of(&preflight).is_some());
    let answer = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("origin", "https://news.example.org")
        .json(&json!({ "query": "{ sections { slug } }" }))
        .send()
        .await
        .expect("POST");
    let exposed = answer
        .headers()
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    // The websocket upgrade too.
    let url = app.address.replacen("http://", "ws://", 1) + "/graphql";
    let mut request = url.into_client_request().expect("a websocket request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    request
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("socket-7"));
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket upgrade");
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .map(HeaderValue::as_bytes),
        Some(&b"socket-7"[..])
    );
    drop(socket);
}
