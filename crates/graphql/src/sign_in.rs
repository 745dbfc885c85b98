//! Slowing down password guessing (the rule is `dateline_domain::sign_in`).
//!
//! Every password check (`login`, `changePassword`) goes through [`SignInGuard`]. Each
//! attempt is counted as a failure *before* the password is hashed, against the account
//! (in the database, shared by every server) and against the client's address
//! ([`AddressThrottle`], in this process), so a burst of attempts sent at once is counted
//! as it arrives rather than after every hash has run. An attempt is refused with
//! `RATE_LIMITED` and `extensions.retryAfter`, without hashing, when the account is locked,
//! when attempts raced past the account's free ones, when the address has failed too often,
//! or when too many password checks already wait for a core. A success forgets the
//! account's failures and takes the attempt off the address's count; a failure is logged
//! with the account and the address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use dateline_domain::Email;
use dateline_domain::sign_in::{
    ACCOUNT_FAILURES_BEFORE_LOCK, ADDRESS_FAILURES_PER_WINDOW, ADDRESS_WINDOW, seconds_until,
};
use dateline_persistence::accounts::SignInSlot;
use dateline_persistence::accounts::account_key;

use crate::error::{ApiError, ApiResult};
use crate::scope::RequestScope;

/// The most addresses the throttle remembers; past it, addresses that are not blocked are
/// forgotten first, so an attacker with many addresses cannot grow this process's memory.
const MAX_ADDRESSES: usize = 100_000;

/// Failed sign-ins by client address, in this process.
#[derive(Default)]
pub struct AddressThrottle {
    windows: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    failures: u32,
}

impl Window {
    fn ends(&self) -> DateTime<Utc> {
        self.started + ADDRESS_WINDOW
    }

    fn blocked(&self) -> bool {
        self.failures >= ADDRESS_FAILURES_PER_WINDOW
    }
}

impl AddressThrottle {
    /// Counts an attempt from `address` at `now`, or says until when the address must wait
    /// (and does not count it).
    pub fn begin(&self, address: IpAddr, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut windows = self.lock();
        if windows.len() >= MAX_ADDRESSES {
            windows.retain(|_, w| w.ends() > now);
        }
        if windows.len() >= MAX_ADDRESSES {
            windows.retain(|_, w| w.blocked());
        }
        let window = windows.entry(network(address)).or_insert(Window {
            started: now,
            failures: 0,
        });
        if window.ends() <= now {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        if window.blocked() {
            return Err(window.ends());
        }
        window.failures += 1;
        Ok(())
    }

    /// Takes a successful attempt from `address` off its count.
    pub fn forgive(&self, address: IpAddr) {
        if let Some(window) = self.lock().get_mut(&network(address)) {
            window.failures = window.failures.saturating_sub(1);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Window>> {
        // Counts left by a panicking thread are still counts.
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The network an address stands for: one IPv4 address, or an IPv6 /64, which one client
/// usually holds whole.
fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::from(segments)
            }
        },
    }
}

/// One password check by one request, counted as a failure until it succeeds.
pub struct SignInGuard<'a> {
    scope: &'a RequestScope,
    throttle: Option<&'a AddressThrottle>,
    email: &'a str,
    key: String,
    failures: u32,
    /// Held until the check is over.
    _slot: SignInSlot,
}

impl<'a> SignInGuard<'a> {
    /// Counts an attempt to check the password of the account `email` in `scope`'s
    /// request, or refuses it with `RATE_LIMITED`.
    pub async fn begin(
        scope: &'a RequestScope,
        throttle: Option<&'a AddressThrottle>,
        email: &'a str,
    ) -> ApiResult<Self> {
        let begun = Self::admit(scope, throttle, email).await;
        if let Err(ApiError::RateLimited { .. }) = &begun {
            metrics::counter!("dateline_sign_ins_total", "outcome" => "throttled").increment(1);
        }
        begun
    }

    async fn admit(
        scope: &'a RequestScope,
        throttle: Option<&'a AddressThrottle>,
        email: &'a str,
    ) -> ApiResult<Self> {
        let now = Utc::now();
        let Some(slot) = SignInSlot::reserve() else {
            return Err(ApiError::RateLimited {
                message: "too many sign-ins at once: try again in a moment".to_owned(),
                retry_after_seconds: 1,
            });
        };
        let key = account_key(email);
        let store = &scope.store;
        let before = store.sign_in_failures(&key).await?;
        if let Some(until) = before.and_then(|failures| failures.locked_until(now)) {
            return Err(rate_limited(
                "too many failed sign-ins to this account: try again later",
                now,
                until,
            ));
        }
        if let Some((throttle, address)) = throttle.zip(scope.client)
            && let Err(until) = throttle.begin(address, now)
        {
            return Err(rate_limited(
                "too many failed sign-ins from this address: try again later",
                now,
                until,
            ));
        }
        let counted = store.record_sign_in_failure(&key, now).await?;
        // Attempts that arrived together all found the account open: past its free
        // attempts, only the one counted right after the last known failure goes on.
        let expected = before
            .filter(|failures| failures.remembered(now))
            .map_or(1, |failures| failures.count.saturating_add(1));
        let raced = counted.count > ACCOUNT_FAILURES_BEFORE_LOCK && counted.count != expected;
        if raced {
            return Err(rate_limited(
                "too many sign-ins to this account at once: try again later",
                now,
                counted.locked_until(now).unwrap_or(now),
            ));
        }
        Ok(Self {
            scope,
            throttle,
            email,
            key,
            failures: counted.count,
            _slot: slot,
        })
    }

    /// Logs a failed check; it was counted already.
    pub fn failed(&self) {
        metrics::counter!("dateline_sign_ins_total", "outcome" => "wrong").increment(1);
        // What was typed as the email is logged only if it is one: a password typed into
        // the wrong box must not reach the log.
        let account = Email::parse(self.email).map_or_else(
            |_| "(not an email address)".to_owned(),
            |e| e.as_str().to_owned(),
        );
        let address = self
            .scope
            .client
            .map_or_else(|| "(unknown)".to_owned(), |a| a.to_string());
        tracing::warn!(%account, %address, failures = self.failures, "sign-in failed");
    }

    /// Forgets the account's failures and the address's attempt after a successful check.
    pub async fn succeeded(&self) -> ApiResult<()> {
        metrics::counter!("dateline_sign_ins_total", "outcome" => "ok").increment(1);
        if let Some((throttle, address)) = self.throttle.zip(self.scope.client) {
            throttle.forgive(address);
        }
        self.scope.store.clear_sign_in_failures(&self.key).await?;
        Ok(())
    }
}

fn rate_limited(message: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> ApiError {
    ApiError::RateLimited {
        message: message.to_owned(),
        retry_after_seconds: seconds_until(now, until),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
    }

    #[test]
    fn an_address_waits_after_too_many_failures_until_its_window_ends() {
        let throttle = AddressThrottle::default();
        let address: IpAddr = "203.0.113.7".parse().expect("an address");
        for i in 0..ADDRESS_FAILURES_PER_WINDOW {
            assert_eq!(throttle.begin(address, at(i.into())), Ok(()));
        }
        let end = at(0) + ADDRESS_WINDOW;
        assert_eq!(throttle.begin(address, at(60)), Err(end));
        let other: IpAddr = "203.0.113.8".parse().expect("an address");
        assert_eq!(throttle.begin(other, at(60)), Ok(()));
        assert_eq!(throttle.begin(address, end), Ok(()));
    }

    #[test]
    fn successes_do_not_count() {
        let throttle = AddressThrottle::default();
        let address: IpAddr = "203.0.113.9".parse().expect("an address");
        for _ in 0..ADDRESS_FAILURES_PER_WINDOW * 2 {
            assert_eq!(throttle.begin(address, at(1)), Ok(()));
            throttle.forgive(address);
        }
    }

    #[test]
    fn an_ipv6_client_is_its_whole_slash_64() {
        let throttle = AddressThrottle::default();
        for i in 0..ADDRESS_FAILURES_PER_WINDOW {
            let address: IpAddr = format!("2001:db8:1:2::{i:x}").parse().expect("an address");
            assert_eq!(throttle.begin(address, at(0)), Ok(()));
        }
        let same: IpAddr = "2001:db8:1:2:ffff::1".parse().expect("an address");
        let next: IpAddr = "2001:db8:1:3::1".parse().expect("an address");
        assert!(throttle.begin(same, at(1)).is_err());
        assert!(throttle.begin(next, at(1)).is_ok());
    }
}
