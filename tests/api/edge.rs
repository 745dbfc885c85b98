//! The HTTP edge: GraphQL over HTTP as the specification has it, the limits every request
//! meets, cacheable public reads and persisted queries.

use std::time::{Duration, Instant};

use dateline_tests::{Settings, error_codes, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER, VARY,
};
use serde_json::{Value, json};

const GQL_RESPONSE: &str = "application/graphql-response+json";

/// The status, content type and JSON body of a response.
async fn read(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.expect("a body");
    let json = serde_json::from_str(&body).unwrap_or_else(|_| json!({ "raw": body }));
    (status, content_type, json)
}

#[tokio::test]
async fn answers_in_the_media_type_the_client_prefers() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let post = |accept: Option<&str>| {
        let mut request = app
            .client
            .post(&url)
            .json(&json!({ "query": "{ __typename }" }));
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        request.send()
    };
    for (accept, expected) in [
        (Some(GQL_RESPONSE), GQL_RESPONSE),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GQL_RESPONSE,
        ),
    ] {
        let (status, content_type, body) = read(post(accept).await.expect("POST")).await;
        assert_eq!(status, 200, "{accept:?}");
        assert!(
            content_type.starts_with(expected),
            "{accept:?}: {content_type}"
        );
        assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
    }
    let (status, _, body) = read(post(Some("text/html")).await.expect("POST")).await;
    assert_eq!(status, 406);
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn documents_that_never_run_are_4xx_without_data_for_graphql_response_clients() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    for (query, code) in [
        ("{", "GRAPHQL_PARSE_FAILED"),
        ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
    ] {
        for (accept, status) in [(GQL_RESPONSE, 400), ("application/json", 200)] {
            let response = app
                .client
                .post(&url)
                .header(ACCEPT, accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("POST");
            let (actual, _, body) = read(response).await;
            assert_eq!(actual, status, "{query} as {accept}");
            assert_eq!(error_codes(&body), [code], "{body}");
            assert!(
                body.get("data").is_none(),
                "a request that never ran has no data: {body}"
            );
        }
    }
    // A request that ran keeps `data`, even when an error made it null.
    let response = app
        .client
        .post(&url)
        .header(ACCEPT, GQL_RESPONSE)
        .json(&json!({ "query": "{ settings { authorsCanPublish } }" }))
        .send()
        .await
        .expect("POST");
    let (status, _, body) = read(response).await;
    assert_eq!(status, 200);
    assert!(body.get("data").is_some(), "{body}");
}

#[tokio::test]
async fn malformed_requests_are_400s_with_a_code() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let bodies = [
        "{ \"not a JSON".to_owned(),
        String::new(),
        "[]".to_owned(),
        json!({ "qeury": "{ __typename }" }).to_string(),
        json!({ "query": 0 }).to_string(),
        json!({ "query": "{ __typename }", "variables": "string" }).to_string(),
        json!({ "query": "{ __typename }", "variables": ["array"] }).to_string(),
        json!({ "query": "{ __typename }", "operationName": false }).to_string(),
        json!({ "query": "{ __typename }", "extensions": 0 }).to_string(),
    ];
    for body in bodies {
        for accept in [GQL_RESPONSE, "application/json"] {
            let response = app
                .client
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, accept)
                .body(body.clone())
                .send()
                .await
                .expect("POST");
            let (status, content_type, json) = read(response).await;
            assert_eq!(status, 400, "{body}");
            assert!(content_type.contains("json"), "{content_type}");
            assert_eq!(error_codes(&json), ["BAD_USER_INPUT"], "{body}: {json}");
            let message = json["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(!message.contains("Error("), "no Rust debug text: {message}");
        }
    }
}

#[tokio::test]
async fn only_json_bodies_are_taken() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    for content_type in [
        None,
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
    ] {
        let mut request = app.client.post(&url).body(r#"{"query":"{ __typename }"}"#);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let (status, _, body) = read(request.send().await.expect("POST")).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    }
}

#[tokio::test]
async fn mutations_and_subscriptions_do_not_run_over_get() {
    let app = spawn_app().await;
    let staff = app.staff(dateline_domain::Role::Editor).await;
    let get = |query: &str| {
        app.client
            .get(format!("{}/graphql", app.address))
            .bearer_auth(&staff.token)
            .query(&[("query", query)])
            .send()
    };
    let response = get("mutation { logout { ended } }").await.expect("GET");
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers().get(ALLOW).map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    // The session was not ended: the token still works.
    let viewer = app
        .graphql_as(Some(&staff.token), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(viewer["data"]["viewer"]["role"], "EDITOR", "{viewer}");

    let response = get("subscription { articlePublished { title } }")
        .await
        .expect("GET");
    assert_eq!(response.status(), 405);
    let response = get("query Q { __typename } mutation M { logout { ended } }")
        .await
        .expect("GET");
    assert_eq!(response.status(), 200, "GET runs the query of a document");
}

#[tokio::test]
async fn public_gets_are_cacheable_and_revalidate_with_304() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let query = [("query", "{ sections { slug } }")];
    let first = app
        .client
        .get(&url)
        .query(&query)
        .send()
        .await
        .expect("GET");
    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    let cache = headers[CACHE_CONTROL].to_str().expect("text");
    assert_eq!(cache, "public, max-age=30, stale-while-revalidate=120");
    let vary = headers
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    assert!(
        vary.contains("authorization") && vary.contains("accept"),
        "{vary}"
    );
    let etag = headers[ETAG].to_str().expect("text").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong tag: {etag}"
    );

    let again = app
        .client
        .get(&url)
        .query(&query)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[ETAG].to_str().expect("text"), etag);
    assert!(again.text().await.expect("body").is_empty());

    let other = app
        .client
        .get(&url)
        .query(&[("query", "{ sections { name } }")])
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(other.status(), 200, "another answer has another tag");

    // This client does not decompress: it sees the representation as sent.
    let gzipped = app
        .client
        .get(&url)
        .query(&query)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("GET");
    let gzip_tag = gzipped.headers()[ETAG].to_str().expect("text").to_owned();
    assert_ne!(
        gzip_tag, etag,
        "the compressed representation has its own tag"
    );
}

#[tokio::test]
async fn signed_in_failed_and_posted_answers_are_never_stored() {
    let app = spawn_app().await;
    let staff = app.staff(dateline_domain::Role::Editor).await;
    let url = format!("{}/graphql", app.address);
    let query = [("query", "{ sections { slug } }")];
    let private = [
        app.client.get(&url).query(&query).bearer_auth(&staff.token),
        app.client.get(&url).query(&[("query", "{ nosuch }")]),
        app.client
            .get(&url)
            .query(&[("query", "{ articles(first: 500) { nodes { slug } } }")]),
        app.client
            .post(&url)
            .json(&json!({ "query": "{ sections { slug } }" })),
    ];
    for request in private {
        let response = request.send().await.expect("request");
        assert_eq!(
            response.headers()[CACHE_CONTROL].to_str().expect("text"),
            "private, no-store"
        );
        assert!(response.headers().get(ETAG).is_none());
    }
}

#[tokio::test]
async fn persisted_queries_keep_get_urls_short() {
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let query = "{ sections { slug } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let by_hash = || {
        app.client
            .get(&url)
            .query(&[("extensions", extensions.to_string())])
            .send()
    };
    let (status, _, body) = read(by_hash().await.expect("GET")).await;
    assert_eq!(status, 200);
    assert_eq!(error_codes(&body), ["PERSISTED_QUERY_NOT_FOUND"], "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    let posted = |extensions: &Value| {
        app.client
            .post(&url)
            .json(&json!({ "query": query, "extensions": extensions }))
            .send()
    };
    let (_, _, registered) = read(posted(&extensions).await.expect("POST")).await;
    assert_eq!(
        registered["data"]["sections"][0]["slug"], "news",
        "{registered}"
    );

    let response = by_hash().await.expect("GET");
    assert!(
        response.headers()[CACHE_CONTROL]
            .to_str()
            .expect("text")
            .starts_with("public")
    );
    let (_, _, body) = read(response).await;
    assert_eq!(body, registered);

    let forged = json!({ "persistedQuery": { "version": 1, "sha256Hash": format!("{:x}", Sha256::digest(b"{ __typename }")) } });
    let (_, _, body) = read(posted(&forged).await.expect("POST")).await;
    assert_eq!(
        error_codes(&body),
        ["BAD_USER_INPUT"],
        "a hash must be the query's"
    );
}

#[tokio::test]
async fn every_limit_is_a_clear_error() {
    let app = spawn_app().await;
    let aliases = |n: usize, field: &str| -> String {
        let fields: String = (0..n).map(|i| format!("a{i}: {field} ")).collect();
        format!("{{ {fields} }}")
    };
    let cases = [
        (aliases(1_001, "__typename"), "LIMIT_EXCEEDED"),
        (aliases(2, "__schema { types { name } }"), "LIMIT_EXCEEDED"),
        (
            format!("{{ __typename {} }}", "@aa ".repeat(20_000)),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ __typename @aa }".to_owned(), "GRAPHQL_VALIDATION_FAILED"),
        (
            format!("{{ __typename {} }}", "@skip(if: false) ".repeat(5)),
            "LIMIT_EXCEEDED",
        ),
        (
            "mutation { a: login(input: { email: \"a@example.com\", password: \"x\" }) { token } \
             b: login(input: { email: \"b@example.com\", password: \"x\" }) { token } }"
                .to_owned(),
            "LIMIT_EXCEEDED",
        ),
        (
            format!(
                "{{ search(query: \"x\", filter: {}1{}) {{ totalCount }} }}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
            "GRAPHQL_PARSE_FAILED",
        ),
    ];
    for (query, code) in cases {
        let started = Instant::now();
        let response = app.graphql(&query, json!({})).await;
        assert_eq!(
            error_codes(&response),
            [code],
            "{}: {response}",
            &query[..60.min(query.len())]
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "refused quickly"
        );
    }
    let one = app.data(&aliases(999, "__typename"), json!({})).await;
    assert_eq!(one["a998"], "Query");
    let introspection = app
        .data("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(introspection["__schema"]["queryType"]["name"], "Query");

    let mut variables = json!(1);
    for _ in 0..40 {
        variables = json!([variables]);
    }
    let response = app
        .graphql("query($v: [Int]) { __typename }", json!({ "v": variables }))
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
}

#[tokio::test]
async fn answers_over_the_size_cap_are_refused() {
    let app = spawn_app_with(Settings {
        http: dateline_server::graphql_http::HttpPolicy {
            max_response_bytes: 20_000,
            ..Default::default()
        },
        ..Settings::default()
    })
    .await;
    let small = app.data("{ sections { slug } }", json!({})).await;
    assert_eq!(small["sections"][0]["slug"], "news");
    let response = app
        .graphql("{ articles(first: 40) { nodes { body } } }", json!({}))
        .await;
    assert_eq!(error_codes(&response), ["LIMIT_EXCEEDED"], "{response}");
    assert_eq!(response["data"], Value::Null);
}

#[tokio::test]
async fn introspection_can_be_kept_from_anonymous_readers() {
    let app = spawn_app_with(Settings {
        api: dateline_graphql::Options {
            anonymous_introspection: false,
            ..Default::default()
        },
        ..Settings::default()
    })
    .await;
    let query = "{ __schema { queryType { name } } }";
    let anonymous = app.graphql(query, json!({})).await;
    assert_eq!(
        error_codes(&anonymous),
        ["GRAPHQL_VALIDATION_FAILED"],
        "{anonymous}"
    );
    let staff = app.staff(dateline_domain::Role::Contributor).await;
    let signed_in = app.data_as(&staff, query, json!({})).await;
    assert_eq!(signed_in["__schema"]["queryType"]["name"], "Query");
    let typename = app.data("{ __typename }", json!({})).await;
    assert_eq!(typename["__typename"], "Query");
}

#[tokio::test]
async fn a_request_past_its_deadline_is_a_408_and_its_statement_stops() {
    let app = spawn_app_with(Settings {
        http: dateline_server::graphql_http::HttpPolicy {
            request_timeout: Duration::from_secs(1),
            ..Default::default()
        },
        ..Settings::default()
    })
    .await;
    // Another connection holds the table a failed sign-in writes to.
    let blocker = dateline_persistence::connect(&app.database_url)
        .await
        .expect("connect");
    use sea_orm::ConnectionTrait;
    let held = blocker.get_database_backend();
    let txn = sea_orm::TransactionTrait::begin(&blocker)
        .await
        .expect("begin");
    let statement = if held == sea_orm::DbBackend::Postgres {
        "LOCK TABLE sign_in_failures IN ACCESS EXCLUSIVE MODE"
    } else {
        "DELETE FROM sign_in_failures"
    };
    txn.execute_unprepared(statement)
        .await
        .expect("hold the lock");

    let started = Instant::now();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "mutation { login(input: { email: \"x@example.com\", password: \"wrong password\" }) { token } }" }))
        .send()
        .await
        .expect("POST");
    let elapsed = started.elapsed();
    let (status, _, body) = read(response).await;
    assert_eq!(status, 408, "{body}");
    assert_eq!(error_codes(&body), ["TIMEOUT"]);
    assert!(
        elapsed < Duration::from_secs(3),
        "answered at the deadline: {elapsed:?}"
    );

    if dateline_tests::on_postgres() {
        // The database stops the statement by itself, at the same deadline.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let waiting = blocker
            .query_one_raw(sea_orm::Statement::from_string(
                held,
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ))
            .await
            .expect("query")
            .and_then(|row| row.try_get_by_index::<i64>(0).ok());
        assert_eq!(
            waiting,
            Some(0),
            "no statement is left waiting after the 408"
        );
    }
    txn.rollback().await.expect("release the lock");
    let after = app.data("{ __typename }", json!({})).await;
    assert_eq!(after["__typename"], "Query");
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_under_a_strict_policy() {
    let app = spawn_app().await;
    let page = app.get("/graphiql").await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"));
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
    let html = page.text().await.expect("html");
    assert!(!html.contains("http"), "nothing loads from elsewhere");
    let assets: Vec<&str> = html
        .split('"')
        .filter(|part| part.starts_with("/graphiql/assets/"))
        .collect();
    assert_eq!(assets.len(), 5, "{html}");
    for asset in assets {
        let response = app.get(asset).await;
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(
            response.headers()[CACHE_CONTROL].to_str().expect("text"),
            "public, max-age=31536000, immutable"
        );
    }
    let unknown = app
        .get("/graphiql/assets/graphiql.0000000000000000.js")
        .await;
    assert_eq!(unknown.status(), 404);

    let off = spawn_app_with(Settings {
        graphiql: false,
        ..Settings::default()
    })
    .await;
    let page = off.get("/graphiql").await;
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn rate_limited_answers_say_when_to_retry() {
    let app = spawn_app().await;
    let login = json!({ "query": "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }",
                        "variables": { "i": { "email": "nobody@example.com", "password": "wrong password" } } });
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            app.client
                .post(format!("{}/graphql", app.address))
                .json(&login)
                .send()
                .await
                .expect("POST"),
        );
    }
    let response = last.expect("a response");
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    let (_, _, body) = read(response).await;
    assert_eq!(error_codes(&body), ["RATE_LIMITED"], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
    assert!((1..=30).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn websocket_subscriptions_meet_the_same_limits() {
    use dateline_tests::websocket::{Delivery, LiveClient, Protocol};
    let app = spawn_app().await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let nested = format!(
        "subscription {{ articlePublished(section: {}\"news\"{}) {{ id }} }}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let cases = [
        ("nested", nested, "GRAPHQL_PARSE_FAILED"),
        (
            "directive",
            "subscription { articlePublished @aa { id } }".to_owned(),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (id, query, code) in cases {
        client.subscribe(id, &query, json!({})).await;
        match client.next(id, Duration::from_secs(10)).await {
            Some(Delivery::Errors(errors)) => {
                assert_eq!(error_codes(&json!({ "errors": errors })), [code], "{id}")
            }
            other => panic!("{id}: refused, got {other:?}"),
        }
    }
    // The connection goes on serving.
    client
        .subscribe(
            "fine",
            "subscription { articlePublished { id } }",
            json!({}),
        )
        .await;
    dateline_tests::websocket::await_subscriptions(&app, 1).await;
}

#[tokio::test]
async fn a_preview_is_never_cached_even_over_get() {
    let app = spawn_app().await;
    let author = app.staff(dateline_domain::Role::Author).await;
    let article = crate::fixtures::draft(&app, &author, "Embargoed until noon").await;
    let link = app
        .data_as(
            &author,
            "mutation($input: CreatePreviewLinkInput!) { createPreviewLink(input: $input) { token } }",
            json!({ "input": { "id": article["id"], "expiresIn": 3600 } }),
        )
        .await;
    let token = link["createPreviewLink"]["token"].as_str().expect("token");
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            (
                "query",
                "query($t: String!) { preview(token: $t) { title } }",
            ),
            ("variables", &json!({ "t": token }).to_string()),
        ])
        .send()
        .await
        .expect("GET");
    assert_eq!(
        response.headers()[CACHE_CONTROL].to_str().expect("text"),
        "private, no-store"
    );
    assert!(response.headers().get(ETAG).is_none());
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"]["preview"]["title"], "Embargoed until noon");
}

#[tokio::test]
async fn one_request_reads_a_bounded_amount_of_article_text() {
    let app = spawn_app().await;
    let page = "articles(first: 36) { nodes { wordCount body } }";
    let words: u64 = app.data(&format!("{{ {page} }}"), json!({})).await["articles"]["nodes"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|n| n["wordCount"].as_u64().unwrap_or(0))
        .sum();
    // Enough copies of the demo's bodies to go over the bound, within the list limit.
    let copies = (250_000 / words + 1) as usize;
    assert!(copies <= 50, "the demo has {words} words");
    let query: String = (0..copies).map(|i| format!("p{i}: {page} ")).collect();
    let response = app.graphql(&format!("{{ {query} }}"), json!({})).await;
    let codes = error_codes(&response);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "LIMIT_EXCEEDED"),
        "{codes:?}"
    );
}
