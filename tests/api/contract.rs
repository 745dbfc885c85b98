//! The schema as a typed client reads it: an error nulls only what it concerns, a viewer
//! who may not see a field gets null, user errors point at the input field at fault, every
//! object a cache keeps has an id, long lists come in pages, capabilities say what the
//! viewer may do, and the scalars say what their values look like.

use dateline_domain::Role;
use dateline_tests::{TestApp, error_codes, spawn_app, user_error_codes};
use serde_json::{Value, json};

use crate::fixtures::{draft, publish, update_article, update_article_mutation};

/// The paths of a response's errors, in order.
fn error_paths(response: &Value) -> Vec<Value> {
    response["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["path"].clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn fields_the_viewer_may_not_see_are_null_and_nothing_else_goes() {
    let app = spawn_app().await;
    let query = "{ settings { authorsCanPublish } users { totalCount } \
                 articles(first: 2) { nodes { title owner { name } revisions(first: 1) { nodes { number } } } } }";
    let response = app.graphql(query, json!({})).await;
    assert_eq!(error_codes(&response), Vec::<String>::new(), "{response}");
    let data = &response["data"];
    assert_eq!(data["settings"], Value::Null);
    assert_eq!(data["users"], Value::Null);
    let nodes = data["articles"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    for node in nodes {
        assert!(node["title"].is_string(), "{node}");
        // The key is there, and null: a typed client reads what the schema promised.
        let fields = node.as_object().expect("an article");
        assert_eq!(fields.get("revisions"), Some(&Value::Null), "{node}");
        assert_eq!(fields.get("owner"), Some(&Value::Null), "{node}");
    }

    let author = app.staff(Role::Author).await;
    let staff_view = app
        .data_as(
            &author,
            "{ settings { authorsCanPublish } users { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(staff_view["settings"]["authorsCanPublish"], false);
    assert_eq!(staff_view["users"], Value::Null, "accounts are for admins");
}

#[tokio::test]
async fn a_refused_mutation_is_null_and_keeps_its_key() {
    let app = spawn_app().await;
    let contributor = app.staff(Role::Contributor).await;
    let response = app
        .graphql_as(
            Some(&contributor.token),
            "mutation { createTag(input: { name: \"Refused\" }) { tag { id } userErrors { code } } \
                        other: logout { ended } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&response), ["FORBIDDEN"]);
    assert_eq!(error_paths(&response), [json!(["createTag"])]);
    assert_eq!(
        response["data"],
        json!({ "createTag": null, "other": { "ended": true } }),
        "the refusal nulls its own field; the next mutation still runs"
    );

    // Alone in its request, a refused mutation is still a null field, not a null `data`.
    let editor = app.staff(Role::Editor).await;
    let alone = app
        .graphql_as(
            Some(&editor.token),
            "mutation { createSection(input: { name: \"Refused\" }) { section { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&alone), ["FORBIDDEN"]);
    assert_eq!(alone["data"], json!({ "createSection": null }));
    let signed_out = app
        .graphql("mutation { logout { ended } }", json!({}))
        .await;
    assert_eq!(error_codes(&signed_out), ["UNAUTHENTICATED"]);
    assert_eq!(signed_out["data"], json!({ "logout": null }));
}

#[tokio::test]
async fn an_error_under_a_non_null_field_nulls_the_nearest_nullable_one() {
    let app = spawn_app().await;
    // `node` may be null: a malformed id nulls it and nothing else.
    let response = app
        .graphql(
            "{ broken: node(id: \"not-an-id\") { id } articles(first: 1) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);
    assert_eq!(response["data"]["broken"], Value::Null);
    let alone = app
        .graphql("{ node(id: \"not-an-id\") { id } }", json!({}))
        .await;
    assert_eq!(alone["data"], json!({ "node": null }), "{alone}");
    assert_eq!(
        response["data"]["articles"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // `articles` may not be null: a page too large nulls `data`, as the specification
    // asks, rather than answering an object without the key.
    let response = app
        .graphql(
            "{ articles(first: 500) { nodes { title } } sections { name } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);
    assert_eq!(response["data"], Value::Null, "{response}");
}

#[tokio::test]
async fn user_errors_point_at_the_input_field_and_list_item_at_fault() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Paths of user errors").await;
    let tags = app.tag_ids(2).await;

    let malformed = update_article(
        &app,
        &editor,
        json!({
            "id": article["id"],
            "tagIds": [tags[0], tags[1], "not-a-tag"],
            "featuredImage": { "url": "ftp://example.org/photo.jpg" },
        }),
    )
    .await;
    let paths: Vec<&Value> = malformed["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| &e["path"])
        .collect();
    assert!(
        paths.contains(&&json!(["input", "tagIds", "2"])),
        "{malformed}"
    );
    assert!(
        paths.contains(&&json!(["input", "featuredImage", "url"])),
        "{malformed}"
    );
    assert_eq!(malformed["article"], Value::Null);

    // A well-formed id of a tag that does not exist is found by the store, and pointed at
    // where it stands in the list all the same.
    let unknown = update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "tagIds": [tags[0], "VGFnOjk5OTk5OQ"] }),
    )
    .await;
    assert_eq!(
        unknown["userErrors"],
        json!([{ "path": ["input", "tagIds", "1"], "code": "NOT_FOUND",
                 "message": unknown["userErrors"][0]["message"] }])
    );

    // A stale revision is a user error on `expectedRevision`, and nothing is written.
    let saved = update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "expectedRevision": 1, "title": "Saved" }),
    )
    .await;
    assert_eq!(saved["article"]["revision"], 2);
    let stale = app
        .graphql_as(
            Some(&editor.token),
            &update_article_mutation(),
            json!({ "input": { "id": article["id"], "expectedRevision": 1, "title": "Lost" } }),
        )
        .await;
    assert_eq!(user_error_codes(&stale), ["CONFLICT"]);
    assert_eq!(
        stale["data"]["updateArticle"]["userErrors"][0]["path"],
        json!(["input", "expectedRevision"])
    );
}

/// Adds a correction to `article` as `editor`.
async fn correct(app: &TestApp, editor: &dateline_tests::Staff, article: &Value, note: &str) {
    let data = app
        .data_as(
            editor,
            "mutation($input: AddArticleCorrectionInput!) { addArticleCorrection(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": article["id"], "note": note } }),
        )
        .await;
    assert_eq!(
        data["addArticleCorrection"]["userErrors"],
        json!([]),
        "{data}"
    );
}

#[tokio::test]
async fn revisions_and_corrections_come_in_pages_and_have_ids() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Paged history").await;
    for title in ["Second", "Third"] {
        update_article(
            &app,
            &editor,
            json!({ "id": article["id"], "title": title }),
        )
        .await;
    }
    let article = publish(&app, &editor, &article).await;
    for note in ["First note.", "Second note.", "Third note."] {
        correct(&app, &editor, &article, note).await;
    }
    let page = "query($id: ID!, $after: String, $notesAfter: String) { node(id: $id) { ... on Article {
        revisions(first: 2, after: $after) { totalCount nodes { id number } pageInfo { hasNextPage endCursor } }
        corrections(first: 2, after: $notesAfter) { totalCount nodes { id note } pageInfo { hasNextPage endCursor } } } } }";
    let first = app
        .data_as(&editor, page, json!({ "id": article["id"] }))
        .await;
    let revisions = &first["node"]["revisions"];
    assert_eq!(revisions["totalCount"], 4);
    let numbers: Vec<&Value> = revisions["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|r| &r["number"])
        .collect();
    assert_eq!(numbers, [&json!(4), &json!(3)], "newest first");
    assert_eq!(revisions["pageInfo"]["hasNextPage"], true);
    let corrections = &first["node"]["corrections"];
    assert_eq!(corrections["totalCount"], 3);
    assert_eq!(
        corrections["nodes"][0]["note"], "First note.",
        "oldest first"
    );
    assert_eq!(corrections["pageInfo"]["hasNextPage"], true);

    let second = app
        .data_as(
            &editor,
            page,
            json!({
                "id": article["id"],
                "after": revisions["pageInfo"]["endCursor"],
                "notesAfter": corrections["pageInfo"]["endCursor"],
            }),
        )
        .await;
    let rest: Vec<&Value> = second["node"]["revisions"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|r| &r["number"])
        .collect();
    assert_eq!(rest, [&json!(2), &json!(1)]);
    assert_eq!(
        second["node"]["corrections"]["nodes"],
        json!([{ "id": second["node"]["corrections"]["nodes"][0]["id"], "note": "Third note." }])
    );
    assert_eq!(
        second["node"]["corrections"]["pageInfo"]["hasNextPage"],
        false
    );

    // Each has an id `node` fetches again, for those who may see it.
    let revision_id = &revisions["nodes"][0]["id"];
    let correction_id = &corrections["nodes"][0]["id"];
    let fetch = "query($id: ID!) { node(id: $id) { __typename id } }";
    for (id, typename) in [
        (revision_id, "ArticleRevision"),
        (correction_id, "Correction"),
    ] {
        let staff = app.data_as(&editor, fetch, json!({ "id": id })).await;
        assert_eq!(staff["node"], json!({ "__typename": typename, "id": id }));
    }
    let public = app.data(fetch, json!({ "id": correction_id })).await;
    assert_eq!(
        public["node"]["__typename"], "Correction",
        "corrections are public"
    );
    let hidden = app.data(fetch, json!({ "id": revision_id })).await;
    assert_eq!(hidden["node"], Value::Null, "revisions are for staff");

    // Many ids cost what one does: corrections and their articles are read in batches.
    let ids: Vec<&Value> = corrections["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|c| &c["id"])
        .collect();
    let many = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let (one, one_cost) = app
        .data_counting_statements(many, json!({ "ids": [ids[0]] }))
        .await;
    let (both, both_cost) = app
        .data_counting_statements(many, json!({ "ids": ids }))
        .await;
    assert_eq!(one["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(both["nodes"].as_array().map(Vec::len), Some(2));
    assert_eq!(both_cost, one_cost, "{both}");
    let (_, public_revisions) = app
        .data_counting_statements(many, json!({ "ids": [revision_id, revision_id] }))
        .await;
    assert_eq!(
        public_revisions, 0,
        "the public is refused revisions without a statement"
    );

    // A correction made from a stale revision is refused, and not written.
    let stale = app
        .graphql_as(
            Some(&editor.token),
            "mutation($input: AddArticleCorrectionInput!) { addArticleCorrection(input: $input) { article { id } userErrors { path code } } }",
            json!({ "input": { "id": article["id"], "note": "Too late.", "expectedRevision": 1 } }),
        )
        .await;
    assert_eq!(
        stale["data"]["addArticleCorrection"],
        json!({ "article": null, "userErrors": [{ "path": ["input", "expectedRevision"], "code": "CONFLICT" }] })
    );
    let count = app
        .data_as(&editor, page, json!({ "id": article["id"] }))
        .await;
    assert_eq!(count["node"]["corrections"]["totalCount"], 3);
}

#[tokio::test]
async fn staff_accounts_are_nodes_for_staff_only() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let me = app
        .data_as(&editor, "{ viewer { id name } }", json!({}))
        .await;
    let fetch = "query($id: ID!) { node(id: $id) { __typename ... on User { name } } }";
    let staff = app
        .data_as(&editor, fetch, json!({ "id": me["viewer"]["id"] }))
        .await;
    assert_eq!(
        staff["node"],
        json!({ "__typename": "User", "name": me["viewer"]["name"] })
    );
    let public = app.data(fetch, json!({ "id": me["viewer"]["id"] })).await;
    assert_eq!(public["node"], Value::Null);
}

const CAPABILITIES: &str = "viewerCanUpdate viewerCanSubmitForReview viewerCanPublish \
    viewerCanUnpublish viewerCanArchive viewerCanDelete viewerCanRestore viewerCanCorrect";

/// What `token`'s viewer may do to the article with `id`.
async fn capabilities(app: &TestApp, token: Option<&str>, id: &Value) -> Value {
    let query =
        format!("query($id: ID!) {{ node(id: $id) {{ ... on Article {{ {CAPABILITIES} }} }} }}");
    let response = app.graphql_as(token, &query, json!({ "id": id })).await;
    assert_eq!(error_codes(&response), Vec::<String>::new(), "{response}");
    response["data"]["node"].clone()
}

#[tokio::test]
async fn capabilities_follow_the_role_and_the_workflow() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let contributor = app.staff(Role::Contributor).await;
    let own = draft(&app, &contributor, "A contributor's draft").await;
    assert_eq!(
        capabilities(&app, Some(&contributor.token), &own["id"]).await,
        json!({
            "viewerCanUpdate": true, "viewerCanSubmitForReview": true,
            "viewerCanPublish": false, "viewerCanUnpublish": false, "viewerCanArchive": false,
            "viewerCanDelete": true, "viewerCanRestore": false, "viewerCanCorrect": false,
        })
    );
    let published = publish(&app, &editor, &own).await;
    assert_eq!(
        capabilities(&app, Some(&editor.token), &published["id"]).await,
        json!({
            "viewerCanUpdate": true, "viewerCanSubmitForReview": false,
            "viewerCanPublish": false, "viewerCanUnpublish": true, "viewerCanArchive": true,
            "viewerCanDelete": true, "viewerCanRestore": false, "viewerCanCorrect": true,
        })
    );
    let everything_false = json!({
        "viewerCanUpdate": false, "viewerCanSubmitForReview": false,
        "viewerCanPublish": false, "viewerCanUnpublish": false, "viewerCanArchive": false,
        "viewerCanDelete": false, "viewerCanRestore": false, "viewerCanCorrect": false,
    });
    assert_eq!(
        capabilities(&app, None, &published["id"]).await,
        everything_false
    );
    // Once an editor has published it, the contributor may read it but change nothing.
    assert_eq!(
        capabilities(&app, Some(&contributor.token), &published["id"]).await,
        everything_false
    );

    let sections = "{ sections { viewerCanUpdate viewerCanDelete } tags(first: 1) { nodes { viewerCanUpdate } } }";
    let by_editor = app.data_as(&editor, sections, json!({})).await;
    assert_eq!(
        by_editor["sections"][0]["viewerCanUpdate"], false,
        "admins manage sections"
    );
    assert_eq!(by_editor["tags"]["nodes"][0]["viewerCanUpdate"], true);
    let admin = app.staff(Role::Admin).await;
    let by_admin = app.data_as(&admin, sections, json!({})).await;
    assert_eq!(by_admin["sections"][0]["viewerCanDelete"], true);
}

#[tokio::test]
async fn scalars_say_what_their_values_look_like() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    // One type per query: the gate allows one introspection field per document.
    let scalar = |name: &'static str| {
        let (app, editor) = (&app, &editor);
        async move {
            let query = format!("{{ __type(name: \"{name}\") {{ specifiedByURL description }} }}");
            app.data_as(editor, &query, json!({})).await["__type"].clone()
        }
    };
    let date = scalar("DateTime").await;
    assert_eq!(
        date["specifiedByURL"],
        "https://scalars.graphql.org/andimarek/date-time"
    );
    assert!(
        date["description"]
            .as_str()
            .is_some_and(|d| d.contains("RFC 3339")),
        "{date}"
    );
    assert_eq!(
        scalar("URL").await["specifiedByURL"],
        "https://url.spec.whatwg.org/"
    );
    assert!(scalar("HTML").await["specifiedByURL"].is_string());

    // Any offset in, UTC with a `Z` out.
    let article = draft(&app, &editor, "Scheduled with an offset").await;
    let scheduled = app
        .data_as(
            &editor,
            "mutation($input: PublishArticleInput!) { publishArticle(input: $input) { article { publishedAt } userErrors { code } } }",
            json!({ "input": { "id": article["id"], "at": "2099-05-14T10:30:00+02:00" } }),
        )
        .await;
    assert_eq!(
        scheduled["publishArticle"]["article"]["publishedAt"],
        "2099-05-14T08:30:00Z"
    );
    let refused = app
        .graphql_as(
            Some(&editor.token),
            "mutation($input: PublishArticleInput!) { publishArticle(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": article["id"], "at": "14 May 2099" } }),
        )
        .await;
    assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"]);
}
