//! Who may do what: every mutation tried by the public, a contributor, an author (on their
//! own article and on someone else's), an editor and an admin.

use std::sync::atomic::{AtomicUsize, Ordering};

use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, error_codes, spawn_app};
use serde_json::{Value, json};

use crate::fixtures::{ARTICLE_FIELDS, article_mutation, create_article_mutation, draft, publish};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    /// A contributor, on an article they created.
    Contributor,
    /// A contributor, on an article someone else created.
    ContributorOther,
    /// An author, on an article they created.
    AuthorOwn,
    /// An author, on an article someone else created.
    AuthorOther,
    Editor,
    Admin,
}

const ACTORS: [Actor; 7] = [
    Actor::Anonymous,
    Actor::Contributor,
    Actor::ContributorOther,
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

/// What a mutation acts on, made fresh for each try: an article in some state, or a
/// catalogue record or account an admin makes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    None,
    Draft,
    Scheduled,
    Published,
    Trashed,
    Tag,
    Section,
    Source,
    Author,
    User,
}

struct Case {
    mutation: &'static str,
    target: Target,
    /// Outcomes for [`ACTORS`], in order.
    expected: [Outcome; 7],
}

const fn case(mutation: &'static str, target: Target, expected: [Outcome; 7]) -> Case {
    Case {
        mutation,
        target,
        expected,
    }
}

/// Columns: anonymous, contributor (own), contributor (other's), author (own), author
/// (other's), editor, admin. The newsroom does not let authors publish.
#[rustfmt::skip]
const CASES: &[Case] = &[
    case("createArticle", Target::None, [U, D, D, D, D, D, D]),
    case("updateArticle", Target::Draft, [U, D, F, D, F, D, D]),
    case("updateArticle", Target::Scheduled, [U, F, F, F, F, D, D]),
    case("updateArticle", Target::Published, [U, F, F, F, F, D, D]),
    case("submitArticleForReview", Target::Draft, [U, D, F, D, F, D, D]),
    case("publishArticle", Target::Draft, [U, F, F, F, F, D, D]),
    case("scheduleArticle", Target::Draft, [U, F, F, F, F, D, D]),
    case("unpublishArticle", Target::Published, [U, F, F, F, F, D, D]),
    case("archiveArticle", Target::Published, [U, F, F, F, F, D, D]),
    case("deleteArticle", Target::Draft, [U, D, F, D, F, D, D]),
    case("deleteArticle", Target::Published, [U, F, F, F, F, D, D]),
    case("restoreArticle", Target::Trashed, [U, D, F, D, F, D, D]),
    case("restoreArticleRevision", Target::Draft, [U, D, F, D, F, D, D]),
    case("restoreArticleRevision", Target::Published, [U, F, F, F, F, D, D]),
    case("addArticleCorrection", Target::Published, [U, F, F, F, F, D, D]),
    case("createPreviewLink", Target::Draft, [U, D, F, D, F, D, D]),
    case("setRelatedArticles", Target::Draft, [U, D, F, D, F, D, D]),
    case("setRelatedArticles", Target::Published, [U, F, F, F, F, D, D]),
    case("createSection", Target::None, [U, F, F, F, F, F, D]),
    case("updateSection", Target::Section, [U, F, F, F, F, F, D]),
    case("deleteSection", Target::Section, [U, F, F, F, F, F, D]),
    case("createTag", Target::None, [U, F, F, F, F, D, D]),
    case("updateTag", Target::Tag, [U, F, F, F, F, D, D]),
    case("deleteTag", Target::Tag, [U, F, F, F, F, D, D]),
    case("mergeTags", Target::Tag, [U, F, F, F, F, D, D]),
    case("createSource", Target::None, [U, F, F, F, F, D, D]),
    case("updateSource", Target::Source, [U, F, F, F, F, D, D]),
    case("deleteSource", Target::Source, [U, F, F, F, F, D, D]),
    case("createAuthor", Target::None, [U, F, F, F, F, D, D]),
    case("updateAuthor", Target::Author, [U, F, F, F, F, D, D]),
    case("deleteAuthor", Target::Author, [U, F, F, F, F, D, D]),
    case("createUser", Target::None, [U, F, F, F, F, F, D]),
    case("updateUser", Target::User, [U, F, F, F, F, F, D]),
    case("deleteUser", Target::User, [U, F, F, F, F, F, D]),
    case("updateSettings", Target::None, [U, F, F, F, F, F, D]),
    case("logout", Target::None, [U, D, D, D, D, D, D]),
];

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix} {}", UNIQUE.fetch_add(1, Ordering::Relaxed))
}

/// The fields every mutation's payload below ends with.
const USER_ERRORS: &str = "userErrors { path code message }";

/// The document of `mutation`, taking an `input_type` input and answering with `fields`,
/// and its variables.
fn document(mutation: &str, input_type: &str, fields: &str, input: Value) -> (String, Value) {
    (
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {fields} }} }}"),
        json!({ "input": input }),
    )
}

/// The document and variables of `mutation` on `target` (an article, or the id of what the
/// mutation acts on).
async fn request(app: &TestApp, mutation: &str, target: &Value) -> (String, Value) {
    let id = &target["id"];
    if let Some(request) = account_request(mutation, id) {
        return request;
    }
    match catalogue_request(app, mutation, id).await {
        Some(request) => request,
        None => article_request(app, mutation, target).await,
    }
}

/// The document and variables of an article mutation on `article`.
async fn article_request(app: &TestApp, mutation: &str, article: &Value) -> (String, Value) {
    let id = &article["id"];
    let article_payload = format!("article {{ {ARTICLE_FIELDS} }} {USER_ERRORS}");
    match mutation {
        "createArticle" => {
            let input = json!({
                "title": unique("Role check"),
                "body": "<p>Body.</p>",
                "sectionId": app.section_id("world").await,
            });
            document(mutation, "CreateArticleInput", &article_payload, input)
        }
        "updateArticle" => document(
            mutation,
            "UpdateArticleInput",
            &article_payload,
            json!({ "id": id, "expectedRevision": article["revision"], "title": unique("Edited") }),
        ),
        "publishArticle" => (
            article_mutation(mutation, "PublishArticleInput"),
            json!({ "input": { "id": id } }),
        ),
        "scheduleArticle" => {
            let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
            (
                article_mutation("publishArticle", "PublishArticleInput"),
                json!({ "input": { "id": id, "at": at } }),
            )
        }
        "restoreArticleRevision" => (
            article_mutation(mutation, "RestoreArticleRevisionInput"),
            json!({ "input": { "id": id, "revision": 1 } }),
        ),
        "addArticleCorrection" => (
            article_mutation(mutation, "AddArticleCorrectionInput"),
            json!({ "input": { "id": id, "note": "A name was misspelt." } }),
        ),
        "setRelatedArticles" => document(
            mutation,
            "SetRelatedArticlesInput",
            &article_payload,
            json!({ "id": id, "relatedIds": [] }),
        ),
        "createPreviewLink" => document(
            mutation,
            "CreatePreviewLinkInput",
            &format!("token {USER_ERRORS}"),
            json!({ "id": id }),
        ),
        _ => (
            article_mutation(mutation, &crate::fixtures::input_type(mutation)),
            json!({ "input": { "id": id } }),
        ),
    }
}

/// The document and variables of a mutation on a section, tag, source or author, acting on
/// `id`; `None` for any other mutation.
async fn catalogue_request(app: &TestApp, mutation: &str, id: &Value) -> Option<(String, Value)> {
    // The payload that names the record, for a mutation on a `record`.
    let named = |record: &str| format!("{record} {{ id }} {USER_ERRORS}");
    let request = match mutation {
        "createSection" | "createTag" | "createSource" | "createAuthor" => {
            let kind = &mutation["create".len()..];
            document(
                mutation,
                &format!("Create{kind}Input"),
                &named(&kind.to_lowercase()),
                json!({ "name": unique(kind) }),
            )
        }
        "updateSection" => document(
            mutation,
            "UpdateSectionInput",
            &named("section"),
            json!({ "id": id, "parentId": app.section_id("world").await }),
        ),
        "updateTag" => document(
            mutation,
            "UpdateTagInput",
            &named("tag"),
            json!({ "id": id, "name": unique("Renamed") }),
        ),
        "mergeTags" => document(
            mutation,
            "MergeTagsInput",
            &named("tag"),
            json!({ "id": id, "intoId": app.tag_ids(1).await[0] }),
        ),
        "updateSource" => document(
            mutation,
            "UpdateSourceInput",
            &named("source"),
            json!({ "id": id, "name": unique("Renamed") }),
        ),
        "updateAuthor" => document(
            mutation,
            "UpdateAuthorInput",
            &named("author"),
            json!({ "id": id, "bio": "Updated." }),
        ),
        "deleteSection" | "deleteTag" | "deleteSource" | "deleteAuthor" => document(
            mutation,
            &crate::fixtures::input_type(mutation),
            &format!("deleted{}Id {USER_ERRORS}", &mutation["delete".len()..]),
            json!({ "id": id }),
        ),
        _ => return None,
    };
    Some(request)
}

/// The document and variables of a mutation on an account (acting on `id`), the settings,
/// or the session; `None` for any other mutation.
fn account_request(mutation: &str, id: &Value) -> Option<(String, Value)> {
    let request = match mutation {
        "createUser" => document(
            mutation,
            "CreateUserInput",
            &format!("user {{ email }} {USER_ERRORS}"),
            json!({
                "email": format!("{}@example.com", unique("user").replace(' ', "-")),
                "name": "Someone",
                "password": "long enough password",
                "role": "CONTRIBUTOR",
            }),
        ),
        "updateUser" => document(
            mutation,
            "UpdateUserInput",
            &format!("user {{ role }} {USER_ERRORS}"),
            json!({ "id": id, "role": "AUTHOR" }),
        ),
        "deleteUser" => document(
            mutation,
            "DeleteUserInput",
            &format!("deletedUserId {USER_ERRORS}"),
            json!({ "id": id }),
        ),
        "updateSettings" => document(
            mutation,
            "UpdateSettingsInput",
            "settings { authorsCanPublish }",
            json!({ "authorsCanPublish": false }),
        ),
        "logout" => ("mutation { logout { ended } }".to_owned(), json!({})),
        _ => return None,
    };
    Some(request)
}

/// Makes a catalogue record or account as `admin` and returns it (with its `id`).
async fn make(
    app: &TestApp,
    admin: &Staff,
    mutation: &str,
    input_type: &str,
    field: &str,
    input: Value,
) -> Value {
    let document = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {field} {{ id }} }} }}"
    );
    app.data_as(admin, &document, json!({ "input": input }))
        .await[mutation][field]
        .clone()
}

/// Makes a `kind` of catalogue record (`Tag`, `Section`, `Source` or `Author`) named
/// "Target …" as `admin`, as [`make`].
async fn make_named(app: &TestApp, admin: &Staff, kind: &str) -> Value {
    let field = kind.to_lowercase();
    let name = unique(&format!("Target {field}"));
    make(
        app,
        admin,
        &format!("create{kind}"),
        &format!("Create{kind}Input"),
        &field,
        json!({ "name": name }),
    )
    .await
}

/// What the mutation acts on, in `target`'s state; articles are created by `owner`.
async fn prepare(
    app: &TestApp,
    owner: &Staff,
    editor: &Staff,
    admin: &Staff,
    target: Target,
) -> Value {
    let article = match target {
        Target::None => return Value::Null,
        Target::Tag => return make_named(app, admin, "Tag").await,
        Target::Section => return make_named(app, admin, "Section").await,
        Target::Source => return make_named(app, admin, "Source").await,
        Target::Author => return make_named(app, admin, "Author").await,
        Target::User => {
            let email = format!("{}@example.com", unique("target").replace(' ', "-"));
            return make(
                app,
                admin,
                "createUser",
                "CreateUserInput",
                "user",
                json!({ "email": email, "name": "Target", "password": "long enough password", "role": "CONTRIBUTOR" }),
            )
            .await;
        }
        _ => draft(app, owner, &unique("Target")).await,
    };
    match target {
        Target::Published => publish(app, editor, &article).await,
        Target::Scheduled => {
            let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
            app.data_as(
                editor,
                &article_mutation("publishArticle", "PublishArticleInput"),
                json!({ "input": { "id": article["id"], "at": at } }),
            )
            .await["publishArticle"]["article"]
                .clone()
        }
        Target::Trashed => app
            .data_as(
                editor,
                &article_mutation("deleteArticle", "DeleteArticleInput"),
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
            // And it did something: the payload names what it changed.
            let changed =
                payload
                    .as_object()
                    .expect("an object payload")
                    .iter()
                    .any(|(field, value)| {
                        field != "userErrors" && !value.is_null() && *value != json!(false)
                    });
            assert!(changed, "a permitted mutation changed nothing: {response}");
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
                Actor::ContributorOther => (Some(&contributor), &editor),
                Actor::AuthorOwn => (Some(&author), &author),
                Actor::AuthorOther => (Some(&author), &editor),
                Actor::Editor => (Some(&editor), &editor),
                Actor::Admin => (Some(&admin), &editor),
            };
            let target = prepare(&app, owner, &editor, &admin, case.target).await;
            let (query, variables) = request(&app, case.mutation, &target).await;
            // Signing out ends the session it is sent with: use one of its own.
            let token = match who {
                Some(staff) if case.mutation == "logout" => {
                    Some(app.login(&staff.email, &staff.password).await)
                }
                Some(staff) => Some(staff.token.clone()),
                None => None,
            };
            let response = app.graphql_as(token.as_deref(), &query, variables).await;
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
    let publish_doc = article_mutation("publishArticle", "PublishArticleInput");
    // The whole response to the author's publishing `article`.
    let author_publishes = |article: &Value| {
        app.graphql_as(
            Some(&author.token),
            &publish_doc,
            json!({ "input": { "id": article["id"] } }),
        )
    };

    let refused = author_publishes(&mine).await;
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
    let other = author_publishes(&theirs).await;
    assert_eq!(error_codes(&other), ["FORBIDDEN"], "only their own");
}

#[tokio::test]
async fn authors_write_under_their_own_byline_only() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let other = app.staff(Role::Author).await;
    // Naming someone else as the author, then as a co-author.
    let borrowed = [
        json!({ "title": "Borrowed byline", "authorId": other.author_id }),
        json!({ "title": "Borrowed co-byline", "coAuthorIds": [other.author_id] }),
    ];
    for mut input in borrowed {
        input["body"] = json!("<p>x</p>");
        input["sectionId"] = json!(app.section_id("world").await);
        let response = app
            .graphql_as(
                Some(&author.token),
                &create_article_mutation(),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_codes(&response), ["FORBIDDEN"], "{input}");
    }
}
