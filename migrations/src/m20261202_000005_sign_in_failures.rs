//! Failed sign-ins by account, shared by every server so that guessing a password through
//! many servers is as slow as through one.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sign_in_failures")
                    // SHA-256 of the lowercased email, hex: addresses that are not accounts
                    // are counted too, and no one's typing is stored.
                    .col(string_len("account_key", 64).primary_key())
                    .col(integer("failures"))
                    .col(timestamp_with_time_zone("last_failure_at"))
                    .take(),
            )
            .await?;
        // Forgotten failures are deleted by age.
        manager
            .create_index(index(
                "sign_in_failures",
                "last_failure_at",
                &["last_failure_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sign_in_failures").take())
            .await
    }
}
