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
//! - [`scheduler`]: scheduled publishing; [`supervise`]: restarting background tasks;
//!   [`staff`]: creating accounts from the command line; [`client`]: a small HTTP client
//!   for tests and the benchmark.

pub mod cli;
pub mod client;
mod conditional;
mod graphiql;
pub mod graphql_http;
pub mod http;
pub mod scheduler;
pub mod staff;
pub mod supervise;

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

/// Opens the database at `url` for serving, after applying pending migrations. On
/// PostgreSQL no statement of the serving pool may run longer than `statement_timeout`
/// (migrations, which may rebuild the search index, run on a pool of their own without it).
pub async fn open_serving_store(
    url: &str,
    statement_timeout: std::time::Duration,
) -> anyhow::Result<dateline_persistence::Store> {
    use anyhow::Context;
    open_store(url).await?.close().await;
    dateline_persistence::Store::connect_with(
        url,
        &dateline_persistence::PoolSettings {
            statement_timeout: Some(statement_timeout),
        },
    )
    .await
    .context("connecting to the database")
}
