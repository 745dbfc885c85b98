//! The catalogue articles point at: sections (a tree), tags, sources and author profiles.

use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, spawn_app};
use serde_json::{Value, json};

use crate::fixtures::{draft, publish, update_article};

/// Runs `name(input: $input)` as `staff` and returns its payload.
async fn mutate(
    app: &TestApp,
    staff: &Staff,
    name: &str,
    input_type: &str,
    selection: &str,
    input: Value,
) -> Value {
    let document = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ path code }} }} }}"
    );
    app.data_as(staff, &document, json!({ "input": input }))
        .await[name]
        .clone()
}

fn codes(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| {
            (
                crate::fixtures::error_field(e),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pair(field: &str, code: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), code.to_owned())]
}

/// Runs deletion `name` (`deleteSection`, `deleteTag`, ...) of `id` as `staff` and returns
/// its payload.
async fn delete(app: &TestApp, staff: &Staff, name: &str, id: &Value) -> Value {
    let subject = &name["delete".len()..];
    let payload = mutate(
        app,
        staff,
        name,
        &format!("Delete{subject}Input"),
        &format!("deleted{subject}Id"),
        json!({ "id": id }),
    )
    .await;
    // Every delete payload names what went the same way.
    let mut payload = payload;
    if let Some(fields) = payload.as_object_mut()
        && let Some(deleted) = fields.remove(&format!("deleted{subject}Id"))
    {
        fields.insert("deletedId".to_owned(), deleted);
    }
    payload
}

/// The section fields the section mutations below answer with.
const SECTION: &str = "section { id slug parent { slug } }";

/// Runs `createSection` with `input` as `admin` and returns its payload.
async fn create_section(app: &TestApp, admin: &Staff, input: Value) -> Value {
    mutate(
        app,
        admin,
        "createSection",
        "CreateSectionInput",
        SECTION,
        input,
    )
    .await
}

/// Runs `updateSection` with `input` as `admin` and returns its payload.
async fn update_section(app: &TestApp, admin: &Staff, input: Value) -> Value {
    mutate(
        app,
        admin,
        "updateSection",
        "UpdateSectionInput",
        SECTION,
        input,
    )
    .await
}

/// Runs `createTag` for a tag named `name` as `editor` and returns its payload.
async fn create_tag(app: &TestApp, editor: &Staff, name: &str) -> Value {
    mutate(
        app,
        editor,
        "createTag",
        "CreateTagInput",
        "tag { id slug }",
        json!({ "name": name }),
    )
    .await
}

#[tokio::test]
async fn sections_form_a_tree_without_cycles_and_keep_their_old_urls() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin).await;
    let world = app.section_id("world").await;

    let created = create_section(
        &app,
        &admin,
        json!({ "name": "Central Asia", "parentId": world }),
    )
    .await;
    assert_eq!(created["section"]["slug"], "central-asia");
    assert_eq!(created["section"]["parent"]["slug"], "world");
    let id = created["section"]["id"].clone();
    let child = create_section(
        &app,
        &admin,
        json!({ "name": "Kazakhstan", "parentId": id }),
    )
    .await;

    let cycle = update_section(
        &app,
        &admin,
        json!({ "id": id, "parentId": child["section"]["id"] }),
    )
    .await;
    assert_eq!(codes(&cycle), pair("parentId", "CYCLE"));
    let itself = update_section(&app, &admin, json!({ "id": id, "parentId": id })).await;
    assert_eq!(codes(&itself), pair("parentId", "CYCLE"));

    let moved = update_section(
        &app,
        &admin,
        json!({ "id": id, "parentId": null, "slug": "central-asia-desk" }),
    )
    .await;
    assert_eq!(moved["section"]["parent"], Value::Null, "moved to the top");
    let route = app
        .data(
            "{ route(path: \"/central-asia\") { canonicalUri isRedirect } }",
            json!({}),
        )
        .await;
    assert_eq!(
        route["route"],
        json!({ "canonicalUri": "/central-asia-desk", "isRedirect": true })
    );

    let reserved = create_section(&app, &admin, json!({ "name": "Tag" })).await;
    assert_eq!(codes(&reserved), pair("slug", "INVALID"));

    let in_use = delete(&app, &admin, "deleteSection", &json!(world)).await;
    assert_eq!(codes(&in_use), pair("id", "IN_USE"));
    assert_eq!(in_use["deletedId"], Value::Null);
    let parent_of_child = delete(&app, &admin, "deleteSection", &id).await;
    assert_eq!(
        codes(&parent_of_child),
        pair("id", "IN_USE"),
        "it still has a subsection"
    );
    let leaf = delete(&app, &admin, "deleteSection", &child["section"]["id"]).await;
    assert_eq!(leaf["deletedId"], child["section"]["id"]);
    let gone = app
        .data("{ section(slug: \"kazakhstan\") { id } }", json!({}))
        .await;
    assert_eq!(gone["section"], Value::Null);
}

#[tokio::test]
async fn merging_tags_moves_their_articles_once() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let kabul = create_tag(&app, &editor, "Kabul").await["tag"].clone();
    let kabul_city = create_tag(&app, &editor, "Kabul City").await["tag"].clone();
    let taken = create_tag(&app, &editor, "Kabul!").await;
    assert_eq!(codes(&taken), pair("slug", "TAKEN"));

    // One article carries both tags, another only the tag that goes away.
    let both = draft(&app, &editor, "Both tags").await;
    let one = draft(&app, &editor, "One tag").await;
    for (article, tags) in [
        (&both, json!([kabul["id"], kabul_city["id"]])),
        (&one, json!([kabul_city["id"]])),
    ] {
        update_article(
            &app,
            &editor,
            json!({ "id": article["id"], "expectedRevision": 1, "tagIds": tags }),
        )
        .await;
        publish(&app, &editor, article).await;
    }
    let in_use = delete(&app, &editor, "deleteTag", &kabul_city["id"]).await;
    assert_eq!(codes(&in_use), pair("id", "IN_USE"));

    let merged = mutate(
        &app,
        &editor,
        "mergeTags",
        "MergeTagsInput",
        "tag { slug articles(first: 10) { nodes { slug tags { slug } } } }",
        json!({ "id": kabul_city["id"], "intoId": kabul["id"] }),
    )
    .await;
    assert_eq!(codes(&merged), vec![]);
    let mut nodes = merged["tag"]["articles"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    nodes.sort_by_key(|n| n["slug"].as_str().unwrap_or_default().to_owned());
    assert_eq!(nodes.len(), 2, "{nodes:?}");
    for node in &nodes {
        let slugs: Vec<&str> = node["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t["slug"].as_str())
            .collect();
        assert_eq!(slugs.iter().filter(|s| **s == "kabul").count(), 1, "{node}");
        assert!(!slugs.contains(&"kabul-city"), "{node}");
    }
    let gone = app
        .data("{ tag(slug: \"kabul-city\") { id } }", json!({}))
        .await;
    assert_eq!(gone["tag"], Value::Null);
    let into_itself = mutate(
        &app,
        &editor,
        "mergeTags",
        "MergeTagsInput",
        "tag { slug }",
        json!({ "id": kabul["id"], "intoId": kabul["id"] }),
    )
    .await;
    assert_eq!(codes(&into_itself), pair("intoId", "INVALID"));
}

#[tokio::test]
async fn sources_and_authors_in_use_cannot_be_deleted() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let used = app
        .data(
            "{ article(slug: \"envoy-embarks-on-regional-peace-mission\") { source { id } author { id } } }",
            json!({}),
        )
        .await;
    for (deletion, id) in [
        ("deleteSource", &used["article"]["source"]["id"]),
        ("deleteAuthor", &used["article"]["author"]["id"]),
    ] {
        let refused = delete(&app, &editor, deletion, id).await;
        assert_eq!(codes(&refused), pair("id", "IN_USE"), "{deletion}");
    }

    let wire = mutate(
        &app,
        &editor,
        "createSource",
        "CreateSourceInput",
        "source { id name website }",
        json!({ "name": "Wire Desk", "website": "https://wire.example" }),
    )
    .await;
    assert_eq!(wire["source"]["website"], "https://wire.example");
    let renamed = mutate(
        &app,
        &editor,
        "updateSource",
        "UpdateSourceInput",
        "source { name website }",
        json!({ "id": wire["source"]["id"], "name": "Wire", "website": null }),
    )
    .await;
    assert_eq!(
        renamed["source"],
        json!({ "name": "Wire", "website": null })
    );
    let deleted = delete(&app, &editor, "deleteSource", &wire["source"]["id"]).await;
    assert_eq!(deleted["deletedId"], wire["source"]["id"]);
}

#[tokio::test]
async fn new_author_profiles_are_checked_and_the_desk_finds_them_at_once() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let unsafe_avatar = mutate(
        &app,
        &editor,
        "createAuthor",
        "CreateAuthorInput",
        "author { id }",
        json!({ "name": "Mallory", "avatarUrl": "javascript:alert(1)" }),
    )
    .await;
    assert_eq!(codes(&unsafe_avatar), pair("avatarUrl", "INVALID"));
    let profile = mutate(
        &app,
        &editor,
        "createAuthor",
        "CreateAuthorInput",
        "author { id slug name bio }",
        json!({ "name": "Farida Noori", "bio": "Covers Herat." }),
    )
    .await;
    assert_eq!(profile["author"]["slug"], "farida-noori", "{profile}");
    // The desk finds the new profile at once; the public, once a story of theirs is out.
    let page = app
        .data_as(
            &editor,
            "{ author(slug: \"farida-noori\") { name bio } }",
            json!({}),
        )
        .await;
    assert_eq!(
        page["author"],
        json!({ "name": "Farida Noori", "bio": "Covers Herat." })
    );
}

#[tokio::test]
async fn every_server_sees_a_section_change_made_through_another() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin).await;
    // On PostgreSQL a peer with its own pool and memory; on SQLite, where one process serves
    // a file, another server of the same process.
    let other = if dateline_tests::on_postgres() {
        dateline_tests::spawn_peer(&app).await
    } else {
        dateline_tests::spawn_instance(&app).await
    };
    assert_eq!(
        world_name(&other).await,
        "World",
        "the other server keeps its tree"
    );
    let world = app.section_id("world").await;
    let renamed = mutate(
        &app,
        &admin,
        "updateSection",
        "UpdateSectionInput",
        "section { name }",
        json!({ "id": world, "name": "World news" }),
    )
    .await;
    assert_eq!(renamed["section"]["name"], "World news");
    assert_eq!(
        world_name(&app).await,
        "World news",
        "at once where it was made"
    );
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = world_name(&other).await;
        if seen == "World news" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "World news", "the other server hears of it");
}

/// The name `server` gives the `world` section.
async fn world_name(server: &TestApp) -> Value {
    server
        .data("{ section(slug: \"world\") { name } }", json!({}))
        .await["section"]["name"]
        .clone()
}
