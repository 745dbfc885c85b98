//! Full-text search over published articles, in each database's own engine.
//!
//! - SQLite: an FTS5 table whose rowid is the article id, stemmed with `porter`, with
//!   prefix indexes for `khal*` searches of two and three letters and more.
//! - PostgreSQL: a table with the same text columns and a stored, weighted `tsvector`
//!   (title A; subtitle, bylines and tags B; excerpt C; body D) under a GIN index.
//!
//! Either way the table holds one row per published article, written by the store in the
//! same transaction as the change that makes or alters it; `Store::migrate` fills it when
//! this migration first runs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = "CREATE VIRTUAL TABLE article_search USING fts5(\
    title, subtitle, excerpt, body, people, tags, \
    tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')";

const POSTGRES_UP: [&str; 2] = [
    "CREATE TABLE article_search (
        article_id integer PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        title text NOT NULL,
        subtitle text NOT NULL,
        excerpt text NOT NULL,
        body text NOT NULL,
        people text NOT NULL,
        tags text NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', title), 'A')
            || setweight(to_tsvector('english', subtitle || ' ' || people || ' ' || tags), 'B')
            || setweight(to_tsvector('english', excerpt), 'C')
            || setweight(to_tsvector('english', body), 'D')
        ) STORED
    )",
    "CREATE INDEX ix_article_search_document ON article_search USING GIN (document)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(SQLITE_UP).await?;
            }
            _ => {
                for statement in POSTGRES_UP {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE article_search")
            .await?;
        Ok(())
    }
}
