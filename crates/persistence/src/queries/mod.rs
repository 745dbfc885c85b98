//! The reads the API needs, grouped by what they return.

pub mod articles;
pub mod catalog;
pub mod related;

use sea_orm::sea_query::{Condition, Expr, ExprTrait};

use crate::entity::article;
use crate::store::Visibility;

/// The rows of `articles` a reader with `visibility` may see. Columns are qualified with the
/// table name so the condition also holds in joins.
pub(crate) fn visible(visibility: Visibility) -> Condition {
    match visibility {
        Visibility::PublishedAsOf(now) => Condition::all()
            .add(
                Expr::col((article::Entity, article::Column::Status))
                    .eq(dateline_domain::ArticleStatus::Published.as_str()),
            )
            .add(Expr::col((article::Entity, article::Column::PublishedAt)).lte(now)),
    }
}

/// Sorted, deduplicated ids for an `IN (…)` list.
pub(crate) fn unique(ids: &[i32]) -> Vec<i32> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}
