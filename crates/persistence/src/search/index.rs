//! Keeping the search index current. The index (`article_search`, made by migration 4) holds
//! one row per published article: its title, subtitle, excerpt, plain-text body, bylines and
//! tag names. Every write that can change one of those calls [`reindex`] in its own
//! transaction, so a search never sees a story the public cannot, nor misses one it can.

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::dialect::{Dialect, Sql};
use crate::error::StoreResult;
use crate::store::Store;

/// Which articles to index again.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reindex<'a> {
    /// These articles.
    Articles(&'a [i32]),
    /// Every article with this author in its byline or co-bylines.
    ByAuthor(i32),
    /// Every article with this tag.
    ByTag(i32),
    /// The whole newsroom.
    All,
}

impl Reindex<'_> {
    /// Whether it is narrower than the whole newsroom.
    fn narrows(self) -> bool {
        !matches!(self, Self::All)
    }

    /// Appends the SQL condition on `a.id` (nothing, for all). Only integers are written
    /// into it.
    fn condition(self, sql: &mut Sql) {
        match self {
            Self::Articles(ids) => {
                sql.push("a.id IN (").id_list(ids).push(")");
            }
            Self::ByAuthor(id) => {
                sql.push("(a.author_id = ")
                    .int(id)
                    .push(
                        " OR a.id IN \
                         (SELECT article_id FROM article_co_authors WHERE author_id = ",
                    )
                    .int(id)
                    .push("))");
            }
            Self::ByTag(id) => {
                sql.push("a.id IN (SELECT article_id FROM article_tags WHERE tag_id = ")
                    .int(id)
                    .push(")");
            }
            Self::All => {}
        }
    }
}

/// Rewrites the index rows of `which` articles from their current state: published stories
/// get a row, all others lose theirs. Runs in whatever transaction `db` is.
pub(crate) async fn reindex<C: ConnectionTrait>(db: &C, which: Reindex<'_>) -> StoreResult<()> {
    if let Reindex::Articles([]) = which {
        return Ok(());
    }
    let dialect = Dialect::of(db);
    db.execute_raw(delete(dialect, which)).await?;
    db.execute_raw(insert(dialect, which)).await?;
    Ok(())
}

/// Deletes the index rows of `which` articles.
fn delete(dialect: Dialect, which: Reindex<'_>) -> Statement {
    let mut sql = Sql::new(dialect);
    sql.push("DELETE FROM article_search");
    if which.narrows() {
        sql.push(" WHERE ")
            .push(dialect.index_key())
            .push(" IN (SELECT a.id FROM articles a WHERE ");
        which.condition(&mut sql);
        sql.push(")");
    }
    sql.statement()
}

/// Writes the index rows of those of `which` articles that are published.
fn insert(dialect: Dialect, which: Reindex<'_>) -> Statement {
    let aggregate = dialect.string_aggregate();
    let mut sql = Sql::new(dialect);
    sql.push("INSERT INTO article_search (")
        .push(dialect.index_key())
        .push(", title, subtitle, excerpt, body, people, tags) SELECT a.id, ");
    unmarked(&mut sql, |sql| sql.push("a.title"));
    sql.push(", ");
    unmarked(&mut sql, |sql| sql.push("COALESCE(a.subtitle, '')"));
    sql.push(", ");
    unmarked(&mut sql, |sql| sql.push("a.excerpt"));
    sql.push(", ");
    unmarked(&mut sql, |sql| sql.push("b.body_text"));
    sql.push(", ");
    unmarked(&mut sql, |sql| {
        sql.push("COALESCE((SELECT ").push(aggregate).push(
            "(bylines.name, ' ') FROM ( \
             SELECT au.name FROM authors au WHERE au.id = a.author_id \
             UNION ALL \
             SELECT au.name FROM article_co_authors c JOIN authors au ON au.id = c.author_id \
             WHERE c.article_id = a.id) bylines), '')",
        )
    });
    sql.push(", ");
    unmarked(&mut sql, |sql| {
        sql.push("COALESCE((SELECT ").push(aggregate).push(
            "(t.name, ' ') FROM article_tags x \
             JOIN tags t ON t.id = x.tag_id WHERE x.article_id = a.id), '')",
        )
    });
    sql.push(
        " FROM articles a JOIN article_bodies b ON b.article_id = a.id \
         WHERE a.status = '",
    )
    // The status is the domain's `&'static str` constant, `published`.
    .push(dateline_domain::ArticleStatus::Published.as_str())
    .push("' AND a.deleted_at IS NULL");
    if which.narrows() {
        sql.push(" AND ");
        which.condition(&mut sql);
    }
    sql.statement()
}

/// Opens the wrapping [`unmarked`] puts around a text.
const UNMARK_OPEN: &str = "REPLACE(REPLACE(REPLACE(";

/// Closes it: the characters highlights are marked with (`MARK_OPEN`, `MARK_CLOSE`,
/// `FRAGMENT_BREAK`), each replaced by nothing.
const UNMARK_CLOSE: &str = ", '\u{E000}', ''), '\u{E001}', ''), '\u{E002}', '')";

/// The SQL text `expr` writes, without the characters highlights are marked with: the
/// database copies indexed text into highlights as it is, so one of them stored in a
/// headline or body would show as a match. Input loses them when it is written; this also
/// cleans text stored before that, or by other means (imports, the demo, seeding).
fn unmarked(sql: &mut Sql, expr: impl FnOnce(&mut Sql) -> &mut Sql) {
    sql.push(UNMARK_OPEN);
    expr(sql);
    sql.push(UNMARK_CLOSE);
}

impl Store {
    /// Whether public articles exist but the search index holds none.
    pub(crate) async fn search_index_is_unfilled(&self) -> StoreResult<bool> {
        let backend = self.backend();
        let any = |sql: &str| {
            self.connection()
                .query_one_raw(Statement::from_string(backend, sql))
        };
        let indexed = any("SELECT 1 FROM article_search LIMIT 1").await?.is_some();
        let published = any("SELECT 1 FROM articles WHERE status = 'published' LIMIT 1")
            .await?
            .is_some();
        Ok(published && !indexed)
    }

    /// Writes the search index again from the articles, in one transaction. `migrate` does
    /// this when it creates the index; every write keeps it current after that.
    pub async fn rebuild_search_index(&self) -> StoreResult<()> {
        let txn = self.connection().begin().await?;
        reindex(&txn, Reindex::All).await?;
        txn.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use dateline_domain::search::{FRAGMENT_BREAK, MARK_CLOSE, MARK_OPEN};

    use super::*;

    #[test]
    fn the_index_drops_every_mark_the_domain_reads() {
        assert_eq!(
            UNMARK_CLOSE,
            format!(", '{MARK_OPEN}', ''), '{MARK_CLOSE}', ''), '{FRAGMENT_BREAK}', '')")
        );
    }

    #[test]
    fn conditions_write_only_integers() {
        for (which, expected) in [
            (Reindex::Articles(&[3, 5]), "a.id IN (3, 5)"),
            (
                Reindex::ByAuthor(7),
                "(a.author_id = 7 OR a.id IN \
                 (SELECT article_id FROM article_co_authors WHERE author_id = 7))",
            ),
            (
                Reindex::ByTag(9),
                "a.id IN (SELECT article_id FROM article_tags WHERE tag_id = 9)",
            ),
        ] {
            let mut sql = Sql::new(Dialect::Sqlite);
            which.condition(&mut sql);
            assert!(which.narrows());
            assert_eq!(sql.statement().sql, expected);
        }
        assert!(!Reindex::All.narrows());
    }
}
