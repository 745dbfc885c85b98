//! What every change to an existing article shares: claiming its row against the revision
//! the editor started from, recording the revision it leaves, keeping the copy of its
//! visibility on its tag links, and finishing (search index, commit, events).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::{article, article_body, article_co_author, article_revision, article_tag};
use crate::error::{Record, StoreError, StoreResult};
use crate::events::ArticleEvent;
use crate::search::index::{Reindex, reindex};
use crate::store::Store;

/// Whether an operation works on articles outside the trash or in it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trash {
    Outside,
    Inside,
}

/// Claims the article for this transaction by bumping its revision if it is still at
/// `expected`, and returns its row as it now stands.
pub(crate) async fn claim(
    txn: &DatabaseTransaction,
    id: i32,
    expected: i32,
    trash: Trash,
    now: DateTime<Utc>,
) -> StoreResult<article::Model> {
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
        None => Err(StoreError::NotFound(Record::Article)),
        Some(row) if claimed.rows_affected == 1 => {
            keep_baseline(txn, &row, expected).await?;
            Ok(row)
        }
        Some(row) if row.revision != expected => Err(StoreError::Conflict {
            expected,
            current: row.revision,
        }),
        Some(_) if trash == Trash::Outside => Err(StoreError::InTrash),
        Some(_) => Err(StoreError::NotInTrash),
    }
}

/// Records the content the article has before its first change through the desk, as the
/// revision `expected` it is at: demo, seeded and imported articles have no revision rows
/// until then, and their original text must not be lost with the first save.
pub(super) async fn keep_baseline(
    txn: &DatabaseTransaction,
    row: &article::Model,
    expected: i32,
) -> StoreResult<()> {
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

/// Records the article as `row` now stands as its revision `row.revision`.
pub(crate) async fn snapshot(
    txn: &DatabaseTransaction,
    row: &article::Model,
    user: Option<i32>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    snapshot_as(txn, row, row.revision, user, now).await
}

/// Records the article as `row` stands as its revision `number`.
pub(super) async fn snapshot_as(
    txn: &DatabaseTransaction,
    row: &article::Model,
    number: i32,
    user: Option<i32>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    record_revisions(txn, &[(row, number)], user, at).await
}

/// Records each of `rows` as it stands now as its current revision, in a few statements
/// whatever their number: for imports.
pub(crate) async fn snapshot_all(
    txn: &DatabaseTransaction,
    rows: &[article::Model],
    user: Option<i32>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let numbered: Vec<_> = rows.iter().map(|row| (row, row.revision)).collect();
    record_revisions(txn, &numbered, user, at).await
}

/// Revision rows per INSERT: each has 22 values, well under both backends' bound-parameter
/// limits.
const REVISION_ROWS: usize = 200;

/// Records each article as its row stands as the revision numbered beside it, with its
/// body, tags and co-bylines as they are now.
async fn record_revisions(
    txn: &DatabaseTransaction,
    rows: &[(&article::Model, i32)],
    user: Option<i32>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    for chunk in rows.chunks(REVISION_ROWS) {
        let ids: Vec<i32> = chunk.iter().map(|(row, _)| row.id).collect();
        let mut bodies: HashMap<i32, String> = article_body::Entity::find()
            .filter(article_body::Column::ArticleId.is_in(ids.clone()))
            .all(txn)
            .await?
            .into_iter()
            .map(|b| (b.article_id, b.body_html))
            .collect();
        let links = |pairs: Vec<(i32, i32)>| {
            let mut by_article: HashMap<i32, Vec<String>> = HashMap::new();
            for (article_id, id) in pairs {
                by_article
                    .entry(article_id)
                    .or_default()
                    .push(id.to_string());
            }
            by_article
        };
        let tags = links(
            article_tag::Entity::find()
                .select_only()
                .column(article_tag::Column::ArticleId)
                .column(article_tag::Column::TagId)
                .filter(article_tag::Column::ArticleId.is_in(ids.clone()))
                .order_by_asc(article_tag::Column::ArticleId)
                .order_by_asc(article_tag::Column::Position)
                .into_tuple()
                .all(txn)
                .await?,
        );
        let co_authors = links(
            article_co_author::Entity::find()
                .select_only()
                .column(article_co_author::Column::ArticleId)
                .column(article_co_author::Column::AuthorId)
                .filter(article_co_author::Column::ArticleId.is_in(ids))
                .order_by_asc(article_co_author::Column::ArticleId)
                .order_by_asc(article_co_author::Column::Position)
                .into_tuple()
                .all(txn)
                .await?,
        );
        let joined =
            |links: Option<&Vec<String>>| links.map(|ids| ids.join(",")).unwrap_or_default();
        let revisions = chunk
            .iter()
            .map(|(row, number)| article_revision::ActiveModel {
                id: NotSet,
                article_id: Set(row.id),
                revision: Set(*number),
                user_id: Set(user),
                created_at: Set(at),
                status: Set(row.status.clone()),
                slug: Set(row.slug.clone()),
                title: Set(row.title.clone()),
                subtitle: Set(row.subtitle.clone()),
                custom_excerpt: Set(row.custom_excerpt.clone()),
                body_html: Set(bodies.remove(&row.id).unwrap_or_default()),
                dateline_place: Set(row.dateline_place.clone()),
                section_id: Set(row.section_id),
                source_id: Set(row.source_id),
                author_id: Set(row.author_id),
                tag_ids: Set(joined(tags.get(&row.id))),
                co_author_ids: Set(joined(co_authors.get(&row.id))),
                featured: Set(row.featured),
                featured_image_url: Set(row.featured_image_url.clone()),
                featured_image_alt: Set(row.featured_image_alt.clone()),
                featured_image_caption: Set(row.featured_image_caption.clone()),
                featured_image_credit: Set(row.featured_image_credit.clone()),
            });
        article_revision::Entity::insert_many(revisions)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn set_tags_visibility(
    txn: &DatabaseTransaction,
    article_id: i32,
    visible_from: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    article_tag::Entity::update_many()
        .col_expr(article_tag::Column::VisibleFrom, Expr::value(visible_from))
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(txn)
        .await?;
    Ok(())
}

impl Store {
    /// Ends a change to an article's content or status: records the revision (by `editor`,
    /// none for the scheduler), rewrites its search index row, and commits, announcing the
    /// change (and its publication at `published_at`, if it published the article).
    pub(super) async fn finish_change(
        &self,
        txn: DatabaseTransaction,
        row: &article::Model,
        editor: Option<i32>,
        now: DateTime<Utc>,
        published_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        snapshot(&txn, row, editor, now).await?;
        reindex(&txn, Reindex::Articles(&[row.id])).await?;
        let events = ArticleEvent::of_change(row.id, row.section_id, published_at);
        self.commit_announcing(txn, &events).await?;
        Ok(())
    }
}
