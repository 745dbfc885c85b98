//! The editorial desk: drafts, saving against a revision, the workflow, revisions,
//! corrections, previews, and what reaches the stored body.

use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, error_codes, spawn_app, user_error_codes};
use serde_json::{Value, json};

use crate::fixtures::{
    article_mutation, create_article_mutation, draft, publish, update_article,
    update_article_mutation,
};

async fn public_article(app: &TestApp, slug: &str) -> Value {
    app.data(
        "query($slug: String!) { article(slug: $slug) { title body corrections { nodes { note createdAt } } } }",
        json!({ "slug": slug }),
    )
    .await["article"]
        .clone()
}

async fn user_errors(
    app: &TestApp,
    staff: &Staff,
    mutation: &str,
    input: Value,
) -> Vec<(String, String)> {
    let response = app
        .graphql_as(Some(&staff.token), mutation, json!({ "input": input }))
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let payload = response["data"]
        .as_object()
        .and_then(|d| d.values().next())
        .cloned()
        .unwrap_or_default();
    payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| {
            (
                crate::fixtures::error_field(e),
                e["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_story_goes_from_draft_to_the_public_and_back() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Envoy arrives for talks").await;
    assert_eq!(article["status"], "DRAFT");
    assert_eq!(article["revision"], 1);
    assert_eq!(article["slug"], "envoy-arrives-for-talks");
    let slug = article["slug"].as_str().expect("slug");

    assert_eq!(
        public_article(&app, slug).await,
        Value::Null,
        "drafts are not public"
    );
    let staff_view = app
        .data_as(
            &editor,
            "query($slug: String!) { article(slug: $slug) { status } }",
            json!({ "slug": slug }),
        )
        .await;
    assert_eq!(
        staff_view["article"]["status"], "DRAFT",
        "staff read drafts"
    );

    let published = publish(&app, &editor, &article).await;
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["revision"], 2);
    assert_eq!(
        public_article(&app, slug).await["title"],
        "Envoy arrives for talks"
    );

    let unpublished = app
        .data_as(
            &editor,
            &article_mutation("unpublishArticle", "UnpublishArticleInput"),
            json!({ "input": { "id": article["id"] } }),
        )
        .await;
    assert_eq!(
        unpublished["unpublishArticle"]["article"]["status"],
        "DRAFT"
    );
    assert_eq!(public_article(&app, slug).await, Value::Null);

    publish(&app, &editor, &article).await;
    let archived = app
        .data_as(
            &editor,
            &article_mutation("archiveArticle", "ArchiveArticleInput"),
            json!({ "input": { "id": article["id"] } }),
        )
        .await;
    assert_eq!(archived["archiveArticle"]["article"]["status"], "ARCHIVED");
    assert_eq!(public_article(&app, slug).await, Value::Null);

    // Archived stories go back to draft (`unpublishArticle`) before they are published again.
    let republish = user_errors(
        &app,
        &editor,
        &article_mutation("publishArticle", "PublishArticleInput"),
        json!({ "id": article["id"] }),
    )
    .await;
    assert_eq!(
        republish,
        [(String::new(), "INVALID_TRANSITION".to_owned())]
    );
}

#[tokio::test]
async fn the_trash_hides_an_article_until_it_is_restored() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Trash me").await;
    publish(&app, &editor, &article).await;
    let slug = article["slug"].as_str().expect("slug");

    let deleted = app
        .data_as(
            &editor,
            &article_mutation("deleteArticle", "DeleteArticleInput"),
            json!({ "input": { "id": article["id"] } }),
        )
        .await;
    assert_eq!(deleted["deleteArticle"]["article"]["status"], "DRAFT");
    assert_eq!(public_article(&app, slug).await, Value::Null);

    let trash_query = "{ articles(filter: { inTrash: true }, orderBy: { field: UPDATED_AT, direction: DESC }, first: 10) { nodes { slug } } }";
    let trash = app.data_as(&editor, trash_query, json!({})).await;
    assert_eq!(trash["articles"]["nodes"], json!([{ "slug": slug }]));
    let drafts = app
        .data_as(
            &editor,
            "{ articles(filter: { status: DRAFT }, orderBy: { field: UPDATED_AT, direction: DESC }, first: 100) { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert!(
        !drafts.to_string().contains(slug),
        "trashed articles are not among the drafts"
    );
    let edit = user_errors(
        &app,
        &editor,
        &update_article_mutation(),
        json!({ "id": article["id"], "expectedRevision": 3, "title": "Edited in the trash" }),
    )
    .await;
    assert_eq!(edit, [(String::new(), "INVALID_TRANSITION".to_owned())]);

    let restored = app
        .data_as(
            &editor,
            &article_mutation("restoreArticle", "RestoreArticleInput"),
            json!({ "input": { "id": article["id"] } }),
        )
        .await;
    assert_eq!(restored["restoreArticle"]["article"]["status"], "DRAFT");
    let trash = app.data_as(&editor, trash_query, json!({})).await;
    assert_eq!(trash["articles"]["nodes"], json!([]));
}

#[tokio::test]
async fn a_stale_revision_is_a_conflict_that_changes_nothing() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Original headline").await;
    let saved = update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "expectedRevision": 1, "title": "First edit" }),
    )
    .await;
    assert_eq!(saved["article"]["revision"], 2);

    let stale = app
        .graphql_as(
            Some(&editor.token),
            &update_article_mutation(),
            json!({ "input": { "id": article["id"], "expectedRevision": 1, "title": "Stale edit" } }),
        )
        .await;
    assert_eq!(error_codes(&stale), Vec::<String>::new());
    let refusal = &stale["data"]["updateArticle"];
    assert_eq!(refusal["article"], Value::Null);
    assert_eq!(refusal["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(
        refusal["userErrors"][0]["path"],
        json!(["input", "expectedRevision"])
    );
    let message = refusal["userErrors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("revision 2"), "{message}");
    let now = app
        .data_as(
            &editor,
            "query($slug: String!) { article(slug: $slug) { title revision revisions { nodes { number title } } } }",
            json!({ "slug": article["slug"] }),
        )
        .await;
    assert_eq!(now["article"]["title"], "First edit");
    assert_eq!(now["article"]["revision"], 2);
    assert_eq!(
        now["article"]["revisions"]["nodes"],
        json!([{ "number": 2, "title": "First edit" }, { "number": 1, "title": "Original headline" }])
    );
}

#[tokio::test]
async fn two_editors_saving_the_same_revision_at_once_one_wins() {
    let app = spawn_app().await;
    let first = app.staff(Role::Editor).await;
    let second = app.staff(Role::Editor).await;
    for round in 0..5 {
        let article = draft(&app, &first, &format!("Contested story {round}")).await;
        let update = update_article_mutation();
        let save = |token: String, body: String| {
            let variables = json!({ "input": {
                "id": article["id"],
                "expectedRevision": 1,
                "title": body,
                "body": format!("<p>{body}</p>"),
            }});
            let (app, update) = (&app, &update);
            async move { app.graphql_as(Some(&token), update, variables).await }
        };
        let first_text = format!("First editor's version {round}");
        let second_text = format!("Second editor's version {round}");
        let (a, b) = tokio::join!(
            save(first.token.clone(), first_text.clone()),
            save(second.token.clone(), second_text.clone())
        );
        let outcomes = [user_error_codes(&a), user_error_codes(&b)];
        let winners: Vec<&str> = [(&a, &first_text), (&b, &second_text)]
            .into_iter()
            .filter(|(r, _)| {
                r.get("errors").is_none() && !r["data"]["updateArticle"]["article"].is_null()
            })
            .map(|(_, text)| text.as_str())
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?} {a} {b}");
        assert!(
            outcomes.contains(&vec!["CONFLICT".to_owned()]),
            "round {round}: {outcomes:?}"
        );
        let stored = app
            .data_as(
                &first,
                "query($slug: String!) { article(slug: $slug) { title body revision revisions { nodes { title body } } } }",
                json!({ "slug": article["slug"] }),
            )
            .await;
        let winner = winners[0];
        let loser = if winner == first_text {
            &second_text
        } else {
            &first_text
        };
        assert_eq!(stored["article"]["title"], winner);
        assert_eq!(stored["article"]["body"], format!("<p>{winner}</p>"));
        assert_eq!(stored["article"]["revision"], 2);
        assert!(
            !stored.to_string().contains(loser.as_str()),
            "the losing text was written somewhere: {stored}"
        );
    }
}

#[tokio::test]
async fn a_mutation_failing_half_way_leaves_the_article_as_it_was() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Untouched").await;
    // A well-formed tag id that names no tag: found only once the title, body and slug
    // (with its history) are written, so all of that must roll back.
    let missing_tag = "VGFnOjk5OTk5OQ"; // base64url("Tag:999999")
    let errors = user_errors(
        &app,
        &editor,
        &update_article_mutation(),
        json!({
            "id": article["id"],
            "expectedRevision": 1,
            "title": "Half-written title",
            "body": "<p>Half-written body</p>",
            "slug": "half-written",
            "tagIds": [missing_tag],
        }),
    )
    .await;
    // The error points at the tag in the list, not at the list.
    assert_eq!(errors, [("tagIds.0".to_owned(), "NOT_FOUND".to_owned())]);
    let stored = app
        .data_as(
            &editor,
            "query($slug: String!) { article(slug: $slug) { title body revision tags { id } revisions { nodes { number } } } }",
            json!({ "slug": "untouched" }),
        )
        .await;
    assert_eq!(stored["article"]["title"], "Untouched");
    assert_eq!(stored["article"]["revision"], 1);
    assert_eq!(stored["article"]["tags"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        stored["article"]["revisions"]["nodes"],
        json!([{ "number": 1 }])
    );
    let route = app
        .data(
            "{ route(path: \"/world/half-written\") { canonicalUri } }",
            json!({}),
        )
        .await;
    assert_eq!(route["route"], Value::Null, "no slug history was written");
}

#[tokio::test]
async fn bodies_are_sanitised_and_everything_derived_is_recomputed() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let section = app.section_id("world").await;
    let hostile = r#"<p onclick="steal()">Safe words here.</p><script>alert(1)</script><a href="javascript:alert(2)">link</a><img src="x" onerror="alert(3)"><iframe src="https://evil.example"></iframe>"#;
    let data = app
        .data_as(
            &editor,
            &create_article_mutation(),
            json!({ "input": { "title": "Hostile body", "body": hostile, "sectionId": section } }),
        )
        .await;
    let article = &data["createArticle"]["article"];
    let body = article["body"].as_str().expect("body");
    for banned in [
        "script",
        "onclick",
        "javascript:",
        "onerror",
        "iframe",
        "alert",
    ] {
        assert!(
            !body.contains(banned),
            "{banned} reached the stored body: {body}"
        );
    }
    assert!(body.contains("Safe words here."));

    let markdown = app
        .data_as(
            &editor,
            &update_article_mutation(),
            json!({ "input": {
                "id": article["id"],
                "expectedRevision": 1,
                "body": "One *two* three four five.\n\n## Heading\n\n[bad](javascript:alert(1))\n\n<script>x()</script>",
                "bodyFormat": "MARKDOWN",
            }}),
        )
        .await;
    let updated = &markdown["updateArticle"]["article"];
    let body = updated["body"].as_str().expect("body");
    assert!(body.contains("<em>two</em>"), "{body}");
    assert!(
        !body.contains("javascript") && !body.contains("<script"),
        "{body}"
    );
    let excerpt = updated["excerpt"].as_str().expect("excerpt");
    assert_eq!(
        excerpt, "One two three four five.",
        "derived again from the new body"
    );
    assert_eq!(updated["wordCount"], 7, "{updated}");
}

#[tokio::test]
async fn invalid_input_is_reported_field_by_field() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let section = app.section_id("world").await;
    let existing = draft(&app, &editor, "Taken slug").await;

    let errors = user_errors(
        &app,
        &editor,
        &create_article_mutation(),
        json!({ "title": "   ", "body": "<p>x</p>", "sectionId": section, "slug": "Not A Slug" }),
    )
    .await;
    assert_eq!(
        errors,
        [
            ("title".to_owned(), "REQUIRED".to_owned()),
            ("slug".to_owned(), "INVALID".to_owned())
        ]
    );
    let long_title = "x".repeat(301);
    let errors = user_errors(
        &app,
        &editor,
        &create_article_mutation(),
        json!({ "title": long_title, "body": "<p>x</p>", "sectionId": section }),
    )
    .await;
    assert_eq!(errors, [("title".to_owned(), "TOO_LONG".to_owned())]);
    let errors = user_errors(
        &app,
        &editor,
        &create_article_mutation(),
        json!({ "title": "Another", "body": "<p>x</p>", "sectionId": section, "slug": "taken-slug" }),
    )
    .await;
    assert_eq!(errors, [("slug".to_owned(), "TAKEN".to_owned())]);
    let errors = user_errors(
        &app,
        &editor,
        &create_article_mutation(),
        json!({ "title": "Nowhere", "body": "<p>x</p>", "sectionId": "U2VjdGlvbjo5OTk5OTk" }),
    )
    .await;
    assert_eq!(errors, [("sectionId".to_owned(), "NOT_FOUND".to_owned())]);
    let huge = format!("<p>{}</p>", "word ".repeat(41_000));
    let errors = user_errors(
        &app,
        &editor,
        &create_article_mutation(),
        json!({ "title": "Huge", "body": huge, "sectionId": section }),
    )
    .await;
    assert_eq!(errors, [("body".to_owned(), "TOO_LARGE".to_owned())]);
    let errors = user_errors(
        &app,
        &editor,
        &article_mutation("publishArticle", "PublishArticleInput"),
        json!({ "id": existing["id"], "at": "2001-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(errors, [("at".to_owned(), "IN_PAST".to_owned())]);

    let count = app
        .data_as(
            &editor,
            "{ articles(filter: { status: DRAFT }, orderBy: { field: UPDATED_AT, direction: DESC }, first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    // The demo's two drafts and the one made here: none of the refused inputs was written.
    assert_eq!(count["articles"]["totalCount"], 3);
}

#[tokio::test]
async fn a_changed_slug_keeps_redirecting() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Old name").await;
    publish(&app, &editor, &article).await;
    update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "expectedRevision": 2, "slug": "new-name" }),
    )
    .await;
    let route = app
        .data(
            "{ route(path: \"/world/old-name\") { canonicalUri isRedirect } }",
            json!({}),
        )
        .await;
    assert_eq!(
        route["route"],
        json!({ "canonicalUri": "/world/new-name", "isRedirect": true })
    );
}

#[tokio::test]
async fn revisions_can_be_restored_and_corrections_are_public() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "First words").await;
    update_article(&app, &editor, json!({ "id": article["id"], "expectedRevision": 1, "title": "Second words", "body": "<p>Changed.</p>" })).await;
    let restored = app
        .data_as(
            &editor,
            &article_mutation("restoreArticleRevision", "RestoreArticleRevisionInput"),
            json!({ "input": { "id": article["id"], "revision": 1 } }),
        )
        .await;
    let restored = &restored["restoreArticleRevision"]["article"];
    assert_eq!(restored["title"], "First words");
    assert_eq!(restored["revision"], 3);
    assert!(
        restored["body"]
            .as_str()
            .is_some_and(|b| b.contains("KABUL first paragraph"))
    );

    let refused = user_errors(
        &app,
        &editor,
        &article_mutation("addArticleCorrection", "AddArticleCorrectionInput"),
        json!({ "id": article["id"], "note": "Too early" }),
    )
    .await;
    assert_eq!(refused, [(String::new(), "INVALID_TRANSITION".to_owned())]);
    publish(&app, &editor, &article).await;
    app.data_as(
        &editor,
        &article_mutation("addArticleCorrection", "AddArticleCorrectionInput"),
        json!({ "input": { "id": article["id"], "note": "An earlier version misspelt the envoy's name." } }),
    )
    .await;
    let public = public_article(&app, "first-words").await;
    assert_eq!(
        public["corrections"]["nodes"][0]["note"],
        "An earlier version misspelt the envoy's name."
    );
}

#[tokio::test]
async fn preview_links_show_a_draft_until_its_status_changes() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &author, "Sneak peek").await;
    let link = app
        .data_as(
            &author,
            "mutation($input: CreatePreviewLinkInput!) { createPreviewLink(input: $input) { token expiresAt userErrors { code } } }",
            json!({ "input": { "id": article["id"], "expiresIn": 3600 } }),
        )
        .await;
    let token = link["createPreviewLink"]["token"].as_str().expect("token");
    let preview = "query($token: String!) { preview(token: $token) { title status } }";
    let seen = app.data(preview, json!({ "token": token })).await;
    assert_eq!(
        seen["preview"],
        json!({ "title": "Sneak peek", "status": "DRAFT" })
    );

    let forged = format!("{}x", &token[..token.len() - 1]);
    for bad in [forged.as_str(), "", "not-a-token", "a.b.c"] {
        let seen = app.data(preview, json!({ "token": bad })).await;
        assert_eq!(seen["preview"], Value::Null, "{bad}");
    }

    publish(&app, &editor, &article).await;
    let seen = app.data(preview, json!({ "token": token })).await;
    assert_eq!(
        seen["preview"],
        Value::Null,
        "the link ends when the status changes"
    );
    app.data_as(
        &editor,
        &article_mutation("unpublishArticle", "UnpublishArticleInput"),
        json!({ "input": { "id": article["id"] } }),
    )
    .await;
    let seen = app.data(preview, json!({ "token": token })).await;
    assert_eq!(
        seen["preview"],
        Value::Null,
        "a draft again, but the old link does not come back"
    );
}

/// A preview link `author` makes for their draft `id` shows the public the draft itself
/// and nothing editorial about it; `author` sees the editorial fields.
async fn assert_a_preview_shows_the_draft_alone(app: &TestApp, author: &Staff, id: &Value) {
    let link = app
        .data_as(
            author,
            "mutation($id: ID!) { createPreviewLink(input: { id: $id }) { token } }",
            json!({ "id": id }),
        )
        .await;
    let token = &link["createPreviewLink"]["token"];
    let seen = app
        .data(
            "query($token: String!) { preview(token: $token) { title owner { email } reviewRequestedAt deletedAt } }",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(
        seen["preview"],
        json!({ "title": "Secret draft", "owner": null, "reviewRequestedAt": null, "deletedAt": null })
    );
    let revisions = app
        .graphql(
            "query($token: String!) { preview(token: $token) { revisions { nodes { title } } } }",
            json!({ "token": token }),
        )
        .await;
    // Revisions are for staff: a preview shows none, and says so with null, not an error.
    assert_eq!(
        revisions,
        json!({ "data": { "preview": { "revisions": null } } })
    );
    let staff = app
        .data_as(
            author,
            "query($token: String!) { preview(token: $token) { owner { email } reviewRequestedAt } }",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(staff["preview"]["owner"]["email"], author.email.as_str());
    assert!(staff["preview"]["reviewRequestedAt"].is_string());
}

#[tokio::test]
async fn nothing_unpublished_reaches_the_public_by_any_path() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let article = draft(&app, &author, "Secret draft").await;
    app.data_as(
        &author,
        &article_mutation("submitArticleForReview", "SubmitArticleForReviewInput"),
        json!({ "input": { "id": article["id"] } }),
    )
    .await;
    let id = article["id"].clone();
    let tag = app.tag_ids(1).await[0].clone();
    let lists = app
        .data(
            "query($id: ID!, $tag: ID!) {
               node(id: $id) { id }
               nodes(ids: [$id]) { id }
               route(path: \"/world/secret-draft\") { canonicalUri }
               article(slug: \"secret-draft\") { id }
               section(slug: \"world\") { articles(first: 100) { nodes { slug } } }
               tagNode: node(id: $tag) { ... on Tag { articles(first: 100) { nodes { slug } } } }
               articles(first: 100) { nodes { slug } }
             }",
            json!({ "id": id, "tag": tag }),
        )
        .await;
    assert_eq!(lists["node"], Value::Null);
    assert_eq!(lists["nodes"], json!([null]));
    assert_eq!(lists["route"], Value::Null);
    assert_eq!(lists["article"], Value::Null);
    assert!(!lists.to_string().contains("secret-draft"), "{lists}");
    let author_slug = app
        .data_as(
            &author,
            "query($id: ID!) { node(id: $id) { ... on Author { slug } } }",
            json!({ "id": author.author_id }),
        )
        .await["node"]["slug"]
        .clone();
    let byline = app
        .data(
            "query($slug: String!, $id: ID!) { author(slug: $slug) { articles(first: 100) { nodes { slug } } } node(id: $id) { id } }",
            json!({ "slug": author_slug, "id": author.author_id }),
        )
        .await;
    assert_eq!(
        byline,
        json!({ "author": null, "node": null }),
        "a byline on nothing public is not found at all"
    );

    // A preview shows the draft itself, and nothing editorial about it.
    assert_a_preview_shows_the_draft_alone(&app, &author, &id).await;
}

#[tokio::test]
async fn editors_work_through_the_review_queue() {
    let app = spawn_app().await;
    let contributor = app.staff(Role::Contributor).await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &contributor, "Please review").await;
    draft(&app, &contributor, "Not ready").await;
    app.data_as(
        &contributor,
        &article_mutation("submitArticleForReview", "SubmitArticleForReviewInput"),
        json!({ "input": { "id": article["id"] } }),
    )
    .await;
    let queue = "{ articles(filter: { awaitingReview: true }, orderBy: { field: UPDATED_AT, direction: DESC }, first: 20) { nodes { title reviewRequestedAt } } }";
    let waiting = app.data_as(&editor, queue, json!({})).await;
    let nodes = waiting["articles"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 1, "{waiting}");
    assert_eq!(nodes[0]["title"], "Please review");
    assert!(nodes[0]["reviewRequestedAt"].is_string());
    assert_eq!(
        error_codes(&app.graphql(queue, json!({})).await),
        ["UNAUTHENTICATED"]
    );

    publish(&app, &editor, &article).await;
    let waiting = app.data_as(&editor, queue, json!({})).await;
    assert_eq!(
        waiting["articles"]["nodes"],
        json!([]),
        "published stories leave the queue"
    );
}

#[tokio::test]
async fn an_archived_story_can_return_to_draft() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let article = draft(&app, &editor, "Archive and back").await;
    publish(&app, &editor, &article).await;
    for (mutation, status) in [
        ("archiveArticle", "ARCHIVED"),
        ("unpublishArticle", "DRAFT"),
    ] {
        let data = app
            .data_as(
                &editor,
                &article_mutation(mutation, &crate::fixtures::input_type(mutation)),
                json!({ "input": { "id": article["id"] } }),
            )
            .await;
        assert_eq!(data[mutation]["article"]["status"], status, "{data}");
    }
    let republished = publish(&app, &editor, &article).await;
    assert_eq!(republished["status"], "PUBLISHED");
    let stale = app
        .graphql_as(
            Some(&editor.token),
            &article_mutation("archiveArticle", "ArchiveArticleInput"),
            json!({ "input": { "id": article["id"], "expectedRevision": 2 } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&stale),
        ["CONFLICT"],
        "workflow moves honour expectedRevision too"
    );
}

#[tokio::test]
async fn staff_list_unpublished_articles_within_their_role() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let other = app.staff(Role::Author).await;
    let editor = app.staff(Role::Editor).await;
    draft(&app, &author, "Mine").await;
    draft(&app, &other, "Theirs").await;
    let query = "{ articles(filter: { status: DRAFT }, orderBy: { field: UPDATED_AT, direction: DESC }, first: 50) { nodes { title } } }";
    let anonymous = app.graphql(query, json!({})).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);
    let titles = |data: Value| -> Vec<String> {
        data["articles"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        titles(app.data_as(&author, query, json!({})).await),
        ["Mine"]
    );
    let all = titles(app.data_as(&editor, query, json!({})).await);
    assert!(all.contains(&"Mine".to_owned()) && all.contains(&"Theirs".to_owned()));
    assert_eq!(all.len(), 4, "two demo drafts and these two: {all:?}");

    let front = "{ articles(first: 100) { nodes { title } } }";
    assert_eq!(
        app.data_as(&editor, front, json!({})).await,
        app.data(front, json!({})).await,
        "the front page looks the same to staff"
    );
    let by_update = app
        .data_as(
            &editor,
            "{ articles(filter: { status: DRAFT }, first: 50) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        titles(by_update)[..2],
        ["Theirs".to_owned(), "Mine".to_owned()],
        "drafts come most recently changed first unless ordered otherwise"
    );
    let wrong_order = app
        .graphql_as(
            Some(&editor.token),
            "{ articles(filter: { status: DRAFT }, orderBy: { field: PUBLISHED_AT, direction: DESC }, first: 5) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&wrong_order), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn the_first_edit_of_an_existing_story_keeps_its_original() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let slug = "envoy-embarks-on-regional-peace-mission";
    let original = app
        .data_as(
            &editor,
            "query($slug: String!) { article(slug: $slug) { id title body revision revisions { nodes { number } } } }",
            json!({ "slug": slug }),
        )
        .await["article"]
        .clone();
    assert_eq!(
        original["revisions"]["nodes"],
        json!([]),
        "demo stories start without revisions"
    );
    update_article(&app, &editor, json!({ "id": original["id"], "expectedRevision": original["revision"], "title": "Rewritten", "body": "<p>Rewritten.</p>" })).await;
    let restored = app
        .data_as(
            &editor,
            &article_mutation("restoreArticleRevision", "RestoreArticleRevisionInput"),
            json!({ "input": { "id": original["id"], "revision": original["revision"] } }),
        )
        .await;
    let article = &restored["restoreArticleRevision"]["article"];
    assert_eq!(article["title"], original["title"]);
    assert_eq!(article["body"], original["body"]);
    assert_eq!(article["revision"], 3);
}

#[tokio::test]
async fn a_tag_given_twice_is_carried_once() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let tag = app.tag_ids(1).await[0].clone();
    let data = app
        .data_as(
            &editor,
            "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { tags { id } } userErrors { path code } } }",
            json!({ "input": {
                "title": "Twice tagged",
                "body": "<p>x</p>",
                "sectionId": app.section_id("world").await,
                "tagIds": [tag, tag],
            }}),
        )
        .await;
    assert_eq!(data["createArticle"]["userErrors"], json!([]));
    assert_eq!(
        data["createArticle"]["article"]["tags"],
        json!([{ "id": tag }])
    );
}

#[tokio::test]
async fn editors_set_co_authors_and_the_lead_picture() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let colleague = app.staff(Role::Author).await;
    let fields = "article { revision coAuthors { name } featuredImage { url altText caption credit } } userErrors { path code }";
    let create = format!(
        "mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{ {fields} article {{ id }} }} }}"
    );
    let created = app
        .data_as(
            &editor,
            &create,
            json!({ "input": {
                "title": "Joint report",
                "body": "<p>Two bylines.</p>",
                "sectionId": app.section_id("world").await,
                "coAuthorIds": [colleague.author_id],
                "featuredImage": { "url": "https://img.example/doha.jpg", "altText": "Delegates in Doha", "credit": "Desk" },
            }}),
        )
        .await;
    let article = &created["createArticle"]["article"];
    assert_eq!(article["coAuthors"], json!([{ "name": "Test author" }]));
    assert_eq!(
        article["featuredImage"],
        json!({ "url": "https://img.example/doha.jpg", "altText": "Delegates in Doha", "caption": null, "credit": "Desk" })
    );

    let update = format!(
        "mutation($input: UpdateArticleInput!) {{ updateArticle(input: $input) {{ {fields} }} }}"
    );
    let unsafe_image = app
        .data_as(
            &editor,
            &update,
            json!({ "input": { "id": article["id"], "expectedRevision": 1, "featuredImage": { "url": "javascript:alert(1)" } } }),
        )
        .await;
    assert_eq!(
        unsafe_image["updateArticle"]["userErrors"],
        json!([{ "path": ["input", "featuredImage", "url"], "code": "INVALID" }])
    );
    let cleared = app
        .data_as(
            &editor,
            &update,
            json!({ "input": { "id": article["id"], "expectedRevision": 1, "featuredImage": null, "coAuthorIds": [] } }),
        )
        .await;
    let cleared = &cleared["updateArticle"]["article"];
    assert_eq!(cleared["featuredImage"], Value::Null);
    assert_eq!(cleared["coAuthors"], json!([]));

    let restored = app
        .data_as(
            &editor,
            &article_mutation("restoreArticleRevision", "RestoreArticleRevisionInput"),
            json!({ "input": { "id": article["id"], "revision": 1 } }),
        )
        .await;
    let restored_id = &restored["restoreArticleRevision"]["article"]["id"];
    let again = app
        .data_as(
            &editor,
            "query($id: ID!) { node(id: $id) { ... on Article { coAuthors { name } featuredImage { url } } } }",
            json!({ "id": restored_id }),
        )
        .await;
    assert_eq!(
        again["node"],
        json!({ "coAuthors": [{ "name": "Test author" }], "featuredImage": { "url": "https://img.example/doha.jpg" } }),
        "a revision keeps the bylines and the picture too"
    );
}

#[tokio::test]
async fn only_editors_change_other_peoples_bylines() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let author = app.staff(Role::Author).await;
    let colleague = app.staff(Role::Author).await;
    let article = draft(&app, &author, "Shared byline").await;
    let update = "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { revision coAuthors { name } } userErrors { path code } } }";
    // The editor adds a co-author, and the primary author given twice is kept once.
    let added = app
        .data_as(
            &editor,
            update,
            json!({ "input": { "id": article["id"], "expectedRevision": 1, "coAuthorIds": [colleague.author_id, colleague.author_id, author.author_id] } }),
        )
        .await;
    assert_eq!(
        added["updateArticle"]["article"]["coAuthors"],
        json!([{ "name": "Test author" }]),
        "{added}"
    );
    // The author sends the list back unchanged with an edit: allowed.
    let kept = app
        .data_as(
            &author,
            update,
            json!({ "input": { "id": article["id"], "expectedRevision": 2, "coAuthorIds": [colleague.author_id], "title": "Shared byline, edited" } }),
        )
        .await;
    assert_eq!(kept["updateArticle"]["userErrors"], json!([]));
    // But may not remove the colleague.
    let removed = app
        .graphql_as(
            Some(&author.token),
            update,
            json!({ "input": { "id": article["id"], "expectedRevision": 3, "coAuthorIds": [] } }),
        )
        .await;
    assert_eq!(error_codes(&removed), ["FORBIDDEN"]);
}

/// `updateArticle` and `restoreArticleRevision`, each answering with the article's revision,
/// title and bylines.
fn byline_mutations() -> (String, String) {
    let fields =
        "article { revision title author { id } coAuthors { id } } userErrors { path code }";
    (
        format!(
            "mutation($input: UpdateArticleInput!) {{ updateArticle(input: $input) {{ {fields} }} }}"
        ),
        format!(
            "mutation($input: RestoreArticleRevisionInput!) {{ restoreArticleRevision(input: $input) {{ {fields} }} }}"
        ),
    )
}

/// The revision and bylines of article `id`, as `staff` reads them.
async fn bylines_of(app: &TestApp, staff: &Staff, id: &Value) -> Value {
    app.data_as(
        staff,
        "query($id: ID!) { node(id: $id) { ... on Article { revision author { id } coAuthors { id } } } }",
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

/// The whole response to `mutation` with `input`, sent as `staff`.
async fn response_as(app: &TestApp, staff: &Staff, mutation: &str, input: Value) -> Value {
    app.graphql_as(Some(&staff.token), mutation, json!({ "input": input }))
        .await
}

/// The author retitles the story (revision 5) and brings back revision 4, whose bylines
/// are today's (`author` with `colleague` as co-author): that is allowed, as the edit was.
async fn assert_the_author_restores_todays_bylines(
    app: &TestApp,
    author: &Staff,
    colleague: &Staff,
    id: &Value,
    update: &str,
    restore: &str,
) {
    saved(
        app,
        author,
        update,
        json!({ "id": id, "expectedRevision": 4, "title": "Whose story, retitled" }),
    )
    .await;
    let restored = app
        .data_as(
            author,
            restore,
            json!({ "input": { "id": id, "revision": 4 } }),
        )
        .await;
    assert_eq!(
        restored["restoreArticleRevision"],
        json!({
            "article": {
                "revision": 6,
                "title": "Whose story",
                "author": { "id": author.author_id },
                "coAuthors": [{ "id": colleague.author_id }],
            },
            "userErrors": [],
        })
    );
}

#[tokio::test]
async fn restoring_a_revision_changes_bylines_only_as_an_edit_could() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let author = app.staff(Role::Author).await;
    let colleague = app.staff(Role::Author).await;
    let article = draft(&app, &author, "Whose story").await;
    let id = &article["id"];
    let (update, restore) = byline_mutations();
    // The editor gives the story to a colleague with the author as co-author (revision 2),
    // then gives it back (revision 3).
    saved(
        &app,
        &editor,
        &update,
        json!({ "id": id, "expectedRevision": 1, "authorId": colleague.author_id, "coAuthorIds": [author.author_id] }),
    )
    .await;
    saved(
        &app,
        &editor,
        &update,
        json!({ "id": id, "expectedRevision": 2, "authorId": author.author_id, "coAuthorIds": [] }),
    )
    .await;

    // Bringing back revision 2 would put the colleague's byline on the story: the author may
    // not, exactly as they may not name it with `updateArticle`.
    let by_edit = response_as(
        &app,
        &author,
        &update,
        json!({ "id": id, "expectedRevision": 3, "authorId": colleague.author_id }),
    )
    .await;
    assert_eq!(error_codes(&by_edit), ["FORBIDDEN"]);
    let by_restore = response_as(&app, &author, &restore, json!({ "id": id, "revision": 2 })).await;
    assert_eq!(error_codes(&by_restore), ["FORBIDDEN"], "{by_restore}");

    // The editor adds the colleague as co-author (revision 4). Revision 3 has none, so
    // bringing it back would remove someone else's byline.
    saved(
        &app,
        &editor,
        &update,
        json!({ "id": id, "expectedRevision": 3, "coAuthorIds": [colleague.author_id] }),
    )
    .await;
    let dropped = response_as(&app, &author, &restore, json!({ "id": id, "revision": 3 })).await;
    assert_eq!(error_codes(&dropped), ["FORBIDDEN"], "{dropped}");

    // Nothing of the refused restores was written.
    assert_eq!(
        bylines_of(&app, &author, id).await,
        json!({ "revision": 4, "author": { "id": author.author_id }, "coAuthors": [{ "id": colleague.author_id }] })
    );

    // A revision with the bylines the story has now comes back for the author as an edit of
    // the headline would.
    assert_the_author_restores_todays_bylines(&app, &author, &colleague, id, &update, &restore)
        .await;
    // And the editor may bring back any of them.
    let by_editor = app
        .data_as(
            &editor,
            &restore,
            json!({ "input": { "id": id, "revision": 2 } }),
        )
        .await;
    assert_eq!(
        by_editor["restoreArticleRevision"]["article"]["author"]["id"],
        colleague.author_id.as_str()
    );
}

/// Runs `updateArticle` with `input` as `staff` and fails the test unless it saved.
async fn saved(app: &TestApp, staff: &Staff, mutation: &str, input: Value) -> Value {
    let data = app
        .data_as(staff, mutation, json!({ "input": input }))
        .await;
    assert_eq!(data["updateArticle"]["userErrors"], json!([]), "{data}");
    data["updateArticle"]["article"].clone()
}

#[tokio::test]
async fn an_article_carries_at_most_20_tags_and_10_co_authors() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let tags = app.tag_ids(21).await;
    assert_eq!(tags.len(), 21, "the demo has enough tags");
    let section = app.section_id("world").await;
    let draft_with = |tags: &[String]| json!({ "title": "Tagged to the hilt", "body": "<p>x</p>", "sectionId": section, "tagIds": tags });
    let refused = user_errors(&app, &editor, &create_article_mutation(), draft_with(&tags)).await;
    assert_eq!(refused, [("tagIds".to_owned(), "TOO_LONG".to_owned())]);
    let nothing = app
        .data_as(
            &editor,
            "{ article(slug: \"tagged-to-the-hilt\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(nothing["article"], Value::Null, "nothing was written");

    let created = app
        .data_as(
            &editor,
            &create_article_mutation(),
            json!({ "input": draft_with(&tags[..20]) }),
        )
        .await;
    assert_eq!(created["createArticle"]["userErrors"], json!([]));
    let id = &created["createArticle"]["article"]["id"];

    let authors = app
        .data_as(
            &editor,
            "{ authors(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    let authors: Vec<&Value> = authors["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .iter()
        .map(|a| &a["id"])
        .collect();
    let co_authors = |n: usize| authors.iter().cycle().take(n).collect::<Vec<_>>();
    let too_many = user_errors(
        &app,
        &editor,
        &update_article_mutation(),
        json!({ "id": id, "expectedRevision": 1, "coAuthorIds": co_authors(11), "tagIds": tags }),
    )
    .await;
    assert_eq!(
        too_many,
        [
            ("coAuthorIds".to_owned(), "TOO_LONG".to_owned()),
            ("tagIds".to_owned(), "TOO_LONG".to_owned()),
        ]
    );
    let ten = user_errors(
        &app,
        &editor,
        &update_article_mutation(),
        json!({ "id": id, "expectedRevision": 1, "coAuthorIds": co_authors(10) }),
    )
    .await;
    assert_eq!(ten, []);
}
