//! Editors' picks in "Check Also": pinned stories first, in order, public ones only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dateline_domain::RelatedArticle;
use dateline_domain::{RelatedReason, Role};
use dateline_persistence::{RelatedRequest, Store, Visibility};
use dateline_tests::{Staff, TestApp, error_codes, spawn_app};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::fixtures::{draft, publish};

const PIN: &str = "mutation($input: SetRelatedArticlesInput!) { setRelatedArticles(input: $input) { article { id } userErrors { path code } } }";
const RELATED: &str = "query($slug: String!) { article(slug: $slug) { related(first: 5) { article { slug } reasons { kind label } } } }";

/// The ids and slugs of the first 30 public stories, newest first.
async fn public_stories(app: &TestApp) -> Vec<Value> {
    let front = app
        .data("{ articles(first: 30) { nodes { id slug } } }", json!({}))
        .await;
    front["articles"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone()
}

/// Sets the stories pinned to article `id` as `editor`; returns the payload's user errors.
async fn pin(app: &TestApp, editor: &Staff, id: &Value, related_ids: Value) -> Value {
    let pinned = app
        .data_as(
            editor,
            PIN,
            json!({ "input": { "id": id, "relatedIds": related_ids } }),
        )
        .await;
    pinned["setRelatedArticles"]["userErrors"].clone()
}

/// The slugs of the related stories in a [`RELATED`] answer, in order.
fn related_slugs(data: &Value) -> Vec<String> {
    data["article"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["article"]["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Pins that name the article itself or no article are user errors, and an author who may
/// not edit article `id` may not pin to it.
async fn assert_bad_picks_are_refused(app: &TestApp, editor: &Staff, id: &Value) {
    assert_eq!(
        pin(app, editor, id, json!([id])).await,
        json!([{ "path": ["input", "relatedIds"], "code": "INVALID" }])
    );
    assert_eq!(
        pin(app, editor, id, json!(["QXJ0aWNsZTo5OTk5OTk"])).await,
        json!([{ "path": ["input", "relatedIds", "0"], "code": "NOT_FOUND" }])
    );
    let author = app.staff(Role::Author).await;
    let refused = app
        .graphql_as(
            Some(&author.token),
            PIN,
            json!({ "input": { "id": id, "relatedIds": [] } }),
        )
        .await;
    assert_eq!(
        error_codes(&refused),
        ["FORBIDDEN"],
        "only those who may edit the article"
    );
}

#[tokio::test]
async fn pinned_stories_come_first_once_they_are_public() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let page = "envoy-embarks-on-regional-peace-mission";
    let nodes = public_stories(&app).await;
    let this = nodes
        .iter()
        .find(|n| n["slug"] == page)
        .expect("the page is public");
    // A public story that shares nothing in particular with the page: the last one listed.
    let older = nodes
        .iter()
        .rev()
        .find(|n| n["slug"] != page)
        .expect("another story");
    let upcoming = draft(&app, &editor, "Follow-up to the mission").await;

    let picks = json!([upcoming["id"], older["id"], older["id"]]);
    assert_eq!(pin(&app, &editor, &this["id"], picks).await, json!([]));

    let related = app.data(RELATED, json!({ "slug": page })).await;
    let listed = related_slugs(&related);
    assert_eq!(
        listed[0],
        older["slug"].as_str().unwrap_or_default(),
        "{related}"
    );
    assert_eq!(
        related["article"]["related"][0]["reasons"][0],
        json!({ "kind": "EDITORS_PICK", "label": "Editor's pick" })
    );
    assert!(
        !listed.contains(&"follow-up-to-the-mission".to_owned()),
        "not before it is public"
    );
    assert!(
        !listed.contains(&page.to_owned()),
        "never the article itself"
    );
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "no duplicates: {listed:?}");

    publish(&app, &editor, &upcoming).await;
    let related = app.data(RELATED, json!({ "slug": page })).await;
    assert_eq!(
        related_slugs(&related)[..2],
        [
            "follow-up-to-the-mission".to_owned(),
            older["slug"].as_str().unwrap_or_default().to_owned()
        ],
        "in the editor's order"
    );

    assert_bad_picks_are_refused(&app, &editor, &this["id"]).await;

    assert_eq!(pin(&app, &editor, &this["id"], json!([])).await, json!([]));
    let related = app.data(RELATED, json!({ "slug": page })).await;
    assert!(
        !related.to_string().contains("EDITORS_PICK"),
        "picks removed: {related}"
    );
}

#[tokio::test]
async fn stories_with_similar_headlines_say_so() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let first = draft(&app, &editor, "Glacier melt floods Tavrino valley").await;
    publish(&app, &editor, &first).await;
    let second = draft(
        &app,
        &editor,
        "Tavrino valley clears up after glacier floods",
    )
    .await;
    let second = publish(&app, &editor, &second).await;
    let related = app.data(RELATED, json!({ "slug": second["slug"] })).await;
    let entry = related["article"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .find(|r| r["article"]["slug"] == first["slug"])
        .cloned()
        .expect("the earlier story is related");
    assert!(
        entry["reasons"]
            .as_array()
            .expect("reasons")
            .contains(&json!({ "kind": "SIMILAR_TEXT", "label": "Similar headline: tavrino, valley, glacier, flood" })),
        "{entry}"
    );
    assert_eq!(
        related["article"]["related"][0]["article"]["slug"], first["slug"],
        "the most similar story ranks first"
    );
}

/// The ids of every article, whatever its status.
async fn all_article_ids(app: &TestApp) -> Vec<i32> {
    let db = app.store.connection();
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT id FROM articles ORDER BY id",
    ))
    .await
    .expect("article ids")
    .iter()
    .map(|row| row.try_get_by_index(0).expect("an id"))
    .collect()
}

/// A ranking request for each of `ids` with limits 5, 1, 3 and 20 in turn, then the first
/// again with limit 7 and the second with limit 0.
async fn ranking_requests(app: &TestApp, ids: &[i32]) -> Vec<RelatedRequest> {
    let store = &app.store;
    let articles = store
        .articles_by_ids(Visibility::Desk, ids)
        .await
        .expect("articles");
    let mut tags = store.tags_of_articles(ids).await.expect("tags");
    let sections: HashMap<i32, String> = store
        .all_sections()
        .await
        .expect("sections")
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut requests: Vec<RelatedRequest> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let article = articles[id].clone();
            RelatedRequest {
                tags: tags.remove(id).unwrap_or_default(),
                section_name: sections[&article.section_id].clone(),
                article,
                limit: [5, 1, 3, 20][i % 4],
            }
        })
        .collect();
    // The same article with another limit, and one asking for nothing.
    let mut again = requests[0].clone();
    again.limit = 7;
    let mut nothing = requests[1].clone();
    nothing.limit = 0;
    requests.extend([again, nothing]);
    requests
}

/// Each request's ranking in `batched` is the one ranking its article alone gives, and most
/// articles have related stories.
async fn assert_each_ranked_as_alone(
    store: &Store,
    now: DateTime<Utc>,
    requests: &[RelatedRequest],
    batched: &HashMap<(i32, u64), Vec<RelatedArticle>>,
) {
    let summary = |list: &[RelatedArticle]| -> Vec<(i32, Vec<RelatedReason>)> {
        list.iter()
            .map(|r| (r.article.id, r.score.reasons.clone()))
            .collect()
    };
    let mut ranked_some = 0;
    for request in requests {
        let alone = store
            .related_articles(
                now,
                &request.article,
                &request.tags,
                &request.section_name,
                request.limit,
            )
            .await
            .expect("single ranking");
        let together = &batched[&(request.article.id, request.limit)];
        assert_eq!(
            summary(together),
            summary(&alone),
            "article {} limit {}",
            request.article.id,
            request.limit
        );
        for (a, b) in together.iter().zip(&alone) {
            assert_eq!(a.article, b.article);
            // Scores differ at most by the freshness gained between the two calls.
            assert!((a.score.score - b.score.score).abs() < 0.01, "{a:?} {b:?}");
        }
        assert!(together.len() <= usize::try_from(request.limit).unwrap_or(usize::MAX));
        assert!(together.iter().all(|r| r.article.id != request.article.id));
        ranked_some += usize::from(!together.is_empty());
    }
    assert!(
        ranked_some > requests.len() / 2,
        "most articles have related stories"
    );
}

/// Ranking many articles at once gives each what ranking it alone gives, in two statements.
#[tokio::test]
async fn batched_ranking_matches_one_article_at_a_time() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let now = Utc::now();
    let store = &app.store;

    // Picks on one page, and a story that is not public yet among the requests.
    let page = "envoy-embarks-on-regional-peace-mission";
    let nodes = public_stories(&app).await;
    let this = nodes.iter().find(|n| n["slug"] == page).expect("the page");
    let picked: Vec<Value> = nodes
        .iter()
        .rev()
        .take(2)
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(
        pin(&app, &editor, &this["id"], json!(picked)).await,
        json!([])
    );
    let upcoming = draft(&app, &editor, "Envoy mission follow-up").await;
    let upcoming_id = app
        .article_id(upcoming["slug"].as_str().expect("a slug"))
        .await;

    let ids = all_article_ids(&app).await;
    assert!(ids.contains(&upcoming_id));
    let requests = ranking_requests(&app, &ids).await;

    let before = app.statements();
    let batched = store
        .related_articles_for(now, &requests)
        .await
        .expect("batched ranking");
    assert_eq!(app.statements() - before, 2, "two statements in all");
    assert_eq!(batched.len(), requests.len());

    assert_each_ranked_as_alone(store, now, &requests, &batched).await;
    let envoy = app.article_id(page).await;
    let envoy_related = requests
        .iter()
        .find(|r| r.article.id == envoy)
        .map(|r| &batched[&(envoy, r.limit)])
        .expect("the page was ranked");
    assert_eq!(
        envoy_related[0].score.reasons[0],
        RelatedReason::EditorsPick,
        "picks first"
    );

    // Without tags (the second statement then joins no tag links): picks and the section.
    let mut untagged = requests[2].clone();
    untagged.tags.clear();
    let alone = store
        .related_articles_for(now, std::slice::from_ref(&untagged))
        .await
        .expect("ranking without tags");
    let alone = &alone[&(untagged.article.id, untagged.limit)];
    assert!(!alone.is_empty());
    assert!(
        alone.iter().all(|r| r
            .score
            .reasons
            .iter()
            .all(|reason| !matches!(reason, RelatedReason::SharedTag(_)))),
        "{alone:?}"
    );
}

/// The ids and slugs of an article's related stories, as the public reads them from `app`.
async fn related_of(app: &TestApp, slug: &str) -> Vec<(String, String)> {
    let data = app
        .data(
            "query($slug: String!) { article(slug: $slug) { related(first: 5) { article { id slug } } } }",
            json!({ "slug": slug }),
        )
        .await;
    data["article"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            let article = &r["article"];
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (text(&article["id"]), text(&article["slug"]))
        })
        .collect()
}

#[tokio::test]
async fn kept_rankings_give_way_to_changes_made_on_any_server() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let page = "envoy-embarks-on-regional-peace-mission";
    let page_id = app
        .data(
            "query($slug: String!) { article(slug: $slug) { id } }",
            json!({ "slug": page }),
        )
        .await["article"]["id"]
        .clone();

    // Read twice, so the server has kept the ranking.
    let before = related_of(&app, page).await;
    assert_eq!(related_of(&app, page).await, before);
    assert!(before.len() >= 2, "{before:?}");

    // Archiving the first related story takes it out at once.
    let (gone_id, gone_slug) = before[0].clone();
    let archived = app
        .data_as(
            &editor,
            "mutation($input: ArchiveArticleInput!) { archiveArticle(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": gone_id } }),
        )
        .await;
    assert_eq!(archived["archiveArticle"]["userErrors"], json!([]));
    let after = related_of(&app, page).await;
    assert!(
        after.iter().all(|(_, slug)| *slug != gone_slug),
        "{gone_slug} is archived but still related: {after:?}"
    );

    // A pick made through another server (its own pool and memory) shows here too. Servers
    // hear of each other's changes through PostgreSQL; on SQLite one process serves a file.
    let other = if dateline_tests::on_postgres() {
        dateline_tests::spawn_peer(&app).await
    } else {
        dateline_tests::spawn_instance(&app).await
    };
    assert_eq!(related_of(&other, page).await, after);
    let (picked_id, picked_slug) = after[after.len() - 1].clone();
    assert_eq!(
        pin(&other, &editor, &page_id, json!([picked_id])).await,
        json!([])
    );
    // On PostgreSQL the change reaches this server as an event: give it a moment.
    let mut first = String::new();
    for _ in 0..100 {
        first = related_of(&app, page).await[0].1.clone();
        if first == picked_slug {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        first, picked_slug,
        "the pick made on the other server leads"
    );
    assert_eq!(related_of(&other, page).await[0].1, picked_slug);
}
