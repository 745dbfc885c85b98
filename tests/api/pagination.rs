//! Walking lists page by page in both directions, and the limits on pages and cursors.

use std::collections::HashSet;

use dateline_domain::Role;
use dateline_tests::{TestApp, error_codes, spawn_app};
use serde_json::{Value, json};

const PAGE: &str = r#"
query Page($first: Int, $after: String, $last: Int, $before: String, $order: ArticleOrder) {
  articles(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug publishedAt updatedAt } }
  }
}"#;

/// The same page of the stories of the `list` (`section`, `tag`, `author` or `source`) with
/// this slug.
fn nested_page(list: &str, slug: &str) -> String {
    format!(
        r#"
query Page($first: Int, $after: String, $last: Int, $before: String, $order: ArticleOrder) {{
  {list}(slug: "{slug}") {{
    articles(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {{
      totalCount
      pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      edges {{ cursor node {{ slug publishedAt updatedAt }} }}
    }}
  }}
}}"#
    )
}

/// The four orders, as `orderBy` values.
fn orders() -> [Value; 4] {
    [
        json!({ "field": "PUBLISHED_AT", "direction": "DESC" }),
        json!({ "field": "PUBLISHED_AT", "direction": "ASC" }),
        json!({ "field": "UPDATED_AT", "direction": "DESC" }),
        json!({ "field": "UPDATED_AT", "direction": "ASC" }),
    ]
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

/// The times `order` sorts `connection`'s articles by, in list order.
fn sort_times(connection: &Value, order: &Value) -> Vec<chrono::DateTime<chrono::Utc>> {
    let field = match order["field"].as_str() {
        Some("UPDATED_AT") => "updatedAt",
        _ => "publishedAt",
    };
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            e["node"][field]
                .as_str()
                .expect("a time")
                .parse()
                .expect("RFC 3339")
        })
        .collect()
}

/// Walks the list `query` answers at `path` (the keys down to the connection) in pages of
/// 7, forwards with `after` and backwards with `last` and `before`, and checks that both
/// walks visit exactly the articles of one page of 100, in the same order, and that the
/// order is `order`'s.
async fn walk(app: &TestApp, query: &str, path: &[&str], order: &Value) {
    let at = |data: &Value| path.iter().fold(data.clone(), |v, key| v[key].clone());
    let everything = at(&app
        .data(query, json!({ "first": 100, "order": order }))
        .await);
    let expected = slugs(&everything);
    assert!(expected.len() > 7, "{path:?} spans pages: {expected:?}");
    assert_eq!(
        everything["totalCount"].as_u64(),
        Some(expected.len() as u64)
    );
    assert_eq!(
        expected.iter().collect::<HashSet<_>>().len(),
        expected.len()
    );
    let times = sort_times(&everything, order);
    let in_order = if order["direction"] == "DESC" {
        times.windows(2).all(|w| w[0] >= w[1])
    } else {
        times.windows(2).all(|w| w[0] <= w[1])
    };
    assert!(in_order, "{path:?} in {order}: {times:?}");

    let mut forwards = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(query, json!({ "first": 7, "after": after, "order": order }))
            .await;
        let connection = at(&page);
        forwards.extend(slugs(&connection));
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        forwards, expected,
        "{path:?} forwards in {order}: no gap, no duplicate"
    );

    let mut backwards = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = app
            .data(
                query,
                json!({ "last": 7, "before": before, "order": order }),
            )
            .await;
        let connection = at(&page);
        let mut chunk = slugs(&connection);
        chunk.extend(backwards);
        backwards = chunk;
        assert_eq!(connection["pageInfo"]["hasNextPage"], !before.is_null());
        if connection["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = connection["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backwards, expected, "{path:?} backwards in {order}");
}

#[tokio::test]
async fn paging_forwards_and_backwards_visits_every_article_once_in_every_order() {
    let app = spawn_app().await;
    for order in orders() {
        walk(&app, PAGE, &["articles"], &order).await;
        for (list, slug) in [
            ("section", "news"),
            ("tag", "afghanistan"),
            ("author", "priya-natarajan"),
            ("source", "courier-desk"),
        ] {
            walk(&app, &nested_page(list, slug), &[list, "articles"], &order).await;
        }
    }
}

#[tokio::test]
async fn drafts_page_in_either_direction_of_their_last_change_only() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    for i in 0..9 {
        crate::fixtures::draft(&app, &editor, &format!("Draft number {i}")).await;
    }
    let drafts = r#"
      query($first: Int, $after: String, $last: Int, $before: String, $order: ArticleOrder) {
        drafts: articles(filter: { status: DRAFT }, first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { slug publishedAt updatedAt } }
        }
      }"#;
    let token = Some(editor.token.as_str());
    for order in &orders()[2..] {
        let mut forwards = Vec::new();
        let mut after = Value::Null;
        loop {
            let variables = json!({ "first": 4, "after": after, "order": order });
            let page = app.graphql_as(token, drafts, variables).await;
            let connection = &page["data"]["drafts"];
            forwards.extend(slugs(connection));
            if connection["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
        let variables = json!({ "first": 100, "order": order });
        let all = app.graphql_as(token, drafts, variables).await;
        assert_eq!(forwards, slugs(&all["data"]["drafts"]), "{order}");
        assert_eq!(
            forwards.len(),
            11,
            "the demo's two drafts and nine new ones"
        );
    }
    for order in &orders()[..2] {
        let variables = json!({ "first": 4, "order": order });
        let refused = app.graphql_as(token, drafts, variables).await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"], "{order}");
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
            json!({ "first": 1, "after": cursor, "order": orders()[2] }),
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
