//! Two entities read from one row.
//!
//! SeaORM's own pairing (`select_also`, `find_also_related`) renames every column of both
//! entities and builds each prefixed name again, with an allocation, for every column of
//! every row it decodes: on a front page of 20 stories with their bylines that was a tenth of
//! the server's CPU. Here the first entity keeps its own column names, and the second's
//! columns follow under names no entity column has, read back by position.

use sea_orm::{
    DbErr, EntityTrait, FromQueryResult, Iterable, JoinType, ModelTrait, QueryResult, QuerySelect,
    Related, RelationDef, Select, SelectModel, Selector, TryGetable,
};

use crate::entity::{author, tag};

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
    B: ReadAt,
{
    joined::<A, B>(select, A::to()).into_model()
}

/// A row of a select made by [`joined`]: the first entity's model and the second's.
pub(crate) struct Joined<A, B>(pub A, pub Option<B>);

impl<A: FromQueryResult + ModelTrait, B: ReadAt> FromQueryResult for Joined<A, B> {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let first = A::from_query_result(row, prefix)?;
        let at = <A::Entity as EntityTrait>::Column::iter().count();
        Ok(Self(first, B::read_at(row, at)?))
    }
}

fn get<T: TryGetable>(row: &QueryResult, at: usize) -> Result<T, DbErr> {
    row.try_get_by_index(at)
}

impl ReadAt for author::Model {
    type Entity = author::Entity;

    fn read_at(row: &QueryResult, at: usize) -> Result<Option<Self>, DbErr> {
        let Some(id) = get::<Option<i32>>(row, at)? else {
            return Ok(None);
        };
        Ok(Some(Self {
            id,
            slug: get(row, at + 1)?,
            name: get(row, at + 2)?,
            bio: get(row, at + 3)?,
            avatar_url: get(row, at + 4)?,
            email: get(row, at + 5)?,
            created_at: get(row, at + 6)?,
        }))
    }
}

impl ReadAt for tag::Model {
    type Entity = tag::Entity;

    fn read_at(row: &QueryResult, at: usize) -> Result<Option<Self>, DbErr> {
        let Some(id) = get::<Option<i32>>(row, at)? else {
            return Ok(None);
        };
        Ok(Some(Self {
            id,
            slug: get(row, at + 1)?,
            name: get(row, at + 2)?,
        }))
    }
}
