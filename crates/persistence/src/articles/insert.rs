//! Writing new articles with everything derived from their body, in batches: the demo, the
//! seed and new drafts.

use chrono::{DateTime, Utc};
use dateline_domain::html::SafeHtml;
use dateline_domain::{ArticleStatus, Slug, co_bylines, text};
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait, NotSet};

use crate::entity::{article, article_body, article_co_author, article_tag};
use crate::error::StoreResult;
use crate::ids::first_occurrences;
use crate::search::index::{Reindex, reindex};
use crate::store::stored_time;
use dateline_domain::model::FeaturedImage;

/// Rows per multi-row INSERT: well under both backends' bound-parameter limits.
pub(super) const BATCH_ROWS: usize = 500;

/// What an article says and refers to: everything a new draft is made of. Text is already
/// validated and the body sanitised.
#[derive(Debug, Clone)]
pub struct ArticleContent {
    pub slug: Slug,
    pub title: String,
    pub subtitle: Option<String>,
    pub body: SafeHtml,
    /// Written by hand; `None` derives one from the body.
    pub excerpt: Option<String>,
    pub dateline_place: Option<String>,
    pub section_id: i32,
    pub source_id: Option<i32>,
    pub author_id: i32,
    pub co_author_ids: Vec<i32>,
    pub tag_ids: Vec<i32>,
    pub featured: bool,
    pub featured_image: Option<FeaturedImage>,
}

/// An article about to be stored. Its body is already sanitised; plain text, excerpt (unless
/// one is given) and word count are derived from it when it is written.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub content: ArticleContent,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// The staff account that created it; none for demo and seeded articles.
    pub owner_id: Option<i32>,
}

/// When a story with this status and publication time becomes public: its publication time
/// if it is published, else never (`None`). Copied onto its tag links.
pub(crate) fn visible_from(
    status: ArticleStatus,
    published_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    published_at
        .filter(|_| status == ArticleStatus::Published)
        .map(stored_time)
}

/// The word count of `body_text`, as stored.
pub(crate) fn word_count(body_text: &str) -> i32 {
    i32::try_from(text::word_count(body_text)).unwrap_or(i32::MAX)
}

impl NewArticle {
    /// The article's row, and its body row but for the article id.
    fn rows(&self, now: DateTime<Utc>) -> (article::ActiveModel, article_body::ActiveModel) {
        let now = stored_time(now);
        let published_at = self.published_at.map(stored_time);
        let body_text = self.content.body.plain_text();
        let excerpt = self
            .content
            .excerpt
            .clone()
            .unwrap_or_else(|| text::derive_excerpt(&body_text));
        let image = self.content.featured_image.clone();
        let article = article::ActiveModel {
            id: NotSet,
            slug: Set(self.content.slug.to_string()),
            title: Set(self.content.title.clone()),
            subtitle: Set(self.content.subtitle.clone()),
            word_count: Set(word_count(&body_text)),
            excerpt: Set(excerpt),
            custom_excerpt: Set(self.content.excerpt.clone()),
            dateline_place: Set(self.content.dateline_place.clone()),
            source_id: Set(self.content.source_id),
            author_id: Set(self.content.author_id),
            section_id: Set(self.content.section_id),
            status: Set(self.status.as_str().to_owned()),
            published_at: Set(published_at),
            created_at: Set(published_at.unwrap_or(now).min(now)),
            updated_at: Set(published_at.unwrap_or(now).min(now)),
            featured: Set(self.content.featured),
            featured_image_url: Set(image.as_ref().map(|i| i.url.clone())),
            featured_image_alt: Set(image.as_ref().and_then(|i| i.alt_text.clone())),
            featured_image_caption: Set(image.as_ref().and_then(|i| i.caption.clone())),
            featured_image_credit: Set(image.and_then(|i| i.credit)),
            revision: Set(1),
            owner_id: Set(self.owner_id),
            review_requested_at: Set(None),
            deleted_at: Set(None),
            status_changed_at: Set(None),
        };
        let body = article_body::ActiveModel {
            article_id: NotSet,
            body_html: Set(self.content.body.as_str().to_owned()),
            body_text: Set(body_text),
        };
        (article, body)
    }
}

/// Inserts `articles` with their tags and co-authors and returns their new ids, in order.
/// Runs in whatever transaction `db` is.
pub(crate) async fn insert_articles<C: ConnectionTrait>(
    db: &C,
    articles: &[NewArticle],
    now: DateTime<Utc>,
) -> StoreResult<Vec<i32>> {
    let mut ids = Vec::with_capacity(articles.len());
    for batch in articles.chunks(BATCH_ROWS) {
        let (rows, mut bodies): (Vec<_>, Vec<_>) = batch.iter().map(|a| a.rows(now)).unzip();
        let keys = article::Entity::insert_many(rows)
            .exec_with_returning_keys(db)
            .await?;
        for (body, id) in bodies.iter_mut().zip(&keys) {
            body.article_id = Set(*id);
        }
        // Bodies are large: fewer per statement keeps each one a reasonable size.
        for chunk in bodies.chunks(BATCH_ROWS / 5) {
            article_body::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        let mut tags = Vec::new();
        let mut co_authors = Vec::new();
        for (new, id) in batch.iter().zip(&keys) {
            let visible_from = visible_from(new.status, new.published_at);
            let tag_ids = first_occurrences(&new.content.tag_ids);
            tags.extend(tag_ids.iter().enumerate().map(|(position, tag_id)| {
                article_tag::ActiveModel {
                    article_id: Set(*id),
                    tag_id: Set(*tag_id),
                    position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                    visible_from: Set(visible_from),
                }
            }));
            co_authors.extend(
                co_bylines(&new.content.co_author_ids, new.content.author_id)
                    .into_iter()
                    .enumerate()
                    .map(|(position, author_id)| article_co_author::ActiveModel {
                        article_id: Set(*id),
                        author_id: Set(author_id),
                        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                    }),
            );
        }
        for chunk in tags.chunks(BATCH_ROWS * 2) {
            article_tag::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        for chunk in co_authors.chunks(BATCH_ROWS * 2) {
            article_co_author::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        ids.extend(keys);
    }
    reindex(db, Reindex::Articles(&ids)).await?;
    Ok(ids)
}
