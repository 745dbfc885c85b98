//! PostgreSQL's own text: connection settings, statistics, notifications and `tsquery`
//! search.

use chrono::{DateTime, Utc};
use dateline_domain::search::{SearchQuery, Term};
use sea_orm::sqlx::{self, Connection, postgres::PgConnection};
use sea_orm::{ConnectOptions, DatabaseConnection, DbBackend, Statement};

use super::{PoolSettings, Sql};
use dateline_domain::search::SearchField;

/// At most 16 connections, each with `settings`' statement timeout, if any.
pub(super) fn configure(options: &mut ConnectOptions, settings: &PoolSettings) {
    options.max_connections(16);
    if let Some(timeout) = settings.statement_timeout {
        let millis = timeout.as_millis().to_string();
        options.map_sqlx_postgres_opts(move |opts| {
            opts.options([("statement_timeout", millis.as_str())])
        });
    }
}

/// The key of the advisory lock servers take to set the database up: "Dateline" in ASCII.
const SETUP_LOCK_KEY: i64 = 0x4461_7465_6C69_6E65;

/// A connection of its own, outside `db`'s pool, holding the setup lock: waits while
/// another server holds it. Closing the connection, or losing it, releases the lock.
pub(super) async fn lock_setup(db: &DatabaseConnection) -> Result<PgConnection, sqlx::Error> {
    let options = db.get_postgres_connection_pool().connect_options();
    let mut connection = PgConnection::connect_with(&options).await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(SETUP_LOCK_KEY)
        .execute(&mut connection)
        .await?;
    Ok(connection)
}

/// `ANALYZE` when `full`; otherwise nothing, as PostgreSQL analyses in the background.
pub(super) fn analyze_statement(full: bool) -> Option<&'static str> {
    full.then_some("ANALYZE")
}

/// `pg_notify` with the channel and payload bound.
pub(super) fn notify(channel: &str, payload: String) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.to_owned().into(), payload.into()],
    )
}

/// tsquery text for `to_tsquery('english', …)`, e.g.
/// `'kabul' & ('peace' <-> 'talks') & 'khal':* & !'sport'`. The result is always bound,
/// never spliced into SQL.
pub(crate) fn tsquery(query: &SearchQuery) -> String {
    query
        .terms()
        .iter()
        .map(tsquery_term)
        .collect::<Vec<_>>()
        .join(" & ")
}

/// `'w'`, or `('w1' <-> 'w2')` for a phrase; `:*` after the last lexeme for a prefix
/// term and a leading `!` for an excluded one. The words are alphanumeric
/// ([`Term::is_well_formed`]), so they need no escaping inside the quotes.
fn tsquery_term(term: &Term) -> String {
    debug_assert!(term.is_well_formed(), "unsafe search term {term:?}");
    // The format!s below write query text, not SQL: it is bound as one value (and its
    // words are alphanumeric).
    let last = term.words.len().saturating_sub(1);
    let lexemes: Vec<String> = term
        .words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let star = if term.prefix && i == last { ":*" } else { "" };
            format!("'{word}'{star}")
        })
        .collect();
    let joined = lexemes.join(" <-> ");
    let lexemes = if lexemes.len() > 1 {
        format!("({joined})")
    } else {
        joined
    };
    if term.excluded {
        format!("!{lexemes}")
    } else {
        lexemes
    }
}

/// The index (a table keyed by article id, with a weighted `tsvector` `document`) joined
/// to the articles, then `join`, where its document matches `query`, parsed once as `q`.
pub(super) fn matching(sql: &mut Sql, query: &SearchQuery, join: &'static str) {
    sql.push(" FROM article_search s JOIN articles a ON a.id = s.article_id")
        .push(join)
        .push(" CROSS JOIN to_tsquery('english', ")
        .bind(tsquery(query))
        .push(") q WHERE s.document @@ q");
}

/// `ts_rank` of the document against `q`, normalised by document length (flag 1); the
/// weights are those the index gives its columns (title A, subtitle/bylines/tags B,
/// excerpt C, body D).
pub(super) const RELEVANCE: &str = "ts_rank(document, q, 1)::float8";

pub(super) const RELEVANCE_INPUT: &str = "s.document AS document";

/// The index's column holding the article id.
pub(super) const INDEX_KEY: &str = "article_id";

pub(super) const INDEX_ORDER: &str = "s.article_id";

pub(super) const PUBLICATION_YEAR: &str =
    "CAST(EXTRACT(YEAR FROM a.published_at AT TIME ZONE 'UTC') AS INTEGER)";

/// ` CROSS JOIN` `query` parsed as `q`, for [`RELEVANCE`].
pub(super) fn relevance_query(sql: &mut Sql, query: &SearchQuery) {
    sql.push(" CROSS JOIN to_tsquery('english', ")
        .bind(tsquery(query))
        .push(") q");
}

/// Whether the title lexemes (weight A) of the row's document match `wanted`.
pub(super) fn title_holds(sql: &mut Sql, wanted: &SearchQuery) {
    sql.push("ts_filter(document, '{a}') @@ to_tsquery('english', ")
        .bind(tsquery(wanted))
        .push(")");
}

/// Seconds between the two instants, in days, floored at 0.
pub(super) fn days_since_publication(sql: &mut Sql, as_of: DateTime<Utc>) {
    sql.push("GREATEST(0.0, EXTRACT(EPOCH FROM (")
        .bind(as_of)
        .push("::timestamptz - published_at))::float8 / 86400.0)");
}

/// `ts_headline` options for long fields: fragments around the matches, with the marks
/// around matches and between fragments (`MARK_OPEN`, `MARK_CLOSE`, `FRAGMENT_BREAK`).
const LONG_HEADLINE: &str = "StartSel=\u{E000}, StopSel=\u{E001}, MaxWords=30, MinWords=12, \
     MaxFragments=2, FragmentDelimiter=\u{E002}";

/// `ts_headline` options for short fields: the whole text, with the marks around matches.
const SHORT_HEADLINE: &str = "StartSel=\u{E000}, StopSel=\u{E001}, HighlightAll=true";

/// `ts_headline` of every field, whole for short ones and as fragments for long ones.
pub(super) fn highlights(sql: &mut Sql, query: &SearchQuery, ids: &[i32]) {
    sql.push("SELECT s.article_id");
    for field in SearchField::ALL {
        let options = if field.is_long() {
            LONG_HEADLINE
        } else {
            SHORT_HEADLINE
        };
        sql.push(", ts_headline('english', s.")
            .push(super::index_column(field))
            .push(", q, '")
            .push(options)
            .push("')");
    }
    sql.push(" FROM article_search s CROSS JOIN to_tsquery('english', ")
        .bind(tsquery(query))
        .push(") q WHERE s.article_id IN (")
        .id_list(ids)
        .push(")");
}

#[cfg(test)]
mod tests {
    use dateline_domain::search::{FRAGMENT_BREAK, MARK_CLOSE, MARK_OPEN};

    use super::*;

    fn tsquery_of(text: &str) -> String {
        tsquery(&SearchQuery::parse(text).expect("parses"))
    }

    #[test]
    fn plain_words_are_quoted_and_anded() {
        assert_eq!(
            tsquery_of("Kabul PEACE talks"),
            "'kabul' & 'peace' & 'talks'"
        );
        assert_eq!(tsquery_of("Zürich"), "'zürich'");
    }

    #[test]
    fn tsquery_expressions() {
        assert_eq!(
            tsquery_of(r#"Kabul "peace talks" khal* -sport"#),
            "'kabul' & ('peace' <-> 'talks') & 'khal':* & !'sport'"
        );
        assert_eq!(
            tsquery_of(r#"-"world cup" "peace tal"* kabul"#),
            "!('world' <-> 'cup') & ('peace' <-> 'tal':*) & 'kabul'"
        );
    }

    #[test]
    fn operators_and_sql_are_just_quoted_words() {
        assert_eq!(
            tsquery_of("'; DROP TABLE articles; --"),
            "'drop' & 'table' & 'articles'"
        );
    }

    #[test]
    fn hostile_input_gives_balanced_quotes() {
        for text in super::super::tests::HOSTILE {
            if let Ok(query) = SearchQuery::parse(text) {
                let tsquery = tsquery(&query);
                assert_eq!(tsquery.matches('\'').count() % 2, 0, "{tsquery}");
            }
        }
    }

    #[test]
    fn headlines_are_marked_as_the_domain_reads_them() {
        assert_eq!(
            LONG_HEADLINE,
            format!(
                "StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=30, MinWords=12, \
                 MaxFragments=2, FragmentDelimiter={FRAGMENT_BREAK}"
            )
        );
        assert_eq!(
            SHORT_HEADLINE,
            format!("StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, HighlightAll=true")
        );
    }
}
