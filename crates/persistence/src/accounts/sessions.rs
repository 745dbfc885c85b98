//! Sessions: bearer tokens, stored as SHA-256 digests so that a copy of the database gives no
//! one a way in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryTrait,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::entity::{session, user};
use crate::error::StoreResult;
use crate::store::{Store, stored_time};
use dateline_domain::model::User;

/// How long a sign-in lasts.
pub const SESSION_LIFETIME: Duration = Duration::days(14);

/// Opens a session for `user_id` and returns its new bearer token and expiry.
pub(super) async fn insert_session(
    txn: &DatabaseTransaction,
    user_id: i32,
    now: DateTime<Utc>,
) -> StoreResult<(String, DateTime<Utc>)> {
    let token = format!("dl_{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()));
    let expires_at = now + SESSION_LIFETIME;
    session::Entity::insert(session::ActiveModel {
        token_hash: Set(token_digest(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok((token, expires_at))
}

/// `N` random bytes from a cryptographically secure generator seeded by the operating system.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// The digest a bearer token is stored under.
pub(super) fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Signs `user_id` in: returns a new bearer token and when it expires.
    pub async fn open_session(&self, user_id: i32) -> StoreResult<(String, DateTime<Utc>)> {
        let now = stored_time(Utc::now());
        let txn = self.connection().begin().await?;
        // Signing in is when this account's expired sessions are cleared away.
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(&txn)
            .await?;
        let session = insert_session(&txn, user_id, now).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// The account a bearer token signs in, while the session lasts.
    pub async fn session_user(&self, token: &str, now: DateTime<Utc>) -> StoreResult<Option<User>> {
        let signed_in = Query::select()
            .column(session::Column::UserId)
            .from(session::Entity)
            .and_where(session::Column::TokenHash.eq(token_digest(token)))
            .and_where(session::Column::ExpiresAt.gt(now))
            .take();
        let row = user::Entity::find()
            .filter(user::Column::Id.in_subquery(signed_in))
            .one(self.connection())
            .await?;
        row.map(User::try_from).transpose()
    }

    /// Deletes every session expired by `now`, and says how many there were. Servers do
    /// this in the background (sessions of people who never sign in again would otherwise
    /// stay for good); the statement carries [`crate::BACKGROUND_MARK`].
    pub async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut purge = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(stored_time(now)))
            .build(self.backend());
        purge.sql.push_str(crate::BACKGROUND_MARK);
        Ok(self.connection().execute_raw(purge).await?.rows_affected())
    }

    /// Ends the session of this bearer token.
    pub async fn close_session(&self, token: &str) -> StoreResult<()> {
        session::Entity::delete_by_id(token_digest(token))
            .exec(self.connection())
            .await?;
        Ok(())
    }
}
