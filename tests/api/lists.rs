//! Front, section, tag and author pages, and the SQL they cost.

use dateline_tests::spawn_app;
use serde_json::{Value, json};

const FRONT_PAGE: &str = r#"
query FrontPage($first: Int!) {
  articles(first: $first) {
    nodes {
      id slug title excerpt publishedAt uri
      author { name slug }
      section { name slug }
      source { name }
      tags { name slug }
    }
  }
}"#;

fn published_times(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["publishedAt"].as_str().expect("publishedAt").to_owned())
        .collect()
}

#[tokio::test]
async fn the_front_page_lists_the_latest_published_articles() {
    let app = spawn_app().await;
    let data = app.data(FRONT_PAGE, json!({ "first": 20 })).await;
    let nodes = data["articles"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 20);
    assert_eq!(
        nodes[0]["slug"], "envoy-embarks-on-regional-peace-mission",
        "the newest story leads"
    );
    let times: Vec<chrono::DateTime<chrono::Utc>> = published_times(&data["articles"])
        .iter()
        .map(|t| t.parse().expect("RFC 3339"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for node in nodes {
        assert!(
            node["author"]["name"].is_string() && node["section"]["slug"].is_string(),
            "{node}"
        );
        assert!(
            node["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{node}"
        );
    }
}

#[tokio::test]
async fn sql_statements_do_not_grow_with_the_list() {
    let app = dateline_tests::spawn_warm_app().await;
    let (_, five) = app
        .data_counting_statements(FRONT_PAGE, json!({ "first": 5 }))
        .await;
    let (data, twenty) = app
        .data_counting_statements(FRONT_PAGE, json!({ "first": 20 }))
        .await;
    assert_eq!(data["articles"]["nodes"].as_array().map(Vec::len), Some(20));
    // The page with its authors (on SQLite, then the authors), then one batch each for
    // sources and tags; sections come from the tree the server keeps.
    assert_eq!(
        five, twenty,
        "5 articles cost {five} statements, 20 cost {twenty}"
    );
    let bound = if dateline_tests::on_postgres() { 3 } else { 4 };
    assert!(twenty <= bound, "the front page costs {twenty} statements");
}

#[tokio::test]
async fn a_section_page_includes_its_subsections_unless_told_not_to() {
    let app = spawn_app().await;
    let query = r#"
      query Section($slug: String!, $deep: Boolean!) {
        section(slug: $slug) {
          name uri
          parent { slug }
          children { slug }
          ancestors { slug }
          breadcrumbs { name uri }
          articles(first: 50, includeSubsections: $deep) { totalCount nodes { section { slug } } }
        }
      }"#;
    let data = app
        .data(query, json!({ "slug": "world", "deep": true }))
        .await;
    let world = &data["section"];
    assert_eq!(world["uri"], "/world");
    assert_eq!(world["parent"]["slug"], "news");
    assert_eq!(
        world["children"],
        json!([{ "slug": "asia" }, { "slug": "middle-east" }, { "slug": "europe" }])
    );
    assert_eq!(world["ancestors"], json!([{ "slug": "news" }]));
    let sections: Vec<&str> = world["articles"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["section"]["slug"].as_str())
        .collect();
    assert!(
        sections.contains(&"afghanistan"),
        "three levels down is included: {sections:?}"
    );
    assert!(
        sections
            .iter()
            .all(|s| ["world", "asia", "afghanistan", "middle-east", "europe"].contains(s))
    );
    assert_eq!(
        world["articles"]["totalCount"].as_u64(),
        Some(sections.len() as u64)
    );

    let shallow = app
        .data(query, json!({ "slug": "world", "deep": false }))
        .await;
    let nodes = shallow["section"]["articles"]["nodes"]
        .as_array()
        .expect("nodes");
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n["section"]["slug"] == "world"));

    let roots = app.data("{ sections { slug } }", json!({})).await;
    assert_eq!(
        roots["sections"],
        json!([{ "slug": "news" }, { "slug": "business" }, { "slug": "sport" }, { "slug": "culture" }, { "slug": "opinion" }])
    );
}

#[tokio::test]
async fn filters_narrow_the_article_list() {
    let app = spawn_app().await;
    let query = r#"query($filter: ArticleFilterInput) { articles(first: 100, filter: $filter) { totalCount nodes { slug featured section { slug } tags { slug } } } }"#;
    let all = app.data(query, json!({})).await;
    assert_eq!(
        all["articles"]["totalCount"], 36,
        "36 of the demo's 40 stories are published"
    );

    let featured = app
        .data(query, json!({ "filter": { "featured": true } }))
        .await;
    let nodes = featured["articles"]["nodes"].as_array().expect("nodes");
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n["featured"] == true));

    let sport = app
        .data(
            query,
            json!({ "filter": { "sections": ["sport"], "tags": ["records"] } }),
        )
        .await;
    let slugs: Vec<&str> = sport["articles"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["slug"].as_str())
        .collect();
    assert_eq!(slugs.len(), 4, "{slugs:?}");
    assert!(
        slugs.contains(&"marathon-record-falls-in-berlin")
            && slugs.contains(&"record-fee-for-teenage-midfielder")
    );

    let unknown = app
        .data(
            query,
            json!({ "filter": { "sections": ["no-such-section"] } }),
        )
        .await;
    assert_eq!(unknown["articles"]["totalCount"], 0);

    let window = app
        .data(query, json!({ "filter": { "publishedAfter": "2000-01-01T00:00:00Z", "publishedBefore": "2001-01-01T00:00:00Z" } }))
        .await;
    assert_eq!(window["articles"]["totalCount"], 0);
}

#[tokio::test]
async fn tag_and_author_pages_list_their_stories() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
              tag(slug: "cricket") { name uri articles { totalCount nodes { tags { slug } } } }
              author(slug: "daniel-okafor") { name uri articles(first: 100) { nodes { slug author { slug } coAuthors { slug } } } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["tag"]["uri"], "/tag/cricket");
    assert_eq!(data["tag"]["articles"]["totalCount"], 2);
    for node in data["tag"]["articles"]["nodes"].as_array().expect("nodes") {
        assert!(
            node["tags"]
                .as_array()
                .expect("tags")
                .contains(&json!({ "slug": "cricket" }))
        );
    }
    let by_author = data["author"]["articles"]["nodes"]
        .as_array()
        .expect("nodes");
    assert!(
        by_author
            .iter()
            .any(|n| n["author"]["slug"] == "daniel-okafor")
    );
    assert!(
        by_author.iter().any(|n| n["coAuthors"]
            .as_array()
            .is_some_and(|c| c.contains(&json!({ "slug": "daniel-okafor" })))),
        "co-written stories count too"
    );
    assert!(by_author.iter().all(|n| {
        n["author"]["slug"] == "daniel-okafor"
            || n["coAuthors"]
                .as_array()
                .is_some_and(|c| c.contains(&json!({ "slug": "daniel-okafor" })))
    }));
}

#[tokio::test]
async fn tags_and_authors_are_listed_by_name() {
    let app = spawn_app().await;
    let data = app.data("{ tags(first: 100) { totalCount nodes { name } } authors(first: 3) { totalCount pageInfo { hasNextPage } nodes { name } } }", json!({})).await;
    let names: Vec<&str> = data["tags"]["nodes"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names.len(), 30);
    assert_eq!(data["tags"]["totalCount"], 30);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(data["authors"]["totalCount"], 7);
    assert_eq!(data["authors"]["pageInfo"]["hasNextPage"], true);
}
