//! How hard password guessing is made: failed sign-ins lock an account for a while, and
//! a client address that fails too often waits too.
//!
//! An account's failures are counted wherever they happen (every server shares the count),
//! and after [`ACCOUNT_FAILURES_BEFORE_LOCK`] of them each further attempt must wait,
//! twice as long after each new failure, up to [`MAX_ACCOUNT_LOCK`]. A success forgets the
//! failures; so does an hour without one. The same rule holds for addresses that are not
//! accounts, so a lock says nothing about whether an account exists.

use chrono::{DateTime, Duration, Utc};

/// Failures an account may have before it is locked.
pub const ACCOUNT_FAILURES_BEFORE_LOCK: u32 = 5;
/// The first lock's length.
pub const FIRST_ACCOUNT_LOCK: Duration = Duration::seconds(30);
/// The longest an account is locked after a failure.
pub const MAX_ACCOUNT_LOCK: Duration = Duration::minutes(15);
/// How long after its last failure an account's failures are forgotten.
pub const FAILURES_FORGOTTEN_AFTER: Duration = Duration::hours(1);

/// Failures one client address may have within [`ADDRESS_WINDOW`] before it must wait
/// for the window to end: enough for a newsroom behind one office address to mistype.
pub const ADDRESS_FAILURES_PER_WINDOW: u32 = 30;
/// The window an address's failures are counted in.
pub const ADDRESS_WINDOW: Duration = Duration::minutes(10);

/// An account's failed sign-ins: how many, and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last_at: DateTime<Utc>,
}

impl Failures {
    /// Whether these failures still count at `now`.
    pub fn remembered(&self, now: DateTime<Utc>) -> bool {
        now - self.last_at < FAILURES_FORGOTTEN_AFTER
    }

    /// Until when the account is locked, if it is at `now`.
    pub fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.remembered(now) {
            return None;
        }
        let over = self.count.checked_sub(ACCOUNT_FAILURES_BEFORE_LOCK)?;
        let lock = FIRST_ACCOUNT_LOCK
            .checked_mul(1 << over.min(16))
            .map_or(MAX_ACCOUNT_LOCK, |lock| lock.min(MAX_ACCOUNT_LOCK));
        let until = self.last_at + lock;
        (until > now).then_some(until)
    }
}

/// Whole seconds from `now` until `until`, at least one: what a client is told to wait.
pub fn seconds_until(now: DateTime<Utc>, until: DateTime<Utc>) -> u64 {
    let millis = u64::try_from((until - now).num_milliseconds()).unwrap_or(0);
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
    }

    #[test]
    fn a_few_failures_lock_nothing() {
        let failures = Failures {
            count: ACCOUNT_FAILURES_BEFORE_LOCK - 1,
            last_at: at(0),
        };
        assert_eq!(failures.locked_until(at(1)), None);
    }

    #[test]
    fn each_failure_past_the_limit_doubles_the_wait_up_to_a_cap() {
        let lock = |count| {
            Failures {
                count,
                last_at: at(0),
            }
            .locked_until(at(0))
        };
        assert_eq!(lock(ACCOUNT_FAILURES_BEFORE_LOCK), Some(at(30)));
        assert_eq!(lock(ACCOUNT_FAILURES_BEFORE_LOCK + 1), Some(at(60)));
        assert_eq!(lock(ACCOUNT_FAILURES_BEFORE_LOCK + 2), Some(at(120)));
        assert_eq!(lock(ACCOUNT_FAILURES_BEFORE_LOCK + 50), Some(at(15 * 60)));
        assert_eq!(lock(u32::MAX), Some(at(15 * 60)));
    }

    #[test]
    fn a_lock_ends_and_failures_are_forgotten() {
        let failures = Failures {
            count: 40,
            last_at: at(0),
        };
        assert_eq!(failures.locked_until(at(15 * 60)), None);
        assert!(failures.remembered(at(3599)));
        assert_eq!(failures.locked_until(at(3600)), None);
        assert!(!failures.remembered(at(3600)));
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        let now = at(0);
        assert_eq!(seconds_until(now, now + Duration::milliseconds(1)), 1);
        assert_eq!(seconds_until(now, now + Duration::milliseconds(29_001)), 30);
        assert_eq!(seconds_until(now, now), 1);
    }
}
