//! Sources as pages of their own: looked up by slug, listed by name, routed, given and
//! changed slugs that keep redirecting, found by the public only once a public story
//! credits them, and slugged from their names when the database is migrated.

use std::collections::HashMap;
use std::sync::Arc;

use dateline_domain::Role;
use dateline_tests::{Settings, Staff, TestApp, fresh_database_url, serve, spawn_app};
use migration::MigratorTrait;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const SOURCE_PAGE: &str = r#"
query SourcePage($slug: String!) {
  source(slug: $slug) {
    id slug name website url uri
    articles(first: 100) { totalCount nodes { slug source { slug } } }
  }
}"#;

const ROUTE: &str = r#"
query Route($path: String!) {
  route(path: $path) { kind canonicalUri isRedirect node { __typename id ... on Source { slug } } }
}"#;

const SOURCES: &str = r#"
query Sources($first: Int, $after: String) {
  sources(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { name slug uri }
  }
}"#;

/// Runs `name(input: $input)` as `staff` and returns its payload, with its `selection` and
/// the codes of its user errors.
async fn mutate(app: &TestApp, staff: &Staff, name: &str, selection: &str, input: Value) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let document = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ code }} }} }}"
    );
    app.data_as(staff, &document, json!({ "input": input }))
        .await[name]
        .clone()
}

fn names(list: &Value) -> Vec<&str> {
    list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect()
}

#[tokio::test]
async fn a_source_page_lists_the_public_stories_credited_to_it() {
    let app = spawn_app().await;
    let data = app
        .data(SOURCE_PAGE, json!({ "slug": "courier-desk" }))
        .await;
    let source = &data["source"];
    assert_eq!(source["name"], "Courier News Desk");
    assert_eq!(source["website"], "https://courier.example/desk");
    assert_eq!(source["uri"], "/source/courier-desk");
    assert_eq!(
        source["url"],
        format!("{}/source/courier-desk", app.address),
        "the page's absolute address, on the server's own address when no public URL is set"
    );
    assert_eq!(
        source["articles"]["totalCount"], 13,
        "its 13 published stories, not its draft"
    );
    let nodes = source["articles"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 13);
    assert!(
        nodes.iter().all(|n| n["source"]["slug"] == "courier-desk"),
        "{nodes:?}"
    );

    // The credit on an article page links to the source page.
    let article = app
        .data(
            r#"{ article(slug: "envoy-embarks-on-regional-peace-mission") { source { id slug uri } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        article["article"]["source"],
        json!({ "id": source["id"], "slug": "courier-desk", "uri": "/source/courier-desk" })
    );

    let routed = app
        .data(ROUTE, json!({ "path": "/source/courier-desk" }))
        .await;
    assert_eq!(
        routed["route"],
        json!({
            "kind": "SOURCE",
            "canonicalUri": "/source/courier-desk",
            "isRedirect": false,
            "node": { "__typename": "Source", "id": source["id"], "slug": "courier-desk" },
        })
    );
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Source { slug } } }",
            json!({ "id": source["id"] }),
        )
        .await;
    assert_eq!(node["node"]["slug"], "courier-desk");
    let unknown = app
        .data(SOURCE_PAGE, json!({ "slug": "no-such-source" }))
        .await;
    assert!(unknown["source"].is_null());
    let malformed = app.data(SOURCE_PAGE, json!({ "slug": "Not a slug" })).await;
    assert!(malformed["source"].is_null());
}

#[tokio::test]
async fn sources_are_listed_by_name_page_by_page() {
    let app = spawn_app().await;
    let all = app.data(SOURCES, json!({ "first": 100 })).await;
    assert_eq!(all["sources"]["totalCount"], 5);
    assert_eq!(
        names(&all["sources"]),
        [
            "Courier Business Desk",
            "Courier News Desk",
            "Courier Sport Desk",
            "Halden Press Agency",
            "Meridian Newswire",
        ]
    );
    assert_eq!(
        all["sources"]["nodes"][3],
        json!({ "name": "Halden Press Agency", "slug": "halden-press", "uri": "/source/halden-press" })
    );

    let first = app.data(SOURCES, json!({ "first": 2 })).await;
    assert_eq!(first["sources"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .data(
            SOURCES,
            json!({ "first": 3, "after": first["sources"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        [names(&first["sources"]), names(&next["sources"])].concat(),
        names(&all["sources"])
    );
    assert_eq!(next["sources"]["pageInfo"]["hasNextPage"], false);

    let tags = app
        .data("{ tags(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let response = app
        .graphql(
            SOURCES,
            json!({ "first": 1, "after": tags["tags"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        dateline_tests::error_codes(&response),
        ["BAD_USER_INPUT"],
        "a tag cursor is no source cursor"
    );
}

#[tokio::test]
async fn the_public_finds_a_new_source_once_a_public_story_credits_it() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let created = mutate(
        &app,
        &editor,
        "createSource",
        "source { id slug uri }",
        json!({ "name": "Kabul Evening Post", "website": "https://evening-post.example" }),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]));
    let source = &created["source"];
    assert_eq!(
        source["slug"], "kabul-evening-post",
        "made from the name when left out"
    );
    assert_eq!(source["uri"], "/source/kabul-evening-post");
    let lookups = r#"
      query($slug: String!, $path: String!, $id: ID!) {
        source(slug: $slug) { slug articles { totalCount } }
        sources(first: 100) { totalCount }
        route(path: $path) { canonicalUri }
        node(id: $id) { id }
      }"#;
    let variables = json!({
        "slug": "kabul-evening-post",
        "path": "/source/kabul-evening-post",
        "id": source["id"],
    });

    // Credited by nothing public, a source would only give away what is being written.
    assert_eq!(
        app.data(lookups, variables.clone()).await,
        json!({ "source": null, "sources": { "totalCount": 5 }, "route": null, "node": null })
    );
    let desk = app.data_as(&editor, lookups, variables.clone()).await;
    assert_eq!(desk["source"]["articles"]["totalCount"], 0);
    assert_eq!(
        desk["sources"]["totalCount"], 6,
        "staff pick from every source"
    );
    assert_eq!(desk["node"]["id"], source["id"]);

    let story = crate::fixtures::draft(&app, &editor, "Evening Post reports from Kabul").await;
    let story = crate::fixtures::update_article(
        &app,
        &editor,
        json!({ "id": story["id"], "expectedRevision": story["revision"], "sourceId": source["id"] }),
    )
    .await["article"]
        .clone();
    assert_eq!(
        app.data(lookups, variables.clone()).await["source"],
        Value::Null,
        "a draft does not make its source public"
    );
    crate::fixtures::publish(&app, &editor, &story).await;
    let public = app.data(lookups, variables).await;
    assert_eq!(
        public,
        json!({
            "source": { "slug": "kabul-evening-post", "articles": { "totalCount": 1 } },
            "sources": { "totalCount": 6 },
            "route": { "canonicalUri": "/source/kabul-evening-post" },
            "node": { "id": source["id"] },
        })
    );
}

#[tokio::test]
async fn a_source_slug_is_chosen_checked_and_changed_with_a_redirect() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let chosen = mutate(
        &app,
        &editor,
        "createSource",
        "source { slug }",
        json!({ "name": "Associated Dispatch", "slug": "ad" }),
    )
    .await;
    assert_eq!(chosen["source"]["slug"], "ad");
    for (slug, code) in [("halden-press", "TAKEN"), ("Not A Slug", "INVALID")] {
        let refused = mutate(
            &app,
            &editor,
            "createSource",
            "source { slug }",
            json!({ "name": "Another Agency", "slug": slug }),
        )
        .await;
        assert_eq!(refused["source"], Value::Null, "{slug}");
        assert_eq!(refused["userErrors"], json!([{ "code": code }]), "{slug}");
    }

    let halden = app
        .data(SOURCE_PAGE, json!({ "slug": "halden-press" }))
        .await;
    let id = &halden["source"]["id"];
    let renamed = mutate(
        &app,
        &editor,
        "updateSource",
        "source { slug uri name }",
        json!({ "id": id, "slug": "halden" }),
    )
    .await;
    assert_eq!(
        renamed["source"],
        json!({ "slug": "halden", "uri": "/source/halden", "name": "Halden Press Agency" })
    );
    let taken = mutate(
        &app,
        &editor,
        "updateSource",
        "source { slug }",
        json!({ "id": id, "slug": "meridian-wire" }),
    )
    .await;
    assert_eq!(taken["userErrors"], json!([{ "code": "TAKEN" }]));

    // The old page redirects; lookups and filters take the current slug.
    let old = app
        .data(ROUTE, json!({ "path": "/source/halden-press" }))
        .await;
    assert_eq!(old["route"]["isRedirect"], true);
    assert_eq!(old["route"]["canonicalUri"], "/source/halden");
    assert_eq!(old["route"]["node"]["id"], *id);
    let new = app.data(ROUTE, json!({ "path": "/source/halden" })).await;
    assert_eq!(new["route"]["isRedirect"], false);
    let pages = app
        .data(
            r#"{ old: source(slug: "halden-press") { slug }
                 new: source(slug: "halden") { articles { totalCount } }
                 filtered: articles(filter: { sources: ["halden"] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        pages,
        json!({
            "old": null,
            "new": { "articles": { "totalCount": 5 } },
            "filtered": { "totalCount": 5 },
        })
    );

    // Source pages own `/source/…`: no section may take the word.
    let admin = app.staff(Role::Admin).await;
    let section = mutate(
        &app,
        &admin,
        "createSection",
        "section { slug }",
        json!({ "name": "Source" }),
    )
    .await;
    assert_eq!(section["userErrors"], json!([{ "code": "INVALID" }]));
}

#[tokio::test]
async fn migrating_gives_existing_sources_slugs_and_frees_the_word_source() {
    let url = fresh_database_url().await;
    let db = dateline_persistence::connect(&url)
        .await
        .expect("connect to the test database");
    // The database as the release before sources had slugs left it.
    migration::Migrator::up(&db, Some(5))
        .await
        .expect("the first five migrations");
    for statement in [
        "INSERT INTO sources (name) VALUES ('Reuters'), ('REUTERS!'), ('Agence 24/7'), ('¡¡!!')",
        "INSERT INTO sections (slug, name, position) VALUES ('source', 'Sources', 0)",
    ] {
        db.execute_unprepared(statement).await.expect("old rows");
    }
    let store = dateline_persistence::Store::new(db);
    store.migrate().await.expect("the remaining migrations");
    let app = serve(store, url, Arc::default(), Settings::default()).await;
    let editor = app.staff(Role::Editor).await;

    let data = app
        .data_as(
            &editor,
            r#"{ sources(first: 10) { nodes { name slug } }
                 section(slug: "source-section") { name uri }
                 route(path: "/source") { canonicalUri isRedirect } }"#,
            json!({}),
        )
        .await;
    let slugs: HashMap<&str, &str> = data["sources"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| Some((n["name"].as_str()?, n["slug"].as_str()?)))
        .collect();
    assert_eq!(
        slugs,
        HashMap::from([
            ("Reuters", "reuters"),
            ("REUTERS!", "reuters-2"),
            ("Agence 24/7", "agence-24-7"),
            ("¡¡!!", "source"),
        ]),
        "made from the names, in id order, deduplicated"
    );
    assert_eq!(
        data["section"],
        json!({ "name": "Sources", "uri": "/source-section" })
    );
    assert_eq!(
        data["route"],
        json!({ "canonicalUri": "/source-section", "isRedirect": true }),
        "the section's old page redirects"
    );
    let created = mutate(
        &app,
        &editor,
        "createSource",
        "source { slug }",
        json!({ "name": "Reuters" }),
    )
    .await;
    assert_eq!(
        created["userErrors"],
        json!([{ "code": "TAKEN" }]),
        "slugs stay unique"
    );

    // A story of the section keeps its old path, which no source now has.
    let story = app
        .data_as(
            &editor,
            &crate::fixtures::create_article_mutation(),
            json!({ "input": {
                "title": "Where our stories come from",
                "body": "<p>A note on the agencies we work with.</p>",
                "sectionId": app.section_id("source-section").await,
                "tagIds": [],
            }}),
        )
        .await["createArticle"]["article"]
        .clone();
    crate::fixtures::publish(&app, &editor, &story).await;
    let old_path = app
        .data(
            ROUTE,
            json!({ "path": "/source/where-our-stories-come-from" }),
        )
        .await;
    assert_eq!(old_path["route"]["kind"], "ARTICLE");
    assert_eq!(
        old_path["route"]["canonicalUri"],
        "/source-section/where-our-stories-come-from"
    );
    assert_eq!(old_path["route"]["isRedirect"], true);
}
