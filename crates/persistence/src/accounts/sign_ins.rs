//! Failed sign-ins by account, in the database so that every server shares the count (see
//! `dateline_domain::sign_in` for the rule). An account is named by the SHA-256 of its
//! lowercased email, so addresses that are not accounts are counted alike and no one's
//! typing is stored.

use chrono::{DateTime, Utc};
use dateline_domain::sign_in::{FAILURES_FORGOTTEN_AFTER, Failures};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::entity::sign_in_failure;
use crate::entity::sign_in_failure::Column;
use crate::error::StoreResult;
use crate::store::{Store, stored_time};

/// The key failed sign-ins with `email` are counted under.
pub fn account_key(email: &str) -> String {
    Sha256::digest(email.trim().to_lowercase().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// The failed sign-ins counted against `account_key`.
    pub async fn sign_in_failures(&self, account_key: &str) -> StoreResult<Option<Failures>> {
        let row = sign_in_failure::Entity::find_by_id(account_key.to_owned())
            .one(self.connection())
            .await?;
        Ok(row.map(|row| Failures {
            count: u32::try_from(row.failures).unwrap_or(0),
            last_at: row.last_failure_at,
        }))
    }

    /// Counts a failed sign-in against `account_key` at `now` (the count starts again when
    /// the last failure is forgotten) and returns the failures now. Failures forgotten by
    /// every account are deleted meanwhile.
    pub async fn record_sign_in_failure(
        &self,
        account_key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Failures> {
        let now = stored_time(now);
        let forgotten = stored_time(now - FAILURES_FORGOTTEN_AFTER);
        let counted = Expr::case(
            Expr::col((sign_in_failure::Entity, Column::LastFailureAt)).lt(forgotten),
            1,
        )
        .finally(Expr::col((sign_in_failure::Entity, Column::Failures)).add(1));
        let row = sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
            account_key: Set(account_key.to_owned()),
            failures: Set(1),
            last_failure_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(Column::AccountKey)
                .value(Column::Failures, counted)
                .value(Column::LastFailureAt, Expr::value(now))
                .to_owned(),
        )
        .exec_with_returning(self.connection())
        .await?;
        sign_in_failure::Entity::delete_many()
            .filter(Column::LastFailureAt.lt(forgotten))
            .exec(self.connection())
            .await?;
        Ok(Failures {
            count: u32::try_from(row.failures).unwrap_or(0),
            last_at: row.last_failure_at,
        })
    }

    /// Forgets the failed sign-ins counted against `account_key`, after a success.
    pub async fn clear_sign_in_failures(&self, account_key: &str) -> StoreResult<()> {
        sign_in_failure::Entity::delete_by_id(account_key.to_owned())
            .exec(self.connection())
            .await?;
        Ok(())
    }
}
