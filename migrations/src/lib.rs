//! Dateline's database migrations, applied in order by `dateline migrate` and on `serve`.
//!
//! One file per migration; a migration that has landed is never edited, only followed by
//! another.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261129_000001_newsroom;
mod m20261129_000002_editorial;
mod m20261129_000003_related_pins;
mod m20261129_000004_search;
mod m20261202_000005_sign_in_failures;
mod m20261210_000006_source_slugs;
mod m20261215_000007_wordpress;
mod m20261215_000008_seo;

/// Runs Dateline's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_newsroom::Migration),
            Box::new(m20261129_000002_editorial::Migration),
            Box::new(m20261129_000003_related_pins::Migration),
            Box::new(m20261129_000004_search::Migration),
            Box::new(m20261202_000005_sign_in_failures::Migration),
            Box::new(m20261210_000006_source_slugs::Migration),
            Box::new(m20261215_000007_wordpress::Migration),
            Box::new(m20261215_000008_seo::Migration),
        ]
    }
}
