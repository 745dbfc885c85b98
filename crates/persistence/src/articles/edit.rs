//! New drafts and edits saved against the revision an editor started from: the content and
//! everything derived from it (excerpt, word count, tag links, slug history), with every id
//! it refers to checked.

use chrono::{DateTime, Utc};
use dateline_domain::html::SafeHtml;
use dateline_domain::{ArticleStatus, Slug, co_bylines, text};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, Iterable, PrimaryKeyToColumn, QueryFilter, QuerySelect, TransactionTrait,
};

use super::change::snapshot;
use super::change::{Trash, claim};
use super::insert::{ArticleContent, NewArticle, insert_articles, visible_from, word_count};
use crate::articles::read::slug_redirect_kind;
use crate::entity::{
    article, article_body, article_co_author, article_tag, author, section, source, tag,
};
use crate::error::{Record, Reference, StoreError, StoreResult};
use crate::ids::{first_occurrences, unique};
use crate::slug_history::{record_former_slug, slug_free};
use crate::store::{Store, stored_time};
use dateline_domain::model::{Article, FeaturedImage};

/// What an edit changes; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ArticleChanges {
    pub slug: Option<Slug>,
    pub title: Option<String>,
    pub subtitle: Option<Option<String>>,
    pub body: Option<SafeHtml>,
    pub excerpt: Option<Option<String>>,
    pub dateline_place: Option<Option<String>>,
    pub section_id: Option<i32>,
    pub source_id: Option<Option<i32>>,
    pub author_id: Option<i32>,
    pub co_author_ids: Option<Vec<i32>>,
    pub tag_ids: Option<Vec<i32>>,
    pub featured: Option<bool>,
    pub featured_image: Option<Option<FeaturedImage>>,
}

impl Store {
    /// Any article with this id, whatever its status, trash included: for the desk, which
    /// checks permissions before it shows or changes anything.
    pub async fn article_for_desk(&self, id: i32) -> Result<Option<Article>, StoreError> {
        let row = article::Entity::find_by_id(id)
            .one(self.connection())
            .await?;
        row.map(Article::try_from).transpose()
    }

    /// Creates a draft owned by `owner`, as its revision 1.
    pub async fn create_article(
        &self,
        content: ArticleContent,
        owner: i32,
    ) -> StoreResult<Article> {
        // Reads first and outside the transaction: on SQLite a transaction that reads
        // before it writes can be refused the write lock.
        let references = References {
            section: Some(content.section_id),
            source: content.source_id,
            author: Some(content.author_id),
            co_authors: Some(&content.co_author_ids),
            tags: Some(&content.tag_ids),
        };
        check_references(self.connection(), references).await?;
        slug_free::<article::Entity, _>(self.connection(), &content.slug, None).await?;
        let now = stored_time(Utc::now());
        let new = NewArticle {
            content,
            status: ArticleStatus::Draft,
            published_at: None,
            owner_id: Some(owner),
        };
        let txn = self.connection().begin().await?;
        // What was checked above may have changed since: the constraints have the last word.
        let id = match insert_articles(&txn, std::slice::from_ref(&new), now).await {
            Ok(ids) => ids
                .first()
                .copied()
                .ok_or(StoreError::NotFound(Record::Article))?,
            Err(StoreError::Db(e)) => return Err(refusal(e)),
            Err(e) => return Err(e),
        };
        let row = article::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound(Record::Article))?;
        snapshot(&txn, &row, Some(owner), now).await?;
        txn.commit().await?;
        Article::try_from(row)
    }

    /// Applies `changes` if the article is still at `expected` revision.
    pub async fn update_article(
        &self,
        id: i32,
        expected: i32,
        changes: ArticleChanges,
        editor: i32,
    ) -> StoreResult<Article> {
        let txn = self.connection().begin().await?;
        let now = stored_time(Utc::now());
        let current = claim(&txn, id, expected, Trash::Outside, now).await?;
        let row = apply(&txn, current, changes, now).await?;
        self.finish_change(txn, &row, Some(editor), now, None)
            .await?;
        Article::try_from(row)
    }
}

/// Writes `changes` over `current` with everything derived from them: excerpt, word
/// count, tag links, slug history. Tags are checked last, once everything else is written:
/// an unknown one rolls all of it back with the transaction.
pub(crate) async fn apply(
    txn: &DatabaseTransaction,
    current: article::Model,
    changes: ArticleChanges,
    now: DateTime<Utc>,
) -> StoreResult<article::Model> {
    let references = References {
        section: changes.section_id,
        source: changes.source_id.flatten(),
        author: changes.author_id,
        co_authors: changes.co_author_ids.as_deref(),
        tags: None,
    };
    check_references(txn, references).await?;
    let id = current.id;
    let status = Article::try_from(current.clone())?.status;
    let mut row = current.clone().into_active_model();
    if let Some(slug) = &changes.slug
        && slug.as_str() != current.slug
    {
        slug_free::<article::Entity, _>(txn, slug, Some(id)).await?;
        record_former_slug(
            txn,
            slug_redirect_kind::ARTICLE,
            id,
            &current.slug,
            slug,
            now,
        )
        .await?;
        row.slug = Set(slug.to_string());
    }
    set_fields(&mut row, &changes);
    if let Some(co_author_ids) = &changes.co_author_ids {
        let author_id = changes.author_id.unwrap_or(current.author_id);
        write_co_authors(txn, id, co_author_ids, author_id).await?;
    }
    write_text(txn, &current, &changes, &mut row).await?;
    let row = row.update(txn).await.map_err(refusal)?;
    if let Some(tag_ids) = &changes.tag_ids {
        let references = References {
            tags: Some(tag_ids),
            ..References::default()
        };
        check_references(txn, references).await?;
        article_tag::Entity::delete_many()
            .filter(article_tag::Column::ArticleId.eq(id))
            .exec(txn)
            .await?;
        write_tags(txn, id, tag_ids, visible_from(status, row.published_at)).await?;
    }
    Ok(row)
}

/// Sets the plain fields `changes` names on `row`.
fn set_fields(row: &mut article::ActiveModel, changes: &ArticleChanges) {
    if let Some(title) = &changes.title {
        row.title = Set(title.clone());
    }
    if let Some(subtitle) = &changes.subtitle {
        row.subtitle = Set(subtitle.clone());
    }
    if let Some(place) = &changes.dateline_place {
        row.dateline_place = Set(place.clone());
    }
    if let Some(section_id) = changes.section_id {
        row.section_id = Set(section_id);
    }
    if let Some(source_id) = changes.source_id {
        row.source_id = Set(source_id);
    }
    if let Some(author_id) = changes.author_id {
        row.author_id = Set(author_id);
    }
    if let Some(featured) = changes.featured {
        row.featured = Set(featured);
    }
    if let Some(image) = &changes.featured_image {
        row.featured_image_url = Set(image.as_ref().map(|i| i.url.clone()));
        row.featured_image_alt = Set(image.as_ref().and_then(|i| i.alt_text.clone()));
        row.featured_image_caption = Set(image.as_ref().and_then(|i| i.caption.clone()));
        row.featured_image_credit = Set(image.as_ref().and_then(|i| i.credit.clone()));
    }
}

/// Replaces the article's co-bylines with `co_author_ids` (the byline `author_id` left out).
async fn write_co_authors(
    txn: &DatabaseTransaction,
    id: i32,
    co_author_ids: &[i32],
    author_id: i32,
) -> StoreResult<()> {
    article_co_author::Entity::delete_many()
        .filter(article_co_author::Column::ArticleId.eq(id))
        .exec(txn)
        .await?;
    let rows: Vec<_> = co_bylines(co_author_ids, author_id)
        .into_iter()
        .enumerate()
        .map(|(position, author_id)| article_co_author::ActiveModel {
            article_id: Set(id),
            author_id: Set(author_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        })
        .collect();
    if !rows.is_empty() {
        article_co_author::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await
            .map_err(refusal)?;
    }
    Ok(())
}

/// Writes a new body and what derives from it (plain text, word count), and the excerpt: the
/// one written by hand, else one derived from the body as it now stands.
async fn write_text(
    txn: &DatabaseTransaction,
    current: &article::Model,
    changes: &ArticleChanges,
    row: &mut article::ActiveModel,
) -> StoreResult<()> {
    let id = current.id;
    if let Some(body) = &changes.body {
        let body_text = body.plain_text();
        article_body::Entity::update_many()
            .col_expr(article_body::Column::BodyHtml, Expr::value(body.as_str()))
            .col_expr(
                article_body::Column::BodyText,
                Expr::value(body_text.as_str()),
            )
            .filter(article_body::Column::ArticleId.eq(id))
            .exec(txn)
            .await?;
        row.word_count = Set(word_count(&body_text));
    }
    if changes.body.is_none() && changes.excerpt.is_none() {
        return Ok(());
    }
    let custom_excerpt = changes
        .excerpt
        .clone()
        .unwrap_or_else(|| current.custom_excerpt.clone());
    let excerpt = match &custom_excerpt {
        Some(excerpt) => excerpt.clone(),
        None => match &changes.body {
            Some(body) => text::derive_excerpt(&body.plain_text()),
            None => article_body::Entity::find_by_id(id)
                .one(txn)
                .await?
                .map(|b| text::derive_excerpt(&b.body_text))
                .unwrap_or_default(),
        },
    };
    row.custom_excerpt = Set(custom_excerpt);
    row.excerpt = Set(excerpt);
    Ok(())
}

/// What an article refers to by id, for [`check_references`]; `None` checks nothing.
#[derive(Default)]
pub(super) struct References<'a> {
    section: Option<i32>,
    source: Option<i32>,
    author: Option<i32>,
    co_authors: Option<&'a [i32]>,
    tags: Option<&'a [i32]>,
}

/// Refuses ids that name nothing.
pub(super) async fn check_references<C: ConnectionTrait>(
    db: &C,
    refs: References<'_>,
) -> StoreResult<()> {
    let section = refs.section.map(|id| vec![id]);
    let source = refs.source.map(|id| vec![id]);
    let author = refs.author.map(|id| vec![id]);
    let missing = [
        (
            Reference::Section,
            first_missing::<section::Entity, _>(db, section.as_deref()).await?,
        ),
        (
            Reference::Source,
            first_missing::<source::Entity, _>(db, source.as_deref()).await?,
        ),
        (
            Reference::Author,
            first_missing::<author::Entity, _>(db, author.as_deref()).await?,
        ),
        (
            Reference::CoAuthor,
            first_missing::<author::Entity, _>(db, refs.co_authors).await?,
        ),
        (
            Reference::Tag,
            first_missing::<tag::Entity, _>(db, refs.tags).await?,
        ),
    ];
    match missing
        .into_iter()
        .find_map(|(kind, id)| id.map(|id| (kind, id)))
    {
        Some((kind, id)) => Err(StoreError::Unknown {
            reference: kind,
            id,
        }),
        None => Ok(()),
    }
}

/// The first of `ids` that names no row of `E`.
pub(super) async fn first_missing<E, C>(db: &C, ids: Option<&[i32]>) -> StoreResult<Option<i32>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
        return Ok(None);
    };
    let found = existing::<E>(db, ids).await?;
    Ok(ids.iter().copied().find(|id| !found.contains(id)))
}

/// The ids among `ids` that name a row of `E`, in order: a revision may name tags or
/// co-authors merged or deleted since.
pub(super) async fn existing<E: EntityTrait>(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> StoreResult<Vec<i32>> {
    let Some(primary_key) = E::PrimaryKey::iter().next() else {
        return Ok(Vec::new());
    };
    let id = primary_key.into_column();
    let found: Vec<i32> = E::find()
        .select_only()
        .column(id)
        .filter(id.is_in(unique(ids)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids
        .iter()
        .copied()
        .filter(|id| found.contains(id))
        .collect())
}

pub(super) async fn write_tags(
    txn: &DatabaseTransaction,
    article_id: i32,
    tag_ids: &[i32],
    visible_from: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let rows: Vec<_> = first_occurrences(tag_ids)
        .iter()
        .enumerate()
        .map(|(position, tag_id)| article_tag::ActiveModel {
            article_id: Set(article_id),
            tag_id: Set(*tag_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            visible_from: Set(visible_from),
        })
        .collect();
    if !rows.is_empty() {
        article_tag::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await
            .map_err(refusal)?;
    }
    Ok(())
}

/// A write refused by a constraint: a slug taken, or a reference deleted, by a concurrent
/// change since it was checked.
pub(super) fn refusal(error: sea_orm::DbErr) -> StoreError {
    StoreError::from_write(error, StoreError::SlugTaken(Record::Article))
}
