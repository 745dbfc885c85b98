//! Slowing down password guessing (the rule is `dateline_domain::sign_in`).
//!
//! Every password check (`login`, `changePassword`) goes through [`SignInGuard`]. Before the
//! password is hashed, the guard refuses with `RATE_LIMITED` and `extensions.retryAfter`
//! when the account is locked (its failures are kept in the database, shared by every
//! server) or when the client's address has failed too often here ([`AddressThrottle`],
//! kept in this process). A failure is counted against both and logged with the account
//! and the address; a success forgets the account's failures.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use dateline_domain::Email;
use dateline_domain::sign_in::{ADDRESS_FAILURES_PER_WINDOW, ADDRESS_WINDOW, seconds_until};
use dateline_persistence::sign_ins::account_key;

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
    /// Until when `address` must wait, if it must at `now`.
    pub fn blocked_until(&self, address: IpAddr, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let windows = self.lock();
        let window = windows.get(&network(address))?;
        (window.blocked() && window.ends() > now).then(|| window.ends())
    }

    /// Counts a failed sign-in from `address` at `now`.
    pub fn record_failure(&self, address: IpAddr, now: DateTime<Utc>) {
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
        window.failures = window.failures.saturating_add(1);
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

/// One password check by one request.
pub struct SignInGuard<'a> {
    scope: &'a RequestScope,
    throttle: Option<&'a AddressThrottle>,
    email: &'a str,
    key: String,
}

impl<'a> SignInGuard<'a> {
    /// A guard for checking the password of the account `email` in `scope`'s request.
    pub fn new(
        scope: &'a RequestScope,
        throttle: Option<&'a AddressThrottle>,
        email: &'a str,
    ) -> Self {
        Self {
            scope,
            throttle,
            email,
            key: account_key(email),
        }
    }

    /// Refuses with `RATE_LIMITED` while the address or the account must wait.
    pub async fn check(&self) -> ApiResult<()> {
        let now = Utc::now();
        let address_wait = self
            .throttle
            .zip(self.scope.client)
            .and_then(|(throttle, address)| throttle.blocked_until(address, now));
        if let Some(until) = address_wait {
            return Err(rate_limited(
                "too many failed sign-ins from this address: try again later",
                now,
                until,
            ));
        }
        let account_wait = self
            .scope
            .store
            .sign_in_failures(&self.key)
            .await?
            .and_then(|failures| failures.locked_until(now));
        match account_wait {
            Some(until) => Err(rate_limited(
                "too many failed sign-ins to this account: try again later",
                now,
                until,
            )),
            None => Ok(()),
        }
    }

    /// Counts a failed check against the account and the address, and logs it.
    pub async fn failed(&self) -> ApiResult<()> {
        let now = Utc::now();
        if let Some((throttle, address)) = self.throttle.zip(self.scope.client) {
            throttle.record_failure(address, now);
        }
        let failures = self
            .scope
            .store
            .record_sign_in_failure(&self.key, now)
            .await?;
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
        tracing::warn!(
            %account,
            %address,
            failures = failures.count,
            locked = failures.locked_until(now).is_some(),
            "sign-in failed"
        );
        Ok(())
    }

    /// Forgets the account's failures after a successful check.
    pub async fn succeeded(&self) -> ApiResult<()> {
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
            assert_eq!(throttle.blocked_until(address, at(i.into())), None);
            throttle.record_failure(address, at(i.into()));
        }
        let end = at(0) + ADDRESS_WINDOW;
        assert_eq!(throttle.blocked_until(address, at(60)), Some(end));
        let other: IpAddr = "203.0.113.8".parse().expect("an address");
        assert_eq!(throttle.blocked_until(other, at(60)), None);
        assert_eq!(throttle.blocked_until(address, end), None);
    }

    #[test]
    fn an_ipv6_client_is_its_whole_slash_64() {
        let throttle = AddressThrottle::default();
        for i in 0..ADDRESS_FAILURES_PER_WINDOW {
            let address: IpAddr = format!("2001:db8:1:2::{i:x}").parse().expect("an address");
            throttle.record_failure(address, at(0));
        }
        let same: IpAddr = "2001:db8:1:2:ffff::1".parse().expect("an address");
        let next: IpAddr = "2001:db8:1:3::1".parse().expect("an address");
        assert!(throttle.blocked_until(same, at(1)).is_some());
        assert!(throttle.blocked_until(next, at(1)).is_none());
    }
}
