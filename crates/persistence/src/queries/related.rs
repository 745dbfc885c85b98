//! "Check Also": published stories that share tags or a section with an article, ranked.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use dateline_domain::{RelatedCandidate, RelatedScore, shared_headline_words};
use sea_orm::sea_query::{Alias, Expr, Func, Order, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::{article, article_tag, related_pin};
use crate::error::StoreResult;
use crate::model::{Article, Tag};
use crate::queries::visible;
use crate::store::{Store, Visibility};

/// A story ranked next to another, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedArticle {
    pub article: Article,
    pub score: RelatedScore,
}

/// How many of the latest public stories per shared tag are considered.
const PER_TAG: u64 = 100;
/// How many candidates of each kind are read before ranking, per story asked for.
const CANDIDATES_PER_RESULT: u64 = 4;
/// The fewest candidates of each kind read, so that small lists still rank well.
const MIN_CANDIDATES: u64 = 24;

impl Store {
    /// Up to `limit` public stories related to `article`, editors' picks first, then the
    /// best ranked. `tags` are the article's
    /// own tags and `section_name` its primary section's name (both for the reasons). Never the
    /// article itself, never twice the same story.
    pub async fn related_articles(
        &self,
        now: DateTime<Utc>,
        article: &Article,
        tags: &[Tag],
        section_name: &str,
        limit: u64,
    ) -> StoreResult<Vec<RelatedArticle>> {
        // Related stories are public whoever reads the page.
        let visibility = Visibility::PublishedAsOf(now);
        let pool = Ord::max(limit * CANDIDATES_PER_RESULT, MIN_CANDIDATES);
        let db = self.connection();

        // One statement reads the editors' picks (with their positions) and the latest
        // stories of the same section (position -1); picks are ranked first once loaded, and
        // dropped like the rest unless they are public.
        let same_section = Query::select()
            .column(article::Column::Id)
            .from(article::Entity)
            .cond_where(visible(visibility))
            .and_where(article::Column::SectionId.eq(article.section_id))
            .and_where(article::Column::Id.ne(article.id))
            .order_by(article::Column::PublishedAt, Order::Desc)
            .order_by(article::Column::Id, Order::Desc)
            .limit(pool)
            .take();
        let picks_and_section = Query::select()
            .columns([
                related_pin::Column::RelatedId,
                related_pin::Column::Position,
            ])
            .from(related_pin::Entity)
            .and_where(related_pin::Column::ArticleId.eq(article.id))
            .union(
                UnionType::All,
                Query::select()
                    .column(article::Column::Id)
                    .expr(Expr::val(-1))
                    .from_subquery(same_section, Alias::new("same_section"))
                    .take(),
            )
            .take();
        let mut picks = Vec::new();
        let mut same_section = Vec::new();
        for row in db.query_all(&picks_and_section).await? {
            let id = row.try_get_by_index::<i32>(0)?;
            match row.try_get_by_index::<i32>(1)? {
                -1 => same_section.push(id),
                position => picks.push((position, id)),
            }
        }
        picks.sort_unstable();
        let pinned: HashMap<i32, usize> = picks
            .iter()
            .enumerate()
            .map(|(position, (_, id))| (*id, position))
            .collect();
        let mut candidate_ids: Vec<i32> = picks.into_iter().map(|(_, id)| id).collect();
        if let Some(ranked) = by_shared_tags(now, article.id, tags, pool) {
            for row in db.query_all(&ranked).await? {
                candidate_ids.push(row.try_get_by_index::<i32>(0)?);
            }
        }
        candidate_ids.extend(same_section);
        if candidate_ids.is_empty() {
            return Ok(Vec::new());
        }

        let mut candidates = self.articles_by_ids(visibility, &candidate_ids).await?;
        let tag_names: HashMap<i32, &str> = tags.iter().map(|t| (t.id, t.name.as_str())).collect();
        let mut shared: HashMap<i32, Vec<i32>> = HashMap::new();
        if !tags.is_empty() {
            let links = article_tag::Entity::find()
                .filter(article_tag::Column::ArticleId.is_in(candidates.keys().copied()))
                .filter(article_tag::Column::TagId.is_in(tag_names.keys().copied()))
                .all(db)
                .await?;
            for link in links {
                shared.entry(link.article_id).or_default().push(link.tag_id);
            }
        }

        let now = Utc::now();
        let order: HashMap<i32, usize> = tags.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let mut seen = HashSet::new();
        let mut ranked: Vec<RelatedArticle> = candidate_ids
            .into_iter()
            .filter(|id| seen.insert(*id))
            .filter_map(|id| candidates.remove(&id))
            .map(|candidate| {
                let mut tag_ids = shared.remove(&candidate.id).unwrap_or_default();
                tag_ids.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
                let published = candidate.published_at.unwrap_or(candidate.created_at);
                let score = RelatedCandidate {
                    shared_tags: tag_ids
                        .iter()
                        .filter_map(|id| tag_names.get(id))
                        .map(|n| n.to_string())
                        .collect(),
                    same_section: (candidate.section_id == article.section_id)
                        .then(|| section_name.to_owned()),
                    age_days: (now - published).num_seconds() as f64 / 86_400.0,
                    pinned: pinned.get(&candidate.id).copied(),
                    similar_words: shared_headline_words(&article.title, &candidate.title),
                }
                .score();
                RelatedArticle {
                    article: candidate,
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
        ranked.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(ranked)
    }
}

/// Public stories sharing tags with the article, most shared tags first, then newest. Each
/// tag contributes only its latest [`PER_TAG`] public stories, read from the tag links' own
/// copy of visibility, so the statement is a few index ranges whatever the tags' sizes.
fn by_shared_tags(
    now: DateTime<Utc>,
    article_id: i32,
    tags: &[Tag],
    pool: u64,
) -> Option<SelectStatement> {
    let (first, rest) = tags.split_first()?;
    let latest_with = |index: usize, tag_id: i32| {
        let latest = Query::select()
            .columns([
                article_tag::Column::ArticleId,
                article_tag::Column::VisibleFrom,
            ])
            .from(article_tag::Entity)
            .and_where(article_tag::Column::TagId.eq(tag_id))
            .and_where(article_tag::Column::VisibleFrom.lte(now))
            .and_where(article_tag::Column::ArticleId.ne(article_id))
            .order_by(article_tag::Column::VisibleFrom, Order::Desc)
            .limit(PER_TAG)
            .take();
        // Wrapped, because SQLite allows no LIMIT on the arms of a UNION themselves.
        Query::select()
            .columns([
                article_tag::Column::ArticleId,
                article_tag::Column::VisibleFrom,
            ])
            .from_subquery(latest, Alias::new(format!("tag{index}")))
            .take()
    };
    let mut union = latest_with(0, first.id);
    for (index, tag) in rest.iter().enumerate() {
        union.union(UnionType::All, latest_with(index + 1, tag.id));
    }
    let ranked = Query::select()
        .column(article_tag::Column::ArticleId)
        .from_subquery(union, Alias::new("shared"))
        .group_by_col(article_tag::Column::ArticleId)
        .order_by_expr(
            Func::count(Expr::col(article_tag::Column::ArticleId)).into(),
            Order::Desc,
        )
        .order_by_expr(
            Func::max(Expr::col(article_tag::Column::VisibleFrom)).into(),
            Order::Desc,
        )
        .limit(pool)
        .take();
    Some(ranked)
}
