//! Preview links: signed tokens that show one unpublished article to whoever holds them,
//! until they expire or the article changes status.
//!
//! A token is `<payload>.<signature>` in URL-safe base64, where the payload names the
//! article, when the workflow last moved it (so a link dies with the status it was made in,
//! and does not come back when the article returns to that status) and the expiry, and the
//! signature is HMAC-SHA256 under a key kept in the database (so every server accepts every
//! link).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use dateline_domain::model::Article;

type Signer = Hmac<Sha256>;

fn signer(secret: &[u8]) -> StoreResult<Signer> {
    Signer::new_from_slice(secret).map_err(StoreError::PreviewKey)
}

impl Store {
    /// A token previewing `article` until `expires_at`.
    pub async fn preview_token(
        &self,
        article: &Article,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<String> {
        let payload = format!(
            "{}.{}.{}",
            article.id,
            status_stamp(article),
            expires_at.timestamp()
        );
        let mut mac = signer(&self.preview_secret().await?)?;
        mac.update(payload.as_bytes());
        let signature = mac.finalize().into_bytes();
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// The article `token` previews, if the token is genuine, unexpired at `now`, and the
    /// workflow has not moved the article since the link was made.
    pub async fn article_by_preview_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Article>> {
        let Some((payload, signature)) = token.split_once('.') else {
            return Ok(None);
        };
        let (Ok(payload), Ok(signature)) = (
            URL_SAFE_NO_PAD.decode(payload),
            URL_SAFE_NO_PAD.decode(signature),
        ) else {
            return Ok(None);
        };
        let mut mac = signer(&self.preview_secret().await?)?;
        mac.update(&payload);
        if mac.verify_slice(&signature).is_err() {
            return Ok(None);
        }
        let Ok(payload) = String::from_utf8(payload) else {
            return Ok(None);
        };
        let mut parts = payload.split('.');
        let (Some(id), Some(stamp), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let (Ok(id), Ok(expires)) = (id.parse::<i32>(), expires.parse::<i64>()) else {
            return Ok(None);
        };
        if now.timestamp() >= expires {
            return Ok(None);
        }
        let article = self.article_for_desk(id).await?;
        Ok(article.filter(|a| status_stamp(a) == stamp && a.deleted_at.is_none()))
    }
}

/// What a preview link remembers of the article's place in the workflow.
fn status_stamp(article: &Article) -> String {
    let changed = article
        .status_changed_at
        .map_or(0, |at| at.timestamp_micros());
    format!("{}-{changed}", article.status)
}
