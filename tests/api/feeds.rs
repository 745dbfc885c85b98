//! Feeds and sitemaps as a feed reader and a search engine fetch them: every feed parsed
//! with `feed-rs` and compared with what GraphQL lists for the same page, every sitemap the
//! index names fetched and parsed, and caching, statements and unknown pages checked.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use dateline_domain::Role;
use dateline_domain::route::PublicUrl;
use dateline_server::syndication::{FeedContent, FeedPolicy};
use dateline_tests::{Settings, TestApp, spawn_app_with};
use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};

const SITE: &str = "https://news.example.org";

/// The public list a page shows, newest first, as GraphQL gives it.
const LIST: &str = r#"
query List($filter: ArticleFilterInput, $first: Int) {
  articles(first: $first, filter: $filter) {
    totalCount
    nodes { id slug title uri publishedAt updatedAt }
  }
}"#;

async fn spawn_site(feeds: FeedPolicy) -> TestApp {
    let mut settings = Settings::default();
    settings.api.public_url = Some(PublicUrl::parse(SITE).expect("a public URL"));
    settings.api.site_name = "Kabul Courier".to_owned();
    settings.api.site_language = "en-GB".to_owned();
    settings.feeds = feeds;
    spawn_app_with(settings).await
}

/// The stories GraphQL lists under `filter`, newest first (at most `first`).
async fn listed(app: &TestApp, filter: Value, first: i64) -> (Vec<Value>, i64) {
    let data = app
        .data(LIST, json!({ "filter": filter, "first": first }))
        .await;
    let nodes = data["articles"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total = data["articles"]["totalCount"].as_i64().unwrap_or_default();
    (nodes, total)
}

/// Fetches and parses a feed, checking its headers on the way.
async fn feed(app: &TestApp, path: &str, content_type: &str) -> feed_rs::model::Feed {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], content_type, "{path}");
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap_or_default();
    assert!(
        cache.starts_with("public, max-age=") && cache.contains("stale-while-revalidate="),
        "{path}: {cache}"
    );
    assert!(headers.contains_key(header::ETAG), "{path}");
    let body = response.bytes().await.expect("a feed body");
    feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path} parses: {e}"))
}

const RSS: &str = "application/rss+xml; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";

fn link(entry: &feed_rs::model::Entry) -> String {
    entry
        .links
        .first()
        .map(|l| l.href.clone())
        .unwrap_or_default()
}

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("a date: {value}"))
}

/// Checks that the feed at `path` (RSS, and Atom at `path/atom`) lists exactly `expected`,
/// in order, with absolute links, stable ids and the stories' dates.
async fn assert_feed_lists(app: &TestApp, path: &str, expected: &[Value]) {
    for (path, kind) in [(path.to_owned(), RSS), (format!("{path}/atom"), ATOM)] {
        let parsed = feed(app, &path, kind).await;
        let titles: Vec<String> = parsed
            .entries
            .iter()
            .map(|e| {
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
            .collect();
        let want: Vec<&str> = expected
            .iter()
            .map(|a| a["title"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(titles, want, "{path}");
        for (entry, article) in parsed.entries.iter().zip(expected) {
            let uri = article["uri"].as_str().unwrap_or_default();
            assert_eq!(link(entry), format!("{SITE}{uri}"), "{path}");
            assert!(
                entry.id.starts_with("tag:news.example.org,2026:article:"),
                "{}",
                entry.id
            );
            let published = entry.published.expect("a publication date");
            assert_eq!(
                published.timestamp(),
                at(&article["publishedAt"]).timestamp(),
                "{path}"
            );
            if kind == ATOM {
                let updated = entry.updated.expect("an update date");
                assert_eq!(updated.timestamp(), at(&article["updatedAt"]).timestamp());
            }
            assert!(!entry.authors.is_empty(), "{path}: bylines");
            assert!(!entry.categories.is_empty(), "{path}: section and tags");
        }
        // feed-rs lowercases RSS's language, not Atom's.
        let language = parsed.language.unwrap_or_default().to_ascii_lowercase();
        assert_eq!(language, "en-gb", "{path}");
        let title = parsed.title.map(|t| t.content).unwrap_or_default();
        assert!(title.starts_with("Kabul Courier"), "{path}: {title}");
    }
}

#[tokio::test]
async fn feeds_list_the_latest_public_stories_of_each_page() {
    let app = spawn_site(FeedPolicy::default()).await;
    let (front, total) = listed(&app, json!({}), 20).await;
    assert_eq!(front.len(), 20);
    assert!(total > 20, "the demo has more stories than a feed lists");
    assert_feed_lists(&app, "/feed", &front).await;

    // A section's feed has its subsections' stories, as its page does.
    let (news, _) = listed(&app, json!({ "sections": ["news"] }), 20).await;
    assert_feed_lists(&app, "/news/feed", &news).await;
    let world = feed(&app, "/world/feed/", RSS).await;
    let (world_list, _) = listed(&app, json!({ "sections": ["world"] }), 20).await;
    assert_eq!(world.entries.len(), world_list.len());
    assert!(
        world_list
            .iter()
            .any(|a| !a["uri"].as_str().unwrap_or_default().starts_with("/world/")),
        "the demo files some of World's stories in its subsections"
    );

    for (path, filter) in [
        ("/tag/diplomacy/feed", json!({ "tags": ["diplomacy"] })),
        ("/author/admin/feed", json!({ "authors": ["admin"] })),
        (
            "/source/courier-desk/feed",
            json!({ "sources": ["courier-desk"] }),
        ),
    ] {
        let (expected, _) = listed(&app, filter, 20).await;
        assert!(!expected.is_empty(), "{path}");
        assert_feed_lists(&app, path, &expected).await;
    }
}

#[tokio::test]
async fn feeds_never_show_unpublished_stories_and_bodies_are_configurable() {
    let app = spawn_site(FeedPolicy {
        items: 100,
        content: FeedContent::Excerpt,
    })
    .await;
    let (public, total) = listed(&app, json!({}), 100).await;
    let parsed = feed(&app, "/feed", RSS).await;
    assert_eq!(parsed.entries.len() as i64, total);
    let public: HashSet<String> = public
        .iter()
        .map(|a| format!("{SITE}{}", a["uri"].as_str().unwrap_or_default()))
        .collect();
    for entry in &parsed.entries {
        assert!(public.contains(&link(entry)), "{}", link(entry));
        assert!(entry.content.is_none(), "excerpts only");
        assert!(entry.summary.is_some(), "the excerpt");
    }
    // The demo's drafts, its scheduled story and its archived one.
    let body = app.get("/feed/atom").await.text().await.unwrap_or_default();
    for slug in [
        "budget-leak-inquiry-widens",
        "rate-cuts-will-not-fix-housing",
        "regulators-to-publish-first-ai-audit-rules",
        "emerging-market-currencies-rally-on-dollar-retreat",
    ] {
        assert!(!body.contains(slug), "{slug} is not public");
    }
    let full = spawn_site(FeedPolicy::default()).await;
    let parsed = feed(&full, "/feed/atom", ATOM).await;
    let content = parsed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone());
    assert!(
        content.is_some_and(|html| html.contains("<p>")),
        "full text"
    );
}

#[tokio::test]
async fn a_story_keeps_its_feed_id_when_its_slug_changes() {
    let app = spawn_site(FeedPolicy::default()).await;
    let (front, _) = listed(&app, json!({}), 1).await;
    let story = &front[0];
    let before = feed(&app, "/feed", RSS).await;
    let guid = before.entries[0].id.clone();

    let editor = app.staff(Role::Editor).await;
    let renamed = app
        .data_as(
            &editor,
            "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { uri } userErrors { code } } }",
            json!({ "input": { "id": story["id"], "slug": "a-renamed-story" } }),
        )
        .await;
    let uri = renamed["updateArticle"]["article"]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("renamed: {renamed}"));
    let after = feed(&app, "/feed", RSS).await;
    let entry = after
        .entries
        .iter()
        .find(|e| e.id == guid)
        .expect("the same id");
    assert_eq!(link(entry), format!("{SITE}{uri}"));
}

#[tokio::test]
async fn feeds_answer_304_and_404_and_cost_few_statements() {
    let app = spawn_site(FeedPolicy::default()).await;
    // Warm the section tree, as any server that has served a request has it.
    app.get("/feed").await;
    let before = app.statements();
    let first = app.get("/tag/diplomacy/feed/atom").await;
    let statements = app.statements() - before;
    assert!(statements <= 7, "{statements} statements for a feed");
    let tag = first.headers()[header::ETAG].clone();
    let again = app
        .client
        .get(format!("{}/tag/diplomacy/feed/atom", app.address))
        .header(header::IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .expect("a response");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG], tag);

    for path in [
        "/no-such-section/feed",
        "/tag/no-such-tag/feed",
        "/author/nobody/feed/atom",
        "/source/nobody/feed/",
        "/sitemaps/articles-9.xml",
        "/sitemaps/nothing.xml",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body = response.text().await.unwrap_or_default();
        assert!(
            !body.contains("SELECT") && !body.contains(path),
            "{path}: {body}"
        );
    }
}

/// The `<loc>`s (and `<lastmod>`s) of a sitemap or index, fetched and parsed.
async fn locations(app: &TestApp, path: &str) -> Vec<(String, Option<String>)> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/xml; charset=utf-8"
    );
    let text = response.text().await.expect("a sitemap");
    let document = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let root = document.root_element();
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    root.children()
        .filter(|n| n.is_element())
        .map(|entry| {
            let child = |name: &str| {
                entry
                    .children()
                    .find(|c| c.tag_name().name() == name)
                    .and_then(|c| c.text())
                    .map(str::to_owned)
            };
            (child("loc").unwrap_or_default(), child("lastmod"))
        })
        .collect()
}

#[tokio::test]
async fn the_sitemaps_list_exactly_the_public_pages() {
    let app = spawn_site(FeedPolicy::default()).await;
    // One story of the last two days, one older.
    app.publish_at(
        "envoy-embarks-on-regional-peace-mission",
        Utc::now() - TimeDelta::hours(3),
    )
    .await;
    let (all, total) = listed(&app, json!({}), 100).await;
    assert_eq!(all.len() as i64, total);

    let robots = app
        .get("/robots.txt")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        robots.contains(&format!("Sitemap: {SITE}/sitemap.xml")),
        "{robots}"
    );

    let index = locations(&app, "/sitemap.xml").await;
    let mut articles = Vec::new();
    let mut pages = HashSet::new();
    for (loc, lastmod) in &index {
        let path = loc.strip_prefix(SITE).unwrap_or_else(|| panic!("{loc}"));
        if path.starts_with("/sitemaps/articles-") {
            assert!(lastmod.is_some(), "{loc}");
            articles.extend(locations(&app, path).await);
        } else if path != "/sitemaps/news.xml" {
            pages.extend(locations(&app, path).await.into_iter().map(|(l, _)| l));
        }
    }
    let expected: HashSet<String> = all
        .iter()
        .map(|a| format!("{SITE}{}", a["uri"].as_str().unwrap_or_default()))
        .collect();
    let found: HashSet<String> = articles.iter().map(|(l, _)| l.clone()).collect();
    assert_eq!(articles.len() as i64, total, "no story twice");
    assert_eq!(found, expected);
    assert!(articles.iter().all(|(_, lastmod)| lastmod.is_some()));
    for page in [
        "/news",
        "/afghanistan",
        "/tag/diplomacy",
        "/author/admin",
        "/source/courier-desk",
    ] {
        assert!(pages.contains(&format!("{SITE}{page}")), "{page}");
    }

    // The news sitemap: the last two days only, in Google's namespace.
    let text = app
        .get("/sitemaps/news.xml")
        .await
        .text()
        .await
        .unwrap_or_default();
    let document = roxmltree::Document::parse(&text).expect("the news sitemap parses");
    let news_ns = "http://www.google.com/schemas/sitemap-news/0.9";
    let dates: Vec<DateTime<Utc>> = document
        .descendants()
        .filter(|n| n.has_tag_name((news_ns, "publication_date")))
        .filter_map(|n| n.text())
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .collect();
    let recent = all
        .iter()
        .filter(|a| at(&a["publishedAt"]) >= Utc::now() - TimeDelta::days(2))
        .count();
    assert!(recent >= 1);
    assert_eq!(dates.len(), recent);
    assert!(dates.iter().all(|d| *d >= Utc::now() - TimeDelta::days(2)));
    let names: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name((news_ns, "name")))
        .filter_map(|n| n.text())
        .collect();
    assert!(names.iter().all(|n| *n == "Kabul Courier"));
    assert!(
        text.contains("<news:language>en</news:language>"),
        "ISO 639 for en-GB"
    );
}

#[tokio::test]
async fn control_characters_pasted_into_a_story_never_break_a_feed() {
    let app = spawn_site(FeedPolicy::default()).await;
    let editor = app.staff(Role::Editor).await;
    let article =
        crate::fixtures::draft(&app, &editor, "Budget\u{b}vote passes & ends ]]> late").await;
    let updated = crate::fixtures::update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "body": "<p>Page one\u{c}page two ]]> and \u{1}more.</p>" }),
    )
    .await;
    assert_eq!(updated["userErrors"], json!([]), "{updated}");
    crate::fixtures::publish(&app, &editor, &article).await;

    let id = app
        .article_id(article["slug"].as_str().expect("slug"))
        .await;
    let suffix = format!(":{id}");
    for (path, kind) in [("/feed", RSS), ("/feed/atom", ATOM)] {
        let parsed = feed(&app, path, kind).await;
        let entry = parsed
            .entries
            .iter()
            .find(|e| e.id.ends_with(&suffix))
            .unwrap_or_else(|| panic!("the story is in {path}"));
        let title = entry
            .title
            .as_ref()
            .map(|t| t.content.clone())
            .unwrap_or_default();
        assert!(
            title.starts_with("Budget") && title.contains("& ends ]]> late"),
            "{path}: {title}"
        );
    }
    let news = app
        .get("/sitemaps/news.xml")
        .await
        .text()
        .await
        .unwrap_or_default();
    let document = roxmltree::Document::parse(&news).expect("the news sitemap parses");
    assert!(
        document
            .descendants()
            .any(|n| n.text().is_some_and(|t| t.contains("& ends ]]> late"))),
        "{news}"
    );
    assert!(
        news.contains("<news:language>en</news:language>"),
        "ISO 639 for en-GB"
    );
}
