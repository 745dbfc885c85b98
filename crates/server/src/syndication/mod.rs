//! Feeds and sitemaps: what news readers, aggregators and search engines fetch besides the
//! pages themselves, served beside GraphQL from the same store.
//!
//! - RSS 2.0 at `<page path>/feed` and Atom at `<page path>/feed/atom` for the front page
//!   (`/feed`), each section (its subsections' stories included), tag, author (byline or
//!   co-author) and source, as WordPress has them, so that a migrated site keeps its feed
//!   addresses ([`feed`]).
//! - `/sitemap.xml`, a sitemap index of `/sitemaps/articles-<k>.xml` (the public stories with
//!   ids in one bucket of [`ARTICLES_PER_SITEMAP`], streamed from the database in chunks),
//!   `/sitemaps/{sections,tags,authors,sources}.xml`, and `/sitemaps/news.xml` (Google News,
//!   the last two days); and `/robots.txt`, naming the index ([`sitemaps`]).
//!
//! Everything listed is public: published stories whose time has come, and the tags,
//! authors and sources such stories carry. Answers are public for a while (`Cache-Control`
//! as for public GraphQL GETs); those read whole carry a strong `ETag`, so a client or CDN
//! that holds one gets a `304` ([`crate::conditional`]). Unknown pages are a plain-text `404`.

mod feed;
mod render;
mod sitemaps;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dateline_persistence::{Store, StoreError};

use crate::conditional::entity_tag;
use crate::graphql_http::HttpPolicy;

pub use sitemaps::ARTICLES_PER_SITEMAP;

/// What a feed item carries of its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FeedContent {
    /// The whole story: its sanitised body HTML, and the excerpt as summary.
    #[default]
    Full,
    /// The excerpt only.
    Excerpt,
}

/// How feeds are written.
#[derive(Debug, Clone)]
pub struct FeedPolicy {
    /// How many of the latest stories a feed lists (1 to [`MAX_FEED_ITEMS`]).
    pub items: u16,
    /// Whole stories or excerpts.
    pub content: FeedContent,
}

/// The most stories a feed may list.
pub const MAX_FEED_ITEMS: u16 = 100;

impl Default for FeedPolicy {
    fn default() -> Self {
        Self {
            items: 20,
            content: FeedContent::Full,
        }
    }
}

pub(crate) use dateline_graphql::site::Site;

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// What serving feeds and sitemaps needs.
#[derive(Clone)]
pub(crate) struct Listings {
    pub(crate) store: Store,
    pub(crate) site: Arc<Site>,
    pub(crate) feeds: FeedPolicy,
    pub(crate) http: HttpPolicy,
}

impl Listings {
    /// Runs `read` on a replica when one is in rotation, and again on the primary should it
    /// fail there (as GraphQL queries do); returns what it read and the store it read it
    /// on, for the rest of a listing read in parts.
    async fn read<T, F, Fut>(&self, read: F) -> Result<(T, Store), StoreError>
    where
        F: Fn(Store) -> Fut,
        Fut: std::future::Future<Output = Result<T, StoreError>>,
    {
        let store = self.store.for_public_read();
        let Some(replica) = store.replica().map(str::to_owned) else {
            return read(store.clone()).await.map(|value| (value, store));
        };
        match read(store.clone()).await {
            Ok(value) => Ok((value, store)),
            Err(error) => {
                tracing::warn!(%replica, %error, "a feed or sitemap read failed on its replica: it runs again on the primary");
                if error.is_unavailable() {
                    store.suspect_replica();
                }
                let primary = self.store.clone();
                read(primary.clone()).await.map(|value| (value, primary))
            }
        }
    }
}

/// The routes of feeds, sitemaps and `robots.txt`; each also answers with a trailing slash.
pub(crate) fn router(listings: Listings) -> Router {
    let mut routes = Router::new();
    for path in [
        "/feed",
        "/feed/atom",
        "/{section}/feed",
        "/{section}/feed/atom",
        "/tag/{slug}/feed",
        "/tag/{slug}/feed/atom",
        "/author/{slug}/feed",
        "/author/{slug}/feed/atom",
        "/source/{slug}/feed",
        "/source/{slug}/feed/atom",
    ] {
        routes = routes
            .route(path, get(feed::serve))
            .route(&format!("{path}/"), get(feed::serve));
    }
    routes
        .route("/sitemap.xml", get(sitemaps::index))
        .route("/sitemaps/{name}", get(sitemaps::sitemap))
        .route("/robots.txt", get(sitemaps::robots))
        .with_state(listings)
}

/// `Cache-Control` of a public answer.
fn public_cache(http: &HttpPolicy) -> HeaderValue {
    let policy = format!(
        "public, max-age={}, stale-while-revalidate={}",
        http.cache_max_age, http.cache_stale_while_revalidate
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static("no-cache"))
}

/// A public answer read whole: `content_type`, cacheable, with a strong `ETag`.
fn cached(http: &HttpPolicy, content_type: &'static str, body: Vec<u8>) -> Response {
    let tag = entity_tag(&body);
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, public_cache(http));
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, tag);
    }
    response
}

/// `404`, in plain text that names nothing of the request.
fn not_found(http: &HttpPolicy, what: &'static str) -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(TEXT)),
            (header::CACHE_CONTROL, public_cache(http)),
        ],
        what,
    )
        .into_response()
}

/// `500` (or `503` when the database is out of reach) for a failed read, whose cause is
/// logged and not sent.
fn failed(error: &StoreError) -> Response {
    tracing::error!(error = %error, "reading a feed or sitemap failed");
    let status = if error.is_unavailable() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(TEXT)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        "the server could not read this listing; try again shortly",
    )
        .into_response()
}

const TEXT: &str = "text/plain; charset=utf-8";
