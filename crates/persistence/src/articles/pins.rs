//! The stories an editor pins to another's "Check Also", ahead of the ranked ones.

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use super::edit::{first_missing, refusal};
use crate::entity::{article, related_pin};
use crate::error::{Record, Reference, StoreError, StoreResult};
use crate::events::ArticleEvent;
use crate::ids::first_occurrences;
use crate::store::Store;
use dateline_domain::model::Article;

impl Store {
    /// Pins `related` (in order) to the article's "Check Also", replacing earlier picks, if
    /// the article is still at `expected` revision. Unpublished stories may be pinned; they
    /// show once they are public. Picks are not part of the article's content: they make no
    /// revision and leave `updated_at` alone.
    pub async fn set_related_pins(
        &self,
        id: i32,
        expected: i32,
        related: &[i32],
    ) -> StoreResult<Article> {
        if related.contains(&id) {
            return Err(StoreError::RelatedToItself);
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
            .ok_or(StoreError::NotFound(Record::Article))?;
        if claimed.rows_affected != 1 {
            return Err(if row.revision != expected {
                StoreError::Conflict {
                    expected,
                    current: row.revision,
                }
            } else {
                StoreError::InTrash
            });
        }
        if let Some(missing) = first_missing::<article::Entity, _>(&txn, Some(&related)).await? {
            return Err(StoreError::Unknown {
                reference: Reference::Related,
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
        Article::try_from(row)
    }
}
