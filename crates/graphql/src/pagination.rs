//! The machinery of cursor connections, whatever they list: the Relay arguments
//! ([`Window`]) and their page-size limits, opaque cursors, the complexity a connection
//! field adds, `PageInfo`, and the page of edges ([`Edges`], `edge!`) every connection
//! type is built on. The connection types themselves are schema types, in
//! `types/connection.rs` and `types/search.rs`.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike};
use dateline_persistence::page::{NameKey, NumberKey, Page, PageArgs, TimeKey};
use dateline_persistence::{ArticleOrder, ArticleSort};

use crate::error::{ApiError, ApiResult};

/// The largest `first` or `last` accepted.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// The four Relay arguments of a connection field, as the client sent them.
#[derive(Debug, Default)]
pub struct Window {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl Window {
    /// The window the four arguments describe.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// Checks the arguments and decodes the cursors with `decode`.
    pub fn page_args<K>(self, decode: impl Fn(&str) -> Option<K>) -> ApiResult<PageArgs<K>> {
        let size = |name: &str, value: i32| {
            if (0..=MAX_PAGE_SIZE).contains(&value) {
                Ok(u64::try_from(value).unwrap_or_default())
            } else {
                Err(ApiError::bad_input(format!(
                    "`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {value}"
                )))
            }
        };
        let (limit, from_end) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input("give `first` or `last`, not both"));
            }
            (Some(first), None) => (size("first", first)?, false),
            (None, Some(last)) => (size("last", last)?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, false),
        };
        let cursor = |name: &str, value: Option<String>| {
            value
                .map(|c| {
                    decode(&c).ok_or_else(|| {
                        ApiError::bad_input(format!("`{name}` is not a valid cursor for this list"))
                    })
                })
                .transpose()
        };
        Ok(PageArgs {
            after: cursor("after", self.after)?,
            before: cursor("before", self.before)?,
            limit,
            from_end,
        })
    }
}

fn encode(raw: String) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode(cursor: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()
}

fn order_tag(order: ArticleOrder) -> &'static str {
    match (order.by, order.descending) {
        (ArticleSort::Published, true) => "pd",
        (ArticleSort::Published, false) => "pa",
        (ArticleSort::Updated, true) => "ud",
        (ArticleSort::Updated, false) => "ua",
    }
}

/// The cursor of an article in a list in `order`.
pub fn article_cursor(order: ArticleOrder, key: TimeKey) -> String {
    encode(format!(
        "a:{}:{}:{}",
        order_tag(order),
        key.at.timestamp_micros(),
        key.id
    ))
}

/// Reads an article cursor; one made for another order does not fit.
pub fn parse_article_cursor(order: ArticleOrder, cursor: &str) -> Option<TimeKey> {
    let raw = decode(cursor)?;
    let mut parts = raw.split(':');
    let (Some("a"), Some(tag), Some(micros), Some(id), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if tag != order_tag(order) {
        return None;
    }
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    // Both databases store years 1 to 9999 only; anything else was not made here.
    if !(1..=9999).contains(&at.year()) {
        return None;
    }
    Some(TimeKey {
        at,
        id: id.parse().ok()?,
    })
}

/// The cursor of a row in the list `list` (`tag`, `author` or `source`), ordered by name.
pub fn name_cursor(list: &str, name: &str, id: i32) -> String {
    encode(format!("n:{list}:{id}:{name}"))
}

/// Reads a name cursor.
pub fn parse_name_cursor(list: &str, cursor: &str) -> Option<NameKey> {
    let raw = decode(cursor)?;
    let rest = raw
        .strip_prefix("n:")?
        .strip_prefix(list)?
        .strip_prefix(':')?;
    let (id, name) = rest.split_once(':')?;
    // PostgreSQL refuses NUL in text; no stored name has one.
    if name.contains('\0') {
        return None;
    }
    Some(NameKey {
        name: name.to_owned(),
        id: id.parse().ok()?,
    })
}

/// The cursor of a revision in its article's list, newest first.
pub fn revision_cursor(key: NumberKey) -> String {
    encode(format!("r:{}:{}", key.number, key.id))
}

/// Reads a revision cursor.
pub fn parse_revision_cursor(cursor: &str) -> Option<NumberKey> {
    let raw = decode(cursor)?;
    let (number, id) = raw.strip_prefix("r:")?.split_once(':')?;
    Some(NumberKey {
        number: number.parse().ok()?,
        id: id.parse().ok()?,
    })
}

/// The cursor of an item of a list held whole (an article's corrections), by its id.
pub fn id_cursor(list: &str, id: i32) -> String {
    encode(format!("i:{list}:{id}"))
}

/// Reads an id cursor of the list `list`.
pub fn parse_id_cursor(list: &str, cursor: &str) -> Option<i32> {
    decode(cursor)?
        .strip_prefix("i:")?
        .strip_prefix(list)?
        .strip_prefix(':')?
        .parse()
        .ok()
}

/// The page `args` asks for of `items`, a whole list already in its order, whose items
/// `id` tells apart. A cursor naming an item no longer in the list matches nothing, so the
/// page is empty rather than wrong.
pub fn page_of<T>(items: Vec<T>, id: impl Fn(&T) -> i32, args: &PageArgs<i32>) -> Page<T> {
    let place = |cursor: i32| items.iter().position(|item| id(item) == cursor);
    let start = match args.after {
        Some(after) => place(after).map_or(items.len(), |at| at + 1),
        None => 0,
    };
    let end = match args.before {
        Some(before) => place(before).unwrap_or(0),
        None => items.len(),
    }
    .max(start);
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let (from, to) = if args.from_end {
        (end.saturating_sub(limit).max(start), end)
    } else {
        (start, start.saturating_add(limit).min(end))
    };
    let has_previous = from > 0;
    let has_next = to < items.len();
    Page {
        items: items.into_iter().skip(from).take(to - from).collect(),
        has_previous,
        has_next,
    }
}

/// The complexity of a field that returns up to `items` objects of `child_complexity` each,
/// plus `own_cost` for the work behind the field itself. Saturates instead of overflowing.
pub fn list_complexity(own_cost: usize, items: usize, child_complexity: usize) -> usize {
    own_cost.saturating_add(items.max(1).saturating_mul(child_complexity))
}

/// The complexity a connection field adds to a query: its selection once per item it may
/// return, so that many aliased or large pages cannot slip under the limit.
pub fn page_complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let items = first.or(last).map_or(DEFAULT_PAGE_SIZE, |n| {
        u64::try_from(n.clamp(0, MAX_PAGE_SIZE)).unwrap_or_default()
    });
    list_complexity(
        1,
        usize::try_from(items).unwrap_or(usize::MAX),
        child_complexity,
    )
}

/// Where a page sits in its list.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether items exist before this page (when paging backwards; `true` after a cursor).
    pub has_previous_page: bool,
    /// Whether items exist after this page (when paging forwards; `true` before a cursor).
    pub has_next_page: bool,
    /// The cursor of the first item on the page; pass it as `before` for the previous page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item on the page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// What a connection's edge type holds: a node, and the cursor that points at it in its list.
pub trait Edge {
    /// The object the edge leads to.
    type Node;
    /// The edge's cursor.
    fn cursor(&self) -> &str;
    /// The edge's node.
    fn node(&self) -> &Self::Node;
}

/// One page of a connection: its edges, and whether the list goes on beyond them. Every
/// connection type holds one and answers `edges`, `nodes` and `pageInfo` from it.
pub struct Edges<E> {
    edges: Vec<E>,
    has_previous_page: bool,
    has_next_page: bool,
}

impl<E: Edge> Edges<E> {
    /// The edges `edge` makes of the items of a page the store read; an item it makes no
    /// edge of is left out.
    pub fn from_page<T>(page: Page<T>, edge: impl FnMut(T) -> Option<E>) -> Self {
        Self {
            edges: page.items.into_iter().filter_map(edge).collect(),
            has_previous_page: page.has_previous,
            has_next_page: page.has_next,
        }
    }

    /// The edges, in list order.
    pub fn edges(&self) -> &[E] {
        &self.edges
    }

    /// The nodes, in list order.
    pub fn nodes(&self) -> Vec<&E::Node> {
        self.edges.iter().map(Edge::node).collect()
    }

    /// Where the page sits in its list.
    pub fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor().to_owned()),
            end_cursor: self.edges.last().map(|e| e.cursor().to_owned()),
        }
    }
}

/// Defines an edge type: `$edge`, the GraphQL object described `$edge_desc`, holding a
/// `$node` (its `node` field described `$node_desc`) and its cursor.
macro_rules! edge {
    ($edge:ident, $node:ty, $edge_desc:literal, $node_desc:literal) => {
        #[doc = $edge_desc]
        pub struct $edge {
            cursor: String,
            node: $node,
        }

        impl $crate::pagination::Edge for $edge {
            type Node = $node;

            fn cursor(&self) -> &str {
                &self.cursor
            }

            fn node(&self) -> &$node {
                &self.node
            }
        }

        #[async_graphql::Object]
        #[doc = $edge_desc]
        impl $edge {
            /// An opaque position in the list: pass it as `after` or `before`.
            async fn cursor(&self) -> &str {
                &self.cursor
            }

            #[doc = $node_desc]
            async fn node(&self) -> &$node {
                &self.node
            }
        }
    };
}
pub(crate) use edge;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn article_cursors_round_trip_and_belong_to_their_order() {
        let key = TimeKey {
            at: DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default(),
            id: 7,
        };
        let cursor = article_cursor(ArticleOrder::NEWEST, key);
        assert_eq!(
            parse_article_cursor(ArticleOrder::NEWEST, &cursor),
            Some(key)
        );
        for other in [
            ArticleOrder::RECENTLY_UPDATED,
            ArticleOrder {
                descending: false,
                ..ArticleOrder::NEWEST
            },
        ] {
            assert_eq!(parse_article_cursor(other, &cursor), None);
        }
        assert_eq!(parse_article_cursor(ArticleOrder::NEWEST, "garbage"), None);
    }

    #[test]
    fn page_sizes_are_bounded() {
        let window = |first, last| Window {
            first,
            last,
            ..Window::default()
        };
        assert!(window(Some(101), None).page_args(|_| Some(())).is_err());
        assert!(window(None, Some(-1)).page_args(|_| Some(())).is_err());
        assert!(window(Some(1), Some(1)).page_args(|_| Some(())).is_err());
        let args = window(None, None).page_args(|_| Some(())).ok();
        assert_eq!(args.map(|a| a.limit), Some(DEFAULT_PAGE_SIZE));
    }

    #[test]
    fn lists_held_whole_page_forwards_and_backwards() {
        let args = |after, before, limit, from_end| PageArgs {
            after,
            before,
            limit,
            from_end,
        };
        let ids = |page: Page<i32>| (page.items, page.has_previous, page.has_next);
        let list = || vec![1, 2, 3, 4, 5];
        assert_eq!(
            ids(page_of(list(), |i| *i, &args(None, None, 2, false))),
            (vec![1, 2], false, true)
        );
        assert_eq!(
            ids(page_of(list(), |i| *i, &args(Some(2), None, 2, false))),
            (vec![3, 4], true, true)
        );
        assert_eq!(
            ids(page_of(list(), |i| *i, &args(None, Some(5), 2, true))),
            (vec![3, 4], true, true)
        );
        assert_eq!(
            ids(page_of(list(), |i| *i, &args(None, None, 2, true))),
            (vec![4, 5], true, false)
        );
        assert_eq!(
            ids(page_of(list(), |i| *i, &args(Some(9), None, 2, false))),
            (vec![], true, false)
        );
    }

    #[test]
    fn name_cursors_keep_colons_in_names() {
        let key = NameKey {
            name: "Politics: Asia".into(),
            id: 3,
        };
        assert_eq!(
            parse_name_cursor("tag", &name_cursor("tag", &key.name, key.id)),
            Some(key.clone())
        );
    }
}
