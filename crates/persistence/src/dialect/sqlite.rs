//! SQLite's own text: connection settings, statistics and FTS5 search.

use std::time::Duration;

use dateline_domain::search::SearchQuery;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DbBackend, Statement};

use super::Sql;
use crate::error::StoreResult;
use crate::search::SearchField;

/// At most 8 connections, in WAL mode, with foreign keys on and a larger page cache.
pub(super) fn configure(options: &mut ConnectOptions) {
    options.max_connections(8).map_sqlx_sqlite_opts(|opts| {
        opts.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // The default page cache is 2 MB per connection; reads of a large newsroom
            // want more, and memory-mapped reads skip a copy.
            .pragma("cache_size", "-32768")
            .pragma("mmap_size", "268435456")
    });
}

/// A full `ANALYZE` when `full` or when no statistics exist yet, else `PRAGMA optimize`,
/// which re-analyses what changed a lot.
pub(super) async fn analyze_statement(
    db: &impl ConnectionTrait,
    full: bool,
) -> StoreResult<&'static str> {
    let stats = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'",
        ))
        .await?;
    Ok(if full || stats.is_none() {
        "ANALYZE"
    } else {
        "PRAGMA optimize=0x10002"
    })
}

/// The end of a `highlight()` call: the marks around matches (`MARK_OPEN`, `MARK_CLOSE`).
const HIGHLIGHT_MARKS: &str = ", '\u{E000}', '\u{E001}')";

/// The end of a `snippet()` call: the marks, an ellipsis where text is cut, 24 tokens.
const SNIPPET_MARKS: &str = ", '\u{E000}', '\u{E001}', '…', 24)";

/// `highlight()` of short fields and `snippet()` of long ones, by column number.
pub(super) fn highlights(sql: &mut Sql, query: &SearchQuery, ids: &[i32]) {
    sql.push("SELECT rowid");
    for (i, field) in SearchField::ALL.iter().enumerate() {
        if field.is_long() {
            sql.push(", snippet(article_search, ")
                .int(i as u64)
                .push(SNIPPET_MARKS);
        } else {
            sql.push(", highlight(article_search, ")
                .int(i as u64)
                .push(HIGHLIGHT_MARKS);
        }
    }
    sql.push(" FROM article_search WHERE article_search MATCH ")
        .bind(query.to_fts5())
        .push(" AND rowid IN (")
        .id_list(ids)
        .push(")");
}

#[cfg(test)]
mod tests {
    use dateline_domain::search::{MARK_CLOSE, MARK_OPEN};

    use super::*;

    #[test]
    fn highlights_are_marked_as_the_domain_reads_them() {
        assert_eq!(HIGHLIGHT_MARKS, format!(", '{MARK_OPEN}', '{MARK_CLOSE}')"));
        assert_eq!(
            SNIPPET_MARKS,
            format!(", '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)")
        );
    }
}
