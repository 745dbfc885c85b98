//! Sources become pages of their own (`/source/<slug>`), looked up and listed like tags and
//! authors.
//!
//! - `sources.slug`, unique, filled for existing sources from their names (deduplicated in
//!   id order: `reuters`, `reuters-2`, …). The slugs are made by this file's own rules, so
//!   that what the migration writes never changes with the application's code.
//! - `sources (name, id)` for the list by name, and `articles (source_id, status,
//!   published_at, id)` for a source's latest stories (it replaces the index on
//!   `source_id` alone, a prefix of it).
//! - `source` becomes a word no section may take as slug: a section that has it moves to a
//!   free slug, and its old one is kept in the slug history so that its page redirects.

use chrono::{DateTime, Utc};
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The longest slug, in bytes, as `sources.slug` and every other slug column hold it.
const MAX_SLUG_LEN: u32 = 80;

/// The section slug source pages now start with.
const RESERVED: &str = "source";

/// `name` as a slug: ASCII letters and digits lowercased, anything else separating words,
/// cut at a word boundary to leave room for a `-<n>` suffix; `source` when nothing remains.
fn slug_of(name: &str) -> String {
    const ROOM: usize = MAX_SLUG_LEN as usize - 8;
    let mut slug = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.is_empty() && word.len() > ROOM {
            slug.push_str(&word[..ROOM].to_ascii_lowercase());
            break;
        }
        if slug.len() + word.len() + 1 > ROOM {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        RESERVED.to_owned()
    } else {
        slug
    }
}

/// `base`, or `base-2`, `base-3`… whichever `taken` does not hold yet.
fn free(base: &str, taken: &std::collections::HashSet<String>) -> String {
    let mut candidate = base.to_owned();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    candidate
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // SQLite adds a NOT NULL column only with a default; every row gets its own slug
        // next, and the store always writes one.
        manager
            .alter_table(
                Table::alter()
                    .table("sources")
                    .add_column(string_len("slug", MAX_SLUG_LEN).default(""))
                    .take(),
            )
            .await?;
        let rows = db
            .query_all(
                &Query::select()
                    .columns(["id", "name"])
                    .from("sources")
                    .order_by("id", Order::Asc)
                    .take(),
            )
            .await?;
        let mut taken = std::collections::HashSet::new();
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let name: String = row.try_get("", "name")?;
            let slug = free(&slug_of(&name), &taken);
            db.execute(
                &Query::update()
                    .table("sources")
                    .value("slug", slug.clone())
                    .and_where(Expr::col("id").eq(id))
                    .take(),
            )
            .await?;
            taken.insert(slug);
        }
        manager
            .create_index(index("sources", "slug", &["slug"]).unique().take())
            .await?;
        // The default was only for adding the column; PostgreSQL can drop it, so that an
        // insert without a slug fails rather than writing an empty one. (SQLite cannot drop
        // a column default; the unique index refuses a second empty slug there.)
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE sources ALTER COLUMN slug DROP DEFAULT")
                .await?;
        }
        manager
            .create_index(index("sources", "name", &["name", "id"]))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_articles_source")
                    .table("articles")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "articles",
                "source_latest",
                &["source_id", "status", "published_at", "id"],
            ))
            .await?;
        free_reserved_section_slug(db).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute(
            &Query::delete()
                .from_table("slug_redirects")
                .and_where(Expr::col("kind").eq("source"))
                .take(),
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_articles_source_latest")
                    .table("articles")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("articles", "source", &["source_id"]))
            .await?;
        for name in ["ix_sources_name", "ix_sources_slug"] {
            manager
                .drop_index(Index::drop().name(name).table("sources").to_owned())
                .await?;
        }
        manager
            .alter_table(Table::alter().table("sources").drop_column("slug").take())
            .await
    }
}

/// Moves a section slugged `source` to `source-section` (or the first free variant) and
/// keeps `source` in its slug history, so `/source` still leads to it.
async fn free_reserved_section_slug(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let section = db
        .query_one(
            &Query::select()
                .column("id")
                .from("sections")
                .and_where(Expr::col("slug").eq(RESERVED))
                .take(),
        )
        .await?;
    let Some(section) = section else {
        return Ok(());
    };
    let id: i32 = section.try_get("", "id")?;
    let rows = db
        .query_all(&Query::select().column("slug").from("sections").take())
        .await?;
    let taken = rows
        .iter()
        .map(|row| row.try_get::<String>("", "slug"))
        .collect::<Result<_, _>>()?;
    let slug = free("source-section", &taken);
    db.execute(
        &Query::update()
            .table("sections")
            .value("slug", slug.clone())
            .and_where(Expr::col("id").eq(id))
            .take(),
    )
    .await?;
    // The new slug is live: it is no one's former slug any more. The old one may have
    // been another section's former slug before this section took it.
    db.execute(
        &Query::delete()
            .from_table("slug_redirects")
            .and_where(Expr::col("kind").eq("section"))
            .and_where(Expr::col("old_slug").is_in([RESERVED, slug.as_str()]))
            .take(),
    )
    .await?;
    // Whole microseconds, as the store writes its times.
    let now = Utc::now();
    let now = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut insert = Query::insert();
    insert
        .into_table("slug_redirects")
        .columns(["kind", "old_slug", "target_id", "created_at"])
        .values(["section".into(), RESERVED.into(), id.into(), now.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    db.execute(&insert).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_short_unique_slugs() {
        assert_eq!(slug_of("AT News"), "at-news");
        assert_eq!(slug_of("¡¡!!"), "source");
        let long = "word ".repeat(40);
        assert!(slug_of(&long).len() <= MAX_SLUG_LEN as usize - 8);
        assert_eq!(slug_of(&"x".repeat(200)).len(), MAX_SLUG_LEN as usize - 8);
        let taken = ["at-news".to_owned(), "at-news-2".to_owned()].into();
        assert_eq!(free("at-news", &taken), "at-news-3");
        assert_eq!(free("reuters", &taken), "reuters");
    }
}
