//! Editors' picks for "Check Also": stories pinned to an article, in order.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pointing = |column| {
            fk(
                ("related_pins", column),
                "articles",
                ForeignKeyAction::Cascade,
            )
        };
        manager
            .create_table(
                Table::create()
                    .table("related_pins")
                    .col(integer("article_id"))
                    .col(integer("related_id"))
                    .col(integer("position"))
                    .primary_key(Index::create().col("article_id").col("related_id"))
                    .foreign_key(&mut pointing("article_id"))
                    .foreign_key(&mut pointing("related_id"))
                    .take(),
            )
            .await?;
        // Deleting a story removes the picks that point at it.
        manager
            .create_index(index("related_pins", "related", &["related_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("related_pins").take())
            .await
    }
}
