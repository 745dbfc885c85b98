//! Keeping the search index current. The index (`article_search`, made by migration 4) holds
//! one row per published article: its title, subtitle, excerpt, plain-text body, bylines and
//! tag names. Every write that can change one of those calls [`reindex`] in its own
//! transaction, so a search never sees a story the public cannot, nor misses one it can.

use dateline_domain::search::{FRAGMENT_BREAK, MARK_CLOSE, MARK_OPEN};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

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
    /// The SQL condition on `a.id` (or nothing, for all). Only integers are written into it.
    fn condition(self) -> Option<String> {
        match self {
            Self::Articles(ids) => {
                let list: Vec<String> = ids.iter().map(i32::to_string).collect();
                Some(format!("a.id IN ({})", list.join(", ")))
            }
            Self::ByAuthor(id) => Some(format!(
                "(a.author_id = {id} OR a.id IN \
                 (SELECT article_id FROM article_co_authors WHERE author_id = {id}))"
            )),
            Self::ByTag(id) => Some(format!(
                "a.id IN (SELECT article_id FROM article_tags WHERE tag_id = {id})"
            )),
            Self::All => None,
        }
    }
}

/// Rewrites the index rows of `which` articles from their current state: published stories
/// get a row, all others lose theirs. Runs in whatever transaction `db` is.
pub(crate) async fn reindex<C: ConnectionTrait>(db: &C, which: Reindex<'_>) -> StoreResult<()> {
    if let Reindex::Articles([]) = which {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let (key, concat) = match backend {
        DbBackend::Sqlite => ("rowid", "group_concat"),
        _ => ("article_id", "string_agg"),
    };
    let condition = which.condition();
    let delete = match &condition {
        Some(condition) => format!(
            "DELETE FROM article_search WHERE {key} IN (SELECT a.id FROM articles a WHERE {condition})"
        ),
        None => "DELETE FROM article_search".to_owned(),
    };
    db.execute_raw(Statement::from_string(backend, delete))
        .await?;
    let published = dateline_domain::ArticleStatus::Published.as_str();
    let title = unmarked("a.title");
    let subtitle = unmarked("COALESCE(a.subtitle, '')");
    let excerpt = unmarked("a.excerpt");
    let body = unmarked("b.body_text");
    let people = unmarked(&format!(
        "COALESCE((SELECT {concat}(bylines.name, ' ') FROM ( \
             SELECT au.name FROM authors au WHERE au.id = a.author_id \
             UNION ALL \
             SELECT au.name FROM article_co_authors c JOIN authors au ON au.id = c.author_id \
             WHERE c.article_id = a.id) bylines), '')"
    ));
    let tags = unmarked(&format!(
        "COALESCE((SELECT {concat}(t.name, ' ') FROM article_tags x \
             JOIN tags t ON t.id = x.tag_id WHERE x.article_id = a.id), '')"
    ));
    let insert = format!(
        "INSERT INTO article_search ({key}, title, subtitle, excerpt, body, people, tags) \
         SELECT a.id, {title}, {subtitle}, {excerpt}, {body}, {people}, {tags} \
         FROM articles a JOIN article_bodies b ON b.article_id = a.id \
         WHERE a.status = '{published}' AND a.deleted_at IS NULL{}",
        condition.map(|c| format!(" AND {c}")).unwrap_or_default()
    );
    db.execute_raw(Statement::from_string(backend, insert))
        .await?;
    Ok(())
}

/// The SQL text `expr` without the characters highlights are marked with
/// ([`MARK_OPEN`], [`MARK_CLOSE`], [`FRAGMENT_BREAK`]): the database copies indexed text into
/// highlights as it is, so one of them stored in a headline or body would show as a match.
/// Input loses them when it is written; this also cleans text stored before that, or by
/// other means (imports, the demo, seeding).
fn unmarked(expr: &str) -> String {
    format!(
        "REPLACE(REPLACE(REPLACE({expr}, '{MARK_OPEN}', ''), '{MARK_CLOSE}', ''), \
         '{FRAGMENT_BREAK}', '')"
    )
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
