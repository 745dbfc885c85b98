//! The newsroom: sources, authors, sections, tags, articles and their links, slug history.
//!
//! The public lists (front page, section and author pages, tag links, related stories) each
//! have an index here that matches their filter and keyset order.
//! Article bodies live in their own table: lists never read them, and keeping kilobytes of
//! HTML out of the article row keeps list scans small on both databases.

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
                    .table("sources")
                    .col(pk_auto("id"))
                    .col(text("name"))
                    .col(text_null("url"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("authors")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("slug", 80))
                    .col(text("name"))
                    .col(text_null("bio"))
                    .col(text_null("avatar_url"))
                    .col(text_null("email"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sections")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("slug", 80))
                    .col(text("name"))
                    .col(text_null("description"))
                    .col(integer_null("parent_id"))
                    .col(integer("position").default(0))
                    .foreign_key(&mut fk(
                        ("sections", "parent_id"),
                        "sections",
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("tags")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("slug", 80))
                    .col(text("name"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("articles")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("slug", 80))
                    .col(text("title"))
                    .col(text_null("subtitle"))
                    .col(text("excerpt"))
                    .col(text_null("custom_excerpt"))
                    .col(integer("word_count"))
                    .col(text_null("dateline_place"))
                    .col(integer_null("source_id"))
                    .col(integer("author_id"))
                    .col(integer("section_id"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(boolean("featured").default(false))
                    .col(text_null("featured_image_url"))
                    .col(text_null("featured_image_alt"))
                    .col(text_null("featured_image_caption"))
                    .col(text_null("featured_image_credit"))
                    .foreign_key(&mut fk(
                        ("articles", "source_id"),
                        "sources",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        ("articles", "author_id"),
                        "authors",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        ("articles", "section_id"),
                        "sections",
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("article_bodies")
                    .col(integer("article_id").primary_key())
                    .col(text("body_html"))
                    .col(text("body_text"))
                    .foreign_key(&mut fk(
                        ("article_bodies", "article_id"),
                        "articles",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("article_tags")
                    .col(integer("article_id"))
                    .col(integer("tag_id"))
                    .col(integer("position"))
                    // The article's publication time while it is published, else NULL: a
                    // copy kept in step with `articles`, so that "the latest public stories
                    // with this tag" is one index range without a join.
                    .col(timestamp_with_time_zone_null("visible_from"))
                    .primary_key(Index::create().col("article_id").col("tag_id"))
                    .foreign_key(&mut fk(
                        ("article_tags", "article_id"),
                        "articles",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ("article_tags", "tag_id"),
                        "tags",
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("article_co_authors")
                    .col(integer("article_id"))
                    .col(integer("author_id"))
                    .col(integer("position"))
                    .primary_key(Index::create().col("article_id").col("author_id"))
                    .foreign_key(&mut fk(
                        ("article_co_authors", "article_id"),
                        "articles",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ("article_co_authors", "author_id"),
                        "authors",
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("slug_redirects")
                    .col(pk_auto("id"))
                    .col(string_len("kind", 16))
                    .col(string_len("old_slug", 80))
                    .col(integer("target_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;

        let indexes = [
            index("sections", "parent", &["parent_id", "position"]),
            index("tags", "name", &["name", "id"]),
            index("authors", "name", &["name", "id"]),
            // Front page and every "latest" list: status + keyset order.
            index("articles", "latest", &["status", "published_at", "id"]),
            index("articles", "updated", &["status", "updated_at", "id"]),
            index(
                "articles",
                "section_latest",
                &["section_id", "status", "published_at", "id"],
            ),
            index(
                "articles",
                "author_latest",
                &["author_id", "status", "published_at", "id"],
            ),
            index(
                "articles",
                "featured_latest",
                &["featured", "status", "published_at", "id"],
            ),
            index("articles", "source", &["source_id"]),
            index(
                "article_tags",
                "tag_visible",
                &["tag_id", "visible_from", "article_id"],
            ),
            index("article_co_authors", "author", &["author_id", "article_id"]),
            index("slug_redirects", "target", &["kind", "target_id"]),
        ];
        for statement in indexes {
            manager.create_index(statement).await?;
        }
        manager
            .create_index(
                index("slug_redirects", "old_slug", &["kind", "old_slug"])
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "slug_redirects",
            "article_co_authors",
            "article_tags",
            "article_bodies",
            "articles",
            "tags",
            "sections",
            "authors",
            "sources",
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
