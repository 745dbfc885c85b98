//! Article events, for live updates: "published" when a story goes public (now or at its
//! scheduled time), "updated" on every later change to it (edits, corrections, moves through
//! the workflow).
//!
//! Each change announces its events as part of its transaction:
//! - on PostgreSQL with one `pg_notify` (a JSON array of its events), which the database
//!   delivers at commit, and only then,
//!   to every server listening on the channel — including the one that made the change.
//!   [`Events::relay`] is that listener: it hands what arrives to this server's
//!   subscribers;
//! - on SQLite, which has no such thing, the events go to this process's subscribers once
//!   the transaction has committed.
//!
//! Subscribers each hold a receiver on one bounded broadcast channel. A subscriber that falls
//! more than [`CAPACITY`] events behind loses the oldest ones rather than holding up the
//! others. Whenever a subscriber may have lost events (it fell behind, or the relay lost
//! its connection for a while), it receives [`ArticleEvent::Missed`] instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::dialect::Dialect;
use crate::error::{StoreError, StoreResult};

mod relay;

/// The PostgreSQL channel events travel on.
pub const CHANNEL: &str = "dateline_articles";
/// How many events a subscriber may fall behind before it misses some.
pub const CAPACITY: usize = 1024;

/// What happened to an article, as it travels between servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArticleEvent {
    /// It became public at `at` (by the clock of the server that published it), filed
    /// under this primary section.
    Published {
        article_id: i32,
        section_id: i32,
        at: DateTime<Utc>,
    },
    /// It changed: content, status, corrections.
    Updated { article_id: i32 },
    /// A section was created, changed, moved or deleted: every server reads the section
    /// tree again.
    SectionsChanged,
    /// Events may have been lost before this one: the relay lost its connection, or the
    /// subscriber fell more than [`CAPACITY`] events behind. Never sent between servers.
    #[serde(skip)]
    Missed,
}

impl ArticleEvent {
    /// The events of a change to an article that ends with it filed under `section_id`;
    /// `published_at` when the change published it.
    pub(crate) fn of_change(
        article_id: i32,
        section_id: i32,
        published_at: Option<DateTime<Utc>>,
    ) -> Vec<Self> {
        let mut events = vec![Self::Updated { article_id }];
        if let Some(at) = published_at {
            events.insert(
                0,
                Self::Published {
                    article_id,
                    section_id,
                    at,
                },
            );
        }
        events
    }
}

impl ArticleEvent {
    /// The event's kind, as it is named on the wire and in metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Published { .. } => "published",
            Self::Updated { .. } => "updated",
            Self::SectionsChanged => "sections_changed",
            Self::Missed => "missed",
        }
    }
}

/// An event as it travels between servers: the event's own fields, and when it was
/// announced by the clock of the server that announced it, so that a server hearing it can
/// tell how late it came (with the clocks' difference). A notice is a JSON array of these.
/// Servers that predate `announced_at` ignore it, and a notice from such a server, without
/// it, is relayed all the same.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    #[serde(flatten)]
    event: ArticleEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    announced_at: Option<DateTime<Utc>>,
}

/// This server's end of the events: where subscribers sign up.
#[derive(Debug, Clone)]
pub struct Events(Arc<Hub>);

#[derive(Debug)]
struct Hub {
    sender: broadcast::Sender<ArticleEvent>,
    subscribers: AtomicUsize,
    relaying: AtomicBool,
    /// Counts the changes this server has heard of (every event, here or from another
    /// server), so that it knows when what it keeps of public content (the section tree,
    /// related-story rankings) is out of date.
    content_generation: AtomicU64,
}

impl Default for Events {
    fn default() -> Self {
        Self(Arc::new(Hub {
            sender: broadcast::channel(CAPACITY).0,
            subscribers: AtomicUsize::new(0),
            relaying: AtomicBool::new(false),
            content_generation: AtomicU64::new(0),
        }))
    }
}

impl Events {
    /// A new subscriber, which receives every event from now on until it is dropped.
    pub fn subscribe(&self) -> Subscriber {
        self.0.subscribers.fetch_add(1, Ordering::Relaxed);
        Subscriber {
            receiver: self.0.sender.subscribe(),
            hub: Arc::clone(&self.0),
        }
    }

    /// How many subscribers this server has.
    pub fn subscribers(&self) -> usize {
        self.0.subscribers.load(Ordering::Relaxed)
    }

    /// Whether events from other servers reach this one: on PostgreSQL, whether the
    /// listener is connected and listening; on SQLite, always (there are no others).
    pub fn relaying(&self) -> bool {
        self.0.relaying.load(Ordering::Relaxed)
    }

    /// How many changes this server has heard of: what it read of public content before
    /// this number last changed may be out of date.
    pub fn content_generation(&self) -> u64 {
        self.0.content_generation.load(Ordering::Acquire)
    }

    /// Marks what this server keeps of public content out of date.
    pub(crate) fn content_changed(&self) {
        self.0.content_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Hands the events of one change to subscribers, marking what this server keeps out
    /// of date once for all of them (subscribers who share what they read for an event
    /// share it for every event of the change).
    fn deliver(&self, events: &[ArticleEvent]) {
        self.content_changed();
        for event in events {
            // No subscriber is not an error: nobody is watching.
            let _ = self.0.sender.send(*event);
        }
    }
}

/// One subscriber's queue of events.
#[derive(Debug)]
pub struct Subscriber {
    receiver: broadcast::Receiver<ArticleEvent>,
    hub: Arc<Hub>,
}

impl Subscriber {
    /// The next event; `None` once the server stops. Events lost by falling behind come
    /// as one [`ArticleEvent::Missed`].
    pub async fn next(&mut self) -> Option<ArticleEvent> {
        match self.receiver.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a slow subscriber missed events");
                Some(ArticleEvent::Missed)
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.hub.subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Events {
    /// Commits `txn`, announcing `events` with it (see the module documentation).
    pub(crate) async fn commit(
        &self,
        txn: DatabaseTransaction,
        events: &[ArticleEvent],
    ) -> StoreResult<()> {
        let dialect = Dialect::of(&txn);
        if dialect.carries_events() && !events.is_empty() {
            // One notice per change, carrying all its events.
            let payload = notice(events, Utc::now())?;
            txn.execute_raw(dialect.notify(CHANNEL, payload)).await?;
        }
        txn.commit().await?;
        if events.is_empty() {
            return Ok(());
        }
        for event in events {
            metrics::counter!("dateline_events_published_total", "kind" => event.kind())
                .increment(1);
        }
        if dialect.carries_events() {
            // What this server keeps is out of date now, not once its notice comes back.
            self.content_changed();
        } else {
            self.deliver(events);
        }
        Ok(())
    }
}

/// The payload of the notice announcing `events` at `now`.
fn notice(events: &[ArticleEvent], now: DateTime<Utc>) -> StoreResult<String> {
    let notices: Vec<Notice> = events
        .iter()
        .map(|&event| Notice {
            event,
            announced_at: Some(now),
        })
        .collect();
    serde_json::to_string(&notices).map_err(|e| StoreError::Corrupt(format!("event: {e}")))
}

/// The events of a notice, and when it was announced if it says.
fn read_notice(payload: &str) -> serde_json::Result<(Vec<ArticleEvent>, Option<DateTime<Utc>>)> {
    let notices: Vec<Notice> = serde_json::from_str(payload)?;
    let announced_at = notices.iter().find_map(|n| n.announced_at);
    Ok((notices.into_iter().map(|n| n.event).collect(), announced_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_carry_when_they_were_announced_and_old_ones_still_read() {
        let at = DateTime::from_timestamp(1_800_000_000, 123_456_000).expect("a time");
        let events = [
            ArticleEvent::Published {
                article_id: 7,
                section_id: 2,
                at,
            },
            ArticleEvent::Updated { article_id: 7 },
            ArticleEvent::SectionsChanged,
        ];
        let payload = notice(&events, at).expect("a payload");
        assert_eq!(
            read_notice(&payload).expect("read"),
            (events.to_vec(), Some(at))
        );

        // What a server that predates `announced_at` sends, and how it reads a new notice.
        let old = serde_json::to_string(&events).expect("the old payload");
        assert_eq!(read_notice(&old).expect("read"), (events.to_vec(), None));
        let read_by_old: Vec<ArticleEvent> =
            serde_json::from_str(&payload).expect("an old server reads a new notice");
        assert_eq!(read_by_old, events);
    }
}
