//! Editors' picks in "Check Also": pinned stories first, in order, public ones only.

use dateline_domain::Role;
use dateline_tests::{error_codes, spawn_app};
use serde_json::{Value, json};

use crate::editorial::{draft, publish};

const PIN: &str = "mutation($input: SetRelatedArticlesInput!) { setRelatedArticles(input: $input) { article { id } userErrors { field code } } }";
const RELATED: &str = "query($slug: String!) { article(slug: $slug) { related(first: 5) { article { slug } reasons { kind label } } } }";

#[tokio::test]
async fn pinned_stories_come_first_once_they_are_public() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let page = "envoy-embarks-on-regional-peace-mission";
    let front = app
        .data("{ articles(first: 30) { nodes { id slug } } }", json!({}))
        .await;
    let nodes = front["articles"]["nodes"].as_array().expect("nodes");
    let this = nodes
        .iter()
        .find(|n| n["slug"] == page)
        .expect("the page is public");
    // A public story that shares nothing in particular with the page: the last one listed.
    let older = nodes
        .iter()
        .rev()
        .find(|n| n["slug"] != page)
        .expect("another story");
    let upcoming = draft(&app, &editor, "Follow-up to the mission").await;

    let pinned = app
        .data_as(
            &editor,
            PIN,
            json!({ "input": { "id": this["id"], "relatedIds": [upcoming["id"], older["id"], older["id"]] } }),
        )
        .await;
    assert_eq!(pinned["setRelatedArticles"]["userErrors"], json!([]));

    let slugs = |data: &Value| -> Vec<String> {
        data["article"]["related"]
            .as_array()
            .expect("related")
            .iter()
            .map(|r| r["article"]["slug"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let related = app.data(RELATED, json!({ "slug": page })).await;
    let listed = slugs(&related);
    assert_eq!(
        listed[0],
        older["slug"].as_str().unwrap_or_default(),
        "{related}"
    );
    assert_eq!(
        related["article"]["related"][0]["reasons"][0],
        json!({ "kind": "EDITORS_PICK", "label": "Editor's pick" })
    );
    assert!(
        !listed.contains(&"follow-up-to-the-mission".to_owned()),
        "not before it is public"
    );
    assert!(
        !listed.contains(&page.to_owned()),
        "never the article itself"
    );
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "no duplicates: {listed:?}");

    publish(&app, &editor, &upcoming).await;
    let related = app.data(RELATED, json!({ "slug": page })).await;
    assert_eq!(
        slugs(&related)[..2],
        [
            "follow-up-to-the-mission".to_owned(),
            older["slug"].as_str().unwrap_or_default().to_owned()
        ],
        "in the editor's order"
    );

    let itself = app
        .data_as(
            &editor,
            PIN,
            json!({ "input": { "id": this["id"], "relatedIds": [this["id"]] } }),
        )
        .await;
    assert_eq!(
        itself["setRelatedArticles"]["userErrors"],
        json!([{ "field": "relatedIds", "code": "INVALID" }])
    );
    let unknown = app
        .data_as(
            &editor,
            PIN,
            json!({ "input": { "id": this["id"], "relatedIds": ["QXJ0aWNsZTo5OTk5OTk"] } }),
        )
        .await;
    assert_eq!(
        unknown["setRelatedArticles"]["userErrors"],
        json!([{ "field": "relatedIds", "code": "NOT_FOUND" }])
    );
    let author = app.staff(Role::Author).await;
    let refused = app
        .graphql_as(
            Some(&author.token),
            PIN,
            json!({ "input": { "id": this["id"], "relatedIds": [] } }),
        )
        .await;
    assert_eq!(
        error_codes(&refused),
        ["FORBIDDEN"],
        "only those who may edit the article"
    );

    let cleared = app
        .data_as(
            &editor,
            PIN,
            json!({ "input": { "id": this["id"], "relatedIds": [] } }),
        )
        .await;
    assert_eq!(cleared["setRelatedArticles"]["userErrors"], json!([]));
    let related = app.data(RELATED, json!({ "slug": page })).await;
    assert!(
        !related.to_string().contains("EDITORS_PICK"),
        "picks removed: {related}"
    );
}

#[tokio::test]
async fn stories_with_similar_headlines_say_so() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let first = draft(&app, &editor, "Glacier melt floods Tavrino valley").await;
    publish(&app, &editor, &first).await;
    let second = draft(
        &app,
        &editor,
        "Tavrino valley clears up after glacier floods",
    )
    .await;
    let second = publish(&app, &editor, &second).await;
    let related = app.data(RELATED, json!({ "slug": second["slug"] })).await;
    let entry = related["article"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .find(|r| r["article"]["slug"] == first["slug"])
        .cloned()
        .expect("the earlier story is related");
    assert!(
        entry["reasons"]
            .as_array()
            .expect("reasons")
            .contains(&json!({ "kind": "SIMILAR_TEXT", "label": "Similar headline: tavrino, valley, glacier, flood" })),
        "{entry}"
    );
    assert_eq!(
        related["article"]["related"][0]["article"]["slug"], first["slug"],
        "the most similar story ranks first"
    );
}
