//! What pages tell search engines and social previews: absolute URLs on the configured
//! public site, titles and descriptions derived or set by editors, Open Graph and Twitter
//! fields, and schema.org JSON-LD — for published pages only.

use dateline_domain::Role;
use dateline_domain::route::PublicUrl;
use dateline_tests::{Settings, TestApp, error_codes, spawn_app_with};
use serde_json::{Value, json};

use crate::fixtures::{draft, error_field};

const SITE: &str = "https://news.example.org";

const ARTICLE_SEO: &str = r#"
query ArticleSeo($slug: String!) {
  article(slug: $slug) {
    id title subtitle excerpt uri url publishedAt updatedAt
    dateline { place }
    featuredImage { url altText }
    section { name url }
    author { name slug url }
    coAuthors { name slug url }
    tags { name url }
    source { name website url }
    seo {
      title description customTitle customDescription canonicalUrl robots jsonLd
      openGraph { type title description url siteName locale image { url alt }
                  publishedTime modifiedTime section tags authors }
      twitter { card title description image { url alt } }
    }
  }
}"#;

const UPDATE_SEO: &str = r#"
mutation UpdateSeo($input: UpdateSeoInput!) {
  updateSeo(input: $input) {
    node { __typename ... on Article { seo { title description customTitle } }
                      ... on Section { seo { title description } }
                      ... on Tag { seo { title } } }
    userErrors { path code message }
  }
}"#;

const SAMPLE: &str = "envoy-embarks-on-regional-peace-mission";

async fn spawn_site() -> TestApp {
    let mut settings = Settings::default();
    settings.api.public_url = Some(PublicUrl::parse(SITE).expect("a public URL"));
    settings.api.site_name = "Kabul Courier".to_owned();
    settings.api.site_language = "en-GB".to_owned();
    settings.api.site_logo_url = Some("https://news.example.org/logo.png".to_owned());
    spawn_app_with(settings).await
}

fn json_ld(seo: &Value) -> Value {
    let text = seo["jsonLd"].as_str().expect("jsonLd");
    assert!(!text.contains('<'), "safe inside a script element: {text}");
    serde_json::from_str(text).expect("jsonLd is JSON")
}

#[tokio::test]
async fn an_article_page_gives_search_engines_what_it_shows() {
    let app = spawn_site().await;
    let data = app.data(ARTICLE_SEO, json!({ "slug": SAMPLE })).await;
    let article = &data["article"];
    let seo = &article["seo"];
    let url = format!("{SITE}{}", article["uri"].as_str().expect("uri"));
    assert_eq!(article["url"], url);
    assert_eq!(seo["canonicalUrl"], url);
    assert_eq!(
        seo["title"], article["title"],
        "the headline when none is set"
    );
    assert_eq!(seo["customTitle"], Value::Null);
    let description = seo["description"].as_str().expect("a description");
    assert!(description.chars().count() <= 160, "{description}");
    let excerpt = article["excerpt"].as_str().expect("excerpt");
    assert!(
        excerpt.starts_with(description.trim_end_matches('…')),
        "derived from the excerpt: {description} / {excerpt}"
    );
    assert_eq!(seo["robots"], "index, follow, max-image-preview:large");
    assert!(
        article["section"]["url"]
            .as_str()
            .expect("section url")
            .starts_with(SITE)
    );
    assert!(
        article["author"]["url"]
            .as_str()
            .expect("author url")
            .starts_with(SITE)
    );

    let og = &seo["openGraph"];
    assert_eq!(og["type"], "article");
    assert_eq!(og["url"], url);
    assert_eq!(og["siteName"], "Kabul Courier");
    assert_eq!(og["locale"], "en_GB");
    assert_eq!(
        article["source"]["url"],
        format!("{SITE}/source/courier-desk")
    );
    assert_eq!(og["image"]["url"], article["featuredImage"]["url"]);
    assert_eq!(og["publishedTime"], article["publishedAt"]);
    assert_eq!(og["modifiedTime"], article["updatedAt"]);
    assert_eq!(og["section"], article["section"]["name"]);
    let tag_names: Vec<&Value> = article["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(
        og["tags"]
            .as_array()
            .expect("og tags")
            .iter()
            .collect::<Vec<_>>(),
        tag_names
    );
    assert_eq!(og["authors"][0], article["author"]["url"]);
    assert_eq!(seo["twitter"]["card"], "summary_large_image");
    assert_eq!(seo["twitter"]["image"], og["image"]);

    let ld = json_ld(seo);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], article["title"]);
    assert_eq!(ld["url"], url);
    assert_eq!(ld["mainEntityOfPage"]["@id"], url);
    assert_eq!(ld["datePublished"], article["publishedAt"]);
    assert_eq!(ld["dateModified"], article["updatedAt"]);
    assert_eq!(ld["author"][0]["@type"], "Person");
    assert_eq!(ld["author"][0]["name"], article["author"]["name"]);
    assert_eq!(ld["author"][0]["url"], article["author"]["url"]);
    let bylines = 1 + article["coAuthors"].as_array().expect("co-authors").len();
    assert_eq!(ld["author"].as_array().expect("authors").len(), bylines);
    assert_eq!(ld["publisher"]["name"], "Kabul Courier");
    assert_eq!(
        ld["publisher"]["logo"]["url"],
        "https://news.example.org/logo.png"
    );
    assert_eq!(ld["image"][0]["url"], article["featuredImage"]["url"]);
    assert_eq!(ld["articleSection"], article["section"]["name"]);
    assert_eq!(
        ld["keywords"]
            .as_array()
            .expect("keywords")
            .iter()
            .collect::<Vec<_>>(),
        tag_names
    );
    assert_eq!(ld["inLanguage"], "en-GB");
    if let Some(place) = article["dateline"]["place"].as_str() {
        assert_eq!(ld["dateline"], place);
        assert_eq!(
            ld["locationCreated"],
            json!({ "@type": "Place", "name": place })
        );
    }
    if !article["source"].is_null() {
        assert_eq!(ld["sourceOrganization"]["name"], article["source"]["name"]);
    }
}

#[tokio::test]
async fn an_editor_sets_the_title_and_description_and_can_take_them_back() {
    let app = spawn_site().await;
    let editor = app.staff(Role::Editor).await;
    let before = app.data(ARTICLE_SEO, json!({ "slug": SAMPLE })).await;
    let (id, headline) = (&before["article"]["id"], &before["article"]["title"]);
    let set = app
        .data_as(
            &editor,
            UPDATE_SEO,
            json!({ "input": { "id": id, "title": "Envoy heads out on peace tour", "description": "  What the envoy hopes to agree, and with whom. " } }),
        )
        .await;
    let payload = &set["updateSeo"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(
        payload["node"]["seo"]["title"],
        "Envoy heads out on peace tour"
    );

    let public = app.data(ARTICLE_SEO, json!({ "slug": SAMPLE })).await;
    let seo = &public["article"]["seo"];
    assert_eq!(seo["title"], "Envoy heads out on peace tour");
    assert_eq!(
        seo["description"],
        "What the envoy hopes to agree, and with whom."
    );
    assert_eq!(seo["openGraph"]["title"], seo["title"]);
    assert_eq!(seo["twitter"]["description"], seo["description"]);
    assert_eq!(json_ld(seo)["headline"], "Envoy heads out on peace tour");
    assert_eq!(
        &public["article"]["title"], headline,
        "the headline on the page is untouched"
    );

    // Only the title goes back; the description stays.
    let cleared = app
        .data_as(
            &editor,
            UPDATE_SEO,
            json!({ "input": { "id": id, "title": null } }),
        )
        .await;
    assert_eq!(cleared["updateSeo"]["userErrors"], json!([]));
    let seo = &app.data(ARTICLE_SEO, json!({ "slug": SAMPLE })).await["article"]["seo"];
    assert_eq!(&seo["title"], headline);
    assert_eq!(seo["customTitle"], Value::Null);
    assert_eq!(
        seo["customDescription"],
        "What the envoy hopes to agree, and with whom."
    );
}

#[tokio::test]
async fn seo_changes_are_checked_like_any_other() {
    let app = spawn_site().await;
    let id = app.data(ARTICLE_SEO, json!({ "slug": SAMPLE })).await["article"]["id"].clone();
    let anonymous = app
        .graphql(
            UPDATE_SEO,
            json!({ "input": { "id": id, "title": "Spam" } }),
        )
        .await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);

    // An author may not touch a colleague's story, nor a tag.
    let author = app.staff(Role::Author).await;
    let refused = app
        .graphql_as(
            Some(&author.token),
            UPDATE_SEO,
            json!({ "input": { "id": id, "title": "Mine" } }),
        )
        .await;
    assert_eq!(error_codes(&refused), ["FORBIDDEN"]);
    assert_eq!(refused["data"]["updateSeo"], Value::Null);

    let tag = app
        .data(r#"{ tag(slug: "diplomacy") { id } }"#, json!({}))
        .await["tag"]["id"]
        .clone();
    let refused = app
        .graphql_as(
            Some(&author.token),
            UPDATE_SEO,
            json!({ "input": { "id": tag, "title": "Mine" } }),
        )
        .await;
    assert_eq!(error_codes(&refused), ["FORBIDDEN"], "tags are for editors");
    let editor = app.staff(Role::Editor).await;
    let section = app.section_id("world").await;
    let refused = app
        .graphql_as(
            Some(&editor.token),
            UPDATE_SEO,
            json!({ "input": { "id": section, "title": "Mine" } }),
        )
        .await;
    assert_eq!(
        error_codes(&refused),
        ["FORBIDDEN"],
        "sections are for admins"
    );

    // A stale revision is a conflict, and nothing is written.
    let revision = app
        .data(
            r#"query($slug: String!) { article(slug: $slug) { revision } }"#,
            json!({ "slug": SAMPLE }),
        )
        .await["article"]["revision"]
        .as_i64()
        .expect("revision");
    let stale = app
        .data_as(
            &editor,
            UPDATE_SEO,
            json!({ "input": { "id": id, "title": "Late", "expectedRevision": revision - 1 } }),
        )
        .await;
    assert_eq!(
        stale["updateSeo"]["userErrors"][0]["code"], "CONFLICT",
        "{stale}"
    );
    assert_eq!(
        stale["updateSeo"]["userErrors"][0]["path"],
        json!(["input", "expectedRevision"])
    );
    let current = app
        .data_as(
            &editor,
            UPDATE_SEO,
            json!({ "input": { "id": id, "description": "Now.", "expectedRevision": revision } }),
        )
        .await;
    assert_eq!(current["updateSeo"]["userErrors"], json!([]), "{current}");

    let too_long = app
        .data_as(&editor, UPDATE_SEO, json!({ "input": { "id": id, "title": "x".repeat(201), "description": "y".repeat(501) } }))
        .await;
    let errors = too_long["updateSeo"]["userErrors"]
        .as_array()
        .expect("errors")
        .clone();
    let fields: Vec<String> = errors.iter().map(error_field).collect();
    assert_eq!(fields, ["title", "description"], "{errors:?}");
    let seo = &app.data(ARTICLE_SEO, json!({ "slug": SAMPLE })).await["article"]["seo"];
    assert_eq!(seo["customTitle"], Value::Null, "nothing was written");
    assert_eq!(seo["customDescription"], "Now.");

    let not_a_page = app
        .data_as(
            &editor,
            UPDATE_SEO,
            json!({ "input": { "id": "bm9wZTox", "title": "x" } }),
        )
        .await;
    assert_eq!(
        not_a_page["updateSeo"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn drafts_are_noindex_for_staff_and_nothing_for_the_public() {
    let app = spawn_site().await;
    let author = app.staff(Role::Author).await;
    let article = draft(&app, &author, "A draft the public never sees").await;
    let slug = article["slug"].as_str().expect("slug");
    let public = app.data(ARTICLE_SEO, json!({ "slug": slug })).await;
    assert_eq!(public["article"], Value::Null);
    let staff = app
        .data_as(&author, ARTICLE_SEO, json!({ "slug": slug }))
        .await;
    assert_eq!(staff["article"]["seo"]["robots"], "noindex, nofollow");
}

#[tokio::test]
async fn sections_tags_authors_and_sources_describe_themselves() {
    let app = spawn_site().await;
    let data = app
        .data(
            r#"{
              section(slug: "world") { name description url seo { title description canonicalUrl robots jsonLd openGraph { type } } }
              tag(slug: "diplomacy") { id name url seo { title description canonicalUrl jsonLd } }
              author(slug: "amina-rahimi") { name bio avatarUrl url seo { title description jsonLd openGraph { type image { url } } } }
              source(slug: "courier-desk") { name website url seo { canonicalUrl jsonLd } }
            }"#,
            json!({}),
        )
        .await;
    let section = &data["section"];
    assert_eq!(section["url"], format!("{SITE}/world"));
    assert_eq!(section["seo"]["canonicalUrl"], section["url"]);
    assert_eq!(section["seo"]["title"], section["name"]);
    assert_eq!(section["seo"]["openGraph"]["type"], "website");
    let ld = json_ld(&section["seo"]);
    assert_eq!(ld["@type"], "CollectionPage");
    assert_eq!(ld["url"], section["url"]);
    assert_eq!(ld["isPartOf"]["@type"], "WebSite");

    let tag = &data["tag"];
    assert_eq!(tag["url"], format!("{SITE}/tag/diplomacy"));
    assert_eq!(json_ld(&tag["seo"])["@type"], "CollectionPage");

    let author = &data["author"];
    assert_eq!(author["url"], format!("{SITE}/author/amina-rahimi"));
    assert_eq!(author["seo"]["openGraph"]["type"], "profile");
    let ld = json_ld(&author["seo"]);
    assert_eq!(ld["@type"], "ProfilePage");
    assert_eq!(ld["mainEntity"]["@type"], "Person");
    assert_eq!(ld["mainEntity"]["name"], author["name"]);
    if let Some(bio) = author["bio"].as_str() {
        assert!(
            bio.starts_with(
                author["seo"]["description"]
                    .as_str()
                    .expect("description")
                    .trim_end_matches('…')
            )
        );
    }

    let source = &data["source"];
    assert_eq!(source["url"], format!("{SITE}/source/courier-desk"));
    assert_eq!(source["website"], "https://courier.example/desk");
    assert_eq!(json_ld(&source["seo"])["about"]["name"], source["name"]);

    // An editor's words replace the derived ones on a tag too.
    let editor = app.staff(Role::Editor).await;
    let set = app
        .data_as(
            &editor,
            UPDATE_SEO,
            json!({ "input": { "id": tag["id"], "title": "Diplomacy news and analysis" } }),
        )
        .await;
    assert_eq!(
        set["updateSeo"]["node"]["seo"]["title"],
        "Diplomacy news and analysis"
    );
}

#[tokio::test]
async fn a_page_of_articles_with_their_metadata_costs_a_statement_per_kind() {
    let app = spawn_site().await;
    let query = r#"{ articles(first: 20) { nodes { url seo { title jsonLd } } } }"#;
    let (data, statements) = app.data_counting_statements(query, json!({})).await;
    let nodes = data["articles"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 20);
    assert!(nodes.iter().all(|n| {
        n["seo"]["jsonLd"]
            .as_str()
            .is_some_and(|s| s.contains("NewsArticle"))
    }));
    // The page, its authors, co-authors, tags, sources and SEO settings: each once.
    assert!(
        statements <= 8,
        "{statements} statements for 20 articles' metadata"
    );
}
