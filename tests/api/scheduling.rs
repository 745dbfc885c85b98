//! Scheduled publishing: articles publish themselves at their time, survive a restart, and
//! are published once however many servers run.

use std::time::Duration;

use chrono::Utc;
use dateline_domain::Role;
use dateline_tests::{TestApp, spawn_app, spawn_instance};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::fixtures::{article_mutation, draft};

async fn schedule(app: &TestApp, token: &str, article: &Value, in_ms: i64) -> Value {
    let at = Utc::now() + chrono::Duration::milliseconds(in_ms);
    let response = app
        .graphql_as(
            Some(token),
            &article_mutation("publishArticle", "PublishArticleInput"),
            json!({ "input": { "id": article["id"], "at": at.to_rfc3339() } }),
        )
        .await;
    let payload = &response["data"]["publishArticle"];
    assert_eq!(payload["userErrors"], json!([]), "{response}");
    assert_eq!(payload["article"]["status"], "SCHEDULED");
    payload["article"].clone()
}

/// The article as the public sees it now (null while it is not public).
async fn public(app: &TestApp, slug: &str) -> Value {
    app.data(
        "query($slug: String!) { article(slug: $slug) { title status } }",
        json!({ "slug": slug }),
    )
    .await["article"]
        .clone()
}

async fn stored_status(app: &TestApp, slug: &str) -> String {
    let id = app.article_id(slug).await;
    let db = app.store.connection();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT status FROM articles WHERE id = {id}"),
        ))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index(0).expect("status")
}

/// Waits up to `limit` for the stored article to be published, without asking the API.
async fn wait_until_published(app: &TestApp, slug: &str, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if stored_status(app, slug).await == "published" {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test]
async fn a_scheduled_story_publishes_itself() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Timed release").await;
    schedule(&app, &editor.token, &article, 1500).await;
    let slug = article["slug"].as_str().expect("slug");
    assert_eq!(public(&app, slug).await, Value::Null, "not before its time");

    assert!(
        wait_until_published(&app, slug, Duration::from_secs(10)).await,
        "the scheduler did not publish the story"
    );
    assert_eq!(
        public(&app, slug).await,
        json!({ "title": "Timed release", "status": "PUBLISHED" })
    );
    let revisions = app
        .data_as(
            &editor,
            "query($slug: String!) { article(slug: $slug) { revisions { nodes { status editor { email } } } } }",
            json!({ "slug": slug }),
        )
        .await;
    assert_eq!(
        revisions["article"]["revisions"]["nodes"][0],
        json!({ "status": "PUBLISHED", "editor": null }),
        "the scheduler's publication is a revision of its own"
    );
}

#[tokio::test]
async fn a_time_missed_while_no_server_ran_publishes_on_start_up() {
    let mut app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Missed while down").await;
    let slug = article["slug"].as_str().expect("slug").to_owned();
    schedule(&app, &editor.token, &article, 1000).await;
    app.stop().await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        stored_status(&app, &slug).await,
        "scheduled",
        "no server ran, so nothing published it"
    );

    let restarted = spawn_instance(&app).await;
    assert!(
        wait_until_published(&restarted, &slug, Duration::from_secs(10)).await,
        "the restarted server did not publish the missed story"
    );
}

#[tokio::test]
async fn several_servers_publish_each_scheduled_story_once() {
    let app = spawn_app().await;
    let second = spawn_instance(&app).await;
    let third = spawn_instance(&app).await;
    let editor = app.staff(Role::Editor).await;
    let mut slugs = Vec::new();
    for n in 0..6 {
        let article = draft(&app, &editor, &format!("Simultaneous {n}")).await;
        schedule(&app, &editor.token, &article, 1200).await;
        slugs.push(article["slug"].as_str().expect("slug").to_owned());
    }
    for slug in &slugs {
        assert!(wait_until_published(&app, slug, Duration::from_secs(10)).await);
    }
    // Let every server poll at least once more after the stories went out.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for slug in &slugs {
        let data = app
            .data_as(
                &editor,
                "query($slug: String!) { article(slug: $slug) { revisions { nodes { status } } } }",
                json!({ "slug": slug }),
            )
            .await;
        let publications = data["article"]["revisions"]["nodes"]
            .as_array()
            .expect("revisions")
            .iter()
            .filter(|r| r["status"] == "PUBLISHED")
            .count();
        assert_eq!(publications, 1, "{slug} was published {publications} times");
    }
    drop((second, third));
}
