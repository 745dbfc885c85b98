//! Articles as the suites arrange them: the article mutations' documents, and a draft made
//! and published through the API.

use dateline_tests::{Staff, TestApp};
use serde_json::{Value, json};

/// The article fields every article mutation below answers with.
pub const ARTICLE_FIELDS: &str =
    "id slug title subtitle body bodyText excerpt wordCount revision status";

/// The mutation `name`, taking an `input_type` input and answering with the article (its
/// [`ARTICLE_FIELDS`]) and the user errors.
pub fn article_mutation(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ \
         article {{ {ARTICLE_FIELDS} }} userErrors {{ path code message }} }} }}"
    )
}

/// `createArticle`, as [`article_mutation`].
pub fn create_article_mutation() -> String {
    article_mutation("createArticle", "CreateArticleInput")
}

/// `updateArticle`, as [`article_mutation`].
pub fn update_article_mutation() -> String {
    article_mutation("updateArticle", "UpdateArticleInput")
}

/// Creates a draft as `staff` in the `world` section and returns the article.
pub async fn draft(app: &TestApp, staff: &Staff, title: &str) -> Value {
    let section = app.section_id("world").await;
    let data = app
        .data_as(
            staff,
            &create_article_mutation(),
            json!({ "input": {
                "title": title,
                "body": "<p>KABUL first paragraph of the story.</p><p>Second paragraph.</p>",
                "sectionId": section,
                "tagIds": app.tag_ids(2).await,
                "datelinePlace": "KABUL",
            }}),
        )
        .await;
    let payload = &data["createArticle"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["article"].clone()
}

/// Publishes `article` now as `staff`.
pub async fn publish(app: &TestApp, staff: &Staff, article: &Value) -> Value {
    let data = app
        .data_as(
            staff,
            &article_mutation("publishArticle", "PublishArticleInput"),
            json!({ "input": { "id": article["id"] } }),
        )
        .await;
    assert_eq!(data["publishArticle"]["userErrors"], json!([]), "{data}");
    data["publishArticle"]["article"].clone()
}

/// Schedules `article` to be published `at` as `staff`, and checks it is scheduled.
pub async fn schedule(
    app: &TestApp,
    staff: &Staff,
    article: &Value,
    at: chrono::DateTime<chrono::Utc>,
) {
    let scheduled = app
        .data_as(
            staff,
            &article_mutation("publishArticle", "PublishArticleInput"),
            json!({ "input": { "id": article["id"], "at": at.to_rfc3339() } }),
        )
        .await;
    assert_eq!(
        scheduled["publishArticle"]["article"]["status"],
        "SCHEDULED"
    );
}

/// Runs `updateArticle` with `input` as `staff` and returns its payload: the article and the
/// user errors.
pub async fn update_article(app: &TestApp, staff: &Staff, input: Value) -> Value {
    app.data_as(staff, &update_article_mutation(), json!({ "input": input }))
        .await["updateArticle"]
        .clone()
}

/// The input field a user error points at, written the way messages name it
/// (`featuredImage.url`, `tagIds.3`): its `path` without the leading `input`. Empty for a
/// problem with the input as a whole.
pub fn error_field(error: &Value) -> String {
    error["path"]
        .as_array()
        .map(|path| {
            path.iter()
                .skip(1)
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default()
}

/// The input type of `mutation`: `UnpublishArticleInput` for `unpublishArticle`.
pub fn input_type(mutation: &str) -> String {
    let mut name = mutation.to_owned();
    name[..1].make_ascii_uppercase();
    format!("{name}Input")
}
