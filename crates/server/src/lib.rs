//! The `dateline` server: configuration, the HTTP router and its lifecycle.
//!
//! Everything GraphQL lives in `dateline-graphql`; this crate only carries requests to it.
//! [`run`] takes a listener that is already bound and a shutdown future, so tests start a
//! real server on `127.0.0.1:0` and stop it cleanly.

pub mod cli;
pub mod http;
pub mod scheduler;

pub use http::{router, run};
