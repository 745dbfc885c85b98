//! Opening the database, migrating it, and the [`Store`] handle the API reads through.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{Database, DatabaseConnection, DatabaseConnectionType, DbBackend};

use crate::dialect::{Dialect, PoolSettings};
use crate::error::StoreResult;
use crate::events::Events;
use crate::kept::{RelatedCache, SectionCache};
use crate::replicas::{ReplicaPools, ReplicaSettings, Replicas};

/// A handle on the database; cheap to clone (it shares one connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    /// What this handle reads and writes through: the primary, or for a public read a
    /// replica ([`Store::for_public_read`]).
    db: DatabaseConnection,
    /// The primary, where every write goes and what this server keeps is read from.
    pub(crate) primary: DatabaseConnection,
    /// The replicas public reads may go to, and which one `db` is, if any.
    pub(crate) replicas: Option<Arc<Replicas>>,
    reading_from: Option<usize>,
    /// The pool live updates read through, when they have one of their own.
    live: Option<DatabaseConnection>,
    pub(crate) events: Events,
    pub(crate) sections: Arc<SectionCache>,
    pub(crate) related: Arc<RelatedCache>,
}

/// Which articles a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The public: published articles whose publication time has come, as of this instant.
    PublishedAsOf(DateTime<Utc>),
    /// Staff who may read every article, in the trash or not.
    Desk,
    /// Staff who may read what the public reads, and every article they own.
    DeskOwn { now: DateTime<Utc>, user_id: i32 },
}

/// Which tags and author profiles a reader may list and look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogVisibility {
    /// Those on at least one article public as of this instant (as primary author or
    /// co-author, for profiles): a tag or a byline used only on unpublished stories would
    /// give those stories away.
    InUseAsOf(DateTime<Utc>),
    /// Every one.
    All,
}

impl Store {
    /// Opens a pool on `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, &PoolSettings::default()).await
    }

    /// Opens a pool on `url` with `settings`.
    pub async fn connect_with(url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        Ok(Self::new(connect_with(url, settings).await?))
    }

    /// Closes every pool, waiting for their connections to be returned.
    pub async fn close(self) {
        for (name, pool) in self.pools() {
            if let Err(error) = pool.close().await {
                tracing::warn!(%error, pool = name, "closing a database pool failed");
            }
        }
    }

    /// Wraps an open connection, e.g. one a test has instrumented.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            primary: db.clone(),
            db,
            replicas: None,
            reading_from: None,
            live: None,
            events: Events::default(),
            sections: Arc::default(),
            related: Arc::default(),
        }
    }

    /// The underlying connection.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The same store, with a pool of its own for live updates: the work an event causes
    /// (one read per kind of subscriber) then never waits behind requests for a connection,
    /// nor requests behind it.
    pub fn with_live_pool(mut self, live: DatabaseConnection) -> Self {
        self.live = Some(live);
        self
    }

    /// The store live updates read through: the same events and caches, on the live pool
    /// when there is one. It is on the primary, where the change an event announces is
    /// sure to be visible.
    pub fn for_live(&self) -> Self {
        Self {
            db: self.live.clone().unwrap_or_else(|| self.primary.clone()),
            live: None,
            reading_from: None,
            ..self.clone()
        }
    }

    /// The same store, sending public reads ([`Store::for_public_read`]) to the PostgreSQL
    /// streaming replicas `replicas` (each named, for logs and metrics) while they answer
    /// and keep up within `settings`; [`Store::watch_replicas`] must run for any to serve.
    pub fn with_replicas(
        mut self,
        replicas: Vec<ReplicaPools>,
        primary_probe: DatabaseConnection,
        settings: ReplicaSettings,
    ) -> Self {
        self.replicas = (!replicas.is_empty())
            .then(|| Arc::new(Replicas::new(replicas, primary_probe, settings)));
        self
    }

    /// The store a read by the public goes through: a replica in rotation, taking turns,
    /// else the primary. Nothing that writes, nor a reader who must see what they just
    /// wrote, may use it.
    pub fn for_public_read(&self) -> Self {
        match self.replicas.as_ref().and_then(|r| r.pick()) {
            Some((index, db)) => Self {
                db: db.clone(),
                reading_from: Some(index),
                ..self.clone()
            },
            None => self.clone(),
        }
    }

    /// The replica this store reads from, by name (`replica-1`, …); `None` on the primary.
    pub fn replica(&self) -> Option<&str> {
        let replicas = self.replicas.as_ref()?;
        self.reading_from.map(|index| replicas.name(index))
    }

    /// Says that a read on this store's replica failed: the replica watcher probes at
    /// once, and takes the replica out of rotation if it is down.
    pub fn suspect_replica(&self) {
        if let (Some(replicas), Some(_)) = (&self.replicas, self.reading_from) {
            replicas.suspect();
        }
    }

    /// This store on the primary. What a server keeps for every reader (the section tree,
    /// rankings) is read there, so that a lagging replica never fills it with what has
    /// already changed.
    pub(crate) fn on_primary(&self) -> std::borrow::Cow<'_, Self> {
        if self.reading_from.is_none() {
            return std::borrow::Cow::Borrowed(self);
        }
        std::borrow::Cow::Owned(Self {
            db: self.primary.clone(),
            reading_from: None,
            ..self.clone()
        })
    }

    /// Every pool of this server, by name (`primary`, `live`, `replica-1`, …), for metrics.
    pub fn pools(&self) -> Vec<(String, DatabaseConnection)> {
        let mut pools = vec![("primary".to_owned(), self.primary.clone())];
        if let Some(live) = &self.live {
            pools.push(("live".to_owned(), live.clone()));
        }
        pools.extend(self.replica_connections());
        pools
    }

    /// How busy each pool of this server is ([`Store::pools`]), for metrics.
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        self.pools()
            .into_iter()
            .filter_map(|(database, db)| {
                let (size, idle, max) = pool_counts(&db)?;
                let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
                Some(PoolUsage {
                    database,
                    in_use: size - idle,
                    idle,
                    max,
                })
            })
            .collect()
    }

    /// Applies every migration that has not run yet, then fills the search index if it is
    /// empty. Servers started together take turns (see [`Dialect::lock_setup`]): the first
    /// does the work, the others find it done.
    pub async fn migrate(&self) -> StoreResult<()> {
        self.set_up(async || {
            Migrator::up(&self.db, None).await?;
            // The migration that makes the search index leaves it empty; it is filled here,
            // and again should a crash ever have stopped that half-way (one transaction).
            if self.search_index_is_unfilled().await? {
                self.rebuild_search_index().await?;
            }
            Ok(())
        })
        .await
    }

    /// How many migrations have not been applied yet.
    pub async fn pending_migrations(&self) -> StoreResult<usize> {
        Ok(Migrator::get_pending_migrations_read_only(&self.db)
            .await?
            .len())
    }

    /// Runs `work` holding the setup lock, so that no other server sets the database up
    /// meanwhile.
    pub(crate) async fn set_up<T>(
        &self,
        work: impl AsyncFnOnce() -> StoreResult<T>,
    ) -> StoreResult<T> {
        let lock = self.dialect().lock_setup(&self.db).await?;
        let done = work().await;
        lock.release().await;
        done
    }

    /// Writes a consistent copy of a SQLite database to `file` while it serves (SQLite's
    /// `VACUUM INTO`: one read transaction, so writes made meanwhile are either all in the
    /// copy or not at all; the copy is compact and opens as any database file). `file` must
    /// not exist yet. PostgreSQL has its own tools (`pg_dump`): refused there.
    pub async fn backup_to(&self, file: &std::path::Path) -> StoreResult<()> {
        self.dialect().backup_to(&self.db, file).await
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await?;
        Ok(())
    }

    /// Refreshes the query planner's statistics. SQLite plans joins badly without them (it
    /// would walk every published article to find the few sharing a tag), so `serve` calls
    /// this on start-up and `seed` after a bulk load. On SQLite a full `ANALYZE` runs when
    /// no statistics exist yet, else `PRAGMA optimize` re-analyses what changed a lot; on
    /// PostgreSQL, which analyses in the background, `full` runs `ANALYZE` at once.
    pub async fn analyze(&self, full: bool) -> StoreResult<()> {
        self.dialect().analyze(&self.db, full).await
    }

    /// This server's events.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// Relays the events other servers announce to this server's subscribers, until the
    /// task running it is dropped (see [`Events::relay`]).
    pub async fn relay_events(&self) {
        self.events.relay(&self.db).await;
    }

    /// Commits `txn`, announcing `events` with it.
    pub(crate) async fn commit_announcing(
        &self,
        txn: sea_orm::DatabaseTransaction,
        events: &[crate::events::ArticleEvent],
    ) -> StoreResult<()> {
        self.events.commit(txn, events).await
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// The SQL dialect this store's database speaks.
    pub(crate) fn dialect(&self) -> Dialect {
        self.backend().into()
    }
}

/// How busy one connection pool is. How many requests wait for a connection is not told:
/// the pool (sqlx) does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUsage {
    /// The pool's name (`primary`, `live`, `replica-1`, …).
    pub database: String,
    /// Connections lent out now.
    pub in_use: u32,
    /// Connections open and waiting to be lent.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

/// A pool's open connections, idle ones and maximum; `None` for a connection that is not a
/// pool (or no longer one).
fn pool_counts(db: &DatabaseConnection) -> Option<(u32, usize, u32)> {
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            Some((
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ))
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            Some((
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ))
        }
        _ => None,
    }
}

/// Opens a connection pool with settings that suit each backend.
pub async fn connect(url: &str) -> StoreResult<DatabaseConnection> {
    connect_with(url, &PoolSettings::default()).await
}

/// Opens a connection pool with `settings` and what suits the URL's dialect.
pub async fn connect_with(url: &str, settings: &PoolSettings) -> StoreResult<DatabaseConnection> {
    let options = Dialect::of_url(url).connect_options(url, settings);
    let mut db = Database::connect(options).await?;
    crate::observe::watch(&mut db, "primary", None);
    Ok(db)
}

/// A pool on `url` with `settings` that opens its first connection when first used, so that
/// a database that is down now is no error yet; its statements are watched as those of
/// `name` ([`crate::observe`]).
pub async fn connect_lazily(
    url: &str,
    settings: &PoolSettings,
    name: &str,
) -> StoreResult<DatabaseConnection> {
    let mut options = Dialect::of_url(url).connect_options(url, settings);
    options.connect_lazy(true);
    let mut db = Database::connect(options).await?;
    crate::observe::watch(&mut db, name, None);
    Ok(db)
}

/// `at` to whole microseconds, the precision both databases store, so that a cursor made
/// from a stored time points exactly at its row.
pub(crate) fn stored_time(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}
