//! `route(path:)`, redirects from former slugs, and `node(id:)` round trips.

use dateline_tests::{error_codes, spawn_app};
use serde_json::json;

const ROUTE: &str = r#"
query Route($path: String!) {
  route(path: $path) {
    canonicalUri isRedirect
    node { __typename id ... on Article { slug } ... on Section { slug } ... on Tag { slug } ... on Author { slug } }
  }
}"#;

#[tokio::test]
async fn paths_resolve_to_what_they_name() {
    let app = spawn_app().await;
    for (path, typename, slug) in [
        (
            "/latest-updates/envoy-embarks-on-regional-peace-mission",
            "Article",
            "envoy-embarks-on-regional-peace-mission",
        ),
        ("/afghanistan", "Section", "afghanistan"),
        ("/tag/peace-talks", "Tag", "peace-talks"),
        ("/author/amina-rahimi", "Author", "amina-rahimi"),
    ] {
        let data = app.data(ROUTE, json!({ "path": path })).await;
        let route = &data["route"];
        assert_eq!(route["node"]["__typename"], typename, "{path}");
        assert_eq!(route["node"]["slug"], slug, "{path}");
        assert_eq!(route["canonicalUri"], path);
        assert_eq!(route["isRedirect"], false, "{path}");
    }
}

#[tokio::test]
async fn former_slugs_and_stale_paths_redirect_to_the_canonical_page() {
    let app = spawn_app().await;
    for (path, canonical) in [
        (
            "/afghanistan/afghan-delegation-lands-in-doha",
            "/afghanistan/afghan-delegation-arrives-in-doha-for-fresh-talks",
        ),
        (
            "/markets/shares-fall-as-bond-yields-rise",
            "/markets/stocks-slide-as-bond-yields-jump",
        ),
        (
            "/world/stocks-slide-as-bond-yields-jump",
            "/markets/stocks-slide-as-bond-yields-jump",
        ),
        (
            "/Markets/Stocks-Slide-As-Bond-Yields-Jump",
            "/markets/stocks-slide-as-bond-yields-jump",
        ),
    ] {
        let data = app.data(ROUTE, json!({ "path": path })).await;
        assert_eq!(data["route"]["isRedirect"], true, "{path}");
        assert_eq!(data["route"]["canonicalUri"], canonical, "{path}");
        assert_eq!(data["route"]["node"]["__typename"], "Article");
    }
}

#[tokio::test]
async fn the_front_page_is_a_route_of_its_own() {
    let app = spawn_app().await;
    let home =
        "query($path: String!) { route(path: $path) { kind canonicalUri isRedirect node { id } } }";
    let data = app.data(home, json!({ "path": "/" })).await;
    assert_eq!(
        data["route"],
        json!({ "kind": "HOME", "canonicalUri": "/", "isRedirect": false, "node": null })
    );
    let article = app
        .data(
            home,
            json!({ "path": "/latest-updates/envoy-embarks-on-regional-peace-mission" }),
        )
        .await;
    assert_eq!(article["route"]["kind"], "ARTICLE", "{article}");
}

#[tokio::test]
async fn paths_that_name_nothing_visible_resolve_to_null() {
    let app = spawn_app().await;
    for path in [
        "/no-such-section",
        "/latest-updates/no-such-story",
        "/politics/budget-leak-inquiry-widens", // a draft
        "/tag/no-such-tag",
        "/a/b/c/d",
        "/'; DROP TABLE articles; --",
    ] {
        let data = app.data(ROUTE, json!({ "path": path })).await;
        assert!(data["route"].is_null(), "{path}: {data}");
    }
}

#[tokio::test]
async fn every_kind_of_node_round_trips_through_its_id() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ article(slug: "envoy-embarks-on-regional-peace-mission") {
                   id author { id } section { id } source { id } tags { id } } }"#,
            json!({}),
        )
        .await;
    let article = &data["article"];
    let ids = [
        (article["id"].clone(), "Article"),
        (article["author"]["id"].clone(), "Author"),
        (article["section"]["id"].clone(), "Section"),
        (article["source"]["id"].clone(), "Source"),
        (article["tags"][0]["id"].clone(), "Tag"),
    ];
    for (id, typename) in &ids {
        let node = app
            .data(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"]["__typename"], *typename);
        assert_eq!(node["node"]["id"], *id);
    }
    let all: Vec<_> = ids.iter().map(|(id, _)| id.clone()).collect();
    let nodes = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": all }),
        )
        .await;
    let returned: Vec<_> = nodes["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(returned, all, "in the order asked");
}

#[tokio::test]
async fn malformed_ids_are_user_errors_and_unknown_ones_are_null() {
    let app = spawn_app().await;
    let response = app
        .graphql(r#"{ node(id: "definitely-not-an-id") { id } }"#, json!({}))
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);
    // "Article:999999" in the id encoding.
    let missing = app
        .data(r#"{ node(id: "QXJ0aWNsZTo5OTk5OTk") { id } }"#, json!({}))
        .await;
    assert!(missing["node"].is_null());
    let too_many: Vec<String> = (0..101).map(|_| "QXJ0aWNsZTo5OTk5OTk".to_owned()).collect();
    let response = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": too_many }),
        )
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_renamed_section_keeps_its_old_paths() {
    let app = spawn_app().await;
    let section = app.data(ROUTE, json!({ "path": "/breaking-news" })).await;
    assert_eq!(section["route"]["node"]["__typename"], "Section");
    assert_eq!(section["route"]["node"]["slug"], "latest-updates");
    assert_eq!(section["route"]["canonicalUri"], "/latest-updates");
    assert_eq!(section["route"]["isRedirect"], true);

    let article = app
        .data(
            ROUTE,
            json!({ "path": "/breaking-news/envoy-embarks-on-regional-peace-mission" }),
        )
        .await;
    assert_eq!(
        article["route"]["canonicalUri"],
        "/latest-updates/envoy-embarks-on-regional-peace-mission"
    );
    assert_eq!(article["route"]["isRedirect"], true);
}
