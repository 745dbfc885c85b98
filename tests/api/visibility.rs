//! The public sees published stories whose time has come, and nothing else.

use chrono::{Duration, Utc};
use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, spawn_app};
use serde_json::{Value, json};

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

/// The first 100 tags and authors the reader may list, and how many there are.
const TAGS_AND_AUTHORS: &str = "{ tags(first: 100) { totalCount nodes { slug } } \
                 authors(first: 100) { totalCount nodes { slug } } }";

/// Every way to find the `acme-takeover` tag and the `embargoed-writer` (`$author`) and
/// `secret-cowriter` profiles.
const LOOKUPS: &str = "query($tag: ID!, $author: ID!) { \
                   tag(slug: \"acme-takeover\") { slug } \
                   author(slug: \"embargoed-writer\") { slug } \
                   coAuthor: author(slug: \"secret-cowriter\") { slug } \
                   nodes(ids: [$tag, $author]) { id } \
                   tagPage: route(path: \"/tag/acme-takeover\") { canonicalUri } \
                   authorPage: route(path: \"/author/embargoed-writer\") { canonicalUri } }";

/// The slugs of the tags then the authors a [`TAGS_AND_AUTHORS`] answer lists.
fn listed_slugs(data: &Value) -> Vec<String> {
    let slugs = |list: &Value| -> Vec<String> {
        list["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["slug"].as_str().expect("slug").to_owned())
            .collect()
    };
    [slugs(&data["tags"]), slugs(&data["authors"])].concat()
}

/// A draft as `editor` with a new tag (`acme-takeover`), a new author (`embargoed-writer`)
/// and a new co-author (`secret-cowriter`): the story, the tag's id and the author's id.
async fn story_with_a_new_tag_and_bylines(app: &TestApp, editor: &Staff) -> (Value, Value, Value) {
    let created = app
        .data_as(
            editor,
            "mutation { \
               tag: createTag(input: { name: \"Acme takeover\" }) { tag { id } } \
               author: createAuthor(input: { name: \"Embargoed Writer\" }) { author { id } } \
               coAuthor: createAuthor(input: { name: \"Secret Cowriter\" }) { author { id } } }",
            json!({}),
        )
        .await;
    let tag = &created["tag"]["tag"]["id"];
    let author = &created["author"]["author"]["id"];
    let co_author = &created["coAuthor"]["author"]["id"];
    let story = app
        .data_as(
            editor,
            &crate::fixtures::create_article_mutation(),
            json!({ "input": {
                "title": "Acme agrees to buy rival",
                "body": "<p>Embargoed until the markets close.</p>",
                "sectionId": app.section_id("world").await,
                "tagIds": [tag],
                "authorId": author,
                "coAuthorIds": [co_author],
            }}),
        )
        .await["createArticle"]["article"]
        .clone();
    (story, tag.clone(), author.clone())
}

#[tokio::test]
async fn tags_and_bylines_of_unpublished_stories_stay_unlisted() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let (story, tag, author) = story_with_a_new_tag_and_bylines(&app, &editor).await;
    let ids = json!({ "tag": tag, "author": author });
    let hidden = ["acme-takeover", "embargoed-writer", "secret-cowriter"];

    // Drafted and then scheduled, the story is not public: nor are its tag and bylines.
    let scheduled = app
        .data_as(
            &editor,
            &crate::fixtures::article_mutation("publishArticle", "PublishArticleInput"),
            json!({ "input": { "id": story["id"], "at": (Utc::now() + Duration::days(1)).to_rfc3339() } }),
        )
        .await;
    assert_eq!(
        scheduled["publishArticle"]["article"]["status"],
        "SCHEDULED"
    );
    let (public, statements) = app
        .data_counting_statements(TAGS_AND_AUTHORS, json!({}))
        .await;
    assert!(
        statements <= 4,
        "two pages and two counts cost {statements}"
    );
    let listed = listed_slugs(&public);
    assert!(
        hidden.iter().all(|slug| !listed.iter().any(|l| l == slug)),
        "{listed:?}"
    );
    assert!(
        !listed.iter().any(|l| l.starts_with("editor-")),
        "a staff profile without published stories is not listed: {listed:?}"
    );
    assert_eq!(public["tags"]["totalCount"], 30, "the demo's tags");
    assert_eq!(public["authors"]["totalCount"], 7, "the demo's authors");
    assert_eq!(
        app.data(LOOKUPS, ids.clone()).await,
        json!({
            "tag": null, "author": null, "coAuthor": null, "nodes": [null, null],
            "tagPage": null, "authorPage": null,
        })
    );

    // Staff find the whole catalogue, to tag and byline drafts from it.
    let desk = app.data_as(&editor, TAGS_AND_AUTHORS, json!({})).await;
    let listed = listed_slugs(&desk);
    assert!(hidden.iter().all(|slug| listed.iter().any(|l| l == slug)));
    assert_eq!(desk["tags"]["totalCount"], 31);
    assert_eq!(desk["authors"]["totalCount"], 10);
    let found = app.data_as(&editor, LOOKUPS, ids.clone()).await;
    assert_eq!(found["tag"]["slug"], "acme-takeover");
    assert_eq!(found["nodes"], json!([{ "id": tag }, { "id": author }]));

    // Once the story is public, so are its tag, its byline and its co-byline.
    crate::fixtures::publish(&app, &editor, &story).await;
    let public = app.data(TAGS_AND_AUTHORS, json!({})).await;
    let listed = listed_slugs(&public);
    assert!(
        hidden.iter().all(|slug| listed.iter().any(|l| l == slug)),
        "{listed:?}"
    );
    assert_eq!(public["tags"]["totalCount"], 31);
    assert_eq!(public["authors"]["totalCount"], 9);
    assert_eq!(
        app.data(LOOKUPS, ids).await,
        json!({
            "tag": { "slug": "acme-takeover" },
            "author": { "slug": "embargoed-writer" },
            "coAuthor": { "slug": "secret-cowriter" },
            "nodes": [{ "id": tag }, { "id": author }],
            "tagPage": { "canonicalUri": "/tag/acme-takeover" },
            "authorPage": { "canonicalUri": "/author/embargoed-writer" },
        })
    );
}
