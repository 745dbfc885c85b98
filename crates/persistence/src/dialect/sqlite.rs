//! SQLite's own text: connection settings, statistics and FTS5 search.

use std::time::Duration;

use chrono::{DateTime, Utc};
use dateline_domain::search::{SearchQuery, Term};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DbBackend, Statement};

use super::Sql;
use crate::error::{StoreError, StoreResult};
use dateline_domain::search::SearchField;

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

/// `VACUUM INTO` `file`, which must not exist: an online, consistent, compact copy.
pub(super) async fn backup_to(
    db: &impl ConnectionTrait,
    file: &std::path::Path,
) -> StoreResult<()> {
    let Some(path) = file.to_str() else {
        return Err(StoreError::Unsupported(
            "the backup's path is not valid UTF-8",
        ));
    };
    if file.exists() {
        return Err(StoreError::Unsupported(
            "the backup file exists already: choose a new one",
        ));
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await?;
    Ok(())
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

/// FTS5 MATCH expression, e.g. `"kabul" "peace talks" "khal"*`; with exclusions,
/// `("a" "b") NOT "c" NOT "d"`.
///
/// Positive terms are joined by spaces (implicit AND) and wrapped in parentheses when
/// there are exclusions, because FTS5's `NOT` binds tighter than implicit AND. The result
/// is always bound, never spliced into SQL.
pub(crate) fn fts5(query: &SearchQuery) -> String {
    let positive: Vec<String> = query.positive().map(fts5_term).collect();
    let mut excluded = query.excluded().map(fts5_term).peekable();
    if excluded.peek().is_none() {
        return positive.join(" ");
    }
    // Query text, not SQL: it is bound as one value (and its words are alphanumeric).
    let mut expression = format!("({})", positive.join(" "));
    for term in excluded {
        expression.push_str(" NOT ");
        expression.push_str(&term);
    }
    expression
}

/// `"w1 w2"`, with `*` after the closing quote for a prefix term. The words are
/// alphanumeric ([`Term::is_well_formed`]), so they need no escaping inside the quotes.
fn fts5_term(term: &Term) -> String {
    debug_assert!(term.is_well_formed(), "unsafe search term {term:?}");
    let star = if term.prefix { "*" } else { "" };
    // Query text, not SQL: it is bound as one value (and its words are alphanumeric).
    format!("\"{}\"{star}", term.words.join(" "))
}

/// The index (an FTS5 table whose rowid is the article id) joined to the articles, then
/// `join`, where it matches `query`.
pub(super) fn matching(sql: &mut Sql, query: &SearchQuery, join: &'static str) {
    sql.push(" FROM article_search JOIN articles a ON a.id = article_search.rowid")
        .push(join)
        .push(" WHERE article_search MATCH ")
        .bind(fts5(query));
}

/// FTS5's `bm25` (lower is better, so negated), with column weights in index order:
/// title 10, subtitle 4, excerpt 2, body 1, bylines 4, tags 4.
pub(super) const RELEVANCE_INPUT: &str =
    "-bm25(article_search, 10.0, 4.0, 2.0, 1.0, 4.0, 4.0) AS rel";

pub(super) const RELEVANCE: &str = "rel";

/// The index's column holding the article id.
pub(super) const INDEX_KEY: &str = "rowid";

pub(super) const INDEX_ORDER: &str = "article_search.rowid";

pub(super) const PUBLICATION_YEAR: &str = "CAST(strftime('%Y', a.published_at) AS INTEGER)";

/// Whether the row's title matches `wanted`, asked of the index again. FTS5's bm25 adds
/// the weighted hits of all columns up before it saturates, so column weights alone let a
/// few body hits outweigh the title.
pub(super) fn title_holds(sql: &mut Sql, wanted: &SearchQuery) {
    let mut in_title = String::from("{title} : (");
    in_title.push_str(&fts5(wanted));
    in_title.push(')');
    sql.push("id IN (SELECT rowid FROM article_search WHERE article_search MATCH ")
        .bind(in_title)
        .push(")");
}

/// `julianday` difference, floored at 0.
pub(super) fn days_since_publication(sql: &mut Sql, as_of: DateTime<Utc>) {
    sql.push("MAX(0.0, julianday(")
        .bind(as_of)
        .push(") - julianday(published_at))");
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
        .bind(fts5(query))
        .push(" AND rowid IN (")
        .id_list(ids)
        .push(")");
}

#[cfg(test)]
mod tests {
    use dateline_domain::search::{MARK_CLOSE, MARK_OPEN};

    use super::*;

    fn fts5_of(text: &str) -> String {
        fts5(&SearchQuery::parse(text).expect("parses"))
    }

    #[test]
    fn plain_words_are_quoted_and_anded() {
        assert_eq!(fts5_of("Kabul PEACE talks"), r#""kabul" "peace" "talks""#);
    }

    #[test]
    fn fts5_expressions() {
        assert_eq!(
            fts5_of(r#"Kabul "peace talks" khal*"#),
            r#""kabul" "peace talks" "khal"*"#
        );
        assert_eq!(fts5_of("a b -c -d"), r#"("a" "b") NOT "c" NOT "d""#);
        assert_eq!(
            fts5_of(r#"kabul -"world cup"* -spo*"#),
            r#"("kabul") NOT "world cup"* NOT "spo"*"#
        );
    }

    #[test]
    fn operators_and_sql_are_just_quoted_words() {
        assert_eq!(
            fts5_of("'; DROP TABLE articles; --"),
            r#""drop" "table" "articles""#
        );
        assert_eq!(fts5_of(r#"a" OR 1=1 --"#), r#""a" "or 1 1""#);
        assert_eq!(
            fts5_of("title:kabul ^peace {x}"),
            r#""title" "kabul" "peace" "x""#
        );
    }

    #[test]
    fn hostile_input_gives_balanced_quotes() {
        for text in super::super::tests::HOSTILE {
            if let Ok(query) = SearchQuery::parse(text) {
                let fts5 = fts5(&query);
                assert_eq!(fts5.matches('"').count() % 2, 0, "{fts5}");
            }
        }
    }

    #[test]
    fn highlights_are_marked_as_the_domain_reads_them() {
        assert_eq!(HIGHLIGHT_MARKS, format!(", '{MARK_OPEN}', '{MARK_CLOSE}')"));
        assert_eq!(
            SNIPPET_MARKS,
            format!(", '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)")
        );
    }
}
