//! The relay: on PostgreSQL, one `LISTEN` on the events channel hands what every server
//! announces to this server's subscribers.
//!
//! It listens on a connection of its own, outside the pool requests use (a listener holds
//! its connection for good, and must never wait behind requests for one). A connection can
//! die without a word (a failover, a firewall dropping idle flows), so the relay checks
//! itself: every [`HEARTBEAT`] it sends itself a notice on a channel only it listens on,
//! through a second connection of its own (no request can crowd it out), and a listener
//! that hears nothing at all for [`HEARTBEAT_DEADLINE`] is given up and opened again. Whenever events may have been lost
//! (the connection dropped, or was given up), subscribers are told with
//! [`ArticleEvent::Missed`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use super::{ArticleEvent, CHANNEL, Events};
use crate::dialect::Dialect;

/// How often the relay sends itself a heartbeat.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// How long the relay waits for any notice (an event or its own heartbeat) before it takes
/// its connection for dead.
pub const HEARTBEAT_DEADLINE: Duration = Duration::from_secs(6);
/// The wait before connecting again after a failure.
const RETRY: Duration = Duration::from_millis(500);

/// Why listening stopped.
enum Lost {
    /// The database failed or could not be reached.
    Failed(sea_orm::sqlx::Error),
    /// Nothing arrived for [`HEARTBEAT_DEADLINE`], not even the relay's own heartbeat.
    Silent,
}

impl Events {
    /// Hands the events every server announces on PostgreSQL to this server's subscribers,
    /// until the task running it is dropped, reconnecting by itself after losing the
    /// database. On SQLite there is nothing to relay and it returns at once.
    pub async fn relay(&self, db: &DatabaseConnection) {
        if !Dialect::of(db).carries_events() {
            self.0.relaying.store(true, Ordering::Relaxed);
            return;
        }
        let heartbeat_channel = format!("dateline_heartbeat_{:016x}", rand::random::<u64>());
        let options = db.get_postgres_connection_pool().connect_options();
        loop {
            // A pool of two (the listener's connection and the heartbeat's), new for every
            // attempt: a connection given up for silent may never answer again, and must not
            // stand in the way of the next.
            let own = PgPoolOptions::new()
                .max_connections(2)
                .min_connections(0)
                .acquire_timeout(HEARTBEAT_DEADLINE)
                .connect_lazy_with((*options).clone());
            let lost = self.relay_from(&own, &heartbeat_channel).await;
            if self.0.relaying.swap(false, Ordering::Relaxed) {
                self.missed();
            }
            match lost {
                Lost::Failed(error) => {
                    tracing::error!(%error, "listening for events failed; connecting again");
                }
                Lost::Silent => {
                    tracing::warn!(
                        "the event listener heard nothing, not even its heartbeat; connecting again"
                    );
                }
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Listens on a connection from `own` until it fails or falls silent.
    async fn relay_from(&self, own: &PgPool, heartbeat_channel: &str) -> Lost {
        let listener = async {
            let mut listener = PgListener::connect_with(own).await?;
            listener.listen_all([CHANNEL, heartbeat_channel]).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = match tokio::time::timeout(HEARTBEAT_DEADLINE, listener).await {
            Ok(Ok(listener)) => listener,
            Ok(Err(error)) => return Lost::Failed(error),
            Err(_) => return Lost::Silent,
        };
        let _heart = AbortOnDrop(tokio::spawn(beat(
            own.clone(),
            heartbeat_channel.to_owned(),
        )));
        // Changes announced while nobody listened are lost: read everything kept again.
        self.content_changed();
        self.0.relaying.store(true, Ordering::Relaxed);
        loop {
            let notification =
                match tokio::time::timeout(HEARTBEAT_DEADLINE, listener.try_recv()).await {
                    Ok(Ok(Some(notification))) => notification,
                    Ok(Err(error)) => return Lost::Failed(error),
                    Err(_) => return Lost::Silent,
                    // The connection dropped and the listener connected again: whatever
                    // was announced in between is lost.
                    Ok(Ok(None)) => {
                        tracing::warn!("the event listener lost its connection and reconnected");
                        self.missed();
                        continue;
                    }
                };
            if notification.channel() != CHANNEL {
                continue;
            }
            match super::read_notice(notification.payload()) {
                Ok((events, announced_at)) => {
                    relayed(&events, announced_at);
                    self.deliver(&events);
                }
                Err(error) => tracing::warn!(%error, "ignored a malformed event"),
            }
        }
    }

    /// Tells subscribers that events may have been lost, and marks what this server keeps
    /// out of date.
    fn missed(&self) {
        self.deliver(&[ArticleEvent::Missed]);
    }
}

/// Counts events heard from the database, and how late they came when they say when they
/// were announced (a clock behind the announcing server's makes that less than it was).
fn relayed(events: &[ArticleEvent], announced_at: Option<chrono::DateTime<chrono::Utc>>) {
    for event in events {
        metrics::counter!("dateline_events_relayed_total", "kind" => event.kind()).increment(1);
    }
    if let Some(announced_at) = announced_at {
        let lag = (chrono::Utc::now() - announced_at)
            .to_std()
            .unwrap_or_default();
        metrics::histogram!("dateline_event_relay_lag_seconds").record(lag.as_secs_f64());
    }
}

/// Sends a heartbeat on `channel` through `own` every [`HEARTBEAT`], for ever. A failure is
/// not logged: the relay notices the silence and says so.
async fn beat(own: PgPool, channel: String) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let notify = sea_orm::sqlx::query("SELECT pg_notify($1, '')")
            .bind(&channel)
            .execute(&own);
        let _ = tokio::time::timeout(HEARTBEAT, notify).await;
    }
}

/// A task that ends with its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
