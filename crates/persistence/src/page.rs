//! Keyset pagination: every list is read as "the next N rows after this key, in this order",
//! never with OFFSET, so a page costs the same at the millionth row as at the first.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select, Value};

/// Which slice of an ordered list to read.
#[derive(Debug, Clone, PartialEq)]
pub struct PageArgs<K> {
    /// Only rows after this key (in the list's order).
    pub after: Option<K>,
    /// Only rows before this key.
    pub before: Option<K>,
    /// How many rows at most.
    pub limit: u64,
    /// Take the `limit` rows nearest `before` (the end of the window) instead of `after`.
    pub from_end: bool,
}

/// A slice of an ordered list, in the list's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Turns the items of a page into something else, keeping the page's bounds.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }
}

/// A list position made of a sort value and the row id that breaks ties.
pub trait Key {
    /// The sort value and the id, as SQL values.
    fn values(&self) -> (Value, Value);
}

/// The position of an article in a list ordered by one of its timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeKey {
    pub at: DateTime<Utc>,
    pub id: i32,
}

impl Key for TimeKey {
    fn values(&self) -> (Value, Value) {
        (self.at.into(), self.id.into())
    }
}

/// The position of a row in a list ordered by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    pub name: String,
    pub id: i32,
}

impl Key for NameKey {
    fn values(&self) -> (Value, Value) {
        (self.name.clone().into(), self.id.into())
    }
}

/// The position of a row in a list ordered by a number (an article's revisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberKey {
    pub number: i32,
    pub id: i32,
}

impl Key for NumberKey {
    fn values(&self) -> (Value, Value) {
        (self.number.into(), self.id.into())
    }
}

/// Restricts `select` to the requested window of the list ordered by `(sort, id)` and orders
/// it so that the first `limit + 1` rows are the ones wanted (reversed when reading from the
/// end). The extra row tells whether more exist; [`finish`] removes it.
pub(crate) fn window<E, K>(
    mut select: Select<E>,
    sort: E::Column,
    id: E::Column,
    descending: bool,
    page: &PageArgs<K>,
) -> Select<E>
where
    E: EntityTrait,
    K: Key,
{
    let beyond = |key: &K, later: bool| {
        let (value, key_id) = key.values();
        let row = Expr::tuple([Expr::col(sort), Expr::col(id)]);
        let bound = Expr::tuple([Expr::val(value), Expr::val(key_id)]);
        if later { row.gt(bound) } else { row.lt(bound) }
    };
    if let Some(after) = &page.after {
        select = select.filter(beyond(after, !descending));
    }
    if let Some(before) = &page.before {
        select = select.filter(beyond(before, descending));
    }
    let order = if descending != page.from_end {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    select
        .order_by(sort, order.clone())
        .order_by(id, order)
        .limit(page.limit + 1)
}

/// Builds the page from the rows [`window`] selected.
pub(crate) fn finish<T, K>(mut rows: Vec<T>, page: &PageArgs<K>) -> Page<T> {
    let more = rows.len() as u64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    if page.from_end {
        rows.reverse();
        Page {
            items: rows,
            has_previous: more || page.after.is_some(),
            // The `before` row itself lies after this page.
            has_next: page.before.is_some(),
        }
    } else {
        Page {
            items: rows,
            has_previous: page.after.is_some(),
            has_next: more || page.before.is_some(),
        }
    }
}
