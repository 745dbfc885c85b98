//! Sitemaps for search engines, and `robots.txt` pointing at them.
//!
//! `/sitemap.xml` lists one `/sitemaps/articles-<k>.xml` per bucket of
//! [`ARTICLES_PER_SITEMAP`] consecutive article ids holding a public story (`k` = 0 for ids
//! 1 to 50,000, and so on), each with the last change in it as `<lastmod>`, found in one
//! `GROUP BY`. A bucket's address never changes and no page is found with `OFFSET`; a
//! bucket thinned by unpublished stories is just shorter. An article sitemap is streamed:
//! its stories are read [`CHUNK`] at a time along the primary key and each chunk is written
//! out before the next is read, so a sitemap of 50,000 stories costs the memory of 1,000.
//!
//! The catalogue sitemaps list every section, and the tags, authors and sources that
//! public stories carry (at most 50,000 each, streamed by name the same way);
//! `/sitemaps/news.xml` is a Google News sitemap of the stories of the last two days.

use std::future::Future;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use dateline_domain::model::SectionTree;
use dateline_domain::route;
use dateline_persistence::page::{NameKey, PageArgs};
use dateline_persistence::{CatalogVisibility, SitemapEntry, Store, StoreResult};
use futures::stream;
use quick_xml::Writer;
use quick_xml::events::BytesText;

use super::{Listings, Site, cached, failed, not_found, public_cache};

/// The most article ids one article sitemap covers (the sitemap protocol's limit of URLs).
pub const ARTICLES_PER_SITEMAP: i32 = 50_000;

/// The most URLs in one catalogue sitemap.
const MAX_URLS: usize = 50_000;

/// How many rows one statement of a streamed sitemap reads.
const CHUNK: u64 = 1_000;

/// How far back the news sitemap reaches, and how many stories it lists at most (Google's
/// rules for news sitemaps).
const NEWS_WINDOW: TimeDelta = TimeDelta::days(2);
const MAX_NEWS: u64 = 1_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const XML: &str = "application/xml; charset=utf-8";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// The catalogue sitemaps, by file name.
const CATALOGUES: [&str; 4] = ["sections.xml", "tags.xml", "authors.xml", "sources.xml"];

/// `GET /robots.txt`: everything may be crawled; the sitemap index is named.
pub(super) async fn robots(State(listings): State<Listings>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        listings.site.address("/sitemap.xml")
    );
    cached(
        &listings.http,
        "text/plain; charset=utf-8",
        body.into_bytes(),
    )
}

/// `GET /sitemap.xml`: the sitemap index.
pub(super) async fn index(State(listings): State<Listings>) -> Response {
    let now = Utc::now();
    let buckets = match listings
        .read(|store| async move { store.sitemap_buckets(now, ARTICLES_PER_SITEMAP).await })
        .await
    {
        Ok((buckets, _)) => buckets,
        Err(error) => return failed(&error),
    };
    let site = &listings.site;
    let mut xml = document();
    let written = xml
        .create_element("sitemapindex")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            for bucket in &buckets {
                let path = format!("/sitemaps/articles-{}.xml", bucket.number);
                location(
                    w,
                    "sitemap",
                    &site.address(&path),
                    Some(bucket.last_modified),
                )?;
            }
            for name in CATALOGUES.iter().chain(&["news.xml"]) {
                location(
                    w,
                    "sitemap",
                    &site.address(&format!("/sitemaps/{name}")),
                    None,
                )?;
            }
            Ok(())
        })
        .map(|_| ());
    finish(&listings, xml, written)
}

/// `GET /sitemaps/<name>`.
pub(super) async fn sitemap(
    State(listings): State<Listings>,
    Path(name): Path<String>,
) -> Response {
    match name.as_str() {
        "news.xml" => news(&listings).await,
        "sections.xml" => sections(&listings).await,
        "tags.xml" | "authors.xml" | "sources.xml" => catalogue(&listings, &name).await,
        _ => match bucket_number(&name) {
            Some(number) => articles(&listings, number).await,
            None => not_found(&listings.http, "no such sitemap"),
        },
    }
}

/// The bucket an `articles-<k>.xml` name asks for, written the one way the index writes it.
fn bucket_number(name: &str) -> Option<i32> {
    let digits = name.strip_prefix("articles-")?.strip_suffix(".xml")?;
    let number: i32 = digits.parse().ok()?;
    (number >= 0 && number.to_string() == digits).then_some(number)
}

/// The ids bucket `number` covers, if any id can fall in it.
fn bucket_ids(number: i32) -> Option<std::ops::RangeInclusive<i32>> {
    let size = i64::from(ARTICLES_PER_SITEMAP);
    let first = i64::from(number) * size + 1;
    let last = (first + size - 1).min(i64::from(i32::MAX));
    Some(i32::try_from(first).ok()?..=i32::try_from(last).ok()?)
}

/// An article sitemap, streamed; `404` when its bucket holds no public story.
async fn articles(listings: &Listings, number: i32) -> Response {
    let Some(ids) = bucket_ids(number) else {
        return not_found(&listings.http, "no such sitemap");
    };
    let now = Utc::now();
    let first = listings
        .read(|store| {
            let ids = ids.clone();
            async move { store.sitemap_entries(now, ids, None, CHUNK).await }
        })
        .await;
    // The rest is read, chunk by chunk, where the first chunk was.
    let (first, store) = match first {
        Ok((first, _)) if first.is_empty() => {
            return not_found(&listings.http, "no such sitemap");
        }
        Ok(read) => read,
        Err(error) => return failed(&error),
    };
    let sections = match store.section_tree().await {
        Ok(sections) => sections,
        Err(error) => return failed(&error),
    };
    let next = next_after(&first, |e| e.id);
    let first = article_urls(&listings.site, &sections, &first);
    let fetch = {
        let sections = Arc::clone(&sections);
        let site = Arc::clone(&listings.site);
        move |after: i32| {
            let store = store.clone();
            let ids = ids.clone();
            let sections = Arc::clone(&sections);
            let site = Arc::clone(&site);
            async move {
                let entries = store.sitemap_entries(now, ids, Some(after), CHUNK).await?;
                let next = next_after(&entries, |e| e.id);
                Ok((article_urls(&site, &sections, &entries), next))
            }
        }
    };
    streamed(listings, first, next, MAX_URLS, fetch)
}

fn article_urls(site: &Site, sections: &SectionTree, entries: &[SitemapEntry]) -> Vec<Url> {
    entries
        .iter()
        .filter_map(|entry| {
            let section = sections.get(entry.section_id)?;
            Some(Url {
                loc: site.address(&route::article_uri(&section.slug, &entry.slug)),
                lastmod: Some(entry.updated_at),
            })
        })
        .collect()
}

/// Where the chunk after `rows` starts, if a full chunk suggests there is one.
fn next_after<T, K>(rows: &[T], key: impl Fn(&T) -> K) -> Option<K> {
    if rows.len() as u64 == CHUNK {
        rows.last().map(key)
    } else {
        None
    }
}

/// `/sitemaps/sections.xml`: every section, from the tree the server keeps.
async fn sections(listings: &Listings) -> Response {
    let sections = match listings.store.section_tree().await {
        Ok(sections) => sections,
        Err(error) => return failed(&error),
    };
    let mut paths = Vec::new();
    let mut pending: Vec<_> = sections.roots();
    pending.reverse();
    while let Some(section) = pending.pop() {
        paths.push(route::section_uri(&section.slug));
        let mut children = sections.children_of(Some(section.id));
        children.reverse();
        pending.extend(children);
        if paths.len() >= MAX_URLS {
            break;
        }
    }
    let mut xml = document();
    let written = xml
        .create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            for path in &paths {
                location(w, "url", &listings.site.address(path), None)?;
            }
            Ok(())
        })
        .map(|_| ());
    finish(listings, xml, written)
}

/// The tag, author or source sitemap: those public stories carry, by name, streamed.
async fn catalogue(listings: &Listings, name: &str) -> Response {
    let kind = match name {
        "tags.xml" => Catalogue::Tags,
        "authors.xml" => Catalogue::Authors,
        _ => Catalogue::Sources,
    };
    // Catalogues are streamed a page at a time from one store: a replica's failure on a
    // later page cannot be read again, so they are read on the primary, as rarely as
    // crawlers ask (and a CDN keeps them).
    let store = listings.store.clone();
    let site = Arc::clone(&listings.site);
    let visibility = CatalogVisibility::InUseAsOf(Utc::now());
    let fetch = move |after: Option<NameKey>| {
        let store = store.clone();
        let site = Arc::clone(&site);
        async move {
            let (rows, more) = kind.page(&store, visibility, after).await?;
            let next = if more {
                rows.last().map(|(key, _)| Some(key.clone()))
            } else {
                None
            };
            let urls = rows
                .into_iter()
                .map(|(_, path)| Url {
                    loc: site.address(&path),
                    lastmod: None,
                })
                .collect();
            Ok((urls, next))
        }
    };
    streamed(listings, Vec::new(), Some(None), MAX_URLS, fetch)
}

/// The catalogues whose sitemaps are read by name.
#[derive(Debug, Clone, Copy)]
enum Catalogue {
    Tags,
    Authors,
    Sources,
}

impl Catalogue {
    /// One chunk after `after`: each row's key and page path, and whether more follow.
    async fn page(
        self,
        store: &Store,
        visibility: CatalogVisibility,
        after: Option<NameKey>,
    ) -> StoreResult<(Vec<(NameKey, String)>, bool)> {
        let args = PageArgs {
            after,
            before: None,
            limit: CHUNK,
            from_end: false,
        };
        let key = |name: &str, id: i32| NameKey {
            name: name.to_owned(),
            id,
        };
        Ok(match self {
            Self::Tags => {
                let page = store.tags_page(visibility, &args).await?;
                let rows = page.items.iter();
                let rows = rows.map(|t| (key(&t.name, t.id), route::tag_uri(&t.slug)));
                (rows.collect(), page.has_next)
            }
            Self::Authors => {
                let page = store.authors_page(visibility, &args).await?;
                let rows = page.items.iter();
                let rows = rows.map(|a| (key(&a.name, a.id), route::author_uri(&a.slug)));
                (rows.collect(), page.has_next)
            }
            Self::Sources => {
                let page = store.sources_page(visibility, &args).await?;
                let rows = page.items.iter();
                let rows = rows.map(|s| (key(&s.name, s.id), route::source_uri(&s.slug)));
                (rows.collect(), page.has_next)
            }
        })
    }
}

/// `/sitemaps/news.xml`: the stories published in the last two days, newest first.
async fn news(listings: &Listings) -> Response {
    let now = Utc::now();
    let stories = listings
        .read(|store| async move {
            store
                .published_since(now, now - NEWS_WINDOW, MAX_NEWS)
                .await
        })
        .await;
    let (stories, store) = match stories {
        Ok(read) => read,
        Err(error) => return failed(&error),
    };
    let sections = match store.section_tree().await {
        Ok(sections) => sections,
        Err(error) => return failed(&error),
    };
    let site = &listings.site;
    let language = news_language(&site.language);
    let language = language.as_str();
    let mut xml = document();
    let written = xml
        .create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .with_attribute(("xmlns:news", NEWS_NS))
        .write_inner_content(|w| {
            for story in &stories {
                let Some(section) = sections.get(story.section_id) else {
                    continue;
                };
                let published = story.published_at.unwrap_or(story.created_at);
                let loc = site.address(&route::article_uri(&section.slug, &story.slug));
                w.create_element("url").write_inner_content(|w| {
                    text(w, "loc", &loc)?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                text(w, "news:name", &site.name)?;
                                text(w, "news:language", language)
                            })?;
                        text(w, "news:publication_date", &w3c(published))?;
                        text(w, "news:title", &story.title)
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        })
        .map(|_| ());
    finish(listings, xml, written)
}

/// One `<url>` (or `<sitemap>`) of a sitemap.
struct Url {
    loc: String,
    lastmod: Option<DateTime<Utc>>,
}

/// An XML document in memory, its declaration written.
fn document() -> Writer<Vec<u8>> {
    Writer::new(DECLARATION.as_bytes().to_vec())
}

/// `<name>` with escaped `value` as its text.
/// The language as Google News wants it: ISO 639 (`fa` for `fa-AF`), but `zh-cn` and
/// `zh-tw` for Chinese.
fn news_language(language: &str) -> String {
    let lower = language.trim().to_ascii_lowercase().replace('_', "-");
    let primary = lower.split('-').next().unwrap_or_default();
    if primary != "zh" {
        return primary.to_owned();
    }
    let traditional = ["hant", "tw", "hk", "mo"];
    if lower
        .split('-')
        .skip(1)
        .any(|part| traditional.contains(&part))
    {
        "zh-tw".to_owned()
    } else {
        "zh-cn".to_owned()
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    let value: String = value.chars().filter(|c| super::is_xml_char(*c)).collect();
    w.create_element(name)
        .write_text_content(BytesText::new(&value))
        .map(|_| ())
}

/// `<element><loc>…</loc><lastmod>…</lastmod></element>`.
fn location(
    w: &mut Writer<Vec<u8>>,
    element: &str,
    loc: &str,
    lastmod: Option<DateTime<Utc>>,
) -> std::io::Result<()> {
    w.create_element(element).write_inner_content(|w| {
        text(w, "loc", loc)?;
        if let Some(at) = lastmod {
            text(w, "lastmod", &w3c(at))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A time as sitemaps write it (W3C datetime, UTC, to the second).
fn w3c(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The answer for a sitemap written whole into `xml`.
fn finish(listings: &Listings, xml: Writer<Vec<u8>>, written: std::io::Result<()>) -> Response {
    match written {
        Ok(()) => {
            let mut body = xml.into_inner();
            body.push(b'\n');
            cached(&listings.http, XML, body)
        }
        Err(error) => {
            tracing::error!(%error, "writing a sitemap failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// What a streamed sitemap does next.
enum Step<C> {
    /// Write the opening and the first chunk's URLs, then go on from the cursor, if any.
    Start(Vec<Url>, Option<C>),
    /// Read and write the chunk after this cursor.
    After(C),
    /// Close the `<urlset>`.
    Close,
    Done,
}

/// A `<urlset>` streamed chunk by chunk: `first`, then what `fetch` reads from `next` on,
/// until a chunk comes without a cursor or `limit` URLs have been written. A read that
/// fails mid-way ends the body with an error, which the client sees as a broken transfer
/// (the status has gone out already), and is logged.
fn streamed<C, F, Fut>(
    listings: &Listings,
    first: Vec<Url>,
    next: Option<C>,
    limit: usize,
    fetch: F,
) -> Response
where
    C: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = StoreResult<(Vec<Url>, Option<C>)>> + Send,
{
    let state = (Step::Start(first, next), fetch, 0usize);
    let chunks = stream::unfold(state, move |(step, mut fetch, written)| async move {
        let (urls, next, opening) = match step {
            Step::Done => return None,
            Step::Close => {
                let end = Bytes::from_static(b"</urlset>\n");
                return Some((Ok(end), (Step::Done, fetch, written)));
            }
            Step::Start(urls, next) => (urls, next, true),
            Step::After(cursor) => match fetch(cursor).await {
                Ok((urls, next)) => (urls, next, false),
                Err(error) => {
                    tracing::error!(%error, "reading a sitemap chunk failed");
                    let broken = std::io::Error::other("the sitemap could not be read");
                    return Some((Err(broken), (Step::Done, fetch, written)));
                }
            },
        };
        let take = urls.len().min(limit.saturating_sub(written));
        let written = written + take;
        let mut xml = Writer::new(Vec::with_capacity(take * 128 + 128));
        if opening {
            xml.get_mut().extend_from_slice(DECLARATION.as_bytes());
            xml.get_mut().extend_from_slice(b"<urlset xmlns=\"");
            xml.get_mut().extend_from_slice(SITEMAP_NS.as_bytes());
            xml.get_mut().extend_from_slice(b"\">");
        }
        for url in &urls[..take] {
            if let Err(error) = location(&mut xml, "url", &url.loc, url.lastmod) {
                return Some((Err(error), (Step::Done, fetch, written)));
            }
        }
        let step = match next {
            Some(cursor) if written < limit => Step::After(cursor),
            _ => Step::Close,
        };
        Some((Ok(Bytes::from(xml.into_inner())), (step, fetch, written)))
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XML));
    headers.insert(header::CACHE_CONTROL, public_cache(&listings.http));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_languages_are_iso_639_but_chinese() {
        assert_eq!(news_language("en"), "en");
        assert_eq!(news_language("fa-AF"), "fa");
        assert_eq!(news_language("pt_BR"), "pt");
        assert_eq!(news_language("zh-Hans"), "zh-cn");
        assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
    }

    #[test]
    fn bucket_names_are_canonical() {
        assert_eq!(bucket_number("articles-0.xml"), Some(0));
        assert_eq!(bucket_number("articles-12.xml"), Some(12));
        assert_eq!(bucket_number("articles-012.xml"), None);
        assert_eq!(bucket_number("articles--1.xml"), None);
        assert_eq!(bucket_number("articles-x.xml"), None);
        assert_eq!(bucket_ids(0), Some(1..=50_000));
        assert_eq!(bucket_ids(1), Some(50_001..=100_000));
        assert_eq!(bucket_ids(i32::MAX), None);
    }
}
