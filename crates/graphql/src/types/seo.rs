//! `seo` on every public page: what a frontend puts in the page's `<head>` for search
//! engines and social previews — title, description, canonical URL, robots directive, Open
//! Graph and Twitter card fields, and schema.org structured data as JSON-LD.
//!
//! Editors may set a title and description (`updateSeo`); otherwise they derive from what
//! the page shows (headline and excerpt, a section's description, an author's bio).

use async_graphql::SimpleObject;
use dateline_domain::model;
use dateline_domain::seo::{self, PageKind, SeoOverride};
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::scalars::{DateTime, Url};
use crate::scope::RequestScope;
use crate::site::Site;

/// What a page tells search engines and social networks.
#[derive(SimpleObject)]
pub struct Seo {
    /// The title for `<title>`, search results and previews: the editor's SEO title, else
    /// the page's own (an article's headline). Frontends add the site's name if they wish.
    pub title: String,
    /// The meta description: the editor's, else derived from what the page shows (an
    /// article's excerpt), cut to 160 characters at a word.
    pub description: Option<String>,
    /// The SEO title an editor set, if any (for the desk's form).
    pub custom_title: Option<String>,
    /// The SEO description an editor set, if any.
    pub custom_description: Option<String>,
    /// The one address search engines should index the page under (`<link
    /// rel="canonical">`).
    pub canonical_url: Url,
    /// The `<meta name="robots">` directive: `index, follow, max-image-preview:large`, or
    /// `noindex, nofollow` for an article that is not public yet (or any more), as staff
    /// and preview links see it.
    pub robots: String,
    /// Open Graph (`og:*`) properties, for link previews.
    pub open_graph: OpenGraph,
    /// Twitter card (`twitter:*`) properties.
    pub twitter: TwitterCard,
    /// schema.org structured data for `<script type="application/ld+json">`: a
    /// `NewsArticle` for an article, a `CollectionPage` for a section, tag or source, a
    /// `ProfilePage` for an author. `<`, `>` and `&` are escaped, so the string can be put
    /// into the script element as it is.
    pub json_ld: String,
}

/// Open Graph properties.
#[derive(SimpleObject)]
pub struct OpenGraph {
    /// `og:type`: `article`, `profile` or `website`.
    #[graphql(name = "type")]
    pub kind: String,
    /// `og:title`.
    pub title: String,
    /// `og:description`.
    pub description: Option<String>,
    /// `og:url`: the canonical URL.
    pub url: Url,
    /// `og:site_name`.
    pub site_name: String,
    /// `og:locale`, such as `en_GB` or `fa_AF`: from `--site-language` when it names a
    /// region; else null (Open Graph then assumes `en_US`).
    pub locale: Option<String>,
    /// `og:image`, with its alt text.
    pub image: Option<SeoImage>,
    /// `article:published_time`.
    pub published_time: Option<DateTime>,
    /// `article:modified_time`.
    pub modified_time: Option<DateTime>,
    /// `article:section`: the primary section's name.
    pub section: Option<String>,
    /// `article:tag`: the tags' names.
    pub tags: Vec<String>,
    /// `article:author`: the addresses of the authors' pages.
    pub authors: Vec<Url>,
}

/// Twitter card properties.
#[derive(SimpleObject)]
pub struct TwitterCard {
    /// `twitter:card`: `summary_large_image` for an article with a lead picture, else
    /// `summary`.
    pub card: String,
    /// `twitter:title`.
    pub title: String,
    /// `twitter:description`.
    pub description: Option<String>,
    /// `twitter:image` and `twitter:image:alt`.
    pub image: Option<SeoImage>,
}

/// A picture for previews.
#[derive(SimpleObject, Clone)]
pub struct SeoImage {
    /// Where the image is.
    pub url: Url,
    /// Text for readers who cannot see it.
    pub alt: Option<String>,
}

/// What editors set on the page `kind`/`id`, read with every other page of the request.
pub(crate) async fn custom(
    scope: &RequestScope,
    kind: PageKind,
    id: i32,
) -> ApiResult<SeoOverride> {
    Ok(scope
        .loaders
        .seo
        .load_one((kind, id))
        .await?
        .unwrap_or_default())
}

/// A page, as its metadata sees it.
pub(crate) struct Page<'a> {
    pub site: &'a Site,
    pub custom: SeoOverride,
    /// The page's own title.
    pub title: String,
    /// What the description derives from when editors set none.
    pub summary: Option<String>,
    pub uri: String,
    pub public: bool,
    pub og_type: &'static str,
    pub image: Option<SeoImage>,
}

impl Page<'_> {
    /// The page's metadata, with `article` facts when it is an article and `json_ld` its
    /// structured data (given the title, description and URL the page settles on).
    pub fn seo(
        self,
        article: Option<ArticleFacts>,
        json_ld: impl FnOnce(&str, Option<&str>, &Url) -> Value,
    ) -> Seo {
        let title = self.custom.title.clone().unwrap_or(self.title);
        let description = self
            .custom
            .description
            .clone()
            .or_else(|| self.summary.as_deref().and_then(seo::meta_description));
        let url = self.site.url(&self.uri);
        let data = json_ld(&title, description.as_deref(), &url);
        let article_page = article.is_some();
        let article = article.unwrap_or_default();
        Seo {
            open_graph: OpenGraph {
                kind: self.og_type.to_owned(),
                title: title.clone(),
                description: description.clone(),
                url: url.clone(),
                site_name: self.site.name.clone(),
                locale: seo::open_graph_locale(&self.site.language),
                image: self.image.clone(),
                published_time: article.published_time,
                modified_time: article.modified_time,
                section: article.section,
                tags: article.tags,
                authors: article.authors,
            },
            twitter: TwitterCard {
                card: if self.image.is_some() && article_page {
                    "summary_large_image"
                } else {
                    "summary"
                }
                .to_owned(),
                title: title.clone(),
                description: description.clone(),
                image: self.image,
            },
            title,
            description,
            custom_title: self.custom.title,
            custom_description: self.custom.description,
            canonical_url: url,
            robots: if self.public {
                seo::ROBOTS_PUBLIC
            } else {
                seo::ROBOTS_PRIVATE
            }
            .to_owned(),
            json_ld: script_safe(&data),
        }
    }
}

/// The Open Graph facts only articles have.
#[derive(Default)]
pub(crate) struct ArticleFacts {
    pub published_time: Option<DateTime>,
    pub modified_time: Option<DateTime>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub authors: Vec<Url>,
}

/// `value` as JSON that can sit inside a `<script>` element: `<`, `>` and `&` written as
/// `\u` escapes, which JSON reads back as the same characters.
fn script_safe(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The publication, as schema.org's `publisher` (a news organisation with its logo).
pub(crate) fn publisher(site: &Site) -> Value {
    let mut publisher = json!({
        "@type": "NewsMediaOrganization",
        "name": site.name,
        "url": site.url("/").0,
    });
    if let Some(logo) = &site.logo_url {
        publisher["logo"] = json!({ "@type": "ImageObject", "url": logo });
    }
    publisher
}

/// The site, as what a page `isPartOf`.
pub(crate) fn website(site: &Site) -> Value {
    json!({
        "@type": "WebSite",
        "name": site.name,
        "url": site.url("/").0,
        "publisher": publisher(site),
    })
}

/// A person of the newsroom, as schema.org's `Person` with the author page's address.
pub(crate) fn person(site: &Site, author: &model::Author) -> Value {
    let mut person = json!({
        "@type": "Person",
        "name": author.name,
        "url": site.url(&dateline_domain::route::author_uri(&author.slug)).0,
    });
    if let Some(avatar) = &author.avatar_url {
        person["image"] = json!(avatar);
    }
    person
}

/// A page listing stories (a section, tag or source) as schema.org's `CollectionPage`.
pub(crate) fn collection_page(
    site: &Site,
    title: &str,
    description: Option<&str>,
    url: &Url,
    breadcrumb: Option<Value>,
) -> Value {
    let mut data = json!({
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "url": url.0,
        "name": title,
        "inLanguage": site.language,
        "isPartOf": website(site),
    });
    if let Some(description) = description {
        data["description"] = json!(description);
    }
    if let Some(breadcrumb) = breadcrumb {
        data["breadcrumb"] = breadcrumb;
    }
    data
}

/// A breadcrumb trail as schema.org's `BreadcrumbList`.
pub(crate) fn breadcrumbs(site: &Site, trail: &[(String, String)]) -> Value {
    let items: Vec<Value> = trail
        .iter()
        .enumerate()
        .map(|(at, (name, uri))| {
            json!({
                "@type": "ListItem",
                "position": at + 1,
                "name": name,
                "item": site.url(uri).0,
            })
        })
        .collect();
    json!({ "@type": "BreadcrumbList", "itemListElement": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_end_its_script_element() {
        let text = script_safe(&json!({ "headline": "</script><b>&" }));
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back["headline"], "</script><b>&");
    }
}
