//! Rows read the way the hottest reads need them.
//!
//! Two entities from one row: SeaORM's own pairing (`select_also`, `find_also_related`)
//! renames every column of both entities and builds each prefixed name again, with an
//! allocation, for every column of every row it decodes: on a front page of 20 stories with
//! their bylines that was a tenth of the server's CPU. Here the first entity keeps its own
//! column names, and the second's columns follow under names no entity column has, read back
//! by position.
//!
//! Articles straight from the driver: SeaORM reads a nullable column by asking for a value
//! and formatting an error message when it finds NULL instead, and a story has a dozen
//! columns that are usually NULL, so a page of 20 formatted 200 messages to throw away.
use sea_orm::{
    DbErr, EntityTrait, FromQueryResult, Iterable, JoinType, QueryResult, QuerySelect, Related,
    RelationDef, Select, SelectModel, Selector, TryGetable,
};

use crate::entity::{article, article_co_author, article_tag, author, tag};

/// A model that can be read from a row starting at a column's position, in the order of its
/// entity's columns: `None` when its key is null (an outer join found nothing).
pub(crate) trait ReadAt: Sized {
    type Entity: EntityTrait;

    fn read_at(row: &QueryResult, at: usize) -> Result<Option<Self>, DbErr>;
}

/// `select` outer-joined through `join` to `B`'s entity, each row read as a [`Joined`]. The
/// select must not have added columns of its own: `B`'s come right after `A`'s.
pub(crate) fn joined<A: EntityTrait, B: ReadAt>(select: Select<A>, join: RelationDef) -> Select<A> {
    let mut select = select.join(JoinType::LeftJoin, join);
    for (n, column) in <B::Entity as EntityTrait>::Column::iter().enumerate() {
        select = select.column_as(column, format!("joined_{n}"));
    }
    select
}

/// The same as [`joined`], through `A`'s relation to `B`.
pub(crate) fn also_related<A, B>(select: Select<A>) -> Selector<SelectModel<Joined<A::Model, B>>>
where
    A: EntityTrait + Related<B::Entity>,
    A::Model: First,
    B: ReadAt,
{
    joined::<A, B>(select, A::to()).into_model()
}

/// A row of a select made by [`joined`]: the first entity's model and the second's.
pub(crate) struct Joined<A, B>(pub A, pub Option<B>);

impl<A: First, B: ReadAt> FromQueryResult for Joined<A, B> {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let first = A::from_query_result(row, prefix)?;
        let at = <A::Entity as EntityTrait>::Column::iter().count();
        Ok(Self(first, B::read_at(row, at)?))
    }
}

/// What can come first in a [`Joined`] row: a model read by its columns' names.
pub(crate) trait First: FromQueryResult {
    type Entity: EntityTrait;
}

impl First for ArticleRow {
    type Entity = article::Entity;
}

impl First for article_tag::Model {
    type Entity = article_tag::Entity;
}

impl First for article_co_author::Model {
    type Entity = article_co_author::Entity;
}

fn get<T: TryGetable>(row: &QueryResult, at: usize) -> Result<T, DbErr> {
    row.try_get_by_index(at)
}

/// Implements [`ReadAt`] for an entity's model from its columns in declaration order, the
/// first (its id) null when the join found nothing.
macro_rules! read_at {
    ($($entity:ident { $($field:ident),* })*) => {$(
        impl ReadAt for $entity::Model {
            type Entity = $entity::Entity;

            fn read_at(row: &QueryResult, at: usize) -> Result<Option<Self>, DbErr> {
                let Some(id) = get::<Option<i32>>(row, at)? else {
                    return Ok(None);
                };
                let mut next = at;
                let mut column = || {
                    next += 1;
                    next
                };
                Ok(Some(Self {
                    id,
                    $($field: get(row, column())?,)*
                }))
            }
        }
    )*};
}

read_at! {
    author { slug, name, bio, avatar_url, email, created_at }
    tag { slug, name }
}

/// Reads every column of `articles` from a driver's row by name.
macro_rules! read_article {
    ($row:expr) => {{
        use sea_orm::sqlx::Row as _;
        let row = $row;
        (|| -> Result<article::Model, sea_orm::sqlx::Error> {
            Ok(article::Model {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                subtitle: row.try_get("subtitle")?,
                excerpt: row.try_get("excerpt")?,
                custom_excerpt: row.try_get("custom_excerpt")?,
                word_count: row.try_get("word_count")?,
                dateline_place: row.try_get("dateline_place")?,
                source_id: row.try_get("source_id")?,
                author_id: row.try_get("author_id")?,
                section_id: row.try_get("section_id")?,
                status: row.try_get("status")?,
                published_at: row.try_get("published_at")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                featured: row.try_get("featured")?,
                featured_image_url: row.try_get("featured_image_url")?,
                featured_image_alt: row.try_get("featured_image_alt")?,
                featured_image_caption: row.try_get("featured_image_caption")?,
                featured_image_credit: row.try_get("featured_image_credit")?,
                revision: row.try_get("revision")?,
                owner_id: row.try_get("owner_id")?,
                review_requested_at: row.try_get("review_requested_at")?,
                deleted_at: row.try_get("deleted_at")?,
                status_changed_at: row.try_get("status_changed_at")?,
            })
        })()
    }};
}

/// An article's row, read straight from the driver's row by column name (the select's own
/// names: not for a select that prefixes them).
pub(crate) struct ArticleRow(pub article::Model);

impl FromQueryResult for ArticleRow {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let decoded = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            _ if !prefix.is_empty() => None,
            (Some(row), _) => Some(read_article!(row)),
            (None, Some(row)) => Some(read_article!(row)),
            (None, None) => None,
        };
        match decoded {
            Some(model) => model
                .map(Self)
                .map_err(|e| DbErr::Type(format!("reading an article's row: {e}"))),
            None => article::Model::from_query_result(row, prefix).map(Self),
        }
    }
}
