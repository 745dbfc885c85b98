//! Importing a WordPress site: writing what [`dateline_wordpress`] reads and maps.
//!
//! An import is one transaction ([`WordpressImport`]): it begins with the export's authors,
//! categories (as sections) and tags, takes its items one at a time, and commits only when
//! [`WordpressImport::finish`] is called; dropped before, it rolls back and leaves nothing.
//! What each record became is remembered per site (`records`), so importing the same
//! export again updates instead of duplicating, and a later one adds what is new. Articles
//! are written as any other (`articles::insert`, `articles::edit`): revision rows, tag
//! links, search index. The commit is announced as one change of the catalogue, so every
//! server reads the section tree again and drops what it keeps of public content.

mod articles;
mod catalogue;
pub mod records;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use dateline_wordpress::{Report, Survey};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait};

use crate::entity::imported_record;
use crate::error::StoreResult;
use crate::events::ArticleEvent;
use crate::store::{Store, stored_time};
use articles::Pending;
use records::{Paths, imported_of_kind, kind};

/// An import under way: one open transaction.
pub struct WordpressImport<'s> {
    store: &'s Store,
    survey: &'s Survey,
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    report: Report,
    /// Local ids by WordPress login, nicename and slug.
    authors: HashMap<String, i32>,
    sections: HashMap<String, i32>,
    tags: HashMap<String, i32>,
    /// The section of posts filed under no category, once one is needed.
    uncategorized: Option<i32>,
    /// Article slugs given out by this import.
    claimed_slugs: HashSet<String>,
    /// Post ids met so far: an item repeated in the export is imported once.
    seen_posts: HashSet<u64>,
    /// What each post imported before became, by post id, as it was last imported: read
    /// once (a few dozen bytes a post) instead of once a post.
    imported_articles: HashMap<String, (i32, Option<String>)>,
    pending: Vec<Pending>,
    paths: Paths,
}

impl Store {
    /// Begins importing the export `survey` describes: opens the transaction and writes its
    /// authors, sections and tags. Items follow with [`WordpressImport::import_item`].
    pub async fn begin_wordpress_import<'s>(
        &'s self,
        survey: &'s Survey,
    ) -> StoreResult<WordpressImport<'s>> {
        let txn = self.connection().begin().await?;
        // Writing first: on SQLite a transaction that reads before it writes can be refused
        // the write lock by a server writing meanwhile.
        imported_record::Entity::update_many()
            .col_expr(
                imported_record::Column::LocalId,
                Expr::col(imported_record::Column::LocalId),
            )
            .filter(imported_record::Column::LocalId.is_null())
            .exec(&txn)
            .await?;
        let mut import = WordpressImport {
            store: self,
            survey,
            txn,
            now: stored_time(Utc::now()),
            report: Report {
                origin: survey.origin.clone(),
                ..Report::default()
            },
            authors: HashMap::new(),
            sections: HashMap::new(),
            tags: HashMap::new(),
            uncategorized: None,
            claimed_slugs: HashSet::new(),
            seen_posts: HashSet::new(),
            imported_articles: HashMap::new(),
            pending: Vec::new(),
            paths: Paths::default(),
        };
        import.import_authors().await?;
        import.import_sections().await?;
        import.import_tags().await?;
        import.imported_articles =
            imported_of_kind(&import.txn, &import.report.origin, kind::ARTICLE).await?;
        Ok(import)
    }
}

impl WordpressImport<'_> {
    /// Writes what is left, commits, and returns the summary.
    pub async fn finish(mut self) -> StoreResult<Report> {
        self.write_pending().await?;
        self.report.missing_from_export = self.imported_articles.len();
        self.paths.write(&self.txn).await?;
        self.store
            .commit_announcing(self.txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(self.report)
    }

    /// The summary so far.
    pub fn report(&self) -> &Report {
        &self.report
    }
}
