//! Editing articles: new drafts, changes saved against the revision an editor started from,
//! the workflow (review, publish, schedule, unpublish, archive), the trash, revisions,
//! corrections, and the scheduled publishing every server runs.
//!
//! Each operation is one transaction, and each change to an existing article begins by
//! writing its row — edits and workflow moves with `revision = revision + 1 … WHERE revision
//! = expected`, corrections and scheduled publishing with a condition on the status. That
//! claims the row before anything is read, so two editors saving from the same revision
//! cannot both succeed, on PostgreSQL (row lock, then the second `WHERE` no longer matches)
//! as on SQLite (one writer at a time). Whatever fails after that rolls the whole change
//! back. New drafts are inserted, their references checked first and by the constraints.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dateline_domain::html::SafeHtml;
use dateline_domain::{ArticleStatus, Slug, co_bylines, text};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, Iterable, NotSet, PaginatorTrait, PrimaryKeyToColumn,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};

use crate::entity::{
    article, article_body, article_co_author, article_correction, article_revision, article_tag,
    author, related_pin, section, source, tag,
};
use crate::error::{StoreError, is_foreign_key_violation, is_unique_violation};
use crate::events::ArticleEvent;
use crate::model::{Article, Correction, FeaturedImage, Revision};
use crate::queries::articles::slug_redirect_kind;
use crate::queries::unique;
use crate::search_index::{Reindex, reindex};
use crate::slug_history::record_former_slug;
use crate::store::Store;
use crate::write::{
    NewArticle, first_occurrences, insert_articles, stored_time, visible_from, word_count,
};

/// A comment ending the scheduler's polling statement, which every server runs every second
/// whatever the traffic: instrumentation counting a request's statements leaves it out.
pub const SCHEDULER_POLL_MARK: &str = " /* dateline: scheduler poll */";

/// Everything a new draft is made of. Text is already validated and the body sanitised.
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

/// A move through the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Ask for review; the article stays a draft.
    SubmitForReview,
    /// Public from now on.
    Publish,
    /// Public from `at`, a time still to come, published then by [`Store::publish_due`].
    Schedule(DateTime<Utc>),
    /// Back to draft, from published, scheduled or archived.
    Unpublish,
    /// Taken down, kept for the record.
    Archive,
    /// Into the trash, as a draft.
    Trash,
    /// Out of the trash.
    Restore,
}

/// Why an edit was refused. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no such article")]
    NotFound,
    #[error("the article is in the trash")]
    InTrash,
    #[error("the article is not in the trash")]
    NotInTrash,
    #[error("the article has changed since revision {expected}: it is at revision {current}")]
    Conflict { expected: i32, current: i32 },
    #[error("another article has this slug")]
    SlugTaken,
    #[error("there is no {kind:?} with id {id}")]
    Unknown { kind: Reference, id: i32 },
    #[error("something the article refers to was deleted meanwhile")]
    ReferenceGone,
    #[error("no revision {0} of this article")]
    UnknownRevision(i32),
    #[error("an article cannot be related to itself")]
    RelatedToItself,
    #[error("{0}")]
    Workflow(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for EditError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error.into())
    }
}

/// What an article refers to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    Section,
    Source,
    Author,
    CoAuthor,
    Tag,
    /// A story pinned to another's "Check Also".
    Related,
}

type EditResult<T> = Result<T, EditError>;

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
    pub async fn create_article(&self, content: ArticleContent, owner: i32) -> EditResult<Article> {
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
        check_slug(self.connection(), &content.slug, None).await?;
        let now = stored_time(Utc::now());
        let new = NewArticle {
            slug: content.slug,
            title: content.title,
            subtitle: content.subtitle,
            body: content.body,
            excerpt: content.excerpt,
            dateline_place: content.dateline_place,
            source_id: content.source_id,
            author_id: content.author_id,
            co_author_ids: content.co_author_ids,
            section_id: content.section_id,
            tag_ids: content.tag_ids,
            status: ArticleStatus::Draft,
            published_at: None,
            featured: content.featured,
            featured_image: content.featured_image,
            owner_id: Some(owner),
        };
        let txn = self.connection().begin().await?;
        // What was checked above may have changed since: the constraints have the last word.
        let id = match insert_articles(&txn, std::slice::from_ref(&new), now).await {
            Ok(ids) => ids.first().copied().ok_or(EditError::NotFound)?,
            Err(StoreError::Db(e)) => return Err(refusal(e)),
            Err(e) => return Err(e.into()),
        };
        let row = article::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(EditError::NotFound)?;
        snapshot(&txn, &row, Some(owner), now).await?;
        txn.commit().await?;
        Ok(Article::try_from(row)?)
    }

    /// Applies `changes` if the article is still at `expected` revision.
    pub async fn update_article(
        &self,
        id: i32,
        expected: i32,
        changes: ArticleChanges,
        editor: i32,
    ) -> EditResult<Article> {
        let txn = self.connection().begin().await?;
        let now = stored_time(Utc::now());
        let current = claim(&txn, id, expected, Trash::Outside, now).await?;
        let row = apply(&txn, current, changes, now).await?;
        self.finish_change(txn, &row, Some(editor), now, None)
            .await?;
        Ok(Article::try_from(row)?)
    }

    /// Brings back the content of revision `number` as a new revision.
    pub async fn restore_revision(
        &self,
        id: i32,
        expected: i32,
        number: i32,
        editor: i32,
    ) -> EditResult<Article> {
        let txn = self.connection().begin().await?;
        let now = stored_time(Utc::now());
        let current = claim(&txn, id, expected, Trash::Outside, now).await?;
        let old = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id))
            .filter(article_revision::Column::Revision.eq(number))
            .one(&txn)
            .await?
            .ok_or(EditError::UnknownRevision(number))?;
        let old = Revision::try_from(old)?;
        let slug = Slug::parse(&old.slug).map_err(|_| {
            StoreError::Corrupt(format!("revision {number} of {id} has a bad slug"))
        })?;
        let changes = ArticleChanges {
            slug: Some(slug),
            title: Some(old.title),
            subtitle: Some(old.subtitle),
            body: Some(SafeHtml::from_trusted(old.body_html)),
            excerpt: Some(old.custom_excerpt),
            dateline_place: Some(old.dateline_place),
            section_id: Some(old.section_id),
            source_id: Some(old.source_id),
            author_id: Some(old.author_id),
            co_author_ids: Some(existing::<author::Entity>(&txn, &old.co_author_ids).await?),
            tag_ids: Some(existing::<tag::Entity>(&txn, &old.tag_ids).await?),
            featured: Some(old.featured),
            featured_image: Some(old.featured_image),
        };
        let row = apply(&txn, current, changes, now).await?;
        self.finish_change(txn, &row, Some(editor), now, None)
            .await?;
        Ok(Article::try_from(row)?)
    }

    /// Moves the article through the workflow if it is still at `expected` revision and
    /// the workflow allows the move from where it stands.
    pub async fn transition(
        &self,
        id: i32,
        expected: i32,
        transition: Transition,
        editor: i32,
    ) -> EditResult<Article> {
        let txn = self.connection().begin().await?;
        let now = stored_time(Utc::now());
        let trash = match transition {
            Transition::Restore => Trash::Inside,
            _ => Trash::Outside,
        };
        let current = claim(&txn, id, expected, trash, now).await?;
        let from = Article::try_from(current.clone())?.status;
        let mut row = current.into_active_model();
        let mut refuse_unless = |to: ArticleStatus| {
            if from.can_become(to) {
                row.status = Set(to.as_str().to_owned());
                Ok(())
            } else {
                Err(EditError::Workflow(format!(
                    "a {from} article cannot become {to}"
                )))
            }
        };
        match transition {
            Transition::SubmitForReview => {
                if from != ArticleStatus::Draft {
                    return Err(EditError::Workflow(
                        "only drafts are submitted for review".to_owned(),
                    ));
                }
                row.review_requested_at = Set(Some(now));
            }
            Transition::Publish => {
                refuse_unless(ArticleStatus::Published)?;
                row.published_at = Set(Some(now));
                row.review_requested_at = Set(None);
            }
            Transition::Schedule(at) => {
                refuse_unless(ArticleStatus::Scheduled)?;
                row.published_at = Set(Some(stored_time(at)));
                row.review_requested_at = Set(None);
            }
            Transition::Unpublish => {
                if from == ArticleStatus::Draft {
                    return Err(EditError::Workflow(format!(
                        "a {from} article is not published"
                    )));
                }
                refuse_unless(ArticleStatus::Draft)?;
            }
            Transition::Archive => refuse_unless(ArticleStatus::Archived)?,
            Transition::Trash => {
                row.status = Set(ArticleStatus::Draft.as_str().to_owned());
                row.deleted_at = Set(Some(now));
            }
            Transition::Restore => row.deleted_at = Set(None),
        }
        if transition != Transition::SubmitForReview {
            row.status_changed_at = Set(Some(now));
        }
        let row = row.update(&txn).await?;
        let went_public = (transition == Transition::Publish).then_some(now);
        let status = Article::try_from(row.clone())?.status;
        set_tags_visibility(&txn, id, visible_from(status, row.published_at)).await?;
        self.finish_change(txn, &row, Some(editor), now, went_public)
            .await?;
        Ok(Article::try_from(row)?)
    }

    /// Publishes every scheduled article whose time has come, and returns their ids. Each
    /// article is claimed by a conditional update in its own transaction, so with several
    /// servers running this at once every article is published exactly once.
    pub async fn publish_due(&self, now: DateTime<Utc>) -> EditResult<Vec<i32>> {
        let scheduled = ArticleStatus::Scheduled.as_str();
        let mut poll = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Status.eq(scheduled))
            .filter(article::Column::PublishedAt.lte(now))
            .order_by_asc(article::Column::PublishedAt)
            .limit(100)
            .build(self.backend());
        poll.sql.push_str(SCHEDULER_POLL_MARK);
        let due = self
            .connection()
            .query_all_raw(poll)
            .await?
            .iter()
            .map(|row| row.try_get_by_index::<i32>(0))
            .collect::<Result<Vec<_>, _>>()?;
        let mut published = Vec::with_capacity(due.len());
        for id in due {
            // One article that fails must not hold up the others queued behind it.
            match self.publish_scheduled(id, now).await {
                Ok(true) => published.push(id),
                Ok(false) => {}
                Err(error) => tracing::error!(article = id, %error, "scheduled publishing failed"),
            }
        }
        Ok(published)
    }

    /// Publishes scheduled article `id` if it is still due at `now` and no other server has
    /// published it meanwhile; says whether this call did.
    async fn publish_scheduled(&self, id: i32, now: DateTime<Utc>) -> EditResult<bool> {
        let scheduled = ArticleStatus::Scheduled.as_str();
        let now = stored_time(now);
        let txn = self.connection().begin().await?;
        let claimed = article::Entity::update_many()
            .col_expr(
                article::Column::Status,
                Expr::value(ArticleStatus::Published.as_str()),
            )
            .col_expr(
                article::Column::Revision,
                Expr::col(article::Column::Revision).add(1),
            )
            .col_expr(article::Column::UpdatedAt, Expr::value(now))
            .col_expr(article::Column::StatusChangedAt, Expr::value(now))
            .filter(article::Column::Id.eq(id))
            .filter(article::Column::Status.eq(scheduled))
            .filter(article::Column::PublishedAt.lte(now))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(false);
        }
        let row = article::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(EditError::NotFound)?;
        set_tags_visibility(
            &txn,
            id,
            visible_from(ArticleStatus::Published, row.published_at),
        )
        .await?;
        self.finish_change(txn, &row, None, now, Some(now)).await?;
        Ok(true)
    }

    /// Ends a change to an article's content or status: records the revision (by `editor`,
    /// none for the scheduler), rewrites its search index row, and commits, announcing the
    /// change (and its publication at `published_at`, if it published the article).
    async fn finish_change(
        &self,
        txn: DatabaseTransaction,
        row: &article::Model,
        editor: Option<i32>,
        now: DateTime<Utc>,
        published_at: Option<DateTime<Utc>>,
    ) -> EditResult<()> {
        snapshot(&txn, row, editor, now).await?;
        reindex(&txn, Reindex::Articles(&[row.id])).await?;
        let events = ArticleEvent::of_change(row.id, row.section_id, published_at);
        self.commit_announcing(txn, &events).await?;
        Ok(())
    }

    /// Adds a dated public correction to a published (or archived) article. The article's
    /// row is claimed first, so it cannot be unpublished while the note is added.
    pub async fn add_correction(
        &self,
        id: i32,
        note: String,
        editor: i32,
    ) -> EditResult<Correction> {
        let now = stored_time(Utc::now());
        let txn = self.connection().begin().await?;
        let public = [
            ArticleStatus::Published.as_str(),
            ArticleStatus::Archived.as_str(),
        ];
        let claimed = article::Entity::update_many()
            .col_expr(article::Column::UpdatedAt, Expr::value(now))
            .filter(article::Column::Id.eq(id))
            .filter(article::Column::Status.is_in(public))
            .filter(article::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            let article = article::Entity::find_by_id(id).one(&txn).await?;
            return Err(match article {
                None => EditError::NotFound,
                Some(a) if a.deleted_at.is_some() => EditError::InTrash,
                Some(_) => EditError::Workflow(
                    "corrections are added to published articles; edit a draft instead".to_owned(),
                ),
            });
        }
        let row = article_correction::Entity::insert(article_correction::ActiveModel {
            id: NotSet,
            article_id: Set(id),
            note: Set(note),
            user_id: Set(Some(editor)),
            created_at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        let events = [ArticleEvent::Updated { article_id: id }];
        self.commit_announcing(txn, &events).await?;
        Ok(Correction::from(row))
    }

    /// Pins `related` (in order) to the article's "Check Also", replacing earlier picks, if
    /// the article is still at `expected` revision. Unpublished stories may be pinned; they
    /// show once they are public. Picks are not part of the article's content: they make no
    /// revision and leave `updated_at` alone.
    pub async fn set_related_pins(
        &self,
        id: i32,
        expected: i32,
        related: &[i32],
    ) -> EditResult<Article> {
        if related.contains(&id) {
            return Err(EditError::RelatedToItself);
        }
        let related = first_occurrences(related);
        let txn = self.connection().begin().await?;
        // A write that changes nothing, to claim the row as it was checked.
        let claimed = article::Entity::update_many()
            .col_expr(article::Column::Id, Expr::col(article::Column::Id))
            .filter(article::Column::Id.eq(id))
            .filter(article::Column::Revision.eq(expected))
            .filter(article::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?;
        let row = article::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(EditError::NotFound)?;
        if claimed.rows_affected != 1 {
            return Err(if row.revision != expected {
                EditError::Conflict {
                    expected,
                    current: row.revision,
                }
            } else {
                EditError::InTrash
            });
        }
        if let Some(missing) = first_missing::<article::Entity, _>(&txn, Some(&related)).await? {
            return Err(EditError::Unknown {
                kind: Reference::Related,
                id: missing,
            });
        }
        related_pin::Entity::delete_many()
            .filter(related_pin::Column::ArticleId.eq(id))
            .exec(&txn)
            .await?;
        let pins: Vec<_> = related
            .iter()
            .enumerate()
            .map(|(position, related_id)| related_pin::ActiveModel {
                article_id: Set(id),
                related_id: Set(*related_id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            })
            .collect();
        if !pins.is_empty() {
            related_pin::Entity::insert_many(pins)
                .exec_without_returning(&txn)
                .await
                .map_err(refusal)?;
        }
        self.commit_announcing(txn, &[ArticleEvent::Updated { article_id: id }])
            .await?;
        Ok(Article::try_from(row)?)
    }

    /// Each article's corrections, oldest first, keyed by article id.
    pub async fn corrections_of(
        &self,
        article_ids: &[i32],
    ) -> Result<HashMap<i32, Vec<Correction>>, StoreError> {
        let rows = article_correction::Entity::find()
            .filter(article_correction::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_correction::Column::CreatedAt)
            .order_by_asc(article_correction::Column::Id)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Correction>> = HashMap::new();
        for row in rows {
            by_article
                .entry(row.article_id)
                .or_default()
                .push(Correction::from(row));
        }
        Ok(by_article)
    }

    /// Revision `number` of the article, if it was recorded. Revisions are never changed once
    /// written, so what this returns is what [`Store::restore_revision`] brings back; an
    /// article not yet changed through the desk has no row for the revision it is at.
    pub async fn revision(&self, id: i32, number: i32) -> Result<Option<Revision>, StoreError> {
        article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id))
            .filter(article_revision::Column::Revision.eq(number))
            .one(self.connection())
            .await?
            .map(Revision::try_from)
            .transpose()
    }

    /// The article's latest `limit` revisions, newest first.
    pub async fn revisions_of(&self, id: i32, limit: u64) -> Result<Vec<Revision>, StoreError> {
        article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id))
            .order_by_desc(article_revision::Column::Revision)
            .limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(Revision::try_from)
            .collect()
    }
}

/// Whether an operation works on articles outside the trash or in it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trash {
    Outside,
    Inside,
}

/// Claims the article for this transaction by bumping its revision if it is still at
/// `expected`, and returns its row as it now stands.
async fn claim(
    txn: &DatabaseTransaction,
    id: i32,
    expected: i32,
    trash: Trash,
    now: DateTime<Utc>,
) -> EditResult<article::Model> {
    let in_trash = match trash {
        Trash::Outside => article::Column::DeletedAt.is_null(),
        Trash::Inside => article::Column::DeletedAt.is_not_null(),
    };
    let claimed = article::Entity::update_many()
        .col_expr(
            article::Column::Revision,
            Expr::col(article::Column::Revision).add(1),
        )
        .col_expr(article::Column::UpdatedAt, Expr::value(now))
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::Revision.eq(expected))
        .filter(in_trash)
        .exec(txn)
        .await?;
    let row = article::Entity::find_by_id(id).one(txn).await?;
    match row {
        None => Err(EditError::NotFound),
        Some(row) if claimed.rows_affected == 1 => {
            keep_baseline(txn, &row, expected).await?;
            Ok(row)
        }
        Some(row) if row.revision != expected => Err(EditError::Conflict {
            expected,
            current: row.revision,
        }),
        Some(_) if trash == Trash::Outside => Err(EditError::InTrash),
        Some(_) => Err(EditError::NotInTrash),
    }
}

/// Records the content the article has before its first change through the desk, as the
/// revision `expected` it is at: demo, seeded and imported articles have no revision rows
/// until then, and their original text must not be lost with the first save.
async fn keep_baseline(
    txn: &DatabaseTransaction,
    row: &article::Model,
    expected: i32,
) -> EditResult<()> {
    let kept = article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(row.id))
        .filter(article_revision::Column::Revision.eq(expected))
        .count(txn)
        .await?;
    if kept == 0 {
        snapshot_as(txn, row, expected, None, row.created_at).await?;
    }
    Ok(())
}

/// Writes `changes` over `current` with everything derived from them: excerpt, word
/// count, tag links, slug history. Tags are checked last, once everything else is written:
/// an unknown one rolls all of it back with the transaction.
async fn apply(
    txn: &DatabaseTransaction,
    current: article::Model,
    changes: ArticleChanges,
    now: DateTime<Utc>,
) -> EditResult<article::Model> {
    let references = References {
        section: changes.section_id,
        source: changes.source_id.flatten(),
        author: changes.author_id,
        co_authors: changes.co_author_ids.as_deref(),
        tags: None,
    };
    check_references(txn, references).await?;
    let id = current.id;
    let current_author = current.author_id;
    let old_slug = current.slug.clone();
    let status = Article::try_from(current.clone())?.status;
    let custom_excerpt = changes
        .excerpt
        .clone()
        .unwrap_or_else(|| current.custom_excerpt.clone());
    let mut row = current.into_active_model();
    if let Some(slug) = &changes.slug
        && slug.as_str() != old_slug
    {
        check_slug(txn, slug, Some(id)).await?;
        record_former_slug(txn, slug_redirect_kind::ARTICLE, id, &old_slug, slug, now).await?;
        row.slug = Set(slug.to_string());
    }
    if let Some(title) = changes.title {
        row.title = Set(title);
    }
    if let Some(subtitle) = changes.subtitle {
        row.subtitle = Set(subtitle);
    }
    if let Some(place) = changes.dateline_place {
        row.dateline_place = Set(place);
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
    if let Some(image) = changes.featured_image {
        row.featured_image_url = Set(image.as_ref().map(|i| i.url.clone()));
        row.featured_image_alt = Set(image.as_ref().and_then(|i| i.alt_text.clone()));
        row.featured_image_caption = Set(image.as_ref().and_then(|i| i.caption.clone()));
        row.featured_image_credit = Set(image.and_then(|i| i.credit));
    }
    if let Some(co_author_ids) = &changes.co_author_ids {
        article_co_author::Entity::delete_many()
            .filter(article_co_author::Column::ArticleId.eq(id))
            .exec(txn)
            .await?;
        let author_id = changes.author_id.unwrap_or(current_author);
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
    }
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
    if changes.body.is_some() || changes.excerpt.is_some() {
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
    }
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

/// What an article refers to by id, for [`check_references`]; `None` checks nothing.
#[derive(Default)]
struct References<'a> {
    section: Option<i32>,
    source: Option<i32>,
    author: Option<i32>,
    co_authors: Option<&'a [i32]>,
    tags: Option<&'a [i32]>,
}

/// Refuses ids that name nothing.
async fn check_references<C: ConnectionTrait>(db: &C, refs: References<'_>) -> EditResult<()> {
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
        Some((kind, id)) => Err(EditError::Unknown { kind, id }),
        None => Ok(()),
    }
}

/// The first of `ids` that names no row of `E`.
async fn first_missing<E, C>(db: &C, ids: Option<&[i32]>) -> EditResult<Option<i32>>
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
async fn existing<E: EntityTrait>(db: &impl ConnectionTrait, ids: &[i32]) -> EditResult<Vec<i32>> {
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

/// Refuses a slug another article has.
async fn check_slug<C: ConnectionTrait>(
    db: &C,
    slug: &Slug,
    except: Option<i32>,
) -> EditResult<()> {
    let mut taken = article::Entity::find().filter(article::Column::Slug.eq(slug.as_str()));
    if let Some(id) = except {
        taken = taken.filter(article::Column::Id.ne(id));
    }
    if taken.count(db).await? > 0 {
        return Err(EditError::SlugTaken);
    }
    Ok(())
}

async fn write_tags(
    txn: &DatabaseTransaction,
    article_id: i32,
    tag_ids: &[i32],
    visible_from: Option<DateTime<Utc>>,
) -> EditResult<()> {
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
fn refusal(error: sea_orm::DbErr) -> EditError {
    if is_unique_violation(&error) {
        EditError::SlugTaken
    } else if is_foreign_key_violation(&error) {
        EditError::ReferenceGone
    } else {
        error.into()
    }
}

async fn set_tags_visibility(
    txn: &DatabaseTransaction,
    article_id: i32,
    visible_from: Option<DateTime<Utc>>,
) -> EditResult<()> {
    article_tag::Entity::update_many()
        .col_expr(article_tag::Column::VisibleFrom, Expr::value(visible_from))
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Records the article as `row` now stands as its revision `row.revision`.
async fn snapshot(
    txn: &DatabaseTransaction,
    row: &article::Model,
    user: Option<i32>,
    now: DateTime<Utc>,
) -> EditResult<()> {
    snapshot_as(txn, row, row.revision, user, now).await
}

/// Records the article as `row` stands as its revision `number`.
async fn snapshot_as(
    txn: &DatabaseTransaction,
    row: &article::Model,
    number: i32,
    user: Option<i32>,
    at: DateTime<Utc>,
) -> EditResult<()> {
    let body = article_body::Entity::find_by_id(row.id)
        .one(txn)
        .await?
        .map(|b| b.body_html)
        .unwrap_or_default();
    let tag_ids: Vec<i32> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::TagId)
        .filter(article_tag::Column::ArticleId.eq(row.id))
        .order_by_asc(article_tag::Column::Position)
        .into_tuple()
        .all(txn)
        .await?;
    let co_author_ids: Vec<i32> = article_co_author::Entity::find()
        .select_only()
        .column(article_co_author::Column::AuthorId)
        .filter(article_co_author::Column::ArticleId.eq(row.id))
        .order_by_asc(article_co_author::Column::Position)
        .into_tuple()
        .all(txn)
        .await?;
    let joined = |ids: Vec<i32>| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    article_revision::Entity::insert(article_revision::ActiveModel {
        id: NotSet,
        article_id: Set(row.id),
        revision: Set(number),
        user_id: Set(user),
        created_at: Set(at),
        status: Set(row.status.clone()),
        slug: Set(row.slug.clone()),
        title: Set(row.title.clone()),
        subtitle: Set(row.subtitle.clone()),
        custom_excerpt: Set(row.custom_excerpt.clone()),
        body_html: Set(body),
        dateline_place: Set(row.dateline_place.clone()),
        section_id: Set(row.section_id),
        source_id: Set(row.source_id),
        author_id: Set(row.author_id),
        tag_ids: Set(joined(tag_ids)),
        co_author_ids: Set(joined(co_author_ids)),
        featured: Set(row.featured),
        featured_image_url: Set(row.featured_image_url.clone()),
        featured_image_alt: Set(row.featured_image_alt.clone()),
        featured_image_caption: Set(row.featured_image_caption.clone()),
        featured_image_credit: Set(row.featured_image_credit.clone()),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}
