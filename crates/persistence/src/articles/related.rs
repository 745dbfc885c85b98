//! "Check Also": published stories that share tags or a section with an article, ranked.
//!
//! Ranking is batched: [`Store::related_articles_for`] ranks for any number of articles in
//! two statements — one `UNION ALL` reading every lead (editors' picks, the latest stories of
//! each section, and for each article the stories sharing most of its tags, ranked in the
//! statement), then the candidates themselves with the tags they share — and splits the
//! leads per article in Rust. Few rows come back: on SQLite each row crosses threads.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use dateline_domain::{RelatedArticle, RelatedCandidate, shared_headline_words};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
    UnionType,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Iterable};

use crate::articles::visible;
use crate::entity::{article, article_tag, related_pin};
use crate::error::StoreResult;
use crate::ids::unique;
use crate::rows::ArticleRow;
use crate::store::{Store, Visibility};
use dateline_domain::model::{Article, Tag};

/// One article to rank related stories for.
#[derive(Debug, Clone)]
pub struct RelatedRequest {
    /// The article; its id, primary section and title count.
    pub article: Article,
    /// The article's own tags, in the editor's order.
    pub tags: Vec<Tag>,
    /// Its primary section's name, for the reasons.
    pub section_name: String,
    /// How many stories to return.
    pub limit: u64,
}

/// How many of the latest public stories per shared tag are considered.
const PER_TAG: u64 = 100;
/// How many candidates of each kind are read before ranking, per story asked for.
const CANDIDATES_PER_RESULT: u64 = 4;
/// The fewest candidates of each kind read, so that small lists still rank well.
const MIN_CANDIDATES: u64 = 24;
/// The most arms one compound `SELECT` gets: SQLite refuses more than 500, so longer unions
/// are nested in subqueries of at most this many arms each.
const MAX_UNION_ARMS: usize = 400;

/// What a row of the leads statement is: its first column.
const PICK: i32 = 0;
const SECTION: i32 = 1;
const TAG: i32 = 2;

/// How many candidates of each kind a request for `limit` stories reads.
fn pool(limit: u64) -> u64 {
    Ord::max(limit * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Everything the leads statement found, by article, section and tag.
#[derive(Default)]
struct Leads {
    /// The editors' picks of each requested article: (position, picked id).
    picks: HashMap<i32, Vec<(i32, i32)>>,
    /// The latest public stories of each section, newest first: (published_at, id).
    sections: HashMap<i32, Vec<(DateTime<Utc>, i32)>>,
    /// The stories sharing most tags with each requested article, best first: (tags
    /// shared, newest link, story id).
    shared: HashMap<i32, Vec<(i32, DateTime<Utc>, i32)>>,
}

impl Store {
    /// Up to `limit` public stories related to `article`, editors' picks first, then the
    /// best ranked. `tags` are the article's own tags and `section_name` its primary
    /// section's name (both for the reasons). Never the article itself, never twice the same
    /// story. [`Store::related_articles_for`] with one request.
    pub async fn related_articles(
        &self,
        now: DateTime<Utc>,
        article: &Article,
        tags: &[Tag],
        section_name: &str,
        limit: u64,
    ) -> StoreResult<Vec<RelatedArticle>> {
        let request = RelatedRequest {
            article: article.clone(),
            tags: tags.to_vec(),
            section_name: section_name.to_owned(),
            limit,
        };
        let mut ranked = self
            .related_articles_for(now, std::slice::from_ref(&request))
            .await?;
        Ok(ranked.remove(&(article.id, limit)).unwrap_or_default())
    }

    /// For each request, up to its `limit` public stories related to its article, as
    /// [`Store::related_articles`] ranks them, keyed by (article id, limit); a request with
    /// limit 0 gets an empty list. Two statements in all, whatever the number of requests
    /// (none when no request asks for a story, one when no request has a candidate).
    pub async fn related_articles_for(
        &self,
        now: DateTime<Utc>,
        requests: &[RelatedRequest],
    ) -> StoreResult<HashMap<(i32, u64), Vec<RelatedArticle>>> {
        let mut related: HashMap<(i32, u64), Vec<RelatedArticle>> = requests
            .iter()
            .map(|r| ((r.article.id, r.limit), Vec::new()))
            .collect();
        let requests: Vec<&RelatedRequest> = requests.iter().filter(|r| r.limit > 0).collect();
        if requests.is_empty() {
            return Ok(related);
        }
        // Related stories are public whoever reads the page.
        let visibility = Visibility::PublishedAsOf(now);
        let db = self.connection();

        let leads = read_leads(db, now, &requests).await?;
        let candidate_ids: Vec<(Vec<i32>, HashMap<i32, usize>)> = requests
            .iter()
            .map(|request| candidates_of(request, &leads))
            .collect();
        let all_ids: Vec<i32> = candidate_ids
            .iter()
            .flat_map(|(ids, _)| ids.iter().copied())
            .collect();
        if all_ids.is_empty() {
            return Ok(related);
        }

        let all_tag_ids: Vec<i32> = requests
            .iter()
            .flat_map(|r| r.tags.iter().map(|t| t.id))
            .collect();
        let candidates = read_candidates(db, visibility, &all_ids, &all_tag_ids).await?;
        // Ages count from the clock, not from `now`, as they always have.
        let now = Utc::now();
        for (request, (ids, pinned)) in requests.into_iter().zip(candidate_ids) {
            let ranked = rank(now, request, ids, &pinned, &candidates);
            related.insert((request.article.id, request.limit), ranked);
        }
        Ok(related)
    }
}

/// Statement 1: the leads of every request — editors' picks, the latest in its section,
/// and those sharing its tags — each arm in its own order.
async fn read_leads(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    requests: &[&RelatedRequest],
) -> StoreResult<Leads> {
    let mut leads = Leads::default();
    for row in db.query_all(&leads_statement(now, requests)).await? {
        let key = row.try_get_by_index::<i32>(1)?;
        let id = row.try_get_by_index::<i32>(2)?;
        match row.try_get_by_index::<i32>(0)? {
            PICK => {
                let position = row.try_get_by_index::<Option<i32>>(3)?.unwrap_or_default();
                leads.picks.entry(key).or_default().push((position, id));
            }
            kind => {
                let Some(at) = row.try_get_by_index::<Option<DateTime<Utc>>>(4)? else {
                    continue;
                };
                if kind == SECTION {
                    leads.sections.entry(key).or_default().push((at, id));
                } else {
                    let count = row.try_get_by_index::<Option<i32>>(3)?.unwrap_or_default();
                    leads.shared.entry(key).or_default().push((count, at, id));
                }
            }
        }
    }
    // Each arm's order, which a union does not keep.
    for rows in leads.sections.values_mut() {
        rows.sort_unstable_by(|a, b| b.cmp(a));
    }
    for rows in leads.shared.values_mut() {
        rows.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(leads)
}

/// Statement 2: the public candidates among `ids`, each with those of `tag_ids` it carries.
async fn read_candidates(
    db: &DatabaseConnection,
    visibility: Visibility,
    ids: &[i32],
    tag_ids: &[i32],
) -> StoreResult<HashMap<i32, (Article, Vec<i32>)>> {
    let mut candidates: HashMap<i32, (Article, Vec<i32>)> = HashMap::new();
    let statement = candidates_statement(visibility, &unique(ids), &unique(tag_ids));
    for row in db.query_all(&statement).await? {
        let id = row.try_get::<i32>("", "id")?;
        let shared = if tag_ids.is_empty() {
            None
        } else {
            row.try_get::<Option<i32>>("", SHARED_TAG_ID)?
        };
        let entry = match candidates.entry(id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let ArticleRow(model) = ArticleRow::from_query_result(&row, "")?;
                entry.insert((Article::try_from(model)?, Vec::new()))
            }
        };
        entry.1.extend(shared);
    }
    Ok(candidates)
}

/// The name statement 2 gives the shared tag's id.
const SHARED_TAG_ID: &str = "shared_tag_id";

/// One `UNION ALL` of: the editors' picks of every requested article; for each section the
/// requests are in, its latest public stories; for each tag they carry, its latest public
/// links. Rows are (kind, article/section/tag id, story id, pick position, publication time).
fn leads_statement(now: DateTime<Utc>, requests: &[&RelatedRequest]) -> SelectStatement {
    let article_ids: Vec<i32> = requests.iter().map(|r| r.article.id).collect();
    let no_position = || Expr::val(Option::<i32>::None);
    let no_time = || Expr::val(Option::<DateTime<Utc>>::None);
    let mut arms = vec![
        Query::select()
            .expr(Expr::val(PICK))
            .column(related_pin::Column::ArticleId)
            .column(related_pin::Column::RelatedId)
            .column(related_pin::Column::Position)
            .expr(no_time())
            .from(related_pin::Entity)
            .and_where(Expr::col(related_pin::Column::ArticleId).is_in(unique(&article_ids)))
            .take(),
    ];

    // Each section once, reading enough for its largest request once the article itself
    // is dropped.
    let mut sections: BTreeMap<i32, u64> = BTreeMap::new();
    for request in requests {
        let most = sections.entry(request.article.section_id).or_default();
        *most = Ord::max(*most, pool(request.limit) + 1);
    }
    for (index, (section_id, limit)) in sections.into_iter().enumerate() {
        let latest = Query::select()
            .columns([article::Column::Id, article::Column::PublishedAt])
            .from(article::Entity)
            .cond_where(visible(Visibility::PublishedAsOf(now)))
            .and_where(Expr::col((article::Entity, article::Column::SectionId)).eq(section_id))
            .order_by(article::Column::PublishedAt, Order::Desc)
            .order_by(article::Column::Id, Order::Desc)
            .limit(limit)
            .take();
        // Wrapped, because SQLite allows no LIMIT on the arms of a UNION themselves.
        arms.push(
            Query::select()
                .expr(Expr::val(SECTION))
                .expr(Expr::val(section_id))
                .column(article::Column::Id)
                .expr(no_position())
                .column(article::Column::PublishedAt)
                .from_subquery(latest, Alias::new(format!("section{index}")))
                .take(),
        );
    }

    // Each article once, for its largest request: the stories sharing most of its tags,
    // ranked in the statement so that only the best `pool` of them come back. Each tag
    // contributes only its latest [`PER_TAG`] public stories other than the article, read
    // from the tag links' own copy of visibility, so each is one index range whatever the
    // tag's size.
    let mut by_article: BTreeMap<i32, (&RelatedRequest, u64)> = BTreeMap::new();
    for request in requests.iter().filter(|r| !r.tags.is_empty()) {
        let most = by_article.entry(request.article.id).or_insert((request, 0));
        most.1 = Ord::max(most.1, pool(request.limit));
    }
    for (index, (article_id, (request, pool))) in by_article.into_iter().enumerate() {
        arms.push(shared_tags_arm(now, index, article_id, &request.tags, pool));
    }
    union_all(arms)
}

/// A leads arm: the `pool` public stories sharing most of `tags` with article `article_id`,
/// then the newest link, then the highest id; the count of shared tags in the position
/// column, the newest link in the time column.
fn shared_tags_arm(
    now: DateTime<Utc>,
    index: usize,
    article_id: i32,
    tags: &[Tag],
    pool: u64,
) -> SelectStatement {
    let latest = tags
        .iter()
        .enumerate()
        .map(|(tag_index, tag)| {
            let latest = Query::select()
                .columns([
                    article_tag::Column::ArticleId,
                    article_tag::Column::VisibleFrom,
                ])
                .from(article_tag::Entity)
                .and_where(Expr::col(article_tag::Column::TagId).eq(tag.id))
                .and_where(Expr::col(article_tag::Column::VisibleFrom).lte(now))
                .and_where(Expr::col(article_tag::Column::ArticleId).ne(article_id))
                .order_by(article_tag::Column::VisibleFrom, Order::Desc)
                .order_by(article_tag::Column::ArticleId, Order::Desc)
                .limit(PER_TAG)
                .take();
            // Wrapped, because SQLite allows no LIMIT on the arms of a UNION themselves.
            Query::select()
                .columns([
                    article_tag::Column::ArticleId,
                    article_tag::Column::VisibleFrom,
                ])
                .from_subquery(latest, Alias::new(format!("s{index}t{tag_index}")))
                .take()
        })
        .collect();
    let shared = Func::count(Expr::col(article_tag::Column::ArticleId));
    let newest = Func::max(Expr::col(article_tag::Column::VisibleFrom));
    let ranked = Query::select()
        .expr(Expr::val(TAG))
        .expr(Expr::val(article_id))
        .column(article_tag::Column::ArticleId)
        .expr(Expr::expr(shared.clone()).cast_as(Alias::new("integer")))
        .expr(newest.clone())
        .from_subquery(union_all(latest), Alias::new(format!("shared{index}")))
        .group_by_col(article_tag::Column::ArticleId)
        .order_by_expr(shared.into(), Order::Desc)
        .order_by_expr(newest.into(), Order::Desc)
        .order_by(article_tag::Column::ArticleId, Order::Desc)
        .limit(pool)
        .take();
    Query::select()
        .column(Asterisk)
        .from_subquery(ranked, Alias::new(format!("ranked{index}")))
        .take()
}

/// The arms chained with `UNION ALL`, nested when there are more than one compound `SELECT`
/// may hold.
fn union_all(mut arms: Vec<SelectStatement>) -> SelectStatement {
    let mut level = 0;
    while arms.len() > MAX_UNION_ARMS {
        arms = arms
            .chunks(MAX_UNION_ARMS)
            .enumerate()
            .map(|(index, chunk)| {
                Query::select()
                    .column(Asterisk)
                    .from_subquery(
                        chain(chunk.to_vec()),
                        Alias::new(format!("part{level}_{index}")),
                    )
                    .take()
            })
            .collect();
        level += 1;
    }
    chain(arms)
}

fn chain(arms: Vec<SelectStatement>) -> SelectStatement {
    let mut arms = arms.into_iter();
    let mut union = arms.next().unwrap_or_else(|| Query::select().take());
    for arm in arms {
        union.union(UnionType::All, arm);
    }
    union
}

/// One statement: the public articles among `ids`, each once per tag of `tag_ids` it
/// carries (the tag in column [`SHARED_TAG_ID`]), or once with none.
fn candidates_statement(visibility: Visibility, ids: &[i32], tag_ids: &[i32]) -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(article::Column::iter().map(|c| (article::Entity, c)))
        .from(article::Entity)
        .cond_where(visible(visibility))
        .and_where(Expr::col((article::Entity, article::Column::Id)).is_in(ids.iter().copied()));
    if !tag_ids.is_empty() {
        select
            .expr_as(
                Expr::col((article_tag::Entity, article_tag::Column::TagId)),
                Alias::new(SHARED_TAG_ID),
            )
            .join(
                JoinType::LeftJoin,
                article_tag::Entity,
                Condition::all()
                    .add(
                        Expr::col((article_tag::Entity, article_tag::Column::ArticleId))
                            .equals((article::Entity, article::Column::Id)),
                    )
                    .add(
                        Expr::col((article_tag::Entity, article_tag::Column::TagId))
                            .is_in(tag_ids.iter().copied()),
                    ),
            );
    }
    select
}

/// A request's candidate ids, in order — picks by position, then the stories sharing most
/// tags, then the latest of its section; repeats possible — and each pick's place.
fn candidates_of(request: &RelatedRequest, leads: &Leads) -> (Vec<i32>, HashMap<i32, usize>) {
    let this = request.article.id;
    let pool = to_usize(pool(request.limit));

    let mut picks = leads.picks.get(&this).cloned().unwrap_or_default();
    picks.sort_unstable();
    let pinned: HashMap<i32, usize> = picks
        .iter()
        .enumerate()
        .map(|(position, (_, id))| (*id, position))
        .collect();
    let mut ids: Vec<i32> = picks.into_iter().map(|(_, id)| id).collect();

    // Most shared tags first, then the newest link, then the highest id.
    let shared = leads
        .shared
        .get(&this)
        .map(Vec::as_slice)
        .unwrap_or_default();
    ids.extend(shared.iter().take(pool).map(|(_, _, id)| *id));

    let section = leads
        .sections
        .get(&request.article.section_id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    ids.extend(
        section
            .iter()
            .map(|(_, id)| *id)
            .filter(|id| *id != this)
            .take(pool),
    );
    (ids, pinned)
}

/// Scores a request's candidates and keeps its best `limit`.
fn rank(
    now: DateTime<Utc>,
    request: &RelatedRequest,
    candidate_ids: Vec<i32>,
    pinned: &HashMap<i32, usize>,
    candidates: &HashMap<i32, (Article, Vec<i32>)>,
) -> Vec<RelatedArticle> {
    let article = &request.article;
    let tag_names: HashMap<i32, &str> = request
        .tags
        .iter()
        .map(|t| (t.id, t.name.as_str()))
        .collect();
    let order: HashMap<i32, usize> = request
        .tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let mut seen = HashSet::new();
    let mut ranked: Vec<RelatedArticle> = candidate_ids
        .into_iter()
        .filter(|id| seen.insert(*id))
        .filter_map(|id| candidates.get(&id))
        .map(|(candidate, carried)| {
            let mut tag_ids: Vec<i32> = carried
                .iter()
                .copied()
                .filter(|id| tag_names.contains_key(id))
                .collect();
            tag_ids.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
            let published = candidate.published_at.unwrap_or(candidate.created_at);
            let score = RelatedCandidate {
                shared_tags: tag_ids
                    .iter()
                    .filter_map(|id| tag_names.get(id))
                    .map(|n| n.to_string())
                    .collect(),
                same_section: (candidate.section_id == article.section_id)
                    .then(|| request.section_name.clone()),
                age_days: (now - published).num_seconds() as f64 / 86_400.0,
                pinned: pinned.get(&candidate.id).copied(),
                similar_words: shared_headline_words(&article.title, &candidate.title),
            }
            .score();
            RelatedArticle {
                article: candidate.clone(),
                score,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .score
            .total_cmp(&a.score.score)
            .then_with(|| b.article.published_at.cmp(&a.article.published_at))
    });
    ranked.truncate(to_usize(request.limit));
    ranked
}
