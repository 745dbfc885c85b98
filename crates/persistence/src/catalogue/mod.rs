//! The catalogue articles point at: sections, tags, sources and author profiles, their reads
//! (by id, by slug, as pages, per article for dataloaders) and the desk's changes to them
//! (create, change, move, merge, delete).
//!
//! Each operation is one transaction. A change to an existing row begins by claiming it: a
//! no-op `UPDATE` first, so that SQLite hands this transaction its one write lock before
//! anything is read (a transaction that reads first can be refused the lock later), then
//! `SELECT … FOR UPDATE` (SQLite leaves the clause out), so that on PostgreSQL no other
//! transaction changes the row, or starts pointing at it, until this one ends — a delete's
//! "still in use" count stays true until it commits. Creations check what they can before
//! their transaction and let the unique and foreign-key constraints catch what changed since.

pub(super) mod authors;
pub(crate) mod sections;
pub(super) mod sources;
pub(super) mod tags;

use dateline_domain::Slug;
use dateline_domain::route::RESERVED_SECTION_SLUGS;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::{author, section, source, tag};
use crate::error::{Record, StoreError, StoreResult};

pub use authors::{AuthorChanges, NewAuthor};
pub use sections::{NewSection, SectionChanges};
pub use sources::{NewSource, SourceChanges};
pub use tags::TagChanges;

/// The catalogue's tables, for the helpers they share.
pub(crate) trait Catalogue: EntityTrait {
    /// What errors call it.
    const RECORD: Record;
    /// The primary key.
    const ID: Self::Column;
    /// A column a claim rewrites with its own value.
    const TOUCH: Self::Column;
}

impl Catalogue for section::Entity {
    const RECORD: Record = Record::Section;
    const ID: section::Column = section::Column::Id;
    const TOUCH: section::Column = section::Column::Position;
}

impl Catalogue for tag::Entity {
    const RECORD: Record = Record::Tag;
    const ID: tag::Column = tag::Column::Id;
    const TOUCH: tag::Column = tag::Column::Name;
}

impl Catalogue for source::Entity {
    const RECORD: Record = Record::Source;
    const ID: source::Column = source::Column::Id;
    const TOUCH: source::Column = source::Column::Name;
}

impl Catalogue for author::Entity {
    const RECORD: Record = Record::Author;
    const ID: author::Column = author::Column::Id;
    const TOUCH: author::Column = author::Column::Name;
}

/// A write's failure: a unique violation is a slug another row of `E` took meanwhile.
pub(super) fn refusal<E: Catalogue>(error: DbErr) -> StoreError {
    StoreError::from_write(error, StoreError::SlugTaken(E::RECORD))
}

/// Claims row `id` of `E` for this transaction (see the module's notes) and returns it.
pub(crate) async fn claim<E: Catalogue>(
    txn: &DatabaseTransaction,
    id: i32,
) -> StoreResult<E::Model> {
    let touched = E::update_many()
        .col_expr(E::TOUCH, Expr::col(E::TOUCH))
        .filter(E::ID.eq(id))
        .exec(txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(StoreError::NotFound(E::RECORD));
    }
    E::find()
        .filter(E::ID.eq(id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound(E::RECORD))
}

pub(super) fn refuse_reserved(slug: &Slug) -> StoreResult<()> {
    if RESERVED_SECTION_SLUGS.contains(&slug.as_str()) {
        return Err(StoreError::Reserved(slug.clone()));
    }
    Ok(())
}

pub(super) fn refuse_in_use(record: Record, articles: u64, dependents: u64) -> StoreResult<()> {
    if articles == 0 && dependents == 0 {
        Ok(())
    } else {
        Err(StoreError::InUse {
            record,
            articles,
            dependents,
        })
    }
}
