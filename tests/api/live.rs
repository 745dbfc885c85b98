//! Live updates: subscriptions over websockets at `/graphql`, in both protocols, fed by
//! publishing through any server (PostgreSQL LISTEN/NOTIFY between servers).

use std::time::Duration;

use dateline_domain::Role;
use dateline_tests::websocket::{
    Delivery, LiveClient, Protocol, await_subscriptions, silent_socket_is_closed_within,
    subscriptions, websockets,
};
use dateline_tests::{
    Settings, Staff, TestApp, error_codes, in_field_order, on_postgres, spawn_app, spawn_app_with,
    spawn_peer,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::fixtures::{
    article_mutation, draft, publish, schedule, update_article, update_article_mutation,
};

const PUBLISHED: &str = "subscription($section: String) { articlePublished(section: $section) { id title status section { slug } } }";
const UPDATED: &str = "subscription($id: ID!) { articleUpdated(id: $id) { id title status corrections { nodes { note } } } }";

async fn correct(app: &TestApp, editor: &Staff, article: &Value, note: &str) {
    let data = app
        .data_as(
            editor,
            &article_mutation("addArticleCorrection", "AddArticleCorrectionInput"),
            json!({ "input": { "id": article["id"], "note": note } }),
        )
        .await;
    assert_eq!(
        data["addArticleCorrection"]["userErrors"],
        json!([]),
        "{data}"
    );
}

#[tokio::test]
async fn a_published_story_reaches_subscribers_in_both_protocols() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let mut modern = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let mut legacy = LiveClient::connect(&app, Protocol::LegacyWs, json!({})).await;
    modern.subscribe("1", PUBLISHED, json!({})).await;
    legacy.subscribe("a", PUBLISHED, json!({})).await;
    await_subscriptions(&app, 2).await;

    let article = draft(&app, &editor, "Ceasefire holds overnight").await;
    publish(&app, &editor, &article).await;

    for data in [modern.next_data("1").await, legacy.next_data("a").await] {
        let event = &data["articlePublished"];
        assert_eq!(event["id"], article["id"]);
        assert_eq!(event["title"], "Ceasefire holds overnight");
        assert_eq!(event["status"], "PUBLISHED");
        assert_eq!(event["section"]["slug"], "world");
    }
}

#[tokio::test]
async fn a_section_subscription_hears_its_section_and_subsections_only() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    client
        .subscribe("news", PUBLISHED, json!({ "section": "news" }))
        .await;
    client
        .subscribe("sport", PUBLISHED, json!({ "section": "sport" }))
        .await;
    client
        .subscribe("gone", PUBLISHED, json!({ "section": "no-such-section" }))
        .await;
    match client.next("gone", Duration::from_secs(10)).await {
        Some(Delivery::Errors(errors)) => {
            assert_eq!(error_codes(&json!({ "errors": errors })), ["NOT_FOUND"])
        }
        other => panic!("an unknown section is refused, got {other:?}"),
    }
    await_subscriptions(&app, 2).await;

    // `world` is a subsection of `news`.
    let article = draft(&app, &editor, "Talks resume in Doha").await;
    publish(&app, &editor, &article).await;
    let data = client.next_data("news").await;
    assert_eq!(data["articlePublished"]["id"], article["id"]);
    assert_eq!(
        client.next("sport", Duration::from_millis(700)).await,
        None,
        "a world story is not sport"
    );
}

#[tokio::test]
async fn readers_see_corrections_and_never_an_unpublished_version() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Minister resigns").await;
    let article = publish(&app, &editor, &article).await;
    let mut reader = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    reader
        .subscribe("page", UPDATED, json!({ "id": article["id"] }))
        .await;
    await_subscriptions(&app, 1).await;

    correct(
        &app,
        &editor,
        &article,
        "An earlier version gave the wrong date.",
    )
    .await;
    let data = reader.next_data("page").await;
    assert_eq!(
        data["articleUpdated"]["corrections"]["nodes"],
        json!([{ "note": "An earlier version gave the wrong date." }])
    );

    // Taken down and rewritten as a draft: nothing reaches the reader until it is public
    // again, and then only the public version.
    let unpublished = app
        .data_as(
            &editor,
            &article_mutation("unpublishArticle", "UnpublishArticleInput"),
            json!({ "input": { "id": article["id"] } }),
        )
        .await["unpublishArticle"]["article"]
        .clone();
    let rewritten = update_article(&app, &editor, json!({ "id": article["id"], "expectedRevision": unpublished["revision"], "title": "Secret draft title" })).await["article"]
        .clone();
    assert_eq!(rewritten["title"], "Secret draft title");
    assert_eq!(reader.next("page", Duration::from_millis(700)).await, None);
    let retitled = update_article(&app, &editor, json!({ "id": article["id"], "expectedRevision": rewritten["revision"], "title": "Minister resigns after inquiry" })).await["article"]
        .clone();
    publish(&app, &editor, &retitled).await;
    let data = reader.next_data("page").await;
    assert_eq!(
        data["articleUpdated"]["title"],
        "Minister resigns after inquiry"
    );
    assert_eq!(data["articleUpdated"]["status"], "PUBLISHED");
}

#[tokio::test]
async fn drafts_cannot_be_watched_by_the_public_but_can_by_their_desk() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Budget leak").await;

    let mut reader = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    reader
        .subscribe("draft", UPDATED, json!({ "id": article["id"] }))
        .await;
    match reader.next("draft", Duration::from_secs(10)).await {
        Some(Delivery::Errors(errors)) => {
            assert_eq!(error_codes(&json!({ "errors": errors })), ["NOT_FOUND"]);
        }
        other => panic!("a draft is not there for the public, got {other:?}"),
    }

    let token = format!("Bearer {}", editor.token);
    let mut desk = LiveClient::connect(
        &app,
        Protocol::TransportWs,
        json!({ "Authorization": token }),
    )
    .await;
    desk.subscribe("draft", UPDATED, json!({ "id": article["id"] }))
        .await;
    await_subscriptions(&app, 1).await;
    update_article(&app, &editor, json!({ "id": article["id"], "expectedRevision": article["revision"], "title": "Budget leak: the figures" })).await;
    let data = desk.next_data("draft").await;
    assert_eq!(data["articleUpdated"]["title"], "Budget leak: the figures");
    assert_eq!(data["articleUpdated"]["status"], "DRAFT");

    // Signing out reaches the open socket: from then on it is the public's.
    let out = app
        .data_as(&editor, "mutation { logout { ended } }", json!({}))
        .await;
    assert_eq!(out["logout"]["ended"], true, "{out}");
    let other_editor = app.staff(Role::Editor).await;
    let saved = app
        .data_as(
            &other_editor,
            &update_article_mutation(),
            json!({ "input": {
            "id": article["id"],
            "expectedRevision": article["revision"].as_i64().map(|r| r + 1),
            "title": "Budget leak: what was cut",
        } }),
        )
        .await;
    assert_eq!(
        saved["updateArticle"]["article"]["title"],
        "Budget leak: what was cut"
    );
    assert_eq!(desk.next("draft", Duration::from_millis(700)).await, None);

    let refused = LiveClient::open(
        &app,
        Protocol::TransportWs,
        json!({ "Authorization": "Bearer nope" }),
    )
    .await;
    assert!(refused.is_err(), "a bad token is refused at connection");
}

#[tokio::test]
async fn scheduled_publishing_announces_the_story() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    client.subscribe("1", PUBLISHED, json!({})).await;
    await_subscriptions(&app, 1).await;

    let article = draft(&app, &editor, "Polls close at eight").await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    schedule(&app, &editor, &article, at).await;
    let data = client.next_data("1").await;
    assert_eq!(data["articlePublished"]["id"], article["id"]);
    assert_eq!(data["articlePublished"]["status"], "PUBLISHED");
}

#[tokio::test]
async fn a_publish_through_one_server_reaches_subscribers_of_another() {
    if !on_postgres() {
        // Servers share events through PostgreSQL; on SQLite there is one server per file.
        return;
    }
    let app = spawn_app().await;
    let other = spawn_peer(&app).await;
    let editor = app.staff(Role::Editor).await;
    let mut client = LiveClient::connect(&other, Protocol::TransportWs, json!({})).await;
    client.subscribe("1", PUBLISHED, json!({})).await;
    await_subscriptions(&other, 1).await;
    await_subscriptions(&app, 0).await;

    let article = draft(&app, &editor, "Markets rally at the open").await;
    publish(&app, &editor, &article).await;
    let data = client.next_data("1").await;
    assert_eq!(
        data["articlePublished"]["title"],
        "Markets rally at the open"
    );
}

#[tokio::test]
async fn a_client_that_leaves_leaves_nothing_behind() {
    let app = spawn_app().await;
    let mut first = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    first.subscribe("1", PUBLISHED, json!({})).await;
    first
        .subscribe("2", PUBLISHED, json!({ "section": "sport" }))
        .await;
    let mut second = LiveClient::connect(&app, Protocol::LegacyWs, json!({})).await;
    second.subscribe("a", PUBLISHED, json!({})).await;
    await_subscriptions(&app, 3).await;

    first.close().await;
    await_subscriptions(&app, 1).await;
    // Dropped without a goodbye, as a browser tab that is closed.
    drop(second);
    await_subscriptions(&app, 0).await;
    assert_eq!(subscriptions(&app).await, 0);
}

#[tokio::test]
async fn a_slow_client_does_not_hold_up_the_others() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    // A long body makes every event large, so the stalled client's socket fills up.
    let article = draft(&app, &editor, "Inquiry report published in full").await;
    let body =
        "<p>".to_owned() + &"The inquiry heard evidence for many weeks. ".repeat(3000) + "</p>";
    let article = update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "expectedRevision": article["revision"], "body": body }),
    )
    .await["article"]
        .clone();
    let article = publish(&app, &editor, &article).await;
    let watch = "subscription($id: ID!) { articleUpdated(id: $id) { body corrections(first: 100) { nodes { note } } } }";

    let mut stalled = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    stalled
        .subscribe("1", watch, json!({ "id": article["id"] }))
        .await;
    let mut reader = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    reader
        .subscribe("1", watch, json!({ "id": article["id"] }))
        .await;
    await_subscriptions(&app, 2).await;

    const EVENTS: usize = 40;
    let started = tokio::time::Instant::now();
    for n in 1..=EVENTS {
        correct(&app, &editor, &article, &format!("Correction {n}.")).await;
        // The reader keeps up as it goes; the stalled client reads nothing.
        let data = reader.next_data("1").await;
        assert_eq!(
            data["articleUpdated"]["corrections"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(n)
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the reader got every event while the other client stalled"
    );
    assert_eq!(
        subscriptions(&app).await,
        2,
        "the stalled client is still served"
    );
    drop(stalled);
}

#[tokio::test]
async fn a_connection_holds_a_bounded_number_of_subscriptions() {
    let app = spawn_app().await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    for n in 0..32 {
        client.subscribe(&n.to_string(), PUBLISHED, json!({})).await;
    }
    await_subscriptions(&app, 32).await;
    client.subscribe("one too many", PUBLISHED, json!({})).await;
    match client.next("one too many", Duration::from_secs(10)).await {
        Some(Delivery::Errors(errors)) => {
            assert_eq!(
                error_codes(&json!({ "errors": errors })),
                ["LIMIT_EXCEEDED"]
            );
        }
        other => panic!("the 33rd subscription is refused, got {other:?}"),
    }
    assert_eq!(subscriptions(&app).await, 32);

    // Another connection has its own allowance.
    let mut other = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    other.subscribe("1", PUBLISHED, json!({})).await;
    await_subscriptions(&app, 33).await;
}

#[tokio::test]
async fn oversized_websocket_messages_are_refused() {
    let app = spawn_app().await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let padding = " ".repeat(300 * 1024);
    let query = format!("subscription {{ articlePublished {{ id }} }}{padding}");
    client.subscribe("big", &query, json!({})).await;
    assert_eq!(
        client.next("big", Duration::from_secs(5)).await,
        None,
        "the server closes the connection instead of answering"
    );
    assert_eq!(subscriptions(&app).await, 0);
}

#[tokio::test]
async fn a_socket_that_never_signs_on_is_closed() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let (silent, mut greeted) = tokio::join!(
        silent_socket_is_closed_within(&app, Duration::from_secs(10)),
        LiveClient::connect(&app, Protocol::TransportWs, json!({})),
    );
    assert!(silent, "a silent socket is closed after 5 s");
    // A socket that said `connection_init` is kept past that time.
    greeted.subscribe("1", PUBLISHED, json!({})).await;
    await_subscriptions(&app, 1).await;
    let article = draft(&app, &editor, "Late edition goes to press").await;
    publish(&app, &editor, &article).await;
    let data = greeted.next_data("1").await;
    assert_eq!(data["articlePublished"]["id"], article["id"]);
}

/// An answer over a websocket keeps the order the query asked for, as over HTTP.
#[tokio::test]
async fn answers_over_a_websocket_keep_the_order_asked_for() {
    let app = spawn_app().await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let query = "{ articles(first: 5) { nodes { tags { slug } title author { name } } } }";
    client.subscribe("q", query, json!({})).await;
    let text = client
        .next_text("q", Duration::from_secs(15))
        .await
        .expect("an answer");
    let message: Value = serde_json::from_str(&text).expect("JSON");
    let nodes = message["payload"]["data"]["articles"]["nodes"]
        .as_array()
        .expect("nodes");
    assert!(nodes.len() > 1, "the demo has articles");
    let expected = in_field_order(nodes, &["tags", "title", "author"]);
    assert!(
        text.contains(&format!(
            r#"{{"data":{{"articles":{{"nodes":{expected}}}}}}}"#
        )),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_shutting_down_closes_its_websockets_with_1001_so_clients_reconnect_elsewhere() {
    let mut app = spawn_app().await;
    let mut client = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    client.subscribe("1", PUBLISHED, json!({})).await;
    await_subscriptions(&app, 1).await;
    let closed = tokio::spawn(async move { client.until_closed(Duration::from_secs(10)).await });
    app.stop().await;
    let (_, code) = closed.await.expect("the reader ends");
    assert_eq!(code, Some(1001), "going away");
}

#[tokio::test]
async fn one_client_address_holds_at_most_its_share_of_websockets() {
    let mut settings = Settings::default();
    settings.websockets.per_client = 2;
    let app = spawn_app_with(settings).await;
    let first = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let _second = LiveClient::connect(&app, Protocol::LegacyWs, json!({})).await;
    let url = app.address.replacen("http://", "ws://", 1) + "/graphql";
    let mut request = url.into_client_request().expect("a websocket request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
        }
        other => panic!("a third websocket from one address is refused, got {other:?}"),
    }
    // A connection closed frees its place.
    first.close().await;
    for _ in 0..100 {
        if websockets(&app).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
}

#[tokio::test]
async fn idle_and_silent_websockets_are_closed_and_live_ones_pinged() {
    let mut settings = Settings::default();
    settings.websockets.ping_interval = Duration::from_millis(200);
    settings.websockets.idle_timeout = Duration::from_secs(1);
    settings.websockets.silence_limit = Duration::from_secs(1);
    let app = spawn_app_with(settings).await;

    // A connection that holds a subscription is pinged, answers (its reads send the
    // pongs) and stays.
    let mut busy = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    busy.subscribe("1", PUBLISHED, json!({})).await;
    let (pings, code) = busy.until_closed(Duration::from_millis(1800)).await;
    assert!(pings >= 3, "{pings} pings in 1.8 s at one per 200 ms");
    assert_eq!(code, None, "a busy connection stays open");

    // One that subscribes to nothing is closed as idle, normally.
    let mut idle = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let (_, code) = idle.until_closed(Duration::from_secs(5)).await;
    assert_eq!(code, Some(1000));

    // One that never reads never answers a ping, and is dropped.
    let silent = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let mut open = websockets(&app).await;
    for _ in 0..150 {
        open = websockets(&app).await;
        if open == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(open, 1, "only the busy connection is left");
    drop((silent, busy));
}

#[tokio::test]
async fn each_field_of_a_subscription_gets_its_own_answer() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Count resumes at dawn").await;
    let article = publish(&app, &editor, &article).await;
    let mut reader = LiveClient::connect(&app, Protocol::TransportWs, json!({})).await;
    let both = "subscription($id: ID!) { \
                headline: articleUpdated(id: $id) { title } \
                notes: articleUpdated(id: $id) { corrections { nodes { note } } } }";
    reader
        .subscribe("1", both, json!({ "id": article["id"] }))
        .await;
    // One subscription, two fields, each counted.
    await_subscriptions(&app, 2).await;
    correct(
        &app,
        &editor,
        &article,
        "The count resumed at six, not five.",
    )
    .await;
    let mut answers = [reader.next_data("1").await, reader.next_data("1").await];
    answers.sort_by_key(|data| data.get("headline").is_none());
    assert_eq!(answers[0]["headline"]["title"], "Count resumes at dawn");
    assert_eq!(
        answers[1]["notes"]["corrections"]["nodes"],
        json!([{ "note": "The count resumed at six, not five." }])
    );
}
