//! The newsroom's settings: its publishing policy and the secret preview links are signed
//! with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dateline_domain::Policy;
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use sea_orm::sea_query::OnConflict;

use super::sessions::random_bytes;
use crate::entity::setting;
use crate::error::{StoreError, StoreResult};
use crate::store::Store;

/// The settings keys.
pub(super) mod key {
    pub const AUTHORS_CAN_PUBLISH: &str = "authors_can_publish";
    pub const PREVIEW_SECRET: &str = "preview_secret";
}

impl Store {
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

    pub(super) async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(setting::Entity::find_by_id(key.to_owned())
            .one(self.connection())
            .await?
            .map(|row| row.value))
    }

    pub(super) async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
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
