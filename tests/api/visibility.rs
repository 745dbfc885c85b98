//! The public sees published stories whose time has come, and nothing else.

use chrono::{Duration, Utc};
use dateline_tests::spawn_app;
use serde_json::json;

const HIDDEN: [&str; 4] = [
    "budget-leak-inquiry-widens",                         // draft
    "rate-cuts-will-not-fix-housing",                     // draft
    "regulators-to-publish-first-ai-audit-rules",         // scheduled for the future
    "emerging-market-currencies-rally-on-dollar-retreat", // archived
];

#[tokio::test]
async fn drafts_scheduled_and_archived_stories_are_invisible() {
    let app = spawn_app().await;
    let list = app
        .data(
            "{ articles(first: 100) { nodes { slug status } } }",
            json!({}),
        )
        .await;
    let nodes = list["articles"]["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().all(|n| n["status"] == "PUBLISHED"));
    for slug in HIDDEN {
        assert!(!nodes.iter().any(|n| n["slug"] == slug), "{slug} is listed");
        let single = app
            .data(
                "query($s: String!) { article(slug: $s) { id } }",
                json!({ "s": slug }),
            )
            .await;
        assert!(single["article"].is_null(), "{slug} is readable by slug");
    }
    let politics = app
        .data(
            r#"{ section(slug: "politics") { articles { nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    assert!(!politics.to_string().contains("budget-leak-inquiry-widens"));
    let tag = app
        .data(
            r#"{ tag(slug: "artificial-intelligence") { articles { nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        !tag.to_string()
            .contains("regulators-to-publish-first-ai-audit-rules")
    );
}

#[tokio::test]
async fn a_published_story_with_a_future_time_stays_hidden_until_then() {
    let app = spawn_app().await;
    let slug = "earthquake-jolts-northern-afghanistan";
    app.publish_at(slug, Utc::now() + Duration::hours(3)).await;
    let single = app
        .data(
            "query($s: String!) { article(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    assert!(single["article"].is_null());
    let list = app
        .data(
            "{ articles(first: 100) { totalCount nodes { slug } } }",
            json!({}),
        )
        .await;
    assert!(!list.to_string().contains(slug));
    assert_eq!(list["articles"]["totalCount"], 35);

    app.publish_at(slug, Utc::now() - Duration::seconds(1))
        .await;
    let single = app
        .data(
            "query($s: String!) { article(slug: $s) { slug } }",
            json!({ "s": slug }),
        )
        .await;
    assert_eq!(
        single["article"]["slug"], slug,
        "visible once its time has come"
    );
}

#[tokio::test]
async fn a_story_taken_back_to_draft_leaves_every_list_and_related_box() {
    let app = spawn_app().await;
    let hidden = "regional-ministers-back-ceasefire-monitoring-plan";
    let related = r#"{ article(slug: "envoy-embarks-on-regional-peace-mission") { related(first: 20) { article { slug } } } }"#;
    let before = app.data(related, json!({})).await;
    assert!(
        before.to_string().contains(hidden),
        "it shares three tags with the envoy story"
    );

    let id = app.article_id(hidden).await;
    app.store
        .set_publication(id, dateline_domain::ArticleStatus::Draft, None)
        .await
        .expect("unpublish");
    let after = app.data(related, json!({})).await;
    assert!(!after.to_string().contains(hidden), "{after}");
    let tag = app
        .data(
            r#"{ tag(slug: "peace-talks") { articles(first: 100) { nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    assert!(!tag.to_string().contains(hidden));
}
