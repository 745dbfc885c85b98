//! `search`: ranked full-text search over published stories, with highlights and facets.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use dateline_domain::search::SearchField;
use dateline_domain::search::SearchQuery;
use dateline_persistence::page::Page;
use dateline_persistence::{Facet, Narrowing, SearchHit as Hit, SearchKey};
use tokio::sync::OnceCell;

use crate::error::{ApiError, ApiResult};
use crate::pagination::{Edges, PageInfo, Window, edge};
use crate::scope::scope;
use crate::types::{Article, SearchFilterInput, Section, Tag};

/// The most facet values of one kind a search returns.
pub const MAX_FACETS: i32 = 50;
/// How far `totalCount` counts.
pub const MAX_TOTAL_COUNT: u64 = 10_000;

/// Runs `search` for the query root.
pub(crate) async fn search_connection(
    ctx: &Context<'_>,
    text: &str,
    filter: Option<SearchFilterInput>,
    window: Window,
) -> ApiResult<SearchConnection> {
    let query =
        SearchQuery::parse(text).map_err(|e| ApiError::bad_input(format!("`query`: {e}")))?;
    let filter = filter.unwrap_or_default().resolve(ctx).await?;
    let scope = scope(ctx)?;
    // The cursors carry the instant the first page was ranked as of, so that later pages
    // continue the same ranking; both cursors of one request must come from one search.
    let as_of_in = |cursor: &Option<String>| cursor.as_deref().and_then(parse_cursor);
    let as_of = as_of_in(&window.after)
        .or_else(|| as_of_in(&window.before))
        // Cursors keep microseconds: the first page is ranked as of a time they can carry.
        .map_or_else(|| to_micros(scope.now), |(at, _)| at);
    let args = window.page_args(|cursor| {
        parse_cursor(cursor)
            .filter(|(at, _)| *at == as_of)
            .map(|(_, key)| key)
    })?;
    scope.charge_list_read()?;
    let page = scope
        .store
        .search(&query, &filter, scope.now, as_of, &args)
        .await?;
    let ids: Vec<i32> = page.items.iter().map(|hit| hit.article_id).collect();
    let articles = scope
        .loaders
        .articles
        .load_many(ids.iter().copied())
        .await?;
    let shared = Arc::new(Shared {
        query,
        filter,
        now: scope.now,
        ids,
        highlights: OnceCell::new(),
        total: OnceCell::new(),
    });
    Ok(SearchConnection::new(page, articles, as_of, shared))
}

/// What every hit and facet of one search shares.
struct Shared {
    query: SearchQuery,
    filter: Narrowing,
    now: DateTime<Utc>,
    /// The ids of the page's hits, whose highlights are read together.
    ids: Vec<i32>,
    highlights: OnceCell<HashMap<i32, Vec<dateline_persistence::Highlight>>>,
    /// The matches counted, up to one past [`MAX_TOTAL_COUNT`].
    total: OnceCell<u64>,
}

impl Shared {
    async fn highlights(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<&HashMap<i32, Vec<dateline_persistence::Highlight>>> {
        self.highlights
            .get_or_try_init(|| async {
                let store = &scope(ctx)?.store;
                Ok::<_, ApiError>(store.search_highlights(&self.query, &self.ids).await?)
            })
            .await
    }

    /// The matches counted, up to one past [`MAX_TOTAL_COUNT`], read once.
    async fn matches(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let total = self
            .total
            .get_or_try_init(|| async {
                let scope = scope(ctx)?;
                scope.charge_list_read()?;
                let cap = MAX_TOTAL_COUNT + 1;
                let n = scope
                    .store
                    .count_search(&self.query, &self.filter, self.now, cap)
                    .await?;
                Ok::<_, ApiError>(n)
            })
            .await?;
        Ok(*total)
    }

    async fn facet(
        &self,
        ctx: &Context<'_>,
        facet: Facet,
        first: i32,
    ) -> ApiResult<Vec<(i32, i32)>> {
        if !(0..=MAX_FACETS).contains(&first) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 0 and {MAX_FACETS}, got {first}"
            )));
        }
        let scope = scope(ctx)?;
        scope.charge_list_read()?;
        let limit = u64::try_from(first).unwrap_or_default();
        let counts = scope
            .store
            .search_facet(&self.query, &self.filter, self.now, facet, limit)
            .await?;
        Ok(counts
            .into_iter()
            .map(|(key, n)| (key, i32::try_from(n).unwrap_or(i32::MAX)))
            .collect())
    }
}

fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

fn encode_cursor(as_of: DateTime<Utc>, key: SearchKey) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "s:{}:{:016x}:{}",
        as_of.timestamp_micros(),
        key.score.to_bits(),
        key.id
    ))
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, SearchKey)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let mut parts = raw.split(':');
    let (Some("s"), Some(at), Some(score), Some(id), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let at = DateTime::from_timestamp_micros(at.parse().ok()?)?;
    let score = f64::from_bits(u64::from_str_radix(score, 16).ok()?);
    if !score.is_finite() {
        return None;
    }
    Some((
        at,
        SearchKey {
            score,
            id: id.parse().ok()?,
        },
    ))
}

/// A page of search results, best first.
pub struct SearchConnection {
    page: Edges<SearchEdge>,
    shared: Arc<Shared>,
}

impl SearchConnection {
    fn new(
        page: Page<Hit>,
        mut articles: HashMap<i32, dateline_domain::model::Article>,
        as_of: DateTime<Utc>,
        shared: Arc<Shared>,
    ) -> Self {
        // A story unpublished between the two reads is left out.
        let page = Edges::from_page(page, |hit| {
            let article = articles.remove(&hit.article_id)?;
            Some(SearchEdge {
                cursor: encode_cursor(
                    as_of,
                    SearchKey {
                        score: hit.score,
                        id: hit.article_id,
                    },
                ),
                node: SearchHit {
                    article: Article(article),
                    score: hit.score,
                    shared: Arc::clone(&shared),
                },
            })
        });
        Self { page, shared }
    }
}

/// A page of search results, best first.
#[Object]
impl SearchConnection {
    /// The hits on this page, each with the cursor that points at it.
    async fn edges(&self) -> &[SearchEdge] {
        self.page.edges()
    }

    /// The hits on this page, without cursors.
    async fn nodes(&self) -> Vec<&SearchHit> {
        self.page.nodes()
    }

    /// Where this page sits in the whole result list.
    async fn page_info(&self) -> PageInfo {
        self.page.page_info()
    }

    /// How many published articles match, across all pages, counted up to 10,000: a larger
    /// result set says 10,000 here and `false` in `totalCountIsExact`. Counted only when
    /// asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let n = self.shared.matches(ctx).await?.min(MAX_TOTAL_COUNT);
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Whether `totalCount` is the exact number of matches (`false`: more than 10,000).
    async fn total_count_is_exact(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.shared.matches(ctx).await? <= MAX_TOTAL_COUNT)
    }

    /// The whole result set (not just this page) counted by section, tag and year, to
    /// narrow the search with `filter`.
    async fn facets(&self) -> SearchFacets {
        SearchFacets(Arc::clone(&self.shared))
    }
}

edge!(
    SearchEdge,
    SearchHit,
    "A hit in the result list, with its cursor.",
    "The hit."
);

/// An article that matched a search.
pub struct SearchHit {
    article: Article,
    score: f64,
    shared: Arc<Shared>,
}

/// An article that matched a search.
#[Object]
impl SearchHit {
    /// The article.
    async fn article(&self) -> &Article {
        &self.article
    }

    /// How well the article matches, higher is better: text relevance (title matches
    /// weigh most, body matches least) times freshness. Comparable within one search only.
    async fn score(&self) -> f64 {
        self.score
    }

    /// Where the search words appear in the article, field by field, with each match
    /// wrapped in `<mark>`. Titles, bylines and tags come whole; excerpts and bodies as
    /// short fragments around the matches. Fields without a match are left out.
    async fn highlights(&self, ctx: &Context<'_>) -> ApiResult<Vec<Highlight>> {
        let all = self.shared.highlights(ctx).await?;
        Ok(all
            .get(&self.article.0.id)
            .map(|fields| {
                fields
                    .iter()
                    .map(|h| Highlight {
                        field: h.field.into(),
                        fragments: h
                            .fragments
                            .iter()
                            .cloned()
                            .map(crate::scalars::Html)
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Where the search words appear in one field of an article.
#[derive(SimpleObject)]
pub struct Highlight {
    /// The field.
    pub field: SearchFieldValue,
    /// HTML-escaped text from the field, with every match wrapped in `<mark>…</mark>`.
    pub fragments: Vec<crate::scalars::Html>,
}

/// The parts of an article search looks at.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SearchField")]
pub enum SearchFieldValue {
    /// The headline.
    Title,
    /// The standfirst under the headline.
    Subtitle,
    /// The summary shown in lists.
    Excerpt,
    /// The article's text.
    Body,
    /// The names of the author and co-authors.
    Authors,
    /// The names of the article's tags.
    Tags,
}

impl From<SearchField> for SearchFieldValue {
    fn from(field: SearchField) -> Self {
        match field {
            SearchField::Title => Self::Title,
            SearchField::Subtitle => Self::Subtitle,
            SearchField::Excerpt => Self::Excerpt,
            SearchField::Body => Self::Body,
            SearchField::Authors => Self::Authors,
            SearchField::Tags => Self::Tags,
        }
    }
}

/// A search's whole result set, counted by section, tag and year.
pub struct SearchFacets(Arc<Shared>);

/// A search's whole result set, counted by section, tag and year.
#[Object]
impl SearchFacets {
    /// Matching articles per primary section, most first.
    async fn sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many sections at most (0 to 50).", default = 10)] first: i32,
    ) -> ApiResult<Vec<SectionFacet>> {
        let counts = self.0.facet(ctx, Facet::Section, first).await?;
        let tree = scope(ctx)?.sections().await?;
        Ok(counts
            .into_iter()
            .filter_map(|(id, count)| {
                let section = tree.get(id)?.clone();
                Some(SectionFacet {
                    section: Section(section),
                    count,
                })
            })
            .collect())
    }

    /// Matching articles per tag, most first.
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many tags at most (0 to 50).", default = 10)] first: i32,
    ) -> ApiResult<Vec<TagFacet>> {
        let counts = self.0.facet(ctx, Facet::Tag, first).await?;
        let tags = scope(ctx)?
            .loaders
            .tags
            .load_many(counts.iter().map(|(id, _)| *id))
            .await?;
        Ok(counts
            .into_iter()
            .filter_map(|(id, count)| {
                Some(TagFacet {
                    tag: Tag(tags.get(&id)?.clone()),
                    count,
                })
            })
            .collect())
    }

    /// Matching articles per year of publication (UTC), newest year first.
    async fn years(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many years at most (0 to 50).", default = 10)] first: i32,
    ) -> ApiResult<Vec<YearFacet>> {
        let counts = self.0.facet(ctx, Facet::Year, first).await?;
        Ok(counts
            .into_iter()
            .map(|(year, count)| YearFacet { year, count })
            .collect())
    }
}

/// How many matching articles a section holds.
#[derive(SimpleObject)]
pub struct SectionFacet {
    /// The section (articles are counted under their primary section).
    pub section: Section,
    /// How many matching articles.
    pub count: i32,
}

/// How many matching articles carry a tag.
#[derive(SimpleObject)]
pub struct TagFacet {
    /// The tag.
    pub tag: Tag,
    /// How many matching articles.
    pub count: i32,
}

/// How many matching articles were published in a year.
#[derive(SimpleObject)]
pub struct YearFacet {
    /// The year, in UTC.
    pub year: i32,
    /// How many matching articles.
    pub count: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_exactly() {
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap_or_default();
        let key = SearchKey {
            score: 0.1 + 0.2,
            id: 42,
        };
        assert_eq!(parse_cursor(&encode_cursor(at, key)), Some((at, key)));
        assert_eq!(parse_cursor("s:1:2:3"), None);
        let nan = URL_SAFE_NO_PAD.encode(format!("s:1:{:016x}:3", f64::NAN.to_bits()));
        assert_eq!(parse_cursor(&nan), None);
    }
}
