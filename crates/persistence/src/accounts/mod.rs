//! Staff accounts, their sessions and sign-ins, and the newsroom's settings.
//!
//! Passwords are stored as argon2 hashes ([`passwords`]) and bearer tokens as SHA-256 digests
//! ([`sessions`]): a copy of the database gives no one a way in.

mod passwords;
mod sessions;
mod settings;
pub mod sign_ins;

use chrono::{DateTime, Utc};
use dateline_domain::{Email, NewPassword, Role};
use passwords::{DECOY_HASH, hash_in_background, hashing, password_matches};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use sessions::insert_session;

use crate::entity::{article, session, user};
use crate::error::{Record, Reference, StoreError, StoreResult};
use crate::page::{NameKey, Page, PageArgs, finish, window};
use crate::store::{Store, stored_time};
use dateline_domain::model::User;

pub use passwords::{MAX_SIGN_INS_AT_ONCE, SignInSlot};
pub use sessions::SESSION_LIFETIME;
pub use sign_ins::account_key;

/// What a change to a staff account changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChanges<'a> {
    pub name: Option<&'a str>,
    pub role: Option<Role>,
    /// `Some(None)` unlinks the author profile.
    pub author_id: Option<Option<i32>>,
    pub password: Option<&'a NewPassword>,
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
    pub async fn create_user(&self, new: NewUser<'_>) -> StoreResult<User> {
        if let Some(author_id) = new.author_id
            && self.authors_by_ids(&[author_id]).await?.is_empty()
        {
            return Err(StoreError::Unknown {
                reference: Reference::AccountAuthor,
                id: author_id,
            });
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
            Err(e) if crate::error::is_unique_violation(&e) => Err(StoreError::EmailTaken),
            Err(e) => Err(StoreError::from(e)),
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
    pub async fn update_user(&self, id: i32, changes: UserChanges<'_>) -> StoreResult<User> {
        if let Some(Some(author_id)) = changes.author_id
            && self.authors_by_ids(&[author_id]).await?.is_empty()
        {
            return Err(StoreError::Unknown {
                reference: Reference::AccountAuthor,
                id: author_id,
            });
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
            return Err(StoreError::NotFound(Record::Account));
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
            .ok_or(StoreError::NotFound(Record::Account))?;
        txn.commit().await?;
        User::try_from(row)
    }

    /// Deletes a staff account and its sessions. Its articles and revisions stay, without an
    /// owner or editor.
    pub async fn delete_user(&self, id: i32) -> StoreResult<()> {
        let txn = self.connection().begin().await?;
        article::Entity::update_many()
            .col_expr(article::Column::OwnerId, Expr::value(Option::<i32>::None))
            .filter(article::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
        let deleted = user::Entity::delete_by_id(id).exec(&txn).await?;
        if deleted.rows_affected != 1 {
            return Err(StoreError::NotFound(Record::Account));
        }
        txn.commit().await?;
        Ok(())
    }

    /// A page of the staff accounts, by name.
    pub async fn users_page(&self, page: &PageArgs<NameKey>) -> StoreResult<Page<User>> {
        let select = window(
            user::Entity::find(),
            user::Column::Name,
            user::Column::Id,
            false,
            page,
        );
        let rows = select.all(self.connection()).await?;
        let users = rows
            .into_iter()
            .map(User::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish(users, page))
    }

    /// How many staff accounts there are.
    pub async fn count_users(&self) -> StoreResult<u64> {
        Ok(user::Entity::find().count(self.connection()).await?)
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
            .filter(user::Column::Id.is_in(crate::ids::unique(ids)))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|r| User::try_from(r).map(|u| (u.id, u)))
            .collect()
    }

    /// Gives account `user_id` a new password, ends all its sessions and opens a new one,
    /// whose token and expiry it returns: all of it or nothing.
    pub async fn replace_password(
        &self,
        user_id: i32,
        password: &NewPassword,
    ) -> StoreResult<(String, DateTime<Utc>)> {
        let hash = hash_in_background(password).await?;
        let now = stored_time(Utc::now());
        let txn = self.connection().begin().await?;
        let updated = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::NotFound(Record::Account));
        }
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let session = insert_session(&txn, user_id, now).await?;
        txn.commit().await?;
        Ok(session)
    }
}
