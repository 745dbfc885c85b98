//! `dateline import wordpress`: WordPress exports imported into a running newsroom, and what
//! readers and staff then see of them over GraphQL — articles, sections, tags, bylines,
//! bodies, old addresses — after importing once, again, and a later export.

use std::path::{Path, PathBuf};

use dateline_domain::Role;
use dateline_server::import::{ImportError, import_wordpress, survey};
use dateline_tests::{TestApp, spawn_app, spawn_warm_app};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/wordpress")
        .join(name)
}

/// A file of the test's own, removed when it ends.
struct TempFile(PathBuf);

impl TempFile {
    fn with(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "dateline-wxr-{}.xml",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, text).expect("write the export");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Both passes, as `dateline import wordpress` runs them.
async fn import(app: &TestApp, path: &Path) -> Result<dateline_wordpress::Report, ImportError> {
    let surveyed = survey(path)?;
    import_wordpress(&app.store, path, &surveyed, |_| {}).await
}

const ARTICLE: &str = r#"
query($slug: String!) {
  article(slug: $slug) {
    title status publishedAt featured excerpt body uri
    featuredImage { url altText caption }
    section { slug name parent { slug parent { slug } } }
    author { slug name }
    tags { slug name }
    seo { title description customTitle }
  }
}"#;

const ROUTE: &str = r#"
query($path: String!) {
  route(path: $path) {
    kind canonicalUri isRedirect
    node { __typename ... on Article { slug } ... on Section { slug } ... on Tag { slug } ... on Author { slug } }
  }
}"#;

async fn article(app: &TestApp, token: Option<&str>, slug: &str) -> Value {
    let response = app
        .graphql_as(token, ARTICLE, json!({ "slug": slug }))
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["article"].clone()
}

async fn route(app: &TestApp, path: &str) -> Value {
    app.data(ROUTE, json!({ "path": path })).await["route"].clone()
}

/// How many articles in each status the authors with these slugs have, as staff count
/// them.
async fn articles_by(app: &TestApp, token: &str, authors: &[&str]) -> Vec<i64> {
    let mut counts = Vec::new();
    for status in ["PUBLISHED", "SCHEDULED", "DRAFT", "ARCHIVED"] {
        let response = app
            .graphql_as(
                Some(token),
                "query($authors: [String!], $status: ArticleStatus) { articles(first: 100, filter: { authors: $authors, status: $status }) { totalCount } }",
                json!({ "authors": authors, "status": status }),
            )
            .await;
        counts.push(
            response["data"]["articles"]["totalCount"]
                .as_i64()
                .unwrap_or_else(|| panic!("a count: {response:#}")),
        );
    }
    counts
}

#[tokio::test]
async fn a_wordpress_site_reads_as_any_newsroom_after_its_import() {
    let app = spawn_app().await;
    let report = import(&app, &fixture("harbour-1.2.xml"))
        .await
        .expect("the export imports");

    assert_eq!(report.articles.created, 10, "{report}");
    assert_eq!(
        report.authors.created, 3,
        "jo, Sam.Tide and ghost: {report}"
    );
    assert_eq!(report.comments, 2);
    assert_eq!(report.private_as_drafts, 1);
    let skipped: usize = report.skipped.values().sum();
    assert_eq!(
        skipped, 6,
        "2 attachments, a page, a menu item, a product, a revision: {report}"
    );
    for warning in [
        "shortcode [contact-form-7] dropped",
        "shortcode [highlight] dropped",
        "slug `ferry-tide` used twice: post 109 is `ferry-tide-2`",
    ] {
        assert_eq!(
            report.warnings.get(warning),
            Some(&1),
            "{warning}: {report}"
        );
    }
    let text = report.to_string();
    assert!(
        text.contains("`ghost`") && text.contains("`tag-2`"),
        "{text}"
    );

    // The sticky post with its featured image, blocks, caption, embeds and gallery.
    let ferry = article(&app, None, "ferry-tide").await;
    assert_eq!(ferry["title"], "Ferry & tide: the new timetable");
    assert_eq!(ferry["status"], "PUBLISHED");
    assert_eq!(ferry["publishedAt"], "2019-05-01T08:00:00Z");
    assert_eq!(ferry["featured"], true);
    assert_eq!(
        ferry["excerpt"],
        "Morning sailings follow the tide from June."
    );
    assert_eq!(ferry["uri"], "/harbour-life/ferry-tide");
    assert_eq!(
        ferry["featuredImage"],
        json!({
            "url": "https://harbour.example/wp-content/uploads/2019/05/pier.jpg",
            "altText": "The old stone pier under a pink sky",
            "caption": "The pier at dawn, from the lighthouse",
        })
    );
    assert_eq!(ferry["section"]["slug"], "harbour-life");
    assert_eq!(ferry["section"]["parent"]["slug"], "ports");
    assert_eq!(ferry["section"]["parent"]["parent"]["slug"], "news");
    assert_eq!(ferry["author"], json!({ "slug": "jo", "name": "Jo Reed" }));
    assert_eq!(
        ferry["seo"],
        json!({
            "title": "Ferry timetable 2019: sailings follow the tide",
            "description": "From June the morning ferry leaves with the tide & the evening one at six.",
            "customTitle": "Ferry timetable 2019: sailings follow the tide",
        }),
        "Yoast SEO's title and description come along"
    );
    assert_eq!(
        ferry["tags"],
        json!([{ "slug": "ferries", "name": "Ferries" }, { "slug": "tides", "name": "Tides" }])
    );
    let body = ferry["body"].as_str().expect("a body");
    assert!(!body.contains("wp:") && !body.contains('['), "{body}");
    assert!(
        body.contains(r#"alt="Pier""#)
            && body.contains("<figcaption>The pier at dawn</figcaption>"),
        "the caption shortcode is a figure: {body}"
    );
    assert!(
        body.contains(r#"href="https://video.example/watch?v=ferry""#)
            && body.contains(r#"href="https://video.example/watch?v=tide""#),
        "embeds are links: {body}"
    );
    assert!(
        body.contains("board.jpg") && body.contains(r#"alt="Departure board""#),
        "the gallery shows its images: {body}"
    );
    assert!(
        body.contains("Ask the harbour master") && !body.contains("contact-form"),
        "{body}"
    );

    // A classic-editor post by an author the export does not describe, with a script and
    // broken markup, filed under no category.
    let storm = article(&app, None, "storm-warning").await;
    let body = storm["body"].as_str().expect("a body");
    assert!(
        body.starts_with("<p>Gales are expected tonight.<br>"),
        "{body}"
    );
    assert!(
        !body.contains("script") && !body.contains("alert") && !body.contains("onclick"),
        "{body}"
    );
    assert!(body.contains("</b>"), "broken markup is closed: {body}");
    assert_eq!(storm["author"]["slug"], "ghost");
    assert_eq!(storm["section"]["slug"], "uncategorized");

    // A reserved category slug is renamed; a duplicate post slug gets a suffix; a post
    // without a GMT date keeps its local one.
    let sequel = article(&app, None, "ferry-tide-2").await;
    assert_eq!(sequel["section"]["slug"], "tag-2");
    assert_eq!(sequel["section"]["name"], "Tag Days");
    let undated = article(&app, None, "undated-notice").await;
    assert_eq!(undated["publishedAt"], "2017-03-03T12:00:00Z");
    let section = app
        .data(
            "{ section(slug: \"ports\") { name parent { name } } }",
            json!({}),
        )
        .await;
    // The newsroom has a `news` section already: the category joins it.
    assert_eq!(section["section"]["name"], "Ports & Docks");
    assert_eq!(section["section"]["parent"]["name"], "News");

    // Nothing but published posts reaches the public; staff see every status.
    let editor = app.staff(Role::Editor).await;
    for (slug, status) in [
        ("tall-ships", "SCHEDULED"),
        ("draft-harbour-plans", "DRAFT"),
        ("lighthouse-repairs", "DRAFT"),
        ("staff-rota", "DRAFT"),
        ("auto-draft", "DRAFT"),
        ("old-notice", "ARCHIVED"),
    ] {
        assert_eq!(
            article(&app, None, slug).await,
            Value::Null,
            "{slug} is not public"
        );
        let seen = article(&app, Some(&editor.token), slug).await;
        assert_eq!(seen["status"], status, "{slug}");
    }
    let scheduled = article(&app, Some(&editor.token), "tall-ships").await;
    assert_eq!(scheduled["publishedAt"], "2036-07-01T09:00:00Z");
    assert_eq!(
        article(&app, None, "about").await,
        Value::Null,
        "pages are skipped"
    );
    assert_eq!(route(&app, "/2024/11/staff-rota/").await, Value::Null);
    // A draft's `?p=` address is the front page's, as any unknown query is.
    assert_eq!(route(&app, "/?p=103").await["kind"], "HOME");
    assert_eq!(
        route(&app, "/tag/secret-marina/").await,
        Value::Null,
        "a draft's tag"
    );

    // Imported articles are searchable like any other.
    let found = app
        .data(
            "{ search(query: \"gales breakwater\", first: 5) { nodes { article { slug } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["search"]["nodes"][0]["article"]["slug"],
        "storm-warning"
    );
}

#[tokio::test]
async fn old_wordpress_addresses_redirect_to_the_new_pages() {
    let app = spawn_warm_app().await;
    let demo_article = json!({ "path": "/latest-updates/envoy-embarks-on-regional-peace-mission" });
    // The fewest of a few runs: the first after a change (this import) reads the section
    // tree again.
    let cost = async || {
        let mut fewest = usize::MAX;
        for _ in 0..3 {
            let (_, statements) = app
                .data_counting_statements(ROUTE, demo_article.clone())
                .await;
            fewest = fewest.min(statements);
        }
        fewest
    };
    let before = cost().await;
    import(&app, &fixture("harbour-1.2.xml"))
        .await
        .expect("the export imports");
    let after = cost().await;
    assert_eq!(before, after, "a path that names a page costs what it did");
    for (path, kind, canonical, slug) in [
        (
            "/2019/05/ferry-tide/",
            "ARTICLE",
            "/harbour-life/ferry-tide",
            "ferry-tide",
        ),
        (
            "/2019/05/Ferry-Tide",
            "ARTICLE",
            "/harbour-life/ferry-tide",
            "ferry-tide",
        ),
        (
            "/?p=101",
            "ARTICLE",
            "/harbour-life/ferry-tide",
            "ferry-tide",
        ),
        (
            "/?p=109&utm_source=x",
            "ARTICLE",
            "/tag-2/ferry-tide-2",
            "ferry-tide-2",
        ),
        (
            "/2019/06/ferry-tide/",
            "ARTICLE",
            "/tag-2/ferry-tide-2",
            "ferry-tide-2",
        ),
        (
            "/undated-notice/",
            "ARTICLE",
            "/news/undated-notice",
            "undated-notice",
        ),
        ("/category/news/", "SECTION", "/news", "news"),
        (
            "/category/news/ports/harbour-life/",
            "SECTION",
            "/harbour-life",
            "harbour-life",
        ),
        ("/category/tag/", "SECTION", "/tag-2", "tag-2"),
        ("/tag/ferries/", "TAG", "/tag/ferries", "ferries"),
        ("/author/jo/", "AUTHOR", "/author/jo", "jo"),
        (
            "/author/sam-tide/",
            "AUTHOR",
            "/author/sam-tide",
            "sam-tide",
        ),
    ] {
        let found = route(&app, path).await;
        assert_eq!(found["kind"], kind, "{path}: {found}");
        assert_eq!(found["canonicalUri"], canonical, "{path}");
        assert_eq!(found["isRedirect"], true, "{path}");
        assert_eq!(found["node"]["slug"], slug, "{path}");
    }
    // New-style paths answer as before, and unknown old ones name nothing.
    let canonical = route(&app, "/harbour-life/ferry-tide").await;
    assert_eq!(canonical["isRedirect"], false);
    assert_eq!(route(&app, "/2019/05/no-such-post/").await, Value::Null);
    assert_eq!(route(&app, "/?p=99999").await["kind"], "HOME");
}

#[tokio::test]
async fn wxr_1_1_exports_import_too() {
    let app = spawn_app().await;
    let report = import(&app, &fixture("harbour-1.1.xml"))
        .await
        .expect("the export imports");
    assert_eq!(report.origin, "http://gazette.example");
    assert_eq!(report.comments, 1);
    let fog = article(&app, None, "fog-horn-tested").await;
    assert_eq!(fog["title"], "Fog horn tested");
    assert_eq!(
        fog["body"],
        "<p>The fog horn sounded at noon.</p>\n<p>It was heard across the bay.</p>\n"
    );
    assert_eq!(fog["section"]["slug"], "lamps");
    assert_eq!(
        fog["author"],
        json!({ "slug": "keeper", "name": "The Keeper" })
    );
    assert_eq!(fog["tags"][0]["slug"], "fog");
    let found = route(&app, "/lamps/fog-horn-tested/").await;
    assert_eq!(found["canonicalUri"], "/lamps/fog-horn-tested");
}

/// The fixture as a later export of the site has it: post 101 retitled, post 112 new.
fn later_export() -> String {
    let original = std::fs::read_to_string(fixture("harbour-1.2.xml")).expect("the fixture");
    let new_post = r#"
	<item>
		<title><![CDATA[Harbour festival announced]]></title>
		<link>https://harbour.example/2024/12/festival/</link>
		<dc:creator><![CDATA[jo]]></dc:creator>
		<content:encoded><![CDATA[<p>Music on the quay.</p>]]></content:encoded>
		<wp:post_id>112</wp:post_id>
		<wp:post_date_gmt><![CDATA[2024-12-01 10:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[festival]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<category domain="category" nicename="news"><![CDATA[Quay News]]></category>
	</item>
</channel>"#;
    original
        .replace(
            "<title><![CDATA[Ferry &amp; tide: the new timetable]]></title>\n\t\t<link>https://harbour.example/2019/05/ferry-tide/</link>",
            "<title><![CDATA[Ferry timetable revised]]></title>\n\t\t<link>https://harbour.example/2019/05/ferry-tide/</link>",
        )
        .replace(
            "<wp:post_modified_gmt><![CDATA[2019-05-02 08:00:00]]></wp:post_modified_gmt>",
            "<wp:post_modified_gmt><![CDATA[2024-12-02 08:00:00]]></wp:post_modified_gmt>",
        )
        .replace("</channel>", new_post)
}

#[tokio::test]
async fn importing_again_updates_and_a_later_export_adds_what_is_new() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let authors = ["jo", "sam-tide", "ghost"];
    let first = import(&app, &fixture("harbour-1.2.xml"))
        .await
        .expect("first import");
    assert_eq!(first.articles.created, 10);
    assert_eq!(
        articles_by(&app, &editor.token, &authors).await,
        [4, 1, 4, 1]
    );

    let again = import(&app, &fixture("harbour-1.2.xml"))
        .await
        .expect("second import");
    assert_eq!(
        (
            again.articles.created,
            again.articles.updated,
            again.articles.unchanged
        ),
        (0, 0, 10),
        "{again}"
    );
    assert_eq!(
        again.authors.created + again.sections.created + again.tags.created,
        0
    );
    assert_eq!(
        articles_by(&app, &editor.token, &authors).await,
        [4, 1, 4, 1],
        "no duplicates"
    );
    assert_eq!(
        article(&app, None, "ferry-tide-2").await["title"],
        "Ferry tide, the sequel"
    );

    let later = TempFile::with(&later_export());
    let report = import(&app, &later.0).await.expect("the later export");
    assert_eq!(
        (
            report.articles.created,
            report.articles.updated,
            report.articles.unchanged
        ),
        (1, 1, 9),
        "{report}"
    );
    assert_eq!(
        articles_by(&app, &editor.token, &authors).await,
        [5, 1, 4, 1]
    );
    let ferry = article(&app, None, "ferry-tide").await;
    assert_eq!(ferry["title"], "Ferry timetable revised");
    assert_eq!(ferry["featured"], true);
    let festival = article(&app, None, "festival").await;
    assert_eq!(festival["section"]["slug"], "news");
    let found = route(&app, "/2024/12/festival/").await;
    assert_eq!(found["canonicalUri"], "/news/festival");
    // The update is a revision like an editor's save.
    let revisions = app
        .graphql_as(
            Some(&editor.token),
            "{ article(slug: \"ferry-tide\") { revision revisions { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(revisions["data"]["article"]["revision"], 2, "{revisions:#}");
    assert_eq!(revisions["data"]["article"]["revisions"]["totalCount"], 2);
}

#[tokio::test]
async fn a_file_that_is_not_a_wordpress_export_changes_nothing() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    let count = "{ articles(first: 1) { totalCount } sections { slug } }";
    let before = app.graphql_as(Some(&editor.token), count, json!({})).await;

    let whole = std::fs::read_to_string(fixture("harbour-1.2.xml")).expect("the fixture");
    let truncated = TempFile::with(&whole[..whole.len() * 2 / 3]);
    let plain_feed = TempFile::with(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Blog</title>\n<item><title>Hi</title></item></channel></rss>\n",
    );
    let not_xml = TempFile::with("{\"posts\": []}\n");
    let html = TempFile::with("<!DOCTYPE html>\n<html><body>Export</body></html>\n");
    for (file, problem) in [
        (&truncated, "truncated"),
        (&plain_feed, "not a WordPress export"),
        (&not_xml, "not XML"),
        (&html, "<html>"),
    ] {
        let error = import(&app, &file.0).await.expect_err("refused");
        let message = error.to_string();
        assert!(
            message.contains(problem) && message.contains("line "),
            "{message}"
        );
        assert!(!message.contains('\n'), "one line: {message}");
    }

    // A file that changes between the passes fails half-way through the second one: its
    // transaction is rolled back.
    let surveyed = survey(&fixture("harbour-1.2.xml")).expect("the fixture");
    let cut_after_posts = whole
        .rfind("<item>")
        .map(|last| &whole[..last + 20])
        .expect("items");
    let changing = TempFile::with(cut_after_posts);
    let failed = import_wordpress(&app.store, &changing.0, &surveyed, |_| {}).await;
    assert!(failed.is_err());

    let after = app.graphql_as(Some(&editor.token), count, json!({})).await;
    assert_eq!(before, after, "nothing was written");
    assert_eq!(
        article(&app, Some(&editor.token), "ferry-tide").await,
        Value::Null
    );
}

#[tokio::test]
async fn names_in_another_script_keep_their_records_apart() {
    let app = spawn_app().await;
    let category = |nicename: &str, name: &str| {
        format!(
            "<wp:category><wp:category_nicename><![CDATA[{nicename}]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[{name}]]></wp:cat_name></wp:category>"
        )
    };
    let post = |id: u32, nicename: &str| {
        format!(
            "<item><title><![CDATA[Новость {id}]]></title><link>https://ru.example/{id}/</link><dc:creator><![CDATA[редактор]]></dc:creator><content:encoded><![CDATA[Текст.]]></content:encoded><wp:post_id>{id}</wp:post_id><wp:post_date_gmt><![CDATA[2024-01-0{id} 10:00:00]]></wp:post_date_gmt><wp:post_name><![CDATA[%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d1%8c-{id}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type><category domain=\"category\" nicename=\"{nicename}\"><![CDATA[x]]></category></item>"
        )
    };
    let export = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Новости</title><link>https://ru.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://ru.example</wp:base_site_url>
{}
{}
{}
{}
</channel></rss>"#,
        category(
            "%d0%bf%d0%be%d0%bb%d0%b8%d1%82%d0%b8%d0%ba%d0%b0",
            "Политика"
        ),
        category("%d1%81%d0%bf%d0%be%d1%80%d1%82", "Спорт"),
        post(1, "%d0%bf%d0%be%d0%bb%d0%b8%d1%82%d0%b8%d0%ba%d0%b0"),
        post(2, "%d1%81%d0%bf%d0%be%d1%80%d1%82"),
    );
    let file = TempFile::with(&export);
    let report = import(&app, &file.0).await.expect("the export imports");
    assert_eq!(report.sections.created, 2, "{report}");
    assert_eq!(report.articles.created, 2, "{report}");
    let first = route(&app, "/1/").await;
    let second = route(&app, "/2/").await;
    assert_eq!(first["canonicalUri"], "/section-1/1", "{first}");
    assert_eq!(second["canonicalUri"], "/section-2/2", "{second}");
    let politics = app
        .data("{ section(slug: \"section-1\") { name } }", json!({}))
        .await;
    assert_eq!(politics["section"]["name"], "Политика");
}

#[tokio::test]
async fn feed_readers_see_imported_stories_under_their_wordpress_guids() {
    let app = spawn_app().await;
    import(&app, &fixture("harbour-1.2.xml"))
        .await
        .expect("the export imports");
    for path in ["/author/jo/feed", "/author/jo/feed/atom"] {
        let body = app.get(path).await.bytes().await.expect("the feed");
        let feed = feed_rs::parser::parse(&body[..]).expect("the feed parses");
        let ferry = feed
            .entries
            .iter()
            .find(|e| {
                e.title
                    .as_ref()
                    .is_some_and(|t| t.content.contains("Ferry"))
            })
            .unwrap_or_else(|| panic!("the imported story is in {path}"));
        assert_eq!(
            ferry.id, "https://harbour.example/?p=101",
            "the GUID WordPress gave it, so subscribers do not see it again as new"
        );
    }
    let body = app.get("/feed").await.bytes().await.expect("the feed");
    let front = feed_rs::parser::parse(&body[..]).expect("the feed parses");
    let demo = front
        .entries
        .first()
        .expect("the demo newsroom's latest story");
    assert!(demo.id.starts_with("tag:"), "{}", demo.id);
}

/// A WXR 1.0 export of a Persian-language site: non-Latin slugs percent-encoded in its
/// addresses, tags in the old `domain="tag"` form, and a password-protected post.
const PERSIAN_WXR_1_0: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.0/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.0/"
>
<channel>
	<title>خبرگزاری</title>
	<link>https://khabar.example</link>
	<wp:wxr_version>1.0</wp:wxr_version>
	<wp:base_site_url>https://khabar.example</wp:base_site_url>
	<wp:base_blog_url>https://khabar.example</wp:base_blog_url>
	<wp:category><wp:category_nicename>siasat</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[سیاست]]></wp:cat_name></wp:category>
	<item>
		<title>نشست صلح در کابل</title>
		<link>https://khabar.example/2019/05/%d9%86%d8%b4%d8%b3%d8%aa-%d8%b5%d9%84%d8%ad/</link>
		<dc:creator>editor</dc:creator>
		<guid isPermaLink="false">https://khabar.example/?p=31</guid>
		<content:encoded><![CDATA[<p>نشست صلح [sic] امروز برگزار شد. [Updated] ساعت ده.</p>]]></content:encoded>
		<wp:post_id>31</wp:post_id>
		<wp:post_date>2019-05-03 10:00:00</wp:post_date>
		<wp:post_date_gmt>2019-05-03 05:30:00</wp:post_date_gmt>
		<wp:post_name>%d9%86%d8%b4%d8%b3%d8%aa-%d8%b5%d9%84%d8%ad</wp:post_name>
		<wp:status>publish</wp:status>
		<wp:post_type>post</wp:post_type>
		<wp:post_password></wp:post_password>
		<category domain="category" nicename="siasat"><![CDATA[سیاست]]></category>
		<category domain="tag" nicename="kabul"><![CDATA[کابل]]></category>
	</item>
	<item>
		<title>For subscribers only</title>
		<link>https://khabar.example/2019/05/subscribers/</link>
		<dc:creator>editor</dc:creator>
		<guid isPermaLink="false">https://khabar.example/?p=32</guid>
		<content:encoded><![CDATA[<p>Behind a password on WordPress.</p>]]></content:encoded>
		<wp:post_id>32</wp:post_id>
		<wp:post_date_gmt>2019-05-04 05:30:00</wp:post_date_gmt>
		<wp:post_name>subscribers</wp:post_name>
		<wp:status>publish</wp:status>
		<wp:post_type>post</wp:post_type>
		<wp:post_password>s3cret</wp:post_password>
		<category domain="category" nicename="siasat"><![CDATA[سیاست]]></category>
	</item>
	<item>
		<title>The envoy's mission, as we reported it</title>
		<link>https://khabar.example/siasat/envoy-embarks-on-regional-peace-mission/</link>
		<dc:creator>editor</dc:creator>
		<guid isPermaLink="false">https://khabar.example/?p=33</guid>
		<content:encoded><![CDATA[<p>Our own report.</p>]]></content:encoded>
		<wp:post_id>33</wp:post_id>
		<wp:post_date_gmt>2019-05-05 05:30:00</wp:post_date_gmt>
		<wp:post_name>envoy-embarks-on-regional-peace-mission</wp:post_name>
		<wp:status>publish</wp:status>
		<wp:post_type>post</wp:post_type>
		<category domain="category" nicename="siasat"><![CDATA[سیاست]]></category>
	</item>
</channel>
</rss>
"#;

#[tokio::test]
async fn a_persian_wxr_1_0_site_keeps_its_addresses_tags_and_private_posts() {
    let app = spawn_app().await;
    let file = TempFile::with(PERSIAN_WXR_1_0);
    let report = import(&app, &file.0).await.expect("the export imports");
    assert_eq!(report.articles.created, 3, "{report}");
    assert_eq!(report.protected_as_drafts, 1, "{report}");

    // A post whose slug the newsroom already had: its old address leads to it, not, by
    // the slug, to the newsroom's story.
    let renamed = route(&app, "/siasat/envoy-embarks-on-regional-peace-mission/").await;
    assert_eq!(
        renamed["canonicalUri"], "/siasat/envoy-embarks-on-regional-peace-mission-2",
        "{renamed}"
    );

    // The old address, as a browser sends it and as a frontend may pass it decoded.
    let mut found = Vec::new();
    for path in [
        "/2019/05/%D9%86%D8%B4%D8%B3%D8%AA-%D8%B5%D9%84%D8%AD/",
        "/2019/05/نشست-صلح",
        "/?p=31",
    ] {
        let answer = route(&app, path).await;
        assert_eq!(answer["kind"], "ARTICLE", "{path}: {answer}");
        assert_eq!(answer["isRedirect"], true, "{path}");
        found.push(answer["canonicalUri"].clone());
    }
    assert!(found.windows(2).all(|w| w[0] == w[1]), "{found:?}");
    let slug = found[0]
        .as_str()
        .and_then(|uri| uri.rsplit('/').next())
        .expect("an article path");
    let story = article(&app, None, slug).await;
    assert_eq!(story["title"], "نشست صلح در کابل");
    assert_eq!(
        story["tags"],
        json!([{ "slug": "kabul", "name": "کابل" }]),
        "WXR 1.0 tags"
    );
    let body = story["body"].as_str().expect("a body");
    assert!(
        body.contains("[sic]") && body.contains("[Updated]"),
        "brackets in prose stay: {body}"
    );

    // A later export without the protected post: the summary says so, and nothing goes.
    let start = PERSIAN_WXR_1_0
        .find("\t<item>\n\t\t<title>For subscribers only")
        .expect("the post");
    let end =
        start + PERSIAN_WXR_1_0[start..].find("</item>\n").expect("its end") + "</item>\n".len();
    let later = TempFile::with(&format!(
        "{}{}",
        &PERSIAN_WXR_1_0[..start],
        &PERSIAN_WXR_1_0[end..]
    ));
    let again = import(&app, &later.0)
        .await
        .expect("the later export imports");
    assert_eq!(again.missing_from_export, 1, "{again}");
    assert_eq!(again.articles.unchanged, 2, "{again}");

    // The protected post is a draft: the public cannot reach it by any address.
    assert_eq!(route(&app, "/?p=32").await["node"], Value::Null);
    let editor = app.staff(Role::Editor).await;
    let drafts = app
        .data_as(
            &editor,
            r#"{ articles(first: 5, filter: { status: DRAFT }) { nodes { title } } }"#,
            json!({}),
        )
        .await;
    assert!(
        drafts["articles"]["nodes"]
            .as_array()
            .expect("drafts")
            .iter()
            .any(|n| n["title"] == "For subscribers only"),
        "{drafts}"
    );
}

/// A WXR 1.2 site whose categories and tags are named in Persian: `categories` are the
/// channel's `wp:category` elements, and its one post is filed under the first.
fn persian_terms(categories: &[(u64, &str, &str)], post_category: &str) -> String {
    let terms: String = categories
        .iter()
        .map(|(id, nicename, name)| {
            format!(
                "<wp:category><wp:term_id>{id}</wp:term_id><wp:category_nicename>{nicename}</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[{name}]]></wp:cat_name></wp:category>\n"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Khabar</title><link>https://fa.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://fa.example</wp:base_site_url><wp:base_blog_url>https://fa.example</wp:base_blog_url>
{terms}<item>
<title>Story</title><link>https://fa.example/?p=5</link><dc:creator>editor</dc:creator>
<content:encoded><![CDATA[<p>Text.</p>]]></content:encoded>
<wp:post_id>5</wp:post_id><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><wp:post_name>story</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<category domain="category" nicename="{post_category}"><![CDATA[x]]></category>
</item>
</channel>
</rss>
"#
    )
}

/// The section of the story `persian_terms` files.
async fn story_section(app: &TestApp) -> Value {
    app.data(
        r#"{ article(slug: "story") { section { slug name } } }"#,
        json!({}),
    )
    .await["article"]["section"]
        .clone()
}

#[tokio::test]
async fn terms_keep_their_sections_when_a_later_export_adds_or_renames_some() {
    let app = spawn_app().await;
    let siasat = "%d8%b3%db%8c%d8%a7%d8%b3%d8%aa"; // سیاست
    let first = TempFile::with(&persian_terms(&[(40, siasat, "سیاست")], siasat));
    import(&app, &first.0).await.expect("first import");
    let before = story_section(&app).await;
    assert_eq!(before["name"], "سیاست");
    assert_eq!(before["slug"], "section-40", "numbered by its term id");

    // A new category before it in the export, and the old one's slug renamed on WordPress:
    // the post stays in its section, and no second one is made for it.
    let eghtesad = "%d8%a7%d9%82%d8%aa%d8%b5%d8%a7%d8%af"; // اقتصاد
    let renamed = "politics";
    let later = TempFile::with(&persian_terms(
        &[(41, eghtesad, "اقتصاد"), (40, renamed, "سیاست")],
        renamed,
    ));
    let report = import(&app, &later.0).await.expect("later import");
    assert_eq!(
        report.sections.created, 1,
        "only the new category: {report}"
    );
    assert_eq!(
        story_section(&app).await["slug"],
        before["slug"],
        "{report}"
    );
}
