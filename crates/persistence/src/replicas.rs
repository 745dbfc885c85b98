//! PostgreSQL streaming replicas, which take the public's reads off the primary.
//!
//! A replica serves only while it answers and is no more than [`ReplicaSettings::max_lag`]
//! behind the primary; [`Store::watch_replicas`] measures both every
//! [`ReplicaSettings::probe_interval`] and puts a replica back as soon as it is fine again.
//!
//! The watcher probes through pools of its own, one connection each, on the primary and on
//! every replica: a replica whose pool is busy serving is not taken for one that is down,
//! nor is a primary whose pool is busy left unmeasured. A read that fails on its replica
//! makes the watcher probe at once ([`Store::suspect_replica`]).
//!
//! How far behind a replica is: the watcher notes the primary's WAL position
//! (`pg_current_wal_lsn()`) at every probe and keeps a short history of them; a replica
//! that has replayed up to a position the primary had at time `t` holds everything written
//! before `t`, so it is at most `now - t` behind. This counts time, not bytes, and stays
//! right when the primary is idle (its position does not move, nor does the lag grow),
//! when the replica's replay is paused (its position stops while the primary's moves) and
//! when it stops receiving WAL at all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::BACKGROUND_MARK;
use crate::dialect::{Dialect, PoolSettings};
use crate::error::StoreResult;
use crate::store::Store;

/// When a replica serves.
#[derive(Debug, Clone)]
pub struct ReplicaSettings {
    /// The furthest a replica may be behind the primary and still serve.
    pub max_lag: Duration,
    /// How often replicas are probed.
    pub probe_interval: Duration,
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        Self {
            max_lag: Duration::from_secs(2),
            probe_interval: Duration::from_millis(250),
        }
    }
}

/// How long a probe may take before its replica counts as not answering.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest a read waits for a connection to its replica before it runs on the primary
/// instead.
const READ_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(250);

/// A replica's pools: one for the public's reads, and one connection for the watcher's
/// probes. Both connect when first used, so a replica that is down is no error yet.
#[derive(Debug, Clone)]
pub struct ReplicaPools {
    /// `replica-1`, `replica-2`, … for logs and metrics.
    pub name: String,
    /// The reads' pool.
    pub reads: DatabaseConnection,
    /// The probes' connection.
    pub probe: DatabaseConnection,
}

impl ReplicaPools {
    /// Pools on the replica at `url`, named `name`: reads with `settings` (but waiting
    /// [`READ_ACQUIRE_TIMEOUT`] at most for a connection, as a read that cannot have one
    /// runs on the primary), and a probe.
    pub async fn connect(name: &str, url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        let reads = PoolSettings {
            acquire_timeout: settings.acquire_timeout.min(READ_ACQUIRE_TIMEOUT),
            ..settings.clone()
        };
        Ok(Self {
            name: name.to_owned(),
            reads: crate::store::connect_lazily(url, &reads, name).await?,
            probe: probe_pool(url).await?,
        })
    }
}

/// A pool of one connection for probing the database at `url`, opened when first used;
/// its statements are not watched (they are no request's, and 8 a second).
pub async fn probe_pool(url: &str) -> StoreResult<DatabaseConnection> {
    let settings = PoolSettings {
        statement_timeout: Some(PROBE_TIMEOUT),
        acquire_timeout: PROBE_TIMEOUT,
        max_connections: Some(1),
    };
    let mut options = Dialect::of_url(url).connect_options(url, &settings);
    options.connect_lazy(true);
    Ok(sea_orm::Database::connect(options).await?)
}

/// A server's replicas.
#[derive(Debug)]
pub(crate) struct Replicas {
    members: Vec<Replica>,
    /// The watcher's own connection to the primary.
    primary_probe: DatabaseConnection,
    next: AtomicUsize,
    settings: ReplicaSettings,
    /// Told when a read on a replica failed: the watcher probes at once.
    suspicion: tokio::sync::Notify,
}

/// One replica.
#[derive(Debug)]
pub(crate) struct Replica {
    name: String,
    db: DatabaseConnection,
    probe: DatabaseConnection,
    serving: AtomicBool,
    /// How far behind it was at the last probe, in milliseconds; `u64::MAX` when it did not
    /// answer.
    lag_ms: AtomicU64,
}

/// What a replica looks like from this server, for metrics.
#[derive(Debug, Clone)]
pub struct ReplicaStatus {
    /// `replica-1`, `replica-2`, … in the order they were configured.
    pub name: String,
    /// Whether it takes reads now.
    pub serving: bool,
    /// How far behind the primary it was at the last probe; `None` when it did not answer.
    pub lag: Option<Duration>,
}

impl Replicas {
    pub(crate) fn new(
        members: Vec<ReplicaPools>,
        primary_probe: DatabaseConnection,
        settings: ReplicaSettings,
    ) -> Self {
        let members = members
            .into_iter()
            .map(|pools| Replica {
                name: pools.name,
                db: pools.reads,
                probe: pools.probe,
                serving: AtomicBool::new(false),
                lag_ms: AtomicU64::new(u64::MAX),
            })
            .collect();
        Self {
            members,
            primary_probe,
            next: AtomicUsize::new(0),
            settings,
            suspicion: tokio::sync::Notify::new(),
        }
    }

    /// The next replica in rotation, taking turns; `None` when none serves.
    pub(crate) fn pick(&self) -> Option<(usize, &DatabaseConnection)> {
        let count = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|i| (start + i) % count)
            .find(|&i| self.members[i].serving.load(Ordering::Relaxed))
            .map(|i| (i, &self.members[i].db))
    }

    /// Has the watcher probe at once, after a read on a replica failed: a replica that is
    /// down leaves rotation within a probe's time, one that was only busy stays.
    pub(crate) fn suspect(&self) {
        self.suspicion.notify_one();
    }

    pub(crate) fn name(&self, index: usize) -> &str {
        self.members.get(index).map_or("", |r| r.name.as_str())
    }

    pub(crate) fn status(&self) -> Vec<ReplicaStatus> {
        self.members
            .iter()
            .map(|r| {
                let lag = r.lag_ms.load(Ordering::Relaxed);
                ReplicaStatus {
                    name: r.name.clone(),
                    serving: r.serving.load(Ordering::Relaxed),
                    lag: (lag != u64::MAX).then(|| Duration::from_millis(lag)),
                }
            })
            .collect()
    }

    pub(crate) fn connections(&self) -> impl Iterator<Item = (&str, &DatabaseConnection)> {
        self.members.iter().map(|r| (r.name.as_str(), &r.db))
    }

    /// Probes every replica once, given the primary's history of positions.
    async fn probe(&self, history: &History) {
        let now = Instant::now();
        let probes = self.members.iter().map(|replica| async move {
            let replayed = tokio::time::timeout(PROBE_TIMEOUT, replayed(&replica.probe)).await;
            let lag = match replayed {
                Ok(Ok(position)) => Ok(history.lag(position, now)),
                Ok(Err(error)) => Err(error),
                Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
            };
            self.judge(replica, lag);
        });
        futures::future::join_all(probes).await;
    }

    /// Puts `replica` in or out of rotation by what its probe found.
    fn judge(&self, replica: &Replica, lag: Result<Lag, String>) {
        let max_lag = self.settings.max_lag;
        let was = replica.serving.load(Ordering::Relaxed);
        match lag {
            Ok(lag) => {
                let millis = u64::try_from(lag.duration().as_millis()).unwrap_or(u64::MAX - 1);
                replica.lag_ms.store(millis, Ordering::Relaxed);
                let fine = lag.within(max_lag);
                replica.serving.store(fine, Ordering::Relaxed);
                if fine && !was {
                    tracing::info!(replica = %replica.name, lag_ms = millis, "replica in rotation");
                } else if !fine && was {
                    tracing::warn!(replica = %replica.name, lag_ms = millis, max_lag_ms = max_lag.as_millis(), "replica lags too far: out of rotation");
                }
            }
            Err(error) => {
                replica.lag_ms.store(u64::MAX, Ordering::Relaxed);
                replica.serving.store(false, Ordering::Relaxed);
                if was {
                    tracing::warn!(replica = %replica.name, %error, "replica does not answer: out of rotation");
                } else {
                    tracing::debug!(replica = %replica.name, %error, "replica still does not answer");
                }
            }
        }
    }
}

/// The primary's WAL positions, as seen at each probe, oldest first.
#[derive(Debug, Default)]
struct History(VecDeque<(Instant, u64)>);

impl History {
    fn note(&mut self, at: Instant, position: u64, keep: Duration) {
        self.0.push_back((at, position));
        while self
            .0
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > keep)
        {
            self.0.pop_front();
        }
    }

    /// How far behind, at `now`, a replica is that has replayed up to `replayed` (`None`:
    /// it is not a replica, and lags nothing).
    fn lag(&self, replayed: Option<u64>, now: Instant) -> Lag {
        let (Some(replayed), Some(_)) = (replayed, self.0.back()) else {
            return Lag::AtMost(Duration::ZERO);
        };
        // The latest moment whose position the replica has reached; everything written
        // before it is on the replica.
        let reached = self
            .0
            .iter()
            .rev()
            .find(|(_, position)| *position <= replayed)
            .map(|(at, _)| *at);
        match reached {
            // Caught up with the last position known; as old as that is, should the
            // primary not have been measured since.
            Some(at) => Lag::AtMost(now.saturating_duration_since(at)),
            // Behind everything remembered: at least as old as the history, and perhaps
            // far older (a replica met for the first time, say).
            None => Lag::AtLeast(
                self.0
                    .front()
                    .map_or(Duration::ZERO, |(at, _)| now.saturating_duration_since(*at)),
            ),
        }
    }
}

/// How far behind a replica is, as far as the history can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lag {
    /// No more than this.
    AtMost(Duration),
    /// This or more: it has not reached any position remembered.
    AtLeast(Duration),
}

impl Lag {
    /// Whether a replica this far behind may serve with `max_lag`: only when it is known
    /// to be within it.
    fn within(self, max_lag: Duration) -> bool {
        matches!(self, Self::AtMost(lag) if lag <= max_lag)
    }

    fn duration(self) -> Duration {
        match self {
            Self::AtMost(lag) | Self::AtLeast(lag) => lag,
        }
    }
}

/// `16/B374D848` as a number.
fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    Some((u64::from_str_radix(high, 16).ok()? << 32) | u64::from_str_radix(low, 16).ok()?)
}

/// A WAL position read with `sql`; `None` when the function gives none.
async fn position(db: &DatabaseConnection, sql: &str) -> Result<Option<u64>, sea_orm::DbErr> {
    let statement =
        Statement::from_string(db.get_database_backend(), format!("{sql}{BACKGROUND_MARK}"));
    let row = db.query_one_raw(statement).await?;
    let text: Option<String> = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    Ok(text.as_deref().and_then(parse_lsn))
}

/// How far a replica has replayed. A server that is not in recovery is no replica (one
/// promoted since, say, whose writes the primary never sees), and a database without
/// Dateline's schema is not the one configured: both are refused.
async fn replayed(db: &DatabaseConnection) -> Result<Option<u64>, String> {
    let position = position(
        db,
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text \
         ELSE 'primary' END FROM seaql_migrations LIMIT 1",
    )
    .await;
    match position {
        Ok(Some(position)) => Ok(Some(position)),
        Ok(None) => Err(
            "it is not a streaming replica: it is not in recovery, or holds no \
                         migrated Dateline database"
                .to_owned(),
        ),
        Err(error) => Err(error.to_string()),
    }
}

impl Store {
    /// Measures this server's replicas against the primary every probe interval, putting
    /// them in and out of rotation, until the task running it is dropped. Returns at once
    /// when there are none.
    pub async fn watch_replicas(&self) {
        let Some(replicas) = self.replicas.clone() else {
            return;
        };
        let settings = replicas.settings.clone();
        let keep = settings.max_lag * 2 + Duration::from_secs(5);
        let mut history = History::default();
        let mut ticks = tokio::time::interval(settings.probe_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = replicas.suspicion.notified() => {}
            }
            let at = Instant::now();
            let primary = tokio::time::timeout(
                PROBE_TIMEOUT,
                position(&replicas.primary_probe, "SELECT pg_current_wal_lsn()::text"),
            )
            .await;
            match primary {
                Ok(Ok(Some(current))) => history.note(at, current, keep),
                Ok(Ok(None)) => {}
                // Without the primary's position the replicas' lag is measured against the
                // last one known, and grows with its age: past the bound they leave.
                Ok(Err(error)) => {
                    tracing::debug!(%error, "replica watch: the primary does not answer");
                }
                Err(_) => tracing::debug!("replica watch: the primary does not answer in time"),
            }
            replicas.probe(&history).await;
        }
    }

    /// The replicas' state, for metrics; empty without replicas.
    pub fn replica_status(&self) -> Vec<ReplicaStatus> {
        self.replicas
            .as_ref()
            .map(|r| r.status())
            .unwrap_or_default()
    }

    pub(crate) fn replica_connections(&self) -> Vec<(String, DatabaseConnection)> {
        self.replicas
            .as_ref()
            .map(|r| {
                r.connections()
                    .map(|(name, db)| (name.to_owned(), db.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_parse_as_postgres_writes_them() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("nonsense"), None);
    }

    #[test]
    fn lag_is_the_age_of_the_last_primary_position_a_replica_has_reached() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut history = History::default();
        let keep = Duration::from_secs(60);
        history.note(at(0), 100, keep);
        history.note(at(500), 100, keep);
        history.note(at(1000), 300, keep);
        history.note(at(1500), 400, keep);
        let now = at(1600);
        let at_most = |ms| Lag::AtMost(Duration::from_millis(ms));
        // Caught up with the latest position: as far behind as that position is old.
        assert_eq!(history.lag(Some(400), now), at_most(100));
        assert_eq!(history.lag(Some(900), now), at_most(100));
        // Has what the primary had at 500 ms but not at 1000 ms.
        assert_eq!(history.lag(Some(250), now), at_most(1100));
        assert_eq!(history.lag(Some(300), now), at_most(600));
        // Behind all history: at least its whole length, and never known to be within a
        // bound.
        assert_eq!(
            history.lag(Some(50), now),
            Lag::AtLeast(Duration::from_millis(1600))
        );
        assert!(!history.lag(Some(50), now).within(Duration::from_secs(60)));
        // Not a replica at all.
        assert_eq!(history.lag(None, now), at_most(0));
    }

    #[test]
    fn an_idle_primary_makes_no_lag() {
        let start = Instant::now();
        let mut history = History::default();
        for i in 0..40 {
            history.note(
                start + Duration::from_millis(i * 250),
                700,
                Duration::from_secs(60),
            );
        }
        // Ten seconds without a write: a replica that has it all is as current as the
        // last probe.
        assert_eq!(
            history.lag(Some(700), start + Duration::from_millis(9_760)),
            Lag::AtMost(Duration::from_millis(10))
        );
        // Should the primary go unmeasured, the lag grows until the replica leaves.
        assert!(
            !history
                .lag(Some(700), start + Duration::from_secs(15))
                .within(Duration::from_secs(2))
        );
    }

    #[test]
    fn a_replica_first_met_behind_the_primary_waits_until_it_is_known_to_keep_up() {
        let start = Instant::now();
        let mut history = History::default();
        history.note(start, 1_000, Duration::from_secs(60));
        // Only one position is known, and the replica has not reached it: however little
        // time has passed, it may be hours behind.
        assert!(!history.lag(Some(10), start).within(Duration::from_secs(2)));
        history.note(
            start + Duration::from_millis(250),
            1_200,
            Duration::from_secs(60),
        );
        assert!(
            history
                .lag(Some(1_000), start + Duration::from_millis(250))
                .within(Duration::from_secs(2))
        );
    }

    #[test]
    fn old_positions_are_forgotten() {
        let start = Instant::now();
        let mut history = History::default();
        for i in 0..100u64 {
            history.note(start + Duration::from_secs(i), i, Duration::from_secs(10));
        }
        assert!(history.0.len() <= 11);
    }
}
