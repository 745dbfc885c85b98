//! Full-text search over published articles, through the index `search_index` keeps: FTS5
//! on SQLite, a weighted `tsvector` under GIN on PostgreSQL. The user's text arrives parsed
//! ([`SearchQuery`]) and is passed to the database as one bound value, never spliced into
//! SQL. The statements' shapes are written here; every fragment that differs between the
//! two databases (match syntax, relevance, dates, highlights) comes from the dialect.
//!
//! Ranking is the engine's text relevance (title weighs most, then subtitle, bylines and
//! tags, then excerpt, then body), times 2.5 when the title holds every word searched for,
//! among the newest [`MAX_RANKED`] matches, times a freshness factor that halves a story's weight over
//! its first months: `0.5 + 0.5 / (1 + age_days / 30)`. Age is measured from `as_of`, an
//! instant fixed by the first page and carried in the cursor, so scores, and pages, stay the
//! same across a client's pages.

pub(crate) mod index;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dateline_domain::ArticleStatus;
use dateline_domain::search::{SearchField, SearchQuery, marked_fragments};
use sea_orm::ConnectionTrait;

use crate::dialect::Sql;
use crate::error::StoreResult;
use crate::narrowing::Narrowing;
use crate::page::{Page, PageArgs, finish};
use crate::store::Store;

/// A hit's place in the ranking: its score, then its id to break ties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchKey {
    pub score: f64,
    pub id: i32,
}

/// One article that matched, with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    pub article_id: i32,
    pub score: f64,
}

/// What the whole result set is grouped by, for facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// By primary section id.
    Section,
    /// By tag id.
    Tag,
    /// By year of publication.
    Year,
}

/// The matched words of one field of a hit, as HTML fragments with `<mark>` around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    pub field: SearchField,
    pub fragments: Vec<String>,
}

/// The `FROM … WHERE …` of every search statement: the index joined to the public articles
/// that match (and to `join`, if any), narrowed by `filter`. The article table is reached
/// by primary key only.
fn matches(
    sql: &mut Sql,
    query: &SearchQuery,
    filter: &Narrowing,
    now: DateTime<Utc>,
    join: &'static str,
) {
    sql.dialect().matching(sql, query, join);
    sql.push(" AND a.status = ")
        .bind(ArticleStatus::Published.as_str())
        .push(" AND a.published_at <= ")
        .bind(now);
    filter.write(sql);
}

/// How much more a story weighs when its title holds every word searched for (SQL text:
/// a number fixed here).
const TITLE_BOOST: &str = "2.5";

/// The most matches a search ranks: the newest this many (by article id) that pass the
/// filter. Ranking weighs every match, so a search for words nearly every story holds would
/// otherwise cost seconds; counts and facets still cover every match.
pub const MAX_RANKED: u64 = 2000;

/// The newest [`MAX_RANKED`] matches as `newest (id, published_at, rel | document)`, and the
/// score of each, as described in the module documentation.
fn ranked(
    sql: &mut Sql,
    query: &SearchQuery,
    filter: &Narrowing,
    now: DateTime<Utc>,
    as_of: DateTime<Utc>,
) {
    let dialect = sql.dialect();
    sql.push("SELECT id, ")
        .push(dialect.relevance())
        .push(" * (CASE WHEN ");
    dialect.title_holds(sql, &query.wanted());
    sql.push(" THEN ")
        .push(TITLE_BOOST)
        .push(" ELSE 1.0 END) * (0.5 + 0.5 / (1.0 + ");
    dialect.days_since_publication(sql, as_of);
    sql.push(" / 30.0)) AS score FROM (SELECT a.id AS id, a.published_at AS published_at, ")
        .push(dialect.relevance_input());
    matches(sql, query, filter, now, "");
    sql.push(" ORDER BY ")
        .push(dialect.index_order())
        .push(" DESC LIMIT ")
        .int(MAX_RANKED)
        .push(") newest");
    dialect.relevance_query(sql, query);
}

impl Store {
    /// A page of the public articles matching `query`, best first (of the newest
    /// [`MAX_RANKED`] that match).
    pub async fn search(
        &self,
        query: &SearchQuery,
        filter: &Narrowing,
        now: DateTime<Utc>,
        as_of: DateTime<Utc>,
        page: &PageArgs<SearchKey>,
    ) -> StoreResult<Page<SearchHit>> {
        let mut sql = Sql::new(self.dialect());
        sql.push("SELECT id, score FROM (");
        ranked(&mut sql, query, filter, now, as_of);
        sql.push(") hits WHERE 1 = 1");
        // Best first: "after" a key means a lower score, or the same score and a lower id.
        if let Some(after) = &page.after {
            sql.push(" AND (score, id) < (")
                .bind(after.score)
                .push(", ")
                .bind(after.id)
                .push(")");
        }
        if let Some(before) = &page.before {
            sql.push(" AND (score, id) > (")
                .bind(before.score)
                .push(", ")
                .bind(before.id)
                .push(")");
        }
        let order = if page.from_end { "ASC" } else { "DESC" };
        sql.push(" ORDER BY score ")
            .push(order)
            .push(", id ")
            .push(order)
            .push(" LIMIT ")
            .bind(i64::try_from(page.limit + 1).unwrap_or(i64::MAX));
        let rows = self.connection().query_all_raw(sql.statement()).await?;
        let hits = rows
            .iter()
            .map(|row| {
                Ok(SearchHit {
                    article_id: row.try_get_by_index(0)?,
                    score: row.try_get_by_index(1)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish(hits, page))
    }

    /// How many public articles match `query` and `filter`, counting no further than
    /// `cap`: past it, PostgreSQL would read every matching row's whole document.
    pub async fn count_search(
        &self,
        query: &SearchQuery,
        filter: &Narrowing,
        now: DateTime<Utc>,
        cap: u64,
    ) -> StoreResult<u64> {
        let mut sql = Sql::new(self.dialect());
        sql.push("SELECT COUNT(*) FROM (SELECT 1 AS one");
        matches(&mut sql, query, filter, now, "");
        sql.push(" LIMIT ")
            .bind(i64::try_from(cap).unwrap_or(i64::MAX))
            .push(") capped");
        let row = self.connection().query_one_raw(sql.statement()).await?;
        let count: i64 = match row {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// The whole result set grouped by `facet`: up to `limit` (key, count) pairs, largest
    /// count first (newest year first, for years). Keys are section ids, tag ids or years.
    pub async fn search_facet(
        &self,
        query: &SearchQuery,
        filter: &Narrowing,
        now: DateTime<Utc>,
        facet: Facet,
        limit: u64,
    ) -> StoreResult<Vec<(i32, u64)>> {
        let dialect = self.dialect();
        let mut sql = Sql::new(dialect);
        let key = match facet {
            Facet::Section => "a.section_id",
            Facet::Tag => "ft.tag_id",
            Facet::Year => dialect.publication_year(),
        };
        sql.push("SELECT ").push(key).push(" AS k, COUNT(*) AS n");
        let join = match facet {
            Facet::Tag => " JOIN article_tags ft ON ft.article_id = a.id",
            _ => "",
        };
        matches(&mut sql, query, filter, now, join);
        let order = match facet {
            Facet::Year => "k DESC",
            _ => "n DESC, k ASC",
        };
        sql.push(" GROUP BY k ORDER BY ")
            .push(order)
            .push(" LIMIT ")
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = self.connection().query_all_raw(sql.statement()).await?;
        rows.iter()
            .map(|row| {
                let key: i32 = row.try_get_by_index(0)?;
                let count: i64 = row.try_get_by_index(1)?;
                Ok((key, u64::try_from(count).unwrap_or_default()))
            })
            .collect()
    }

    /// The matched words of each of `ids` (articles a search returned), field by field, as
    /// safe HTML: titles, bylines and tags whole, excerpts and bodies as fragments around
    /// the matches. Fields without a match are left out.
    pub async fn search_highlights(
        &self,
        query: &SearchQuery,
        ids: &[i32],
    ) -> StoreResult<HashMap<i32, Vec<Highlight>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new(self.dialect());
        self.dialect().highlights(&mut sql, query, ids);
        let rows = self.connection().query_all_raw(sql.statement()).await?;
        let mut highlights = HashMap::with_capacity(rows.len());
        for row in rows {
            let id: i32 = row.try_get_by_index(0)?;
            let mut fields = Vec::new();
            for (i, field) in SearchField::ALL.into_iter().enumerate() {
                let text: Option<String> = row.try_get_by_index(i + 1)?;
                let fragments = marked_fragments(text.as_deref().unwrap_or_default());
                if !fragments.is_empty() {
                    fields.push(Highlight { field, fragments });
                }
            }
            highlights.insert(id, fields);
        }
        Ok(highlights)
    }
}
