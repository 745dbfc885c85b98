//! Watching the statements a server runs: how many each request ran and how long the
//! database took ([`Tally`]), and a hook for whoever reports statements further (metrics,
//! traces). Every pool the crate opens is watched ([`watch`]).
//!
//! A request's statements run in its own task and in the tasks its dataloaders spawn; those
//! are spawned through [`carried`], which takes the request's tally and tracing span along.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tracing::Instrument;

use crate::BACKGROUND_MARK;

tokio::task_local! {
    static TALLY: Arc<Tally>;
}

/// What one request's statements cost.
#[derive(Debug, Default)]
pub struct Tally {
    statements: AtomicU32,
    micros: AtomicU64,
}

impl Tally {
    /// How many statements ran.
    pub fn statements(&self) -> u32 {
        self.statements.load(Ordering::Relaxed)
    }

    /// How long the database took over them, added up (statements run side by side count
    /// each).
    pub fn database_time(&self) -> Duration {
        Duration::from_micros(self.micros.load(Ordering::Relaxed))
    }

    fn add(&self, elapsed: Duration) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Runs `work`, counting the statements it runs (and those of the tasks it spawns through
/// [`carried`]) in `tally`.
pub async fn tallied<F: Future>(tally: Arc<Tally>, work: F) -> F::Output {
    TALLY.scope(tally, work).await
}

/// The tally of the request this task works for, if any.
pub fn current() -> Option<Arc<Tally>> {
    TALLY.try_with(Arc::clone).ok()
}

/// `work`, made to run in another task on behalf of the current one: its statements count
/// in the current tally and its events belong to the current span.
pub fn carried<F>(work: F) -> impl Future<Output = F::Output> + Send + 'static
where
    F: Future + Send + 'static,
{
    let tally = current();
    let work = work.instrument(tracing::Span::current());
    async move {
        match tally {
            Some(tally) => TALLY.scope(tally, work).await,
            None => work.await,
        }
    }
}

/// One statement, as the hook sees it: never its bound values.
#[derive(Debug)]
pub struct Statement<'a> {
    /// The pool it ran on (`primary`, `live`, `replica-1`, …).
    pub database: &'a str,
    /// Its text, with placeholders where the values were bound.
    pub sql: &'a str,
    /// How long it took, from sending it to its last row.
    pub elapsed: Duration,
    /// Whether it failed.
    pub failed: bool,
    /// Whether the server runs it on its own (the scheduler's poll, the relay's
    /// heartbeat) rather than for a request.
    pub background: bool,
}

/// What is told of every statement, beyond the request's tally.
pub type Hook = Box<dyn Fn(&Statement<'_>) + Send + Sync>;

static HOOK: OnceLock<Hook> = OnceLock::new();

/// Tells `hook` of every statement every watched pool of this process runs from now on.
/// Set once per process; a second hook is refused (and returned).
pub fn on_statement(hook: Hook) -> Result<(), Hook> {
    HOOK.set(hook)
}

/// What else a watched pool tells of each statement: SeaORM's own account of it.
pub type Also = Box<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// Watches the statements `db` runs, as those of the pool named `database`: they count in
/// the tally of the request they run for and are told to the hook; `also` is called
/// with each too (a test counting statements, say). Replaces what watched `db` before.
pub fn watch(db: &mut DatabaseConnection, database: &str, also: Option<Also>) {
    let database: Arc<str> = Arc::from(database);
    db.set_metric_callback(move |info| {
        let background = info.statement.sql.ends_with(BACKGROUND_MARK);
        if !background {
            // Outside a request there is no tally to count in.
            let _ = TALLY.try_with(|tally| tally.add(info.elapsed));
        }
        if let Some(hook) = HOOK.get() {
            hook(&Statement {
                database: &database,
                sql: &info.statement.sql,
                elapsed: info.elapsed,
                failed: info.failed,
                background,
            });
        }
        if let Some(also) = &also {
            also(info);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tally_follows_its_request_into_the_tasks_it_spawns() {
        let tally = Arc::new(Tally::default());
        let seen = tallied(Arc::clone(&tally), async {
            if let Some(t) = current() {
                t.add(Duration::from_millis(2));
            }
            tokio::spawn(carried(async {
                if let Some(t) = current() {
                    t.add(Duration::from_millis(3));
                }
                current().is_some()
            }))
            .await
            .unwrap_or(false)
        })
        .await;
        assert!(seen);
        assert_eq!(tally.statements(), 2);
        assert_eq!(tally.database_time(), Duration::from_millis(5));
        // Outside any request there is no tally, and a spawned task finds none either.
        assert!(current().is_none());
        assert!(
            !tokio::spawn(carried(async { current().is_some() }))
                .await
                .unwrap_or(true)
        );
    }
}
