//! One resolution per event for each kind of subscriber.
//!
//! When a story breaks, every open subscription receives it at once: 5,000 readers' tabs
//! would be 5,000 reads of the same article, each with its section tree, byline and body,
//! if each resolved it alone. Instead, subscribers who see alike — the public, or one
//! member of staff — share a [`SharedReads`]: the instant they are answered as of, and
//! dataloaders and a section tree that keep what they read. The first subscriber to
//! resolve an event reads; every other one of its kind finds the answer in memory, so an
//! event costs a fixed number of statements whatever the number of subscribers.
//!
//! Subscribers of one kind who asked the same operation get the same answer, too: the
//! first to resolve an event's article resolves it for all ([`SharedReads::answer`]), and
//! the others only copy and send it.
//!
//! A shared set lives until the content changes (the next event, here or from another
//! server, moves the content generation on) or for [`MAX_AGE`] at most, so nothing read
//! for one event outlives the next; limits (list reads, body words) stay each execution's
//! own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_graphql::Response;
use chrono::{DateTime, Utc};
use dateline_domain::Role;
use dateline_domain::model::SectionTree;
use dateline_persistence::Store;
use tokio::sync::OnceCell;

use crate::loaders::Loaders;
use crate::scope::{RequestScope, Viewer, catalog_visibility_for, visibility_for};

/// The longest one shared set is used.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Subscribers who see exactly alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Public,
    Staff { user_id: i32, role: Role },
}

impl Kind {
    fn of(viewer: &Viewer) -> Self {
        match viewer {
            Viewer::Anonymous => Self::Public,
            Viewer::Staff(staff) => Self::Staff {
                user_id: staff.user.id,
                role: staff.user.role,
            },
        }
    }
}

/// An operation (its text, variables and name), the subscription field it answers (its
/// response key: one operation may hold several) and the article it is answered for.
pub(crate) type AnswerKey = (Arc<str>, Arc<str>, i32);

/// What every subscriber of one kind reads through while the content stays as it is.
pub(crate) struct SharedReads {
    /// The instant they are answered as of.
    pub(crate) now: DateTime<Utc>,
    loaders: Arc<Loaders>,
    sections: Arc<OnceCell<Arc<SectionTree>>>,
    /// Answers by operation (its text, variables and name) and article.
    answers: Mutex<HashMap<AnswerKey, Arc<OnceCell<Response>>>>,
    generation: u64,
    made: Instant,
}

impl SharedReads {
    /// The answer for `key`: `resolve`d by the first subscriber to ask, copied for every
    /// other.
    pub(crate) async fn answer(
        &self,
        key: AnswerKey,
        resolve: impl Future<Output = Response>,
    ) -> Response {
        let answer = Arc::clone(
            self.answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_default(),
        );
        copy(answer.get_or_init(|| resolve).await)
    }

    /// A scope for one execution by `viewer` reading through these.
    pub(crate) fn scope(&self, store: Store, viewer: Viewer) -> RequestScope {
        RequestScope::with_reads(
            store,
            viewer,
            self.now,
            Arc::clone(&self.loaders),
            Arc::clone(&self.sections),
        )
    }

    /// The loaders they share.
    pub(crate) fn loaders(&self) -> &Loaders {
        &self.loaders
    }

    fn is_current(&self, generation: u64, not_before: Option<DateTime<Utc>>) -> bool {
        self.generation == generation
            && self.made.elapsed() < MAX_AGE
            && not_before.is_none_or(|at| self.now >= at)
    }
}

/// This server's shared reads, one set per kind of subscriber.
#[derive(Default)]
pub struct Fanout {
    kept: Mutex<HashMap<Kind, Arc<SharedReads>>>,
}

impl Fanout {
    /// The reads `viewer`'s kind shares now, answered as of `not_before` at the earliest
    /// (the instant an event says a story became public, by a clock that may be ahead of
    /// this server's).
    pub(crate) fn reads(
        &self,
        store: &Store,
        viewer: &Viewer,
        not_before: Option<DateTime<Utc>>,
    ) -> Arc<SharedReads> {
        let kind = Kind::of(viewer);
        let generation = store.events().content_generation();
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(reads) = kept.get(&kind)
            && reads.is_current(generation, not_before)
        {
            return Arc::clone(reads);
        }
        kept.retain(|_, reads| reads.is_current(generation, None));
        let now = not_before.map_or_else(Utc::now, |at| at.max(Utc::now()));
        let loaders = Loaders::kept(
            store,
            now,
            visibility_for(viewer, now),
            catalog_visibility_for(viewer, now),
        );
        let reads = Arc::new(SharedReads {
            now,
            loaders: Arc::new(loaders),
            sections: Arc::default(),
            answers: Mutex::default(),
            generation,
            made: Instant::now(),
        });
        kept.insert(kind, Arc::clone(&reads));
        reads
    }
}

/// A copy of `response` (async-graphql's has no `Clone`).
fn copy(response: &Response) -> Response {
    let mut copy = Response::new(response.data.clone());
    copy.extensions = response.extensions.clone();
    copy.cache_control = response.cache_control;
    copy.errors = response.errors.clone();
    copy.http_headers = response.http_headers.clone();
    copy
}

/// An event's article on its way to one subscription: what it was read through, for whom,
/// and the subscription field it answers.
pub(crate) struct Delivery {
    pub(crate) reads: Arc<SharedReads>,
    pub(crate) article_id: i32,
    pub(crate) field: Arc<str>,
    pub(crate) viewer: Viewer,
}

/// Where a subscription's stream leaves the delivery the execution that follows resolves
/// (one per subscription, in its request data: a subscription's events are resolved one at
/// a time, in order).
#[derive(Clone, Default)]
pub(crate) struct DeliverySlot(Arc<Mutex<Option<Delivery>>>);

impl DeliverySlot {
    pub(crate) fn put(&self, delivery: Delivery) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(delivery);
    }

    pub(crate) fn take(&self) -> Option<Delivery> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}
