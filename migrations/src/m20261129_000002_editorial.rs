//! The editorial desk: staff accounts and their sessions, article revisions and corrections,
//! ownership, review and trash on articles, and the newsroom's settings.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("email", 254))
                    .col(text("name"))
                    .col(text("password_hash"))
                    .col(string_len("role", 16))
                    .col(integer_null("author_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        ("users", "author_id"),
                        "authors",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    // SHA-256 of the bearer token, hex: the token itself is never stored.
                    .col(string_len("token_hash", 64).primary_key())
                    .col(integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(&mut fk(
                        ("sessions", "user_id"),
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            // Bumped by every change to the article: the optimistic lock editors save against.
            integer("revision").default(1).take(),
            // The staff account that created the article; authors and contributors may only
            // touch their own.
            integer_null("owner_id").take(),
            timestamp_with_time_zone_null("review_requested_at").take(),
            // Set while the article is in the trash.
            timestamp_with_time_zone_null("deleted_at").take(),
            // When the workflow last moved the article: preview links are valid for one
            // such stretch only.
            timestamp_with_time_zone_null("status_changed_at").take(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("articles")
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("article_revisions")
                    .col(pk_auto("id"))
                    .col(integer("article_id"))
                    .col(integer("revision"))
                    .col(integer_null("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(string_len("status", 16))
                    .col(string_len("slug", 80))
                    .col(text("title"))
                    .col(text_null("subtitle"))
                    .col(text_null("custom_excerpt"))
                    .col(text("body_html"))
                    .col(text_null("dateline_place"))
                    .col(integer("section_id"))
                    .col(integer_null("source_id"))
                    .col(integer("author_id"))
                    // Comma-separated tag and co-author ids, in order.
                    .col(text("tag_ids"))
                    .col(text("co_author_ids"))
                    .col(boolean("featured"))
                    .col(text_null("featured_image_url"))
                    .col(text_null("featured_image_alt"))
                    .col(text_null("featured_image_caption"))
                    .col(text_null("featured_image_credit"))
                    .foreign_key(&mut fk(
                        ("article_revisions", "article_id"),
                        "articles",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ("article_revisions", "user_id"),
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("article_corrections")
                    .col(pk_auto("id"))
                    .col(integer("article_id"))
                    .col(text("note"))
                    .col(integer_null("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        ("article_corrections", "article_id"),
                        "articles",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ("article_corrections", "user_id"),
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("settings")
                    .col(string_len("key", 64).primary_key())
                    .col(text("value"))
                    .take(),
            )
            .await?;

        let indexes = [
            index("sessions", "user", &["user_id"]),
            index("articles", "owner", &["owner_id", "updated_at", "id"]),
            index(
                "article_corrections",
                "article",
                &["article_id", "created_at"],
            ),
        ];
        for statement in indexes {
            manager.create_index(statement).await?;
        }
        manager
            .create_index(
                index("article_revisions", "number", &["article_id", "revision"])
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "settings",
            "article_corrections",
            "article_revisions",
            "sessions",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        for column in [
            "status_changed_at",
            "deleted_at",
            "review_requested_at",
            "owner_id",
            "revision",
        ] {
            manager
                .alter_table(Table::alter().table("articles").drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
