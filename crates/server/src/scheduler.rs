//! Scheduled publishing: every server polls the database for scheduled articles whose time
//! has come and publishes them. Housekeeping ([`housekeep`]): expired sessions are purged
//! at start-up and every [`HOUSEKEEPING_INTERVAL`].
//!
//! The schedule lives in the articles themselves (status `scheduled`, `published_at` in the
//! future), so it survives restarts: a time missed while no server ran is published on the
//! first poll after start-up. With several servers polling one database, each article is
//! still published exactly once (see `Store::publish_due`).

use std::time::Duration;

use chrono::Utc;
use dateline_persistence::Store;

/// How often the schedule is checked: a scheduled story goes out at most this late.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Publishes due articles every `interval`, starting at once, until the task is dropped.
pub async fn run(store: Store, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.publish_due(Utc::now()).await {
            Ok(published) => {
                crate::metrics::scheduler_run("publish", true);
                if !published.is_empty() {
                    crate::metrics::scheduled_published(published.len());
                    tracing::info!(articles = ?published, "published scheduled articles");
                }
            }
            Err(error) => {
                crate::metrics::scheduler_run("publish", false);
                tracing::error!(%error, "publishing scheduled articles failed");
            }
        }
    }
}

/// How often expired sessions are purged.
pub const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(3600);

/// Purges expired sessions every `interval`, starting at once, until the task is dropped.
/// Every server does it; a purge that finds nothing costs one indexed statement.
pub async fn housekeep(store: Store, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.purge_expired_sessions(Utc::now()).await {
            Ok(sessions) => {
                crate::metrics::scheduler_run("housekeeping", true);
                if sessions > 0 {
                    tracing::info!(sessions, "purged expired sessions");
                }
            }
            Err(error) => {
                crate::metrics::scheduler_run("housekeeping", false);
                tracing::warn!(%error, "purging expired sessions failed");
            }
        }
    }
}
