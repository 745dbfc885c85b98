//! The narrowing fields article lists and search share: several sections, tags, authors and
//! sources at once, stories to leave out, a year, a publication window, featured or not;
//! their limits; and what they cost.
//!
//! Each filtered answer is checked against the unfiltered list narrowed here, in the test,
//! by what its articles show a reader.

use std::collections::HashSet;

use dateline_tests::{TestApp, error_codes, spawn_app};
use serde_json::{Value, json};

const LIST: &str = r#"
query List($filter: ArticleFilterInput) {
  articles(first: 100, filter: $filter) {
    totalCount
    nodes {
      id slug featured publishedAt
      section { slug } tags { slug } author { slug } coAuthors { slug } source { slug }
    }
  }
}"#;

const SEARCH: &str = r#"
query Search($filter: SearchFilterInput) {
  search(query: "said", first: 100, filter: $filter) {
    totalCount
    nodes {
      article {
        id slug featured publishedAt
        section { slug } tags { slug } author { slug } coAuthors { slug } source { slug }
      }
    }
    facets { sections(first: 50) { count } years(first: 50) { year count } }
  }
}"#;

/// The sections under each top-level section of the demo, itself included.
const SPORT: [&str; 3] = ["sport", "football", "cricket"];
const CULTURE: [&str; 2] = ["culture", "books"];
const NEWS: [&str; 8] = [
    "news",
    "latest-updates",
    "world",
    "asia",
    "afghanistan",
    "middle-east",
    "europe",
    "politics",
];

fn slug_of(value: &Value) -> &str {
    value["slug"].as_str().unwrap_or_default()
}

fn tags_of(article: &Value) -> Vec<&str> {
    article["tags"]
        .as_array()
        .map(|tags| tags.iter().map(slug_of).collect())
        .unwrap_or_default()
}

fn bylines_of(article: &Value) -> Vec<&str> {
    let mut slugs = vec![slug_of(&article["author"])];
    if let Some(co_authors) = article["coAuthors"].as_array() {
        slugs.extend(co_authors.iter().map(slug_of));
    }
    slugs
}

fn any_in(values: &[&str], wanted: &[&str]) -> bool {
    values.iter().any(|v| wanted.contains(v))
}

/// A narrowing to check: the filter, and what an article must show to pass it.
struct Case {
    filter: Value,
    passes: Box<dyn Fn(&Value) -> bool>,
}

fn case(filter: Value, passes: impl Fn(&Value) -> bool + 'static) -> Case {
    Case {
        filter,
        passes: Box::new(passes),
    }
}

/// Narrowings every list and search must answer alike; `articles` is the unfiltered list,
/// whose first stories `excludeIds` leaves out and whose newest story's year `year` names.
fn cases(articles: &[Value]) -> Vec<Case> {
    let lead: Vec<Value> = articles[..2].iter().map(|a| a["id"].clone()).collect();
    let lead_slugs: Vec<String> = articles[..2]
        .iter()
        .map(|a| slug_of(a).to_owned())
        .collect();
    let year = articles[0]["publishedAt"].as_str().unwrap_or_default()[..4].to_owned();
    let year_number: i32 = year.parse().unwrap_or_default();
    vec![
        case(json!({ "sections": ["sport", "culture"] }), |a| {
            let section = slug_of(&a["section"]);
            SPORT.contains(&section) || CULTURE.contains(&section)
        }),
        case(
            json!({ "tags": ["cricket", "economy", "no-such-tag"] }),
            |a| any_in(&tags_of(a), &["cricket", "economy"]),
        ),
        case(
            json!({ "authors": ["amina-rahimi", "daniel-okafor"] }),
            |a| any_in(&bylines_of(a), &["amina-rahimi", "daniel-okafor"]),
        ),
        case(
            json!({ "sources": ["halden-press", "courier-sport"] }),
            |a| ["halden-press", "courier-sport"].contains(&slug_of(&a["source"])),
        ),
        case(
            json!({ "sections": ["news"], "tags": ["afghanistan", "diplomacy"], "featured": false }),
            |a| {
                NEWS.contains(&slug_of(&a["section"]))
                    && any_in(&tags_of(a), &["afghanistan", "diplomacy"])
                    && a["featured"] == false
            },
        ),
        case(json!({ "featured": true }), |a| a["featured"] == true),
        case(json!({ "excludeIds": lead }), move |a| {
            !lead_slugs.iter().any(|s| s == slug_of(a))
        }),
        case(json!({ "year": year_number }), move |a| {
            a["publishedAt"]
                .as_str()
                .is_some_and(|t| t.starts_with(&year))
        }),
        case(
            json!({ "year": year_number - 1, "sources": ["courier-desk"] }),
            |_| false,
        ),
        case(
            json!({ "sections": [], "tags": [], "authors": [], "sources": [], "excludeIds": [] }),
            |_| true,
        ),
        case(json!({ "sources": ["no-such-source"] }), |_| false),
    ]
}

fn slugs(articles: &[Value]) -> Vec<String> {
    articles.iter().map(|a| slug_of(a).to_owned()).collect()
}

#[tokio::test]
async fn lists_take_any_of_several_values_per_field_and_all_fields_at_once() {
    let app = spawn_app().await;
    let all = app.data(LIST, json!({})).await;
    let articles = all["articles"]["nodes"].as_array().expect("nodes").clone();
    assert_eq!(articles.len(), 36);
    for Case { filter, passes } in cases(&articles) {
        let narrowed = app.data(LIST, json!({ "filter": filter })).await;
        let expected: Vec<Value> = articles.iter().filter(|a| passes(a)).cloned().collect();
        let found = narrowed["articles"]["nodes"].as_array().expect("nodes");
        assert_eq!(
            slugs(found),
            slugs(&expected),
            "{filter}: the same stories, newest first"
        );
        assert_eq!(
            narrowed["articles"]["totalCount"].as_u64(),
            Some(expected.len() as u64),
            "{filter}"
        );
    }
    let sources = app
        .data(
            LIST,
            json!({ "filter": { "sources": ["halden-press", "courier-sport"] } }),
        )
        .await;
    assert_eq!(sources["articles"]["totalCount"], 9, "5 and 4 stories");
}

#[tokio::test]
async fn search_narrows_by_the_same_fields_and_its_total_and_facets_follow() {
    let app = spawn_app().await;
    let list = app.data(LIST, json!({})).await;
    let articles = list["articles"]["nodes"].as_array().expect("nodes").clone();
    let hits = |data: &Value| -> HashSet<String> {
        data["search"]["nodes"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|hit| slug_of(&hit["article"]).to_owned())
            .collect()
    };
    let unfiltered = app.data(SEARCH, json!({})).await;
    let everything = hits(&unfiltered);
    assert!(everything.len() > 20, "most stories say `said`");
    let matched: Vec<&Value> = articles
        .iter()
        .filter(|a| everything.contains(slug_of(a)))
        .collect();
    for Case { filter, passes } in cases(&articles) {
        let narrowed = app.data(SEARCH, json!({ "filter": filter })).await;
        let expected: HashSet<String> = matched
            .iter()
            .filter(|a| passes(a))
            .map(|a| slug_of(a).to_owned())
            .collect();
        assert_eq!(hits(&narrowed), expected, "{filter}");
        let search = &narrowed["search"];
        let total = search["totalCount"].as_i64();
        assert_eq!(total, Some(expected.len() as i64), "{filter}");
        for facet in ["sections", "years"] {
            let sum: i64 = search["facets"][facet]
                .as_array()
                .expect("facet")
                .iter()
                .filter_map(|f| f["count"].as_i64())
                .sum();
            assert_eq!(Some(sum), total, "{filter}: {facet} count the narrowed set");
        }
    }
}

/// The error codes of `articles` and of `search` with `filter`.
async fn codes_of_both(app: &TestApp, filter: &Value) -> [Vec<String>; 2] {
    let list = app.graphql(LIST, json!({ "filter": filter })).await;
    let search = app.graphql(SEARCH, json!({ "filter": filter })).await;
    [error_codes(&list), error_codes(&search)]
}

#[tokio::test]
async fn filters_refuse_long_lists_malformed_slugs_and_ids_of_other_things() {
    let app = spawn_app().await;
    let tag = app
        .data("{ tags(first: 1) { nodes { id } } }", json!({}))
        .await["tags"]["nodes"][0]["id"]
        .clone();
    let article = app
        .data("{ articles(first: 1) { nodes { id } } }", json!({}))
        .await["articles"]["nodes"][0]["id"]
        .clone();
    let slugs = |n: usize| -> Vec<String> { (0..n).map(|i| format!("slug-{i}")).collect() };
    for field in ["sections", "tags", "authors", "sources"] {
        let at_most = json!({ field: slugs(20) });
        assert_eq!(
            codes_of_both(&app, &at_most).await,
            [Vec::<String>::new(), Vec::new()],
            "{field}: 20 slugs are fine"
        );
        for refused in [
            json!({ field: slugs(21) }),
            json!({ field: ["ok", "Not OK"] }),
        ] {
            assert_eq!(
                codes_of_both(&app, &refused).await,
                [["BAD_USER_INPUT"], ["BAD_USER_INPUT"]],
                "{refused}"
            );
        }
    }
    let hundred = vec![article.clone(); 100];
    assert_eq!(
        codes_of_both(&app, &json!({ "excludeIds": hundred })).await,
        [Vec::<String>::new(), Vec::new()]
    );
    for refused in [
        json!({ "excludeIds": vec![article.clone(); 101] }),
        json!({ "excludeIds": [article, tag] }),
        json!({ "excludeIds": ["not-an-id"] }),
        json!({ "year": 0 }),
        json!({ "year": 10000 }),
    ] {
        assert_eq!(
            codes_of_both(&app, &refused).await,
            [["BAD_USER_INPUT"], ["BAD_USER_INPUT"]],
            "{refused}"
        );
    }
    let message = app
        .graphql(LIST, json!({ "filter": { "tags": slugs(21) } }))
        .await["errors"][0]["message"]
        .clone();
    assert_eq!(
        message, "`filter.tags` takes at most 20 slugs, got 21",
        "the message names the field"
    );
}

#[tokio::test]
async fn a_narrowed_front_page_costs_the_statements_of_a_plain_one() {
    let app = dateline_tests::spawn_warm_app().await;
    let (_, plain) = app.data_counting_statements(LIST, json!({})).await;
    let lead = app
        .data("{ articles(first: 1) { nodes { id } } }", json!({}))
        .await["articles"]["nodes"][0]["id"]
        .clone();
    let filter = json!({
        "sections": ["news", "business"],
        "tags": ["afghanistan", "economy"],
        "authors": ["amina-rahimi", "priya-natarajan", "daniel-okafor"],
        "sources": ["courier-desk", "meridian-wire", "courier-business"],
        "excludeIds": [lead],
        "publishedAfter": "2000-01-01T00:00:00Z",
        "publishedBefore": "2999-01-01T00:00:00Z",
        "featured": false,
    });
    let (data, narrowed) = app
        .data_counting_statements(LIST, json!({ "filter": filter }))
        .await;
    let found = data["articles"]["nodes"].as_array().map_or(0, Vec::len);
    assert!(
        found > 1,
        "the filter leaves stories to load bylines and tags for"
    );
    assert_eq!(
        narrowed, plain,
        "the slugs are resolved in the list's own statement"
    );
}
