//! What feeds and sitemaps read: the latest public stories with everything a feed item
//! shows, and every public story in id order, a bounded chunk per statement, for sitemaps.
//!
//! Only what the public may read is listed ([`visible`] as of the instant given), so a
//! draft, a scheduled story, an archived one or one in the trash never reaches a feed or a
//! sitemap. Every read here is served by an existing index:
//!
//! - a feed is a page of an article list ([`Store::articles_page_with_authors`]), then one
//!   statement each for the items' bodies, tags, co-authors and imported GUIDs (by the
//!   `imported_records (kind, local_id)` index), however many items;
//! - the sitemap buckets are one `GROUP BY` over the public stories;
//! - a sitemap chunk is a range of the primary key, read in order.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use dateline_domain::model::{Article, ArticleBody, Author, Tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::articles::visible;
use crate::entity::{article, imported_record};
use crate::error::StoreResult;
use crate::import::records::kind::ARTICLE as IMPORTED_ARTICLE;
use crate::narrowing::Narrowing;
use crate::page::PageArgs;
use crate::store::{Store, Visibility};
use crate::{ArticleFilter, ArticleOrder};

/// The latest public stories of a list, with what a feed item shows of each.
#[derive(Debug, Clone, Default)]
pub struct FeedItems {
    /// Newest first.
    pub articles: Vec<Article>,
    /// The primary authors of the articles, by id.
    pub authors: HashMap<i32, Author>,
    /// Each article's co-authors, in byline order, by article id.
    pub co_authors: HashMap<i32, Vec<Author>>,
    /// Each article's tags, in the editor's order, by article id.
    pub tags: HashMap<i32, Vec<Tag>>,
    /// Each article's body, by article id, when bodies were asked for.
    pub bodies: HashMap<i32, ArticleBody>,
    /// The GUIDs imported stories had in the feeds of the site they came from, by article
    /// id: a feed gives them again, so its readers do not see the stories as new.
    pub guids: HashMap<i32, String>,
}

/// The public stories whose ids fall in one sitemap bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitemapBucket {
    /// The bucket's number: it holds the ids `number * size + 1 ..= (number + 1) * size`.
    pub number: i32,
    /// When the story of the bucket that changed last did.
    pub last_modified: DateTime<Utc>,
}

/// What a sitemap says of one story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub id: i32,
    pub slug: String,
    pub section_id: i32,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// The latest `limit` stories public at `now` that `narrowing` selects, newest first,
    /// with their authors, co-authors and tags, their bodies when `with_bodies`, and the
    /// feed GUIDs of imported ones: five statements (four without bodies), whatever
    /// `limit`.
    pub async fn latest_for_feed(
        &self,
        now: DateTime<Utc>,
        narrowing: Narrowing,
        limit: u64,
        with_bodies: bool,
    ) -> StoreResult<FeedItems> {
        let page = PageArgs {
            after: None,
            before: None,
            limit,
            from_end: false,
        };
        let (page, authors) = self
            .articles_page_with_authors(
                Visibility::PublishedAsOf(now),
                &ArticleFilter::from(narrowing),
                ArticleOrder::NEWEST,
                &page,
            )
            .await?;
        let articles = page.items;
        if articles.is_empty() {
            return Ok(FeedItems::default());
        }
        let ids: Vec<i32> = articles.iter().map(|a| a.id).collect();
        let co_authors = self.co_authors_of_articles(&ids).await?;
        let tags = self.tags_of_articles(&ids).await?;
        let bodies = if with_bodies {
            self.article_bodies(&ids).await?
        } else {
            HashMap::new()
        };
        let guids = imported_record::Entity::find()
            .filter(imported_record::Column::Kind.eq(IMPORTED_ARTICLE))
            .filter(imported_record::Column::LocalId.is_in(ids))
            .filter(imported_record::Column::Guid.is_not_null())
            .all(self.connection())
            .await?
            .into_iter()
            .filter_map(|row| Some((row.local_id, row.guid?)))
            .collect();
        Ok(FeedItems {
            articles,
            authors,
            co_authors,
            tags,
            bodies,
            guids,
        })
    }

    /// The buckets of `size` consecutive ids that hold at least one story public at `now`,
    /// in order, each with the last time one of its stories changed: one statement.
    pub async fn sitemap_buckets(
        &self,
        now: DateTime<Utc>,
        size: i32,
    ) -> StoreResult<Vec<SitemapBucket>> {
        let size = Ord::max(size, 1);
        // The size as a literal (an integer, so no SQL can ride on it), not a bound value:
        // PostgreSQL matches the grouped expression with the selected one by its text, and
        // two placeholders would not match.
        let bucket = Expr::cust(format!("(articles.id - 1) / {size}"));
        let rows: Vec<(i32, DateTime<Utc>)> = article::Entity::find()
            .select_only()
            .expr(bucket.clone())
            .expr(Expr::col((article::Entity, article::Column::UpdatedAt)).max())
            .filter(visible(Visibility::PublishedAsOf(now)))
            .group_by(bucket.clone())
            .order_by_asc(bucket)
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(number, last_modified)| SitemapBucket {
                number,
                last_modified,
            })
            .collect())
    }

    /// Up to `limit` stories public at `now` with ids in `ids` and above `after`, in id
    /// order: one chunk of a sitemap, read along the primary key.
    pub async fn sitemap_entries(
        &self,
        now: DateTime<Utc>,
        ids: RangeInclusive<i32>,
        after: Option<i32>,
        limit: u64,
    ) -> StoreResult<Vec<SitemapEntry>> {
        let from = after.map_or(*ids.start(), |id| {
            Ord::max(id.saturating_add(1), *ids.start())
        });
        let rows: Vec<(i32, String, i32, DateTime<Utc>)> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::Slug)
            .column(article::Column::SectionId)
            .column(article::Column::UpdatedAt)
            .filter(visible(Visibility::PublishedAsOf(now)))
            .filter(Expr::col((article::Entity, article::Column::Id)).gte(from))
            .filter(Expr::col((article::Entity, article::Column::Id)).lte(*ids.end()))
            .order_by_asc(article::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, section_id, updated_at)| SitemapEntry {
                id,
                slug,
                section_id,
                updated_at,
            })
            .collect())
    }

    /// The stories published between `since` and `now` (public at `now`), newest first, at
    /// most `limit`: a news sitemap. One statement, on the latest-articles index.
    pub async fn published_since(
        &self,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        limit: u64,
    ) -> StoreResult<Vec<Article>> {
        let narrowing = Narrowing {
            published_after: Some(since),
            ..Narrowing::default()
        };
        let page = PageArgs {
            after: None,
            before: None,
            limit,
            from_end: false,
        };
        let page = self
            .articles_page(
                Visibility::PublishedAsOf(now),
                &ArticleFilter::from(narrowing),
                ArticleOrder::NEWEST,
                &page,
            )
            .await?;
        Ok(page.items)
    }
}
