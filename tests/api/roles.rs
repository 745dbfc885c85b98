//! Who may do what: every mutation tried by the public, a contributor, an author (on their
//! own article and on someone else's), an editor and an admin.

use std::sync::atomic::{AtomicUsize, Ordering};

use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, error_codes, spawn_app};
use serde_json::{Value, json};

use crate::editorial::{ARTICLE_FIELDS, draft, publish, workflow_mutation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    Contributor,
    /// An author, on an article they created.
    AuthorOwn,
    /// An author, on an article someone else created.
    AuthorOther,
    Editor,
    Admin,
}

const ACTORS: [Actor; 6] = [
    Actor::Anonymous,
    Actor::Contributor,
    Actor::AuthorOwn,
    Actor::AuthorOther,
    Actor::Editor,
    Actor::Admin,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Unauthenticated,
    Forbidden,
}
use Outcome::{Done as D, Forbidden as F, Unauthenticated as U};

/// The state the article a mutation acts on is put in first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    None,
    Draft,
    Published,
    Trashed,
}

struct Case {
    mutation: &'static str,
    target: Target,
    /// Outcomes for [`ACTORS`], in order.
    expected: [Outcome; 6],
}

const CASES: &[Case] = &[
    Case {
        mutation: "createArticle",
        target: Target::None,
        expected: [U, D, D, D, D, D],
    },
    Case {
        mutation: "updateArticle",
        target: Target::Draft,
        expected: [U, D, D, F, D, D],
    },
    Case {
        mutation: "updateArticle",
        target: Target::Published,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "submitArticleForReview",
        target: Target::Draft,
        expected: [U, D, D, F, D, D],
    },
    Case {
        mutation: "publishArticle",
        target: Target::Draft,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "unpublishArticle",
        target: Target::Published,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "archiveArticle",
        target: Target::Published,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "deleteArticle",
        target: Target::Draft,
        expected: [U, D, D, F, D, D],
    },
    Case {
        mutation: "restoreArticle",
        target: Target::Trashed,
        expected: [U, D, D, F, D, D],
    },
    Case {
        mutation: "restoreArticleRevision",
        target: Target::Draft,
        expected: [U, D, D, F, D, D],
    },
    Case {
        mutation: "addArticleCorrection",
        target: Target::Published,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "createPreviewLink",
        target: Target::Draft,
        expected: [U, D, D, F, D, D],
    },
    Case {
        mutation: "createSection",
        target: Target::None,
        expected: [U, F, F, F, F, D],
    },
    Case {
        mutation: "createTag",
        target: Target::None,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "createSource",
        target: Target::None,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "createAuthor",
        target: Target::None,
        expected: [U, F, F, F, D, D],
    },
    Case {
        mutation: "createUser",
        target: Target::None,
        expected: [U, F, F, F, F, D],
    },
    Case {
        mutation: "updateSettings",
        target: Target::None,
        expected: [U, F, F, F, F, D],
    },
];

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix} {}", UNIQUE.fetch_add(1, Ordering::Relaxed))
}

/// The document and variables of `mutation` on `article`.
async fn request(app: &TestApp, mutation: &str, article: &Value) -> (String, Value) {
    let id = &article["id"];
    let payload = "userErrors { field code message }";
    let article_payload = format!("article {{ {ARTICLE_FIELDS} }} {payload}");
    let plain = |input_type: &str, fields: &str, input: Value| {
        (
            format!(
                "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {fields} }} }}"
            ),
            json!({ "input": input }),
        )
    };
    match mutation {
        "createArticle" => {
            let input = json!({
                "title": unique("Role check"),
                "body": "<p>Body.</p>",
                "sectionId": app.section_id("world").await,
            });
            plain("CreateArticleInput", &article_payload, input)
        }
        "updateArticle" => plain(
            "UpdateArticleInput",
            &article_payload,
            json!({ "id": id, "expectedRevision": article["revision"], "title": unique("Edited") }),
        ),
        "publishArticle" => (
            workflow_mutation(mutation, "PublishArticleInput"),
            json!({ "input": { "id": id } }),
        ),
        "restoreArticleRevision" => (
            workflow_mutation(mutation, "RestoreArticleRevisionInput"),
            json!({ "input": { "id": id, "revision": 1 } }),
        ),
        "addArticleCorrection" => (
            workflow_mutation(mutation, "AddArticleCorrectionInput"),
            json!({ "input": { "id": id, "note": "A name was misspelt." } }),
        ),
        "createPreviewLink" => plain(
            "CreatePreviewLinkInput",
            &format!("token {payload}"),
            json!({ "articleId": id }),
        ),
        "createSection" => plain(
            "CreateSectionInput",
            &format!("section {{ id }} {payload}"),
            json!({ "name": unique("Section") }),
        ),
        "createTag" => plain(
            "CreateTagInput",
            &format!("tag {{ id }} {payload}"),
            json!({ "name": unique("Tag") }),
        ),
        "createSource" => plain(
            "CreateSourceInput",
            &format!("source {{ id }} {payload}"),
            json!({ "name": unique("Source") }),
        ),
        "createAuthor" => plain(
            "CreateAuthorInput",
            &format!("author {{ id }} {payload}"),
            json!({ "name": unique("Author") }),
        ),
        "createUser" => plain(
            "CreateUserInput",
            &format!("user {{ email }} {payload}"),
            json!({
                "email": format!("{}@example.com", unique("user").replace(' ', "-")),
                "name": "Someone",
                "password": "long enough password",
                "role": "CONTRIBUTOR",
            }),
        ),
        "updateSettings" => plain(
            "UpdateSettingsInput",
            "settings { authorsCanPublish }",
            json!({ "authorsCanPublish": false }),
        ),
        _ => (
            workflow_mutation(mutation, "ArticleRefInput"),
            json!({ "input": { "id": id } }),
        ),
    }
}

/// An article in `target`'s state, created by `owner`.
async fn prepare(app: &TestApp, owner: &Staff, editor: &Staff, target: Target) -> Value {
    if target == Target::None {
        return Value::Null;
    }
    let article = draft(app, owner, &unique("Target")).await;
    match target {
        Target::Published => publish(app, editor, &article).await,
        Target::Trashed => app
            .data_as(
                editor,
                &workflow_mutation("deleteArticle", "ArticleRefInput"),
                json!({ "input": { "id": article["id"] } }),
            )
            .await["deleteArticle"]["article"]
            .clone(),
        _ => article,
    }
}

fn outcome(response: &Value) -> Outcome {
    match error_codes(response).as_slice() {
        [] => {
            let payload = response["data"]
                .as_object()
                .and_then(|d| d.values().next())
                .expect("a payload");
            let errors = &payload["userErrors"];
            assert!(
                errors.is_null() || *errors == json!([]),
                "a permitted mutation was refused: {response}"
            );
            Outcome::Done
        }
        [code] if code == "UNAUTHENTICATED" => Outcome::Unauthenticated,
        [code] if code == "FORBIDDEN" => Outcome::Forbidden,
        _ => panic!("unexpected response {response}"),
    }
}

#[tokio::test]
async fn every_mutation_is_allowed_to_exactly_the_right_roles() {
    let app = spawn_app().await;
    let contributor = app.staff(Role::Contributor).await;
    let author = app.staff(Role::Author).await;
    let editor = app.staff(Role::Editor).await;
    let admin = app.staff(Role::Admin).await;
    let mut mismatches = Vec::new();
    for case in CASES {
        for (actor, expected) in ACTORS.into_iter().zip(case.expected) {
            let (who, owner) = match actor {
                Actor::Anonymous => (None, &editor),
                Actor::Contributor => (Some(&contributor), &contributor),
                Actor::AuthorOwn => (Some(&author), &author),
                Actor::AuthorOther => (Some(&author), &editor),
                Actor::Editor => (Some(&editor), &editor),
                Actor::Admin => (Some(&admin), &editor),
            };
            let article = prepare(&app, owner, &editor, case.target).await;
            let (query, variables) = request(&app, case.mutation, &article).await;
            let response = app
                .graphql_as(who.map(|s| s.token.as_str()), &query, variables)
                .await;
            let got = outcome(&response);
            if got != expected {
                mismatches.push(format!(
                    "{} on {:?} by {actor:?}: expected {expected:?}, got {got:?}",
                    case.mutation, case.target
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[tokio::test]
async fn authors_publish_their_own_stories_when_the_newsroom_allows_it() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let editor = app.staff(Role::Editor).await;
    let admin = app.staff(Role::Admin).await;
    let mine = draft(&app, &author, "Author's own").await;
    let theirs = draft(&app, &editor, "Editor's own").await;
    let publish_doc = workflow_mutation("publishArticle", "PublishArticleInput");

    let refused = app
        .graphql_as(
            Some(&author.token),
            &publish_doc,
            json!({ "input": { "id": mine["id"] } }),
        )
        .await;
    assert_eq!(error_codes(&refused), ["FORBIDDEN"]);

    app.data_as(
        &admin,
        "mutation { updateSettings(input: { authorsCanPublish: true }) { settings { authorsCanPublish } } }",
        json!({}),
    )
    .await;
    let published = app
        .data_as(
            &author,
            &publish_doc,
            json!({ "input": { "id": mine["id"] } }),
        )
        .await;
    assert_eq!(
        published["publishArticle"]["article"]["status"],
        "PUBLISHED"
    );
    let other = app
        .graphql_as(
            Some(&author.token),
            &publish_doc,
            json!({ "input": { "id": theirs["id"] } }),
        )
        .await;
    assert_eq!(error_codes(&other), ["FORBIDDEN"], "only their own");
}

#[tokio::test]
async fn authors_write_under_their_own_byline_only() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let other = app.staff(Role::Author).await;
    let response = app
        .graphql_as(
            Some(&author.token),
            &crate::editorial::create_mutation(),
            json!({ "input": {
                "title": "Borrowed byline",
                "body": "<p>x</p>",
                "sectionId": app.section_id("world").await,
                "authorId": other.author_id,
            }}),
        )
        .await;
    assert_eq!(error_codes(&response), ["FORBIDDEN"]);
}
