//! End-to-end suite: the real server, a fresh database per test, real GraphQL over HTTP.
//! Runs on SQLite, and on PostgreSQL when `DATABASE_URL` names a PostgreSQL server.

mod accounts;
mod article_page;
mod cli;
mod contract;
mod desk;
mod edge;
mod editorial;
mod faults;
mod feeds;
mod filters;
mod fixtures;
mod http;
mod lists;
mod live;
mod metrics;
mod pagination;
mod related;
mod replicas;
mod roles;
mod routing;
mod scheduling;
mod search;
mod seo;
mod sign_in;
mod sources;
mod statements;
mod visibility;
mod wordpress;
