//! PostgreSQL's own text: connection settings, statistics, notifications and `tsquery`
//! search.

use dateline_domain::search::SearchQuery;
use sea_orm::{ConnectOptions, DbBackend, Statement};

use super::{PoolSettings, Sql};
use crate::search::SearchField;

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

/// `ANALYZE` when `full`; otherwise nothing, as PostgreSQL analyses in the background.
pub(super) fn analyze_statement(full: bool) -> Option<&'static str> {
    full.then_some("ANALYZE")
}

/// `pg_notify` with the channel and payload bound.
pub(super) fn notify(channel: &'static str, payload: String) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.into(), payload.into()],
    )
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
            .push(field.column())
            .push(", q, '")
            .push(options)
            .push("')");
    }
    sql.push(" FROM article_search s CROSS JOIN to_tsquery('english', ")
        .bind(query.to_tsquery())
        .push(") q WHERE s.article_id IN (")
        .id_list(ids)
        .push(")");
}

#[cfg(test)]
mod tests {
    use dateline_domain::search::{FRAGMENT_BREAK, MARK_CLOSE, MARK_OPEN};

    use super::*;

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
