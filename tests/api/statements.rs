//! What each page costs the database: a constant number of statements, whatever the size of
//! its lists. The queries are those of the peer benchmark (`../shared/bench`) and of
//! `dateline-bench`.

use dateline_tests::{on_postgres, spawn_warm_app};
use serde_json::{Value, json};

const FRONT_PAGE: &str = "query($first: Int!) { articles(first: $first) { edges { node { id slug title \
    excerpt publishedAt author { name } section { name slug } tags { name slug } } } } }";

const ARTICLE_PAGE: &str = "query($slug: String!) { article(slug: $slug) { id slug title excerpt body status \
    publishedAt updatedAt author { name slug bio avatarUrl } section { name slug } tags { name slug } \
    related(first: 5) { article { id slug title publishedAt } } } }";

const SECTION_PAGE: &str = "query($slug: String!, $first: Int!) { section(slug: $slug) { name \
    articles(first: $first) { edges { node { id slug title excerpt publishedAt author { name } } } } } }";

const FRONT_PAGE_WITH_RELATED: &str = "query($first: Int!) { articles(first: $first) { nodes { id slug \
    title excerpt publishedAt author { name } section { name slug } \
    related(first: 5) { article { title uri author { name } } } } } }";

fn len(list: &Value) -> usize {
    list.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn the_front_page_costs_two_statements_on_postgresql_three_on_sqlite() {
    let app = spawn_warm_app().await;
    let (five, few) = app
        .data_counting_statements(FRONT_PAGE, json!({ "first": 5 }))
        .await;
    let (twenty, many) = app
        .data_counting_statements(FRONT_PAGE, json!({ "first": 20 }))
        .await;
    assert_eq!(len(&five["articles"]["edges"]), 5);
    assert_eq!(len(&twenty["articles"]["edges"]), 20);
    for edge in twenty["articles"]["edges"].as_array().into_iter().flatten() {
        let node = &edge["node"];
        assert!(node["author"]["name"].is_string(), "{node}");
        assert!(node["section"]["slug"].is_string(), "{node}");
    }
    assert_eq!(
        few, many,
        "5 articles cost {few} statements, 20 cost {many}"
    );
    // On SQLite the page's authors are a statement of their own (see
    // `Store::articles_page_with_authors`).
    let bound = if on_postgres() { 2 } else { 3 };
    assert!(many <= bound, "the front page costs {many} statements");
}

#[tokio::test]
async fn the_article_page_with_five_related_stories_costs_four_statements() {
    let app = spawn_warm_app().await;
    let (data, statements) = app
        .data_counting_statements(
            ARTICLE_PAGE,
            json!({ "slug": "envoy-embarks-on-regional-peace-mission" }),
        )
        .await;
    let article = &data["article"];
    assert!(article["author"]["bio"].is_string(), "{article}");
    assert!(len(&article["tags"]) > 0, "{article}");
    assert_eq!(len(&article["related"]), 5, "{article}");
    assert!(
        statements <= 4,
        "the article page costs {statements} statements"
    );
}

#[tokio::test]
async fn the_section_page_costs_one_statement_or_two() {
    let app = spawn_warm_app().await;
    let (few, small) = app
        .data_counting_statements(SECTION_PAGE, json!({ "slug": "news", "first": 3 }))
        .await;
    let (many, large) = app
        .data_counting_statements(SECTION_PAGE, json!({ "slug": "news", "first": 10 }))
        .await;
    assert_eq!(len(&few["section"]["articles"]["edges"]), 3);
    assert_eq!(len(&many["section"]["articles"]["edges"]), 10);
    assert_eq!(
        small, large,
        "3 articles cost {small} statements, 10 cost {large}"
    );
    assert!(large <= 2, "the section page costs {large} statements");
}

#[tokio::test]
async fn related_stories_for_a_whole_list_are_ranked_together() {
    let app = spawn_warm_app().await;
    let (five, few) = app
        .data_counting_statements(FRONT_PAGE_WITH_RELATED, json!({ "first": 5 }))
        .await;
    // Twenty articles with five related stories each pass the default limits.
    let (twenty, many) = app
        .data_counting_statements(FRONT_PAGE_WITH_RELATED, json!({ "first": 20 }))
        .await;
    assert_eq!(len(&five["articles"]["nodes"]), 5);
    let nodes = twenty["articles"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 20);
    for node in nodes {
        let related = node["related"].as_array().expect("related");
        // A story in a small corner of the demo newsroom may have fewer to show.
        assert!((1..=5).contains(&related.len()), "{node}");
        for story in related {
            assert_ne!(story["article"]["title"], node["title"], "never itself");
            assert!(story["article"]["author"]["name"].is_string(), "{story}");
            assert!(
                story["article"]["uri"]
                    .as_str()
                    .is_some_and(|u| u.starts_with('/')),
                "{story}"
            );
        }
    }
    let full = nodes.iter().filter(|n| len(&n["related"]) == 5).count();
    assert!(
        full >= 15,
        "only {full} of 20 stories have five related ones"
    );
    // The related stories' bylines cost a statement unless the page's own brought them.
    assert!(
        few <= 6,
        "5 articles with related stories cost {few} statements"
    );
    assert!(
        many <= 6,
        "the front page with related stories costs {many} statements"
    );
}

#[tokio::test]
async fn each_article_of_a_list_gets_the_related_stories_its_own_page_shows() {
    let app = spawn_warm_app().await;
    let list = app
        .data(
            "{ articles(first: 12) { nodes { slug related(first: 4) { article { slug } reasons { kind label } } } } }",
            json!({}),
        )
        .await;
    for node in list["articles"]["nodes"].as_array().expect("nodes") {
        let page = app
            .data(
                "query($slug: String!) { article(slug: $slug) { related(first: 4) { article { slug } reasons { kind label } } } }",
                json!({ "slug": node["slug"] }),
            )
            .await;
        assert_eq!(
            node["related"], page["article"]["related"],
            "{}: ranked alone and in a list",
            node["slug"]
        );
    }
}

#[tokio::test]
async fn a_kept_ranking_costs_no_statement() {
    let app = spawn_warm_app().await;
    let slug = json!({ "slug": "envoy-embarks-on-regional-peace-mission" });
    let (first, cold) = app
        .data_counting_statements(ARTICLE_PAGE, slug.clone())
        .await;
    let (again, warm) = app.data_counting_statements(ARTICLE_PAGE, slug).await;
    assert_eq!(first, again);
    assert_eq!(warm + 2, cold, "ranking costs two statements, once");
}
