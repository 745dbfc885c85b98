//! Password hashing with argon2, one hash per core at a time, and the cap on sign-ins under
//! way. Signing in costs the same whether the email exists or not.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use dateline_domain::NewPassword;
use tokio::sync::Semaphore;

use super::sessions::random_bytes;
use crate::error::{StoreError, StoreResult};

/// Verified against when an email is unknown, so that a wrong email costs as long as a
/// wrong password.
pub(super) static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never valid").unwrap_or_default());

pub(super) fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(StoreError::Hashing)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(StoreError::Hashing)
}

pub(super) fn password_matches(hash: &str, password: &str) -> bool {
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
pub(super) static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)))
});

/// Sign-ins under way (see [`SignInSlot`]).
pub(super) static SIGN_INS: AtomicUsize = AtomicUsize::new(0);

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
pub(super) async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> StoreResult<T> {
    let turn = Arc::clone(&HASHING)
        .acquire_owned()
        .await
        .map_err(|_| StoreError::HashingClosed)?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(StoreError::from)
}

/// Hashes `password` on the blocking pool.
pub(super) async fn hash_in_background(password: &NewPassword) -> StoreResult<String> {
    let password = password.expose().to_owned();
    hashing(move || hash_password(&password)).await?
}
