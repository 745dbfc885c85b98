//! The `dateline` server: configuration, the HTTP router and its lifecycle.
//!
//! Everything GraphQL lives in `dateline-graphql`; this crate only carries requests to it.
//! [`run`] takes a listener that is already bound and a shutdown future, so tests start a
//! real server on `127.0.0.1:0` and stop it cleanly.
//!
//! # Layout
//!
//! - `main.rs`: the binary, one function per command; [`cli`]: the flags and environment.
//! - [`http`]: the axum router, [`Settings`], [`run`] and graceful shutdown.
//! - [`graphql_http`]: GraphQL over HTTP — reading a request (`params`), running it and
//!   writing the answer (`answer`: status, caching headers, size cap); `conditional`: ETags
//!   and `304`s; `graphiql`: the explorer and its assets.
//! - [`websocket`]: GraphQL over websockets, with keepalive, idle and per-client limits.
//! - [`telemetry`]: log lines (text or JSON) and OpenTelemetry traces; `request_id`: the
//!   `X-Request-Id` every request is given and every response and log line carries.
//! - [`syndication`]: RSS and Atom feeds of every list page, sitemaps and `robots.txt`.
//! - `metrics`: Prometheus metrics at `/metrics`; [`statements`]: what is done with every
//!   SQL statement (counted, and told to whoever else asks).
//! - [`scheduler`]: scheduled publishing; [`supervise`]: restarting background tasks;
//!   [`staff`]: creating accounts from the command line; [`import`]: importing a WordPress
//!   export; [`client`]: a small HTTP client
//!   for tests and the benchmark.

pub mod cli;
pub mod client;
mod conditional;
mod graphiql;
pub mod graphql_http;
pub mod http;
pub mod import;
mod metrics;
mod request_id;
pub mod scheduler;
pub mod staff;
pub mod statements;
pub mod supervise;
pub mod syndication;
pub mod telemetry;
pub mod websocket;

pub use http::{Settings, run};

/// Opens the database at `url` and applies pending migrations: every command that uses the
/// database starts here, so none of them needs a separate `migrate` first.
pub async fn open_store(url: &str) -> anyhow::Result<dateline_persistence::Store> {
    use anyhow::Context;
    let store = dateline_persistence::Store::connect(url)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// How `serve` opens its database.
#[derive(Debug, Clone)]
pub struct ServingDatabase {
    /// The request pool's settings.
    pub pool: dateline_persistence::PoolSettings,
    /// The connections live updates may use, apart from the request pool.
    pub live_connections: u32,
    /// Whether to apply pending migrations first; if not, a database that needs any is
    /// refused.
    pub migrate: bool,
    /// Streaming replicas for the public's reads (PostgreSQL only).
    pub replicas: Vec<String>,
    /// When a replica takes reads.
    pub replica_settings: dateline_persistence::ReplicaSettings,
}

impl Default for ServingDatabase {
    /// `dateline serve`'s defaults: migrating first, no replicas.
    fn default() -> Self {
        Self {
            pool: dateline_persistence::PoolSettings::default(),
            live_connections: 4,
            migrate: true,
            replicas: Vec::new(),
            replica_settings: dateline_persistence::ReplicaSettings::default(),
        }
    }
}

impl ServingDatabase {
    /// What `dateline serve`'s options ask for, on the database at `url`.
    pub fn from_args(args: &cli::ServeArgs, url: &str, settings: &Settings) -> Self {
        let postgres = !url.starts_with("sqlite");
        Self {
            pool: dateline_persistence::PoolSettings {
                statement_timeout: Some(settings.http.statement_timeout()),
                acquire_timeout: std::time::Duration::from_millis(args.db_acquire_timeout_ms),
                max_connections: postgres.then_some(args.db_connections),
            },
            live_connections: args.live_connections,
            migrate: !args.no_migrate,
            replicas: args
                .replica_urls
                .iter()
                .map(|url| url.expose().to_owned())
                .collect(),
            replica_settings: dateline_persistence::ReplicaSettings {
                max_lag: std::time::Duration::from_millis(args.replica_max_lag_ms),
                ..dateline_persistence::ReplicaSettings::default()
            },
        }
    }
}

/// Opens the database at `url` for serving: applies pending migrations (on a pool of its
/// own, without the serving pool's statement timeout, as migrations may rebuild the search
/// index) unless told not to, then opens the request pool and the live-update pool.
pub async fn open_serving_store(
    url: &str,
    database: &ServingDatabase,
) -> anyhow::Result<dateline_persistence::Store> {
    use anyhow::Context;
    if database.migrate {
        open_store(url).await?.close().await;
    }
    let store = dateline_persistence::Store::connect_with(url, &database.pool)
        .await
        .context("connecting to the database")?;
    if !database.migrate {
        let pending = store
            .pending_migrations()
            .await
            .context("reading which migrations have run")?;
        anyhow::ensure!(
            pending == 0,
            "the database needs {pending} migration(s) this version brings: run `dateline migrate` \
             with a role that may change the schema, then serve again"
        );
    }
    let live = dateline_persistence::PoolSettings {
        max_connections: Some(database.live_connections),
        ..database.pool.clone()
    };
    let mut live = dateline_persistence::connect_with(url, &live)
        .await
        .context("connecting to the database for live updates")?;
    dateline_persistence::observe::watch(&mut live, "live", None);
    let store = store.with_live_pool(live);
    Ok(match open_replicas(url, database).await? {
        Some((replicas, primary)) => {
            store.with_replicas(replicas, primary, database.replica_settings.clone())
        }
        None => store,
    })
}

/// Pools on the replicas `database` names, each named `replica-N`, and the replica
/// watcher's own connection to the primary at `url`. They connect when first used: a
/// replica that is down when the server starts only keeps it out of rotation.
async fn open_replicas(
    url: &str,
    database: &ServingDatabase,
) -> anyhow::Result<
    Option<(
        Vec<dateline_persistence::ReplicaPools>,
        dateline_persistence::DatabaseConnection,
    )>,
> {
    use anyhow::Context;
    if database.replicas.is_empty() {
        return Ok(None);
    }
    anyhow::ensure!(
        !url.starts_with("sqlite"),
        "read replicas are PostgreSQL streaming replicas: a SQLite database has none"
    );
    let mut replicas = Vec::new();
    for (i, replica) in database.replicas.iter().enumerate() {
        let name = format!("replica-{}", i + 1);
        anyhow::ensure!(
            !replica.starts_with("sqlite"),
            "{name}: a replica is a PostgreSQL server (postgres://…)"
        );
        let pools = dateline_persistence::ReplicaPools::connect(&name, replica, &database.pool)
            .await
            .with_context(|| format!("setting up {name}"))?;
        replicas.push(pools);
    }
    let primary = dateline_persistence::probe_pool(url)
        .await
        .context("setting up the replica watcher's connection to the primary")?;
    Ok(Some((replicas, primary)))
}
