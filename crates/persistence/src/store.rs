//! Opening the database, migrating it, and the [`Store`] handle the API reads through.

use std::time::Duration;

use chrono::{DateTime, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::error::StoreResult;

/// A handle on the database; cheap to clone (it shares one connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
}

/// Which articles a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The public: published articles whose publication time has come, as of this instant.
    PublishedAsOf(DateTime<Utc>),
}

impl Store {
    /// Opens a pool on `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Ok(Self::new(connect(url).await?))
    }

    /// Wraps an open connection, e.g. one a test has instrumented.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The underlying connection.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies every migration that has not run yet.
    pub async fn migrate(&self) -> StoreResult<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await?;
        Ok(())
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }
}

/// Opens a connection pool with settings that suit each backend.
pub async fn connect(url: &str) -> StoreResult<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    Ok(Database::connect(options).await?)
}
