//! Walking lists page by page in both directions, and the limits on pages and cursors.

use std::collections::HashSet;

use dateline_tests::{error_codes, spawn_app};
use serde_json::{Value, json};

const PAGE: &str = r#"
query Page($first: Int, $after: String, $last: Int, $before: String, $order: ArticleOrderBy) {
  articles(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug } }
  }
}"#;

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

#[tokio::test]
async fn paging_forwards_and_backwards_visits_every_article_once() {
    let app = spawn_app().await;
    for order in ["PUBLISHED_AT_DESC", "PUBLISHED_AT_ASC", "UPDATED_AT_DESC"] {
        let everything = app
            .data(PAGE, json!({ "first": 100, "order": order }))
            .await;
        let expected = slugs(&everything["articles"]);
        assert_eq!(
            everything["articles"]["totalCount"].as_u64(),
            Some(expected.len() as u64)
        );

        let mut forwards = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app
                .data(PAGE, json!({ "first": 7, "after": after, "order": order }))
                .await;
            let connection = &page["articles"];
            forwards.extend(slugs(connection));
            assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
            if connection["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(
            forwards, expected,
            "forwards in {order}: no gap, no duplicate"
        );

        let mut backwards = Vec::new();
        let mut before = Value::Null;
        loop {
            let page = app
                .data(PAGE, json!({ "last": 7, "before": before, "order": order }))
                .await;
            let connection = &page["articles"];
            let mut chunk = slugs(connection);
            chunk.extend(backwards);
            backwards = chunk;
            if connection["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = connection["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backwards, expected, "backwards in {order}");
        assert_eq!(
            expected.iter().collect::<HashSet<_>>().len(),
            expected.len()
        );
    }
}

#[tokio::test]
async fn a_cursor_pages_the_same_way_for_every_edge() {
    let app = spawn_app().await;
    let first = app.data(PAGE, json!({ "first": 5 })).await;
    let edges = first["articles"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    let third_cursor = edges[2]["cursor"].clone();
    let next = app
        .data(PAGE, json!({ "first": 2, "after": third_cursor }))
        .await;
    assert_eq!(
        slugs(&next["articles"]),
        slugs(&first["articles"])[3..5].to_vec()
    );
}

#[tokio::test]
async fn out_of_range_page_sizes_and_bad_cursors_are_user_errors() {
    let app = spawn_app().await;
    for variables in [
        json!({ "first": 101 }),
        json!({ "first": -1 }),
        json!({ "last": 101 }),
        json!({ "first": 1, "last": 1 }),
        json!({ "first": 1, "after": "not-a-cursor" }),
        json!({ "first": 1, "after": "YTpwZDo5OTk5OTk5OTk5OTk5OTk5OTk5OTox" }), // well-formed, but the time overflows
    ] {
        let response = app.graphql(PAGE, variables.clone()).await;
        assert_eq!(
            error_codes(&response),
            ["BAD_USER_INPUT"],
            "{variables}: {response}"
        );
        assert!(response["data"].is_null() || response["data"]["articles"].is_null());
    }
    // A cursor from one order does not fit another.
    let page = app.data(PAGE, json!({ "first": 1 })).await;
    let cursor = page["articles"]["pageInfo"]["endCursor"].clone();
    let response = app
        .graphql(
            PAGE,
            json!({ "first": 1, "after": cursor, "order": "UPDATED_AT_DESC" }),
        )
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);

    let empty = app.data(PAGE, json!({ "first": 0 })).await;
    assert_eq!(empty["articles"]["edges"], json!([]));
    assert_eq!(empty["articles"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn total_count_costs_nothing_unless_asked_for() {
    let app = spawn_app().await;
    let (_, without) = app
        .data_counting_statements("{ articles(first: 3) { nodes { slug } } }", json!({}))
        .await;
    let (data, with) = app
        .data_counting_statements(
            "{ articles(first: 3) { totalCount nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["articles"]["totalCount"], 36);
    assert_eq!(
        with,
        without + 1,
        "totalCount adds exactly one COUNT statement"
    );
}

#[tokio::test]
async fn cursors_belong_to_their_list_and_to_real_times() {
    let app = spawn_app().await;
    let tags = app
        .data("{ tags(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let cursor = tags["tags"]["pageInfo"]["endCursor"].clone();
    let response = app
        .graphql(
            "query($c: String) { authors(first: 1, after: $c) { nodes { name } } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(
        error_codes(&response),
        ["BAD_USER_INPUT"],
        "a tag cursor is no author cursor"
    );

    // A well-formed article cursor for the year 10000.
    let response = app
        .graphql(
            PAGE,
            json!({ "first": 1, "after": "YTpwZDoyNTM0MDIzMDA4MDAwMDAwMDA6MQ" }),
        )
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_page_that_stops_before_a_cursor_knows_more_follows() {
    let app = spawn_app().await;
    let first = app.data(PAGE, json!({ "first": 10 })).await;
    let tenth = first["articles"]["edges"][9]["cursor"].clone();
    let page = app.data(PAGE, json!({ "first": 3, "before": tenth })).await;
    assert_eq!(
        slugs(&page["articles"]),
        slugs(&first["articles"])[..3].to_vec()
    );
    assert_eq!(page["articles"]["pageInfo"]["hasNextPage"], true);
    let page = app
        .data(
            PAGE,
            json!({ "last": 3, "after": first["articles"]["edges"][0]["cursor"] }),
        )
        .await;
    assert_eq!(page["articles"]["pageInfo"]["hasPreviousPage"], true);
}
