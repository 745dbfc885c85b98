//! The article page of the sample, as one query.

use std::collections::HashSet;

use dateline_tests::spawn_app;
use serde_json::{Value, json};

const ARTICLE_PAGE: &str = r#"
query ArticlePage($slug: String!) {
  article(slug: $slug) {
    id slug title subtitle uri
    breadcrumbs { name uri }
    source { name url }
    dateline { place }
    body bodyText excerpt wordCount readingTimeMinutes
    publishedAt updatedAt status featured
    featuredImage { url altText caption credit }
    author { name slug bio avatarUrl uri }
    coAuthors { name }
    section { name slug uri }
    tags { name slug uri }
    related(first: 5) {
      score
      reasons { kind label }
      article { id slug title uri publishedAt status }
    }
  }
}"#;

/// The sample page's address, breadcrumbs, dateline, source and byline.
fn assert_the_sample_page_header(article: &Value) {
    assert_eq!(
        article["uri"],
        "/latest-updates/envoy-embarks-on-regional-peace-mission"
    );
    let crumbs: Vec<(&str, &str)> = article["breadcrumbs"]
        .as_array()
        .expect("breadcrumbs")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["uri"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let title = article["title"].as_str().expect("title");
    assert_eq!(
        crumbs,
        [
            ("Home", "/"),
            ("News", "/news"),
            ("Latest Updates", "/latest-updates"),
            (
                title,
                "/latest-updates/envoy-embarks-on-regional-peace-mission"
            )
        ]
    );
    assert_eq!(article["dateline"]["place"], "KABUL");
    assert!(
        article["source"]["name"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(article["author"]["name"], "admin");
    assert_eq!(article["author"]["uri"], "/author/admin");
    assert!(
        article["author"]["bio"]
            .as_str()
            .is_some_and(|b| !b.is_empty())
    );
    assert_eq!(article["status"], "PUBLISHED");
}

/// The sample page's body, the text and figures derived from it, and its picture.
fn assert_the_sample_page_body(article: &Value) {
    let body = article["body"].as_str().expect("body");
    assert!(body.starts_with("<p>"), "{body}");
    let text = article["bodyText"].as_str().expect("text");
    assert!(!text.contains('<'));
    let words = article["wordCount"].as_i64().expect("word count");
    assert_eq!(words as usize, text.split_whitespace().count());
    assert_eq!(
        article["readingTimeMinutes"].as_i64(),
        Some((words + 199) / 200)
    );
    assert!(
        text.starts_with(
            article["excerpt"]
                .as_str()
                .expect("excerpt")
                .trim_end_matches('…')
        )
    );
    assert!(article["featuredImage"]["url"].as_str().is_some());
}

/// The sample page's five related stories: public, ranked, each with its reasons.
fn assert_the_sample_page_related_stories(article: &Value) {
    let related = article["related"].as_array().expect("related");
    assert_eq!(related.len(), 5, "the demo has plenty of related stories");
    let ids: HashSet<&str> = related
        .iter()
        .map(|r| r["article"]["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids.len(), related.len(), "no duplicates");
    assert!(
        !ids.contains(article["id"].as_str().unwrap_or_default()),
        "never the article itself"
    );
    let scores: Vec<f64> = related
        .iter()
        .map(|r| r["score"].as_f64().unwrap_or_default())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );
    for r in related {
        assert_eq!(r["article"]["status"], "PUBLISHED");
        assert!(
            !r["reasons"].as_array().expect("reasons").is_empty(),
            "each has a reason: {r}"
        );
    }
    let top_reasons: Vec<&str> = related[0]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["label"].as_str())
        .collect();
    assert!(
        top_reasons.len() >= 3,
        "the best match shares several tags: {top_reasons:?}"
    );
}

#[tokio::test]
async fn the_sample_article_page_is_one_query() {
    let app = spawn_app().await;
    let data = app
        .data(
            ARTICLE_PAGE,
            json!({ "slug": "envoy-embarks-on-regional-peace-mission" }),
        )
        .await;
    let article = &data["article"];

    assert_the_sample_page_header(article);
    assert_the_sample_page_body(article);
    assert_the_sample_page_related_stories(article);
}

#[tokio::test]
async fn related_stories_skip_unpublished_ones_and_respect_first() {
    let app = spawn_app().await;
    // The scheduled AI-rules story shares tags with this one; it must not be suggested yet.
    let data = app
        .data(
            r#"{ article(slug: "ai-translation-startup-raises-funds-for-dari-and-pashto") { related(first: 20) { article { slug status } } } }"#,
            json!({}),
        )
        .await;
    let slugs: Vec<&str> = data["article"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|r| r["article"]["slug"].as_str())
        .collect();
    assert!(!slugs.is_empty());
    assert!(slugs.len() <= 20);
    assert!(
        !slugs.contains(&"regulators-to-publish-first-ai-audit-rules"),
        "{slugs:?}"
    );

    let too_many = app
        .graphql(r#"{ article(slug: "envoy-embarks-on-regional-peace-mission") { related(first: 21) { score } } }"#, json!({}))
        .await;
    assert_eq!(dateline_tests::error_codes(&too_many), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn co_authors_follow_the_primary_author_in_byline_order() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ article(slug: "debut-novel-set-in-kabul-wins-first-book-prize") { author { slug } coAuthors { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["article"]["coAuthors"],
        json!([{ "slug": "amina-rahimi" }, { "slug": "daniel-okafor" }])
    );
}

#[tokio::test]
async fn the_article_page_costs_the_same_statements_for_any_number_of_related_stories() {
    let app = dateline_tests::spawn_warm_app().await;
    let query = r#"query($n: Int!) { article(slug: "envoy-embarks-on-regional-peace-mission") {
        title body author { name } section { name } tags { name } breadcrumbs { uri }
        related(first: $n) { reasons { label } article { title uri author { name } tags { name } } } } }"#;
    let (few, three) = app.data_counting_statements(query, json!({ "n": 3 })).await;
    let (many, fifteen) = app
        .data_counting_statements(query, json!({ "n": 15 }))
        .await;
    assert_eq!(few["article"]["related"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        many["article"]["related"].as_array().map(Vec::len),
        Some(15)
    );
    assert_eq!(
        three, fifteen,
        "3 related stories cost {three} statements, 15 cost {fifteen}"
    );
    assert!(fifteen <= 11, "the article page costs {fifteen} statements");
}
