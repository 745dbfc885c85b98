//! End-to-end suite: the real server, a fresh database per test, real GraphQL over HTTP.
//! Runs on SQLite, and on PostgreSQL when `DATABASE_URL` names a PostgreSQL server.

mod article_page;
mod http;
mod lists;
mod pagination;
mod routing;
mod visibility;
