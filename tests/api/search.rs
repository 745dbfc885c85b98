//! Search: full text over published stories, ranked, highlighted, faceted, kept current by
//! every write, and safe with any text a reader types.

use std::collections::HashSet;

use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, error_codes, spawn_app};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::fixtures::{article_mutation, create_article_mutation, publish, update_article};

const SEARCH: &str = "query($q: String!, $first: Int, $after: String, $filter: SearchFilterInput) { \
    search(query: $q, first: $first, after: $after, filter: $filter) { \
      totalCount \
      pageInfo { hasNextPage endCursor } \
      edges { cursor node { score article { id slug title status } highlights { field fragments } } } } }";

/// The titles `q` finds, best first (first page of 50).
async fn titles(app: &TestApp, q: &str) -> Vec<String> {
    let data = app.data(SEARCH, json!({ "q": q, "first": 50 })).await;
    data["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            e["node"]["article"]["title"]
                .as_str()
                .expect("title")
                .to_owned()
        })
        .collect()
}

/// Creates and publishes an article with this title and body in `section`.
async fn story(app: &TestApp, editor: &Staff, title: &str, body: &str, section: &str) -> Value {
    let data = app
        .data_as(
            editor,
            &create_article_mutation(),
            json!({ "input": {
                "title": title,
                "body": body,
                "sectionId": app.section_id(section).await,
                "tagIds": app.tag_ids(1).await,
            }}),
        )
        .await;
    let article = data["createArticle"]["article"].clone();
    assert!(article.is_object(), "{data}");
    publish(app, editor, &article).await
}

#[tokio::test]
async fn the_index_follows_every_change_to_a_story() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let data = app
        .data_as(
            &editor,
            &create_article_mutation(),
            json!({ "input": {
                "title": "Quorvex harbour reopens",
                "body": "<p>Ferrilunx boats returned to the harbour on Monday.</p>",
                "sectionId": app.section_id("world").await,
            }}),
        )
        .await;
    let article = data["createArticle"]["article"].clone();
    assert_eq!(
        titles(&app, "quorvex").await,
        Vec::<String>::new(),
        "drafts are not found"
    );

    let article = publish(&app, &editor, &article).await;
    assert_eq!(titles(&app, "quorvex").await, ["Quorvex harbour reopens"]);
    assert_eq!(titles(&app, "ferrilunx").await, ["Quorvex harbour reopens"]);

    let edited = update_article(&app, &editor, json!({ "id": article["id"], "expectedRevision": article["revision"], "title": "Zelmont harbour reopens" })).await["article"]
        .clone();
    assert_eq!(titles(&app, "quorvex").await, Vec::<String>::new());
    assert_eq!(titles(&app, "zelmont").await, ["Zelmont harbour reopens"]);

    app.data_as(
        &editor,
        &article_mutation("unpublishArticle", "UnpublishArticleInput"),
        json!({ "input": { "id": edited["id"] } }),
    )
    .await;
    assert_eq!(
        titles(&app, "zelmont").await,
        Vec::<String>::new(),
        "unpublished stories leave the results"
    );
}

#[tokio::test]
async fn renamed_tags_and_authors_are_found_by_their_new_names() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin).await;
    let story = "envoy-embarks-on-regional-peace-mission";
    let page = app
        .data(
            "query($slug: String!) { article(slug: $slug) { title author { id } tags { id } } }",
            json!({ "slug": story }),
        )
        .await["article"]
        .clone();
    let title = page["title"].as_str().expect("title").to_owned();
    assert!(!titles(&app, "plovdivia").await.contains(&title));

    let renamed = app
        .data_as(
            &admin,
            "mutation($input: UpdateTagInput!) { updateTag(input: $input) { tag { name } userErrors { code } } }",
            json!({ "input": { "id": page["tags"][0]["id"], "name": "Plovdivia" } }),
        )
        .await;
    assert_eq!(renamed["updateTag"]["userErrors"], json!([]), "{renamed}");
    assert!(titles(&app, "plovdivia").await.contains(&title));

    let renamed = app
        .data_as(
            &admin,
            "mutation($input: UpdateAuthorInput!) { updateAuthor(input: $input) { author { name } userErrors { code } } }",
            json!({ "input": { "id": page["author"]["id"], "name": "Wendeline Okonkwo-Sarr" } }),
        )
        .await;
    assert_eq!(
        renamed["updateAuthor"]["userErrors"],
        json!([]),
        "{renamed}"
    );
    assert!(titles(&app, "wendeline").await.contains(&title));
}

#[tokio::test]
async fn title_matches_rank_above_body_matches_and_fresh_above_old() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    story(
        &app,
        &editor,
        "Council meets again",
        "<p>The Brindlemoor question came up. Brindlemoor, Brindlemoor and Brindlemoor again.</p>",
        "world",
    )
    .await;
    story(
        &app,
        &editor,
        "Brindlemoor bridge opens",
        "<p>Traffic crossed the river for the first time.</p>",
        "world",
    )
    .await;
    assert_eq!(
        titles(&app, "brindlemoor").await,
        ["Brindlemoor bridge opens", "Council meets again"]
    );

    let old = story(
        &app,
        &editor,
        "Tavernock floods return",
        "<p>Water rose in the old town.</p>",
        "world",
    )
    .await;
    story(
        &app,
        &editor,
        "Tavernock floods recede",
        "<p>Water fell in the old town.</p>",
        "world",
    )
    .await;
    let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
    app.publish_at(old["slug"].as_str().expect("slug"), year_ago)
        .await;
    assert_eq!(
        titles(&app, "tavernock floods").await,
        ["Tavernock floods recede", "Tavernock floods return"]
    );
}

#[tokio::test]
async fn phrases_prefixes_stems_and_exclusions() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    story(
        &app,
        &editor,
        "Harbour of Quessant reopens",
        "<p>Boats.</p>",
        "world",
    )
    .await;
    story(
        &app,
        &editor,
        "Quessant harbour dredged",
        "<p>Mud.</p>",
        "world",
    )
    .await;
    story(
        &app,
        &editor,
        "Quessantine negotiations stall",
        "<p>Talks.</p>",
        "world",
    )
    .await;

    let mut both = titles(&app, "quessant harbour").await;
    both.sort();
    assert_eq!(
        both,
        ["Harbour of Quessant reopens", "Quessant harbour dredged"]
    );
    assert_eq!(
        titles(&app, "\"quessant harbour\"").await,
        ["Quessant harbour dredged"]
    );
    assert_eq!(titles(&app, "quessant*").await.len(), 3);
    assert_eq!(
        titles(&app, "quessant* -harbour").await,
        ["Quessantine negotiations stall"]
    );
    assert_eq!(
        titles(&app, "quessantine negotiation").await,
        ["Quessantine negotiations stall"],
        "words match in other forms"
    );
}

#[tokio::test]
async fn highlights_mark_the_matches_and_escape_the_rest() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    story(
        &app,
        &editor,
        "Fish & chips <b>Marvolo</b> prices",
        "<p>Prices of fish in Marvolo rose by a third this year, traders said.</p>",
        "world",
    )
    .await;
    let data = app.data(SEARCH, json!({ "q": "marvolo" })).await;
    let highlights = &data["search"]["edges"][0]["node"]["highlights"];
    let field = |name: &str| {
        highlights
            .as_array()
            .expect("highlights")
            .iter()
            .find(|h| h["field"] == name)
            .map(|h| h["fragments"].clone())
    };
    assert_eq!(
        field("TITLE"),
        Some(json!([
            "Fish &amp; chips &lt;b&gt;<mark>Marvolo</mark>&lt;/b&gt; prices"
        ]))
    );
    let body = field("BODY").expect("the body matched");
    let body = body[0].as_str().expect("a fragment");
    assert!(body.contains("fish in <mark>Marvolo</mark> rose"), "{body}");
    assert_eq!(field("TAGS"), None, "fields without a match are left out");
}

#[tokio::test]
async fn pages_totals_and_facets_cover_the_whole_result_set() {
    let app = spawn_app().await;
    let faceted = "query($q: String!, $filter: SearchFilterInput) { search(query: $q, first: 1, filter: $filter) { totalCount totalCountIsExact \
        facets { sections(first: 50) { section { slug } count } tags(first: 50) { tag { slug } count } years { year count } } } }";
    let data = app.data(faceted, json!({ "q": "said" })).await;
    let total = data["search"]["totalCount"].as_i64().expect("total");
    assert_eq!(data["search"]["totalCountIsExact"], true);
    assert!(total > 10, "the demo has many stories with `said`: {total}");
    let sum = |list: &Value| {
        list.as_array()
            .expect("facet list")
            .iter()
            .map(|f| f["count"].as_i64().expect("count"))
            .sum::<i64>()
    };
    let facets = &data["search"]["facets"];
    assert_eq!(sum(&facets["sections"]), total);
    assert_eq!(sum(&facets["years"]), total);
    assert!(sum(&facets["tags"]) >= total / 2);

    // Paging through the whole list meets every hit once, best first.
    let mut seen = HashSet::new();
    let mut after: Option<String> = None;
    let mut last_score = f64::INFINITY;
    loop {
        let page = app
            .data(SEARCH, json!({ "q": "said", "first": 7, "after": after }))
            .await;
        for edge in page["search"]["edges"].as_array().expect("edges") {
            assert!(seen.insert(edge["node"]["article"]["id"].clone()));
            assert_eq!(edge["node"]["article"]["status"], "PUBLISHED");
            let score = edge["node"]["score"].as_f64().expect("score");
            assert!(score <= last_score, "ranked best first");
            last_score = score;
        }
        let info = &page["search"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, total);

    // Paging back from the second page gives the first page again.
    let ids = |page: &Value| -> Vec<Value> {
        page["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["article"]["id"].clone())
            .collect()
    };
    let first = app.data(SEARCH, json!({ "q": "said", "first": 7 })).await;
    let second = app
        .data(
            SEARCH,
            json!({ "q": "said", "first": 7, "after": first["search"]["pageInfo"]["endCursor"] }),
        )
        .await;
    let back = "query($q: String!, $before: String) { search(query: $q, last: 7, before: $before) { \
        pageInfo { hasPreviousPage hasNextPage } edges { node { article { id } } } } }";
    let start = second["search"]["edges"][0]["cursor"].clone();
    let back = app
        .data(back, json!({ "q": "said", "before": start }))
        .await;
    assert_eq!(ids(&back), ids(&first));
    assert_eq!(back["search"]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(back["search"]["pageInfo"]["hasNextPage"], true);

    // A filter narrows the results, the total and the facets alike.
    let world = app
        .data(
            faceted,
            json!({ "q": "said", "filter": { "sections": ["world"] } }),
        )
        .await;
    let world_total = world["search"]["totalCount"].as_i64().expect("total");
    assert!(0 < world_total && world_total < total);
    assert_eq!(sum(&world["search"]["facets"]["sections"]), world_total);
}

#[tokio::test]
async fn any_text_is_searched_or_refused_as_bad_input() {
    let app = spawn_app().await;
    let long = "peace ".repeat(2000);
    let texts = [
        "'; DROP TABLE articles; --",
        "a\" OR 1=1 --",
        "%_\\",
        "\\\"",
        "peace AND NOT war OR NEAR(talks, 2)",
        "col:title ^peace +talks",
        "\"unbalanced phrase",
        "***",
        "-",
        "-peace",
        "😀 peace 🕊️",
        "Kābul Zürich كابل 喀布尔",
        "\u{E000}peace\u{E001}",
        "peace\0talks",
        "",
        "   ",
        long.as_str(),
    ];
    for text in texts {
        let response = app.graphql(SEARCH, json!({ "q": text })).await;
        match response.get("errors") {
            None => assert!(response["data"]["search"]["edges"].is_array(), "{text:?}"),
            Some(_) => assert_eq!(
                error_codes(&response),
                ["BAD_USER_INPUT"],
                "{text:?} gives {response}"
            ),
        }
    }
    let refused = app.graphql(SEARCH, json!({ "q": long })).await;
    assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"]);
    let found = app.data(SEARCH, json!({ "q": "😀 peace 🕊️" })).await;
    assert!(found["search"]["totalCount"].as_i64() > Some(0));
    let cursor = app
        .graphql(SEARCH, json!({ "q": "peace", "after": "bm9wZQ" }))
        .await;
    assert_eq!(error_codes(&cursor), ["BAD_USER_INPUT"]);
    let slug = app
        .graphql(
            SEARCH,
            json!({ "q": "peace", "filter": { "tags": ["Not a slug!"] } }),
        )
        .await;
    assert_eq!(error_codes(&slug), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_search_costs_the_same_statements_for_any_page_size() {
    let app = dateline_tests::spawn_warm_app().await;
    let everything = "query($q: String!, $first: Int) { search(query: $q, first: $first) { totalCount \
        edges { node { score highlights { field fragments } article { title author { name } section { name } tags { name } } } } \
        facets { sections { section { name } count } tags { tag { name } count } years { year count } } } }";
    let (small, few) = app
        .data_counting_statements(everything, json!({ "q": "said", "first": 2 }))
        .await;
    let (large, many) = app
        .data_counting_statements(everything, json!({ "q": "said", "first": 30 }))
        .await;
    assert_eq!(small["search"]["edges"].as_array().map(Vec::len), Some(2));
    assert!(large["search"]["edges"].as_array().map(Vec::len) > Some(10));
    assert_eq!(few, many, "statements do not grow with the page");
    // Hits, their articles, highlights, the count, three facets, and one each for
    // authors, sections and tags of the hits.
    assert!(many <= 11, "{many} statements");
}

#[tokio::test]
async fn stored_text_cannot_forge_highlights() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let highlights = |data: &Value| {
        let mut fields = std::collections::BTreeMap::new();
        for h in data["search"]["edges"][0]["node"]["highlights"]
            .as_array()
            .expect("highlights")
        {
            let fragments: Vec<String> = h["fragments"]
                .as_array()
                .expect("fragments")
                .iter()
                .map(|f| f.as_str().expect("a fragment").to_owned())
                .collect();
            fields.insert(h["field"].as_str().expect("field").to_owned(), fragments);
        }
        fields
    };

    // The characters highlights are marked with are dropped from what editors write.
    let article = story(
        &app,
        &editor,
        "Zentrovia \u{E000}budget\u{E001} row",
        "<p>Zentrovia \u{E000}MPs\u{E001}\u{E002} argued late.</p>",
        "world",
    )
    .await;
    assert_eq!(article["title"], "Zentrovia budget row");
    let found = highlights(&app.data(SEARCH, json!({ "q": "zentrovia" })).await);
    assert_eq!(found["TITLE"], ["<mark>Zentrovia</mark> budget row"]);
    let body = &found["BODY"];
    assert!(
        body.len() == 1 && body[0].matches("<mark>").count() == 1,
        "only the genuine match is marked: {body:?}"
    );
    assert!(
        body[0].contains("<mark>Zentrovia</mark> MPs argued late"),
        "{body:?}"
    );

    // Text stored by other means (an import, an older version) loses them when indexed.
    let db = app.store.connection();
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "UPDATE articles SET title = $1 WHERE id = $2",
        _ => "UPDATE articles SET title = ? WHERE id = ?",
    };
    let id = app.article_id("zentrovia-budget-row").await;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            "Zentrovia \u{E000}budget\u{E001} row \u{E002}again".into(),
            id.into(),
        ],
    ))
    .await
    .expect("store a title past the API");
    let reindexed = update_article(&app, &editor, json!({ "id": article["id"], "expectedRevision": article["revision"], "subtitle": "Reindexed" })).await;
    assert_eq!(reindexed["userErrors"], json!([]));
    let found = highlights(&app.data(SEARCH, json!({ "q": "zentrovia" })).await);
    assert_eq!(found["TITLE"], ["<mark>Zentrovia</mark> budget row again"]);
}
