//! Every difference between SQLite and PostgreSQL, in one place. The rest of the crate
//! asks a [`Dialect`] rather than matching on the backend.
//!
//! - here: which dialect a connection or URL speaks, its placeholders, and what the two
//!   do differently — pool settings, `ANALYZE`, announcing events at commit, whether a
//!   page reads its bylines in the same statement;
//! - [`sql`]: [`Sql`], SQL text assembled from typed parts (static text, integers, bound
//!   values);
//! - `sqlite` and `postgres`: each database's own text — connection settings, full-text
//!   match syntax, search fragments, the search index's columns and aggregates.

mod postgres;
mod sql;
mod sqlite;

use std::fmt::Write as _;
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use chrono::{DateTime, Utc};
use dateline_domain::search::{SearchField, SearchQuery};

use crate::error::StoreResult;

pub(crate) use sql::Sql;

/// The setup lock, held until [`released`](Self::release) or dropped (which closes its
/// connection, and so releases it too).
pub(crate) struct SetupLock(Option<sea_orm::sqlx::postgres::PgConnection>);

impl SetupLock {
    /// Releases the lock.
    pub(crate) async fn release(self) {
        if let Some(connection) = self.0 {
            use sea_orm::sqlx::Connection;
            if let Err(error) = connection.close().await {
                tracing::warn!(%error, "closing the setup lock's connection failed");
            }
        }
    }
}

/// A driver error met outside SeaORM, as SeaORM would report it.
fn driver_error(error: sea_orm::sqlx::Error) -> crate::error::StoreError {
    sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(error))).into()
}

/// The SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl From<DbBackend> for Dialect {
    fn from(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Sqlite => Self::Sqlite,
            // Only SQLite and PostgreSQL drivers are built in (see the workspace's sea-orm
            // features): no other backend reaches here.
            _ => Self::Postgres,
        }
    }
}

/// How a pool's connections are set up beyond what suits each backend.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// On PostgreSQL, the longest any one statement may run before the server cancels it.
    pub statement_timeout: Option<Duration>,
    /// The longest a caller waits for a connection (the pool's all busy, or the database
    /// does not answer) before failing with an "unavailable" error.
    pub acquire_timeout: Duration,
    /// The most connections the pool opens; `None` for what suits the backend (16 on
    /// PostgreSQL, 8 on SQLite).
    pub max_connections: Option<u32>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            statement_timeout: None,
            acquire_timeout: Duration::from_secs(10),
            max_connections: None,
        }
    }
}

impl Dialect {
    /// The dialect `db` speaks.
    pub(crate) fn of(db: &impl ConnectionTrait) -> Self {
        db.get_database_backend().into()
    }

    /// The dialect of a database URL (`sqlite:…`, else PostgreSQL).
    pub(crate) fn of_url(url: &str) -> Self {
        if url.starts_with("sqlite") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// SeaORM's name for it.
    pub(crate) fn backend(self) -> DbBackend {
        match self {
            Self::Sqlite => DbBackend::Sqlite,
            Self::Postgres => DbBackend::Postgres,
        }
    }

    /// Appends the placeholder of the `n`th bound value (from 1): `?` or `$n`.
    fn push_placeholder(self, text: &mut String, n: usize) {
        match self {
            Self::Sqlite => text.push('?'),
            // Only an integer is written: it cannot carry SQL.
            Self::Postgres => {
                let _ = write!(text, "${n}");
            }
        }
    }

    /// Options for a pool on `url`, with `settings` and what suits the dialect.
    pub(crate) fn connect_options(self, url: &str, settings: &PoolSettings) -> ConnectOptions {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .min_connections(1)
            .acquire_timeout(settings.acquire_timeout)
            .sqlx_logging(false);
        match self {
            Self::Sqlite => sqlite::configure(&mut options),
            Self::Postgres => postgres::configure(&mut options, settings),
        }
        if let Some(max) = settings.max_connections {
            options.max_connections(max);
        }
        options
    }

    /// Refreshes the query planner's statistics on `db` (see `Store::analyze`).
    pub(crate) async fn analyze(self, db: &impl ConnectionTrait, full: bool) -> StoreResult<()> {
        let sql = match self {
            Self::Sqlite => Some(sqlite::analyze_statement(db, full).await?),
            Self::Postgres => postgres::analyze_statement(full),
        };
        if let Some(sql) = sql {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    /// Takes the lock that lets one server at a time set the database up (migrations, the
    /// search index's first fill, the demo newsroom), waiting while another holds it. On
    /// PostgreSQL it is an advisory lock on a connection of its own; SQLite, served by one
    /// process, needs none.
    pub(crate) async fn lock_setup(self, db: &DatabaseConnection) -> StoreResult<SetupLock> {
        Ok(SetupLock(match self {
            Self::Sqlite => None,
            Self::Postgres => Some(postgres::lock_setup(db).await.map_err(driver_error)?),
        }))
    }

    /// Copies the database to `file` (see `Store::backup_to`).
    pub(crate) async fn backup_to(
        self,
        db: &DatabaseConnection,
        file: &std::path::Path,
    ) -> StoreResult<()> {
        match self {
            Self::Sqlite => sqlite::backup_to(db, file).await,
            Self::Postgres => Err(crate::error::StoreError::Unsupported(
                "back PostgreSQL up with its own tools (pg_dump)",
            )),
        }
    }

    /// Whether the database itself carries events between servers, delivering them at
    /// commit to every server listening (PostgreSQL's `NOTIFY`); SQLite has no such thing.
    pub(crate) fn carries_events(self) -> bool {
        self == Self::Postgres
    }

    /// The statement that announces `payload` on `channel` when its transaction commits.
    /// Only for a dialect that [carries events](Self::carries_events).
    pub(crate) fn notify(self, channel: &str, payload: String) -> Statement {
        debug_assert!(self.carries_events(), "{self:?} cannot announce events");
        postgres::notify(channel, payload)
    }

    /// Whether a page of articles is best read in one statement with its bylines. SQLite
    /// runs the joined page tens of times slower on a filtered list (a section page: 25 ms
    /// against 2 ms at 100,000 articles), and its statements cost no round trip: it reads
    /// the authors in a second statement.
    pub(crate) fn joins_bylines_into_pages(self) -> bool {
        self == Self::Postgres
    }

    /// ` FROM` the search index joined to `articles a` (and to `join`) `WHERE` the index
    /// matches `query`; more conditions follow with ` AND`.
    pub(crate) fn matching(self, sql: &mut Sql, query: &SearchQuery, join: &'static str) {
        match self {
            Self::Sqlite => sqlite::matching(sql, query, join),
            Self::Postgres => postgres::matching(sql, query, join),
        }
    }

    /// The text relevance of a match, in the ranked query's outer `SELECT`: from
    /// [`relevance_input`](Self::relevance_input) and [`relevance_query`](Self::relevance_query).
    pub(crate) fn relevance(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::RELEVANCE,
            Self::Postgres => postgres::RELEVANCE,
        }
    }

    /// What the ranked query's inner `SELECT` passes out for [`relevance`](Self::relevance).
    pub(crate) fn relevance_input(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::RELEVANCE_INPUT,
            Self::Postgres => postgres::RELEVANCE_INPUT,
        }
    }

    /// What follows the ranked query's `newest` subquery for [`relevance`](Self::relevance):
    /// PostgreSQL's parsed query `q`; nothing on SQLite.
    pub(crate) fn relevance_query(self, sql: &mut Sql, query: &SearchQuery) {
        match self {
            Self::Sqlite => {}
            Self::Postgres => postgres::relevance_query(sql, query),
        }
    }

    /// A condition on the ranked row (`id`, `document`): its title holds every term of
    /// `wanted`.
    pub(crate) fn title_holds(self, sql: &mut Sql, wanted: &SearchQuery) {
        match self {
            Self::Sqlite => sqlite::title_holds(sql, wanted),
            Self::Postgres => postgres::title_holds(sql, wanted),
        }
    }

    /// Days from the ranked row's `published_at` to `as_of` (bound), at least 0.
    pub(crate) fn days_since_publication(self, sql: &mut Sql, as_of: DateTime<Utc>) {
        match self {
            Self::Sqlite => sqlite::days_since_publication(sql, as_of),
            Self::Postgres => postgres::days_since_publication(sql, as_of),
        }
    }

    /// The index's article id, to order matches newest first (ids grow with time).
    pub(crate) fn index_order(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::INDEX_ORDER,
            Self::Postgres => postgres::INDEX_ORDER,
        }
    }

    /// The year of `a.published_at`, in UTC, as an integer.
    pub(crate) fn publication_year(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::PUBLICATION_YEAR,
            Self::Postgres => postgres::PUBLICATION_YEAR,
        }
    }

    /// The search index's column holding the article id.
    pub(crate) fn index_key(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::INDEX_KEY,
            Self::Postgres => postgres::INDEX_KEY,
        }
    }

    /// The aggregate function joining strings with a separator: `(text, separator)`.
    pub(crate) fn string_aggregate(self) -> &'static str {
        match self {
            Self::Sqlite => "group_concat",
            Self::Postgres => "string_agg",
        }
    }

    /// The statement reading the highlighted text of every search field (in
    /// `SearchField::ALL` order, after the article id) of the `ids` articles' index rows,
    /// for `query`, with `MARK_OPEN`/`MARK_CLOSE` around matches and long fields cut into
    /// fragments around them.
    pub(crate) fn highlights(self, sql: &mut Sql, query: &SearchQuery, ids: &[i32]) {
        match self {
            Self::Sqlite => sqlite::highlights(sql, query, ids),
            Self::Postgres => postgres::highlights(sql, query, ids),
        }
    }
}

/// The search index's column that holds `field`.
pub(crate) fn index_column(field: SearchField) -> &'static str {
    match field {
        SearchField::Title => "title",
        SearchField::Subtitle => "subtitle",
        SearchField::Excerpt => "excerpt",
        SearchField::Body => "body",
        SearchField::Authors => "people",
        SearchField::Tags => "tags",
    }
}

#[cfg(test)]
mod tests {
    use dateline_domain::search::SearchQuery;

    use super::{postgres, sqlite};
    /// Search text a reader might type to break out of a full-text query.
    pub(super) const HOSTILE: [&str; 8] = [
        r#"a" OR 1=1 --"#,
        "'; DROP TABLE articles; --",
        "%_\\ \\\" \\' x",
        "\u{0}\u{1b}[31m red \u{7f}",
        "İİİ ǅ ß ﬃ",
        "\u{E000}kabul\u{E001}",
        "col:val -col:val NEAR/3 \"*\" *\"x\"* -\"",
        "a\u{0301}b ١٢٣ Ⅻ ½ x²",
    ];

    /// Every short mix of characters that trip parsers up gives query text with balanced
    /// quotes in both syntaxes, or is refused.
    #[test]
    fn every_short_mix_of_tricky_characters_gives_balanced_quotes() {
        let alphabet = ['a', 'B', '-', '"', '*', ' ', 'İ', '\u{E000}', '%'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|text| alphabet.map(|c| format!("{text}{c}")))
                .collect();
            for text in &texts {
                if let Ok(query) = SearchQuery::parse(text) {
                    let fts5 = sqlite::fts5(&query);
                    assert_eq!(fts5.matches('"').count() % 2, 0, "{text:?}: {fts5}");
                    let tsquery = postgres::tsquery(&query);
                    assert_eq!(tsquery.matches('\'').count() % 2, 0, "{text:?}: {tsquery}");
                }
            }
        }
    }
}
