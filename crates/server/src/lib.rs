//! The `dateline` server: configuration, the HTTP router and its lifecycle.
//!
//! Everything GraphQL lives in `dateline-graphql`; this crate only carries requests to it.
//! [`run`] takes a listener that is already bound and a shutdown future, so tests start a
//! real server on `127.0.0.1:0` and stop it cleanly.

pub mod cli;
pub mod http;
pub mod scheduler;
pub mod staff;

pub use http::{router, run};

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
