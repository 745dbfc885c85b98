//! Staff accounts, their sessions and the newsroom's settings.
//!
//! Passwords are stored as argon2 hashes and bearer tokens as SHA-256 digests: a copy of the
//! database gives no one a way in. Signing in costs the same whether the email exists or not.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use dateline_domain::{Email, NewPassword, Policy, Role};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter,
    QueryOrder, TransactionTrait,
};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::entity::{article, session, setting, user};
use crate::error::{StoreError, StoreResult};
use crate::model::User;
use crate::store::Store;
use crate::write::stored_time;

/// How long a sign-in lasts.
pub const SESSION_LIFETIME: Duration = Duration::days(14);

/// The settings keys.
mod key {
    pub const AUTHORS_CAN_PUBLISH: &str = "authors_can_publish";
    pub const PREVIEW_SECRET: &str = "preview_secret";
}

/// Verified against when an email is unknown, so that a wrong email costs as long as a
/// wrong password.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never valid").unwrap_or_default());

fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| StoreError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Invalid(format!("hashing failed: {e}")))
}

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Argon2 is deliberately slow and memory-hungry: hashes run one at a time per core but one
/// (so readers keep a core however many people sign in), and the rest wait their turn
/// instead of filling the blocking pool.
static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)))
});

/// Sign-ins under way (see [`SignInSlot`]).
static SIGN_INS: AtomicUsize = AtomicUsize::new(0);

/// How many sign-ins one server checks at once, waiting for a core included; more are
/// turned away rather than queued without end.
pub const MAX_SIGN_INS_AT_ONCE: usize = 16;

/// A sign-in under way, counted against [`MAX_SIGN_INS_AT_ONCE`] until it is dropped (even
/// if the request holding it is cancelled).
pub struct SignInSlot(());

impl SignInSlot {
    /// A slot, unless [`MAX_SIGN_INS_AT_ONCE`] sign-ins are under way already.
    pub fn reserve() -> Option<Self> {
        let before = SIGN_INS.fetch_add(1, Ordering::AcqRel);
        if before >= MAX_SIGN_INS_AT_ONCE {
            SIGN_INS.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self(()))
    }
}

impl Drop for SignInSlot {
    fn drop(&mut self) {
        SIGN_INS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `work` (an argon2 hash or check) on the blocking pool, in its turn. The turn is
/// held by the work itself, so a request cancelled meanwhile does not free a core that is
/// still hashing.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> StoreResult<T> {
    let turn = Arc::clone(&HASHING)
        .acquire_owned()
        .await
        .map_err(|e| StoreError::Invalid(format!("hashing is closed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("hashing task failed: {e}")))
}

/// Hashes `password` on the blocking pool.
async fn hash_in_background(password: &NewPassword) -> StoreResult<String> {
    let password = password.expose().to_owned();
    hashing(move || hash_password(&password)).await?
}

/// Opens a session for `user_id` and returns its new bearer token and expiry.
async fn insert_session(
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
fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("there is no author profile {0}")]
    UnknownAuthor(i32),
    #[error("there is no such account")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a change to a staff account changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChanges<'a> {
    pub name: Option<&'a str>,
    pub role: Option<Role>,
    /// `Some(None)` unlinks the author profile.
    pub author_id: Option<Option<i32>>,
    pub password: Option<&'a NewPassword>,
}

impl From<sea_orm::DbErr> for AccountError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error.into())
    }
}

/// A staff account about to be created.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub password: &'a NewPassword,
    pub role: Role,
    pub author_id: Option<i32>,
}

impl Store {
    /// Creates a staff account.
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User, AccountError> {
        if let Some(author_id) = new.author_id
            && self.authors_by_ids(&[author_id]).await?.is_empty()
        {
            return Err(AccountError::UnknownAuthor(author_id));
        }
        let hash = hash_in_background(new.password).await?;
        let row = user::ActiveModel {
            id: NotSet,
            email: Set(new.email.as_str().to_owned()),
            name: Set(new.name.to_owned()),
            password_hash: Set(hash),
            role: Set(new.role.as_str().to_owned()),
            author_id: Set(new.author_id),
            created_at: Set(stored_time(Utc::now())),
        };
        match user::Entity::insert(row)
            .exec_with_returning(self.connection())
            .await
        {
            Ok(row) => Ok(User::try_from(row)?),
            Err(e) if crate::error::is_unique_violation(&e) => Err(AccountError::EmailTaken),
            Err(e) => Err(StoreError::from(e).into()),
        }
    }

    /// The account with this email and password, if both match. Takes as long when the
    /// email is unknown.
    pub async fn user_by_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> StoreResult<Option<User>> {
        let row = match Email::parse(email) {
            Ok(email) => {
                user::Entity::find()
                    .filter(user::Column::Email.eq(email.as_str()))
                    .one(self.connection())
                    .await?
            }
            Err(_) => None,
        };
        let hash = row
            .as_ref()
            .map_or_else(|| DECOY_HASH.clone(), |r| r.password_hash.clone());
        let password = password.to_owned();
        let matches = hashing(move || password_matches(&hash, &password)).await?;
        match row {
            Some(row) if matches => Ok(Some(User::try_from(row)?)),
            _ => Ok(None),
        }
    }

    /// Changes a staff account. A new role or password signs the account out everywhere, so
    /// the change takes effect at once.
    pub async fn update_user(
        &self,
        id: i32,
        changes: UserChanges<'_>,
    ) -> Result<User, AccountError> {
        if let Some(Some(author_id)) = changes.author_id
            && self.authors_by_ids(&[author_id]).await?.is_empty()
        {
            return Err(AccountError::UnknownAuthor(author_id));
        }
        let hash = match changes.password {
            Some(password) => Some(hash_in_background(password).await?),
            None => None,
        };
        let txn = self.connection().begin().await?;
        let mut update = user::Entity::update_many().filter(user::Column::Id.eq(id));
        // A no-op assignment first, so the row is claimed even when nothing else changes.
        update = update.col_expr(user::Column::Id, Expr::col(user::Column::Id));
        if let Some(name) = changes.name {
            update = update.col_expr(user::Column::Name, Expr::value(name));
        }
        if let Some(role) = changes.role {
            update = update.col_expr(user::Column::Role, Expr::value(role.as_str()));
        }
        if let Some(author_id) = changes.author_id {
            update = update.col_expr(user::Column::AuthorId, Expr::value(author_id));
        }
        if let Some(hash) = hash {
            update = update.col_expr(user::Column::PasswordHash, Expr::value(hash));
        }
        if update.exec(&txn).await?.rows_affected != 1 {
            return Err(AccountError::NotFound);
        }
        if changes.role.is_some() || changes.password.is_some() {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(id))
                .exec(&txn)
                .await?;
        }
        let row = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AccountError::NotFound)?;
        txn.commit().await?;
        Ok(User::try_from(row)?)
    }

    /// Deletes a staff account and its sessions. Its articles and revisions stay, without an
    /// owner or editor.
    pub async fn delete_user(&self, id: i32) -> Result<(), AccountError> {
        let txn = self.connection().begin().await?;
        article::Entity::update_many()
            .col_expr(article::Column::OwnerId, Expr::value(Option::<i32>::None))
            .filter(article::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
        let deleted = user::Entity::delete_by_id(id).exec(&txn).await?;
        if deleted.rows_affected != 1 {
            return Err(AccountError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }

    /// Every staff account, by name.
    pub async fn all_users(&self) -> StoreResult<Vec<User>> {
        user::Entity::find()
            .order_by_asc(user::Column::Name)
            .order_by_asc(user::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(User::try_from)
            .collect()
    }

    /// Staff accounts with these ids, keyed by id.
    pub async fn users_by_ids(
        &self,
        ids: &[i32],
    ) -> StoreResult<std::collections::HashMap<i32, User>> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(crate::queries::unique(ids)))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|r| User::try_from(r).map(|u| (u.id, u)))
            .collect()
    }

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

    /// Gives account `user_id` a new password, ends all its sessions and opens a new one,
    /// whose token and expiry it returns: all of it or nothing.
    pub async fn replace_password(
        &self,
        user_id: i32,
        password: &NewPassword,
    ) -> Result<(String, DateTime<Utc>), AccountError> {
        let hash = hash_in_background(password).await?;
        let now = stored_time(Utc::now());
        let txn = self.connection().begin().await?;
        let updated = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(AccountError::NotFound);
        }
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
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

    /// Ends the session of this bearer token.
    pub async fn close_session(&self, token: &str) -> StoreResult<()> {
        session::Entity::delete_by_id(token_digest(token))
            .exec(self.connection())
            .await?;
        Ok(())
    }

    /// The settings that bear on permissions.
    pub async fn policy(&self) -> StoreResult<Policy> {
        let value = self.setting(key::AUTHORS_CAN_PUBLISH).await?;
        Ok(Policy {
            authors_can_publish: value.as_deref() == Some("true"),
        })
    }

    /// Changes the settings that bear on permissions.
    pub async fn set_policy(&self, policy: Policy) -> StoreResult<()> {
        self.put_setting(
            key::AUTHORS_CAN_PUBLISH,
            if policy.authors_can_publish {
                "true"
            } else {
                "false"
            },
        )
        .await
    }

    /// The key preview links are signed with, made on first use. Every server sharing the
    /// database reads the same one.
    pub(crate) async fn preview_secret(&self) -> StoreResult<Vec<u8>> {
        if self.setting(key::PREVIEW_SECRET).await?.is_none() {
            let fresh = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
            setting::Entity::insert(setting::ActiveModel {
                key: Set(key::PREVIEW_SECRET.to_owned()),
                value: Set(fresh),
            })
            .on_conflict_do_nothing_on([setting::Column::Key])
            .exec(self.connection())
            .await?;
        }
        let secret = self
            .setting(key::PREVIEW_SECRET)
            .await?
            .ok_or_else(|| StoreError::Corrupt("preview secret vanished".to_owned()))?;
        Ok(secret.into_bytes())
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(setting::Entity::find_by_id(key.to_owned())
            .one(self.connection())
            .await?
            .map(|row| row.value))
    }

    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
        })
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_column(setting::Column::Value)
                .to_owned(),
        )
        .exec_without_returning(self.connection())
        .await?;
        Ok(())
    }
}
