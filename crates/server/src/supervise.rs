//! Background tasks that must not silently stop: the scheduler, housekeeping, the event relay and
//! the replica watcher run
//! under [`supervise`], which restarts them after a panic, logs it and counts it for
//! `/metrics`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dateline_graphql::panic_message;
use futures::FutureExt;

/// The first wait before a restart; it doubles with each panic that comes soon after the
/// last restart, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait before a restart.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A task that ran this long before panicking is restarted after the first wait again.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// How often each supervised task has been restarted.
#[derive(Debug, Clone, Default)]
pub struct Restarts {
    pub scheduler: Arc<AtomicU64>,
    pub relay: Arc<AtomicU64>,
    pub housekeeping: Arc<AtomicU64>,
    pub replica_watch: Arc<AtomicU64>,
}

/// Runs the task `start` makes until it returns, starting it again whenever it panics.
/// Each panic is logged with the task's `name` and counted in `restarts`.
pub async fn supervise<F, T>(name: &'static str, restarts: Arc<AtomicU64>, mut start: F)
where
    F: FnMut() -> T,
    T: Future<Output = ()>,
{
    let mut backoff = FIRST_BACKOFF;
    loop {
        let started = Instant::now();
        let Err(panic) = AssertUnwindSafe(start()).catch_unwind().await else {
            return;
        };
        restarts.fetch_add(1, Ordering::Relaxed);
        if started.elapsed() >= HEALTHY_RUN {
            backoff = FIRST_BACKOFF;
        }
        tracing::error!(
            task = name,
            panic = panic_message(panic.as_ref()),
            restart_in_ms = backoff.as_millis(),
            "a background task panicked; restarting it"
        );
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_that_panics_is_restarted_and_counted_until_it_finishes() {
        let restarts = Restarts::default();
        let runs = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&runs);
        supervise("flaky", Arc::clone(&restarts.scheduler), move || {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                assert!(run >= 3, "run {run} fails");
            }
        })
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        assert_eq!(restarts.scheduler.load(Ordering::SeqCst), 3);
        assert_eq!(restarts.relay.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn panic_messages_are_read_from_either_kind_of_payload() {
        let text: Box<dyn std::any::Any + Send> = Box::new("static");
        let owned: Box<dyn std::any::Any + Send> = Box::new(String::from("owned"));
        let other: Box<dyn std::any::Any + Send> = Box::new(7);
        assert_eq!(panic_message(text.as_ref()), "static");
        assert_eq!(panic_message(owned.as_ref()), "owned");
        assert_eq!(panic_message(other.as_ref()), "(no message)");
    }
}
