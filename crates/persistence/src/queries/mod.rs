//! The reads the API needs, grouped by what they return.

pub mod articles;
pub mod catalog;
pub mod related;
mod rows;
pub mod search;

use sea_orm::sea_query::{Condition, Expr, ExprTrait};

use crate::entity::article;
use crate::store::Visibility;

/// The rows of `articles` a reader with `visibility` may see. Columns are qualified with the
/// table name so the condition also holds in joins.
pub(crate) fn visible(visibility: Visibility) -> Condition {
    let public = |now| {
        Condition::all()
            .add(
                Expr::col((article::Entity, article::Column::Status))
                    .eq(dateline_domain::ArticleStatus::Published.as_str()),
            )
            .add(Expr::col((article::Entity, article::Column::PublishedAt)).lte(now))
    };
    match visibility {
        Visibility::PublishedAsOf(now) => public(now),
        Visibility::Desk => Condition::all(),
        Visibility::DeskOwn { now, user_id } => Condition::any()
            .add(public(now))
            .add(Expr::col((article::Entity, article::Column::OwnerId)).eq(user_id)),
    }
}

/// Sorted, deduplicated ids for an `IN (…)` list.
pub(crate) fn unique(ids: &[i32]) -> Vec<i32> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}
