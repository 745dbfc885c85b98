//! "Check Also": published stories that share tags or a section with an article, ranked.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use dateline_domain::{RelatedCandidate, RelatedScore};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{article, article_tag};
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

/// How many candidates of each kind are read before ranking, per story asked for.
const CANDIDATES_PER_RESULT: u64 = 4;
/// The fewest candidates of each kind read, so that small lists still rank well.
const MIN_CANDIDATES: u64 = 24;

impl Store {
    /// Up to `limit` visible stories related to `article`, best first. `tags` are the article's
    /// own tags and `section_name` its primary section's name (both for the reasons). Never the
    /// article itself, never twice the same story.
    pub async fn related_articles(
        &self,
        visibility: Visibility,
        article: &Article,
        tags: &[Tag],
        section_name: &str,
        limit: u64,
    ) -> StoreResult<Vec<RelatedArticle>> {
        let pool = Ord::max(limit * CANDIDATES_PER_RESULT, MIN_CANDIDATES);
        let db = self.connection();

        let mut candidate_ids: Vec<i32> = Vec::new();
        if !tags.is_empty() {
            let (mine, theirs) = (Alias::new("mine"), Alias::new("theirs"));
            let by_shared_tags = Query::select()
                .column((theirs.clone(), article_tag::Column::ArticleId))
                .from_as(article_tag::Entity, mine.clone())
                .join_as(
                    JoinType::InnerJoin,
                    article_tag::Entity,
                    theirs.clone(),
                    Expr::col((theirs.clone(), article_tag::Column::TagId))
                        .equals((mine.clone(), article_tag::Column::TagId)),
                )
                .inner_join(
                    article::Entity,
                    Expr::col((article::Entity, article::Column::Id))
                        .equals((theirs.clone(), article_tag::Column::ArticleId)),
                )
                .and_where(Expr::col((mine, article_tag::Column::ArticleId)).eq(article.id))
                .and_where(
                    Expr::col((theirs.clone(), article_tag::Column::ArticleId)).ne(article.id),
                )
                .cond_where(visible(visibility))
                .group_by_col((theirs.clone(), article_tag::Column::ArticleId))
                .order_by_expr(
                    Func::count(Expr::col((theirs, article_tag::Column::TagId))).into(),
                    Order::Desc,
                )
                .order_by_expr(
                    Func::max(Expr::col((article::Entity, article::Column::PublishedAt))).into(),
                    Order::Desc,
                )
                .limit(pool)
                .take();
            for row in db.query_all(&by_shared_tags).await? {
                candidate_ids.push(row.try_get_by_index::<i32>(0)?);
            }
        }
        let same_section: Vec<i32> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(visible(visibility))
            .filter(article::Column::SectionId.eq(article.section_id))
            .filter(article::Column::Id.ne(article.id))
            .order_by_desc(article::Column::PublishedAt)
            .order_by_desc(article::Column::Id)
            .limit(pool)
            .into_tuple()
            .all(db)
            .await?;
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
