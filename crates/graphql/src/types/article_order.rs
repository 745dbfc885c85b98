//! `ArticleOrder`: what an article list is ordered by, and which way.

use async_graphql::{Enum, InputObject};
use dateline_persistence::{ArticleOrder, ArticleSort};

/// The timestamps article lists can be ordered by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ArticleOrderField {
    /// When the article was (or will be) published.
    PublishedAt,
    /// When the article last changed.
    UpdatedAt,
}

/// Which way a list runs.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest (earliest) first.
    Asc,
    /// Largest (latest) first.
    Desc,
}

/// How to order a list of articles. Articles with the same time come in id order, the same
/// way, so every order pages without gaps or repeats in both directions.
#[derive(InputObject, Clone, Copy)]
#[graphql(name = "ArticleOrder")]
pub struct ArticleOrderInput {
    /// The timestamp to order by.
    pub field: ArticleOrderField,
    /// Which way: `DESC` for the latest first.
    pub direction: OrderDirection,
}

impl ArticleOrderInput {
    /// Newest first: what article lists default to.
    pub const NEWEST: Self = Self {
        field: ArticleOrderField::PublishedAt,
        direction: OrderDirection::Desc,
    };
}

impl From<ArticleOrderInput> for ArticleOrder {
    fn from(order: ArticleOrderInput) -> Self {
        Self {
            by: match order.field {
                ArticleOrderField::PublishedAt => ArticleSort::Published,
                ArticleOrderField::UpdatedAt => ArticleSort::Updated,
            },
            descending: order.direction == OrderDirection::Desc,
        }
    }
}
