//! The desk's catalogue: creating, changing, moving, merging and deleting the sections, tags,
//! sources and author profiles that articles point at.
//!
//! Each operation is one transaction. A change to an existing row begins by claiming it: a
//! no-op `UPDATE` first, so that SQLite hands this transaction its one write lock before
//! anything is read (a transaction that reads first can be refused the lock later), then
//! `SELECT … FOR UPDATE` (SQLite leaves the clause out), so that on PostgreSQL no other
//! transaction changes the row, or starts pointing at it, until this one ends — a delete's
//! "still in use" count stays true until it commits. Creations check what they can before
//! their transaction and let the unique and foreign-key constraints catch what changed since.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::Slug;
use dateline_domain::route::RESERVED_SECTION_SLUGS;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, NotSet, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use crate::entity::{article, article_co_author, article_tag, author, section, source, tag, user};
use crate::error::{StoreError, is_foreign_key_violation, is_unique_violation};
use crate::events::ArticleEvent;
use crate::model::{Author, Section, Source, Tag};
use crate::queries::articles::slug_redirect_kind;
use crate::search_index::{Reindex, reindex};
use crate::slug_history::{
    drop_slug_history, forget_former_slug, move_slug_history, record_former_slug,
};
use crate::store::Store;
use crate::write::stored_time;

/// Why a change to the catalogue was refused. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no such record")]
    NotFound,
    #[error("another record of this kind has this slug")]
    SlugTaken,
    #[error("the slug {0:?} belongs to another page of the site")]
    Reserved(String),
    #[error("there is no {field} with id {id}")]
    Unknown { field: &'static str, id: i32 },
    #[error("a section cannot move under itself or one of its subsections")]
    Cycle,
    #[error("a tag cannot be merged into itself")]
    SameTag,
    /// `articles` counts every article, in the trash or not; `dependents` the other records
    /// in the way: subsections of a section, staff accounts of an author profile.
    #[error("still used by {articles} articles and {dependents} other records")]
    InUse { articles: u64, dependents: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbErr> for DeskError {
    fn from(error: DbErr) -> Self {
        Self::Store(error.into())
    }
}

type DeskResult<T> = Result<T, DeskError>;

/// A new section. Text is already validated.
#[derive(Debug, Clone)]
pub struct NewSection {
    pub slug: Slug,
    pub name: String,
    pub description: Option<String>,
    /// The section it sits under; `None` for a top-level section.
    pub parent_id: Option<i32>,
    /// Its place among its siblings; `None` puts it after them.
    pub position: Option<i32>,
}

/// What an edit of a section changes; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SectionChanges {
    /// A new slug; the old one keeps redirecting to the section.
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    /// A move: under another section, or (`Some(None)`) to the top level. Without a new
    /// `position` the section goes after its new siblings.
    pub parent_id: Option<Option<i32>>,
    pub position: Option<i32>,
}

/// What an edit of a tag changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TagChanges {
    pub slug: Option<Slug>,
    pub name: Option<String>,
}

/// A new source. Text is already validated.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub url: Option<String>,
}

/// What an edit of a source changes; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SourceChanges {
    pub name: Option<String>,
    pub url: Option<Option<String>>,
}

/// A new author profile. Text is already validated.
#[derive(Debug, Clone)]
pub struct NewAuthor {
    pub slug: Slug,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// What an edit of an author profile changes; `None` leaves a field as it is, `Some(None)`
/// clears it.
#[derive(Debug, Clone, Default)]
pub struct AuthorChanges {
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
}

impl Store {
    /// Creates a section.
    pub async fn create_section(&self, new: NewSection) -> DeskResult<Section> {
        refuse_reserved(&new.slug)?;
        let db = self.connection();
        slug_free::<section::Entity, _>(db, section::Column::Slug, &new.slug, None).await?;
        if let Some(parent) = new.parent_id
            && section::Entity::find_by_id(parent).count(db).await? == 0
        {
            return Err(unknown_parent(parent));
        }
        let position = match new.position {
            Some(position) => position,
            None => next_position(db, new.parent_id).await?,
        };
        let txn = db.begin().await?;
        let row = section::ActiveModel {
            id: NotSet,
            slug: Set(new.slug.to_string()),
            name: Set(new.name),
            description: Set(new.description),
            parent_id: Set(new.parent_id),
            position: Set(position),
        };
        let row = match section::Entity::insert(row).exec_with_returning(&txn).await {
            Ok(row) => row,
            Err(e) if is_foreign_key_violation(&e) => {
                return Err(unknown_parent(new.parent_id.unwrap_or_default()));
            }
            Err(e) => return Err(refusal(e)),
        };
        forget_former_slug(&txn, slug_redirect_kind::SECTION, &new.slug).await?;
        self.commit_announcing(txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(Section::from(row))
    }

    /// Changes a section, moves it in the tree, or both. A new slug leaves the old one
    /// redirecting to the section.
    pub async fn update_section(&self, id: i32, changes: SectionChanges) -> DeskResult<Section> {
        let txn = self.connection().begin().await?;
        if changes.parent_id.is_some() {
            claim_tree(&txn).await?;
        }
        let current = claim::<section::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            refuse_reserved(&slug)?;
            slug_free::<section::Entity, _>(&txn, section::Column::Slug, &slug, Some(id)).await?;
            let now = stored_time(Utc::now());
            record_former_slug(
                &txn,
                slug_redirect_kind::SECTION,
                id,
                &current.slug,
                &slug,
                now,
            )
            .await?;
            row.slug = Set(slug.to_string());
        }
        if let Some(name) = changes.name {
            row.name = Set(name);
        }
        if let Some(description) = changes.description {
            row.description = Set(description);
        }
        if let Some(parent) = changes.parent_id.filter(|p| *p != current.parent_id) {
            if let Some(parent) = parent {
                check_move(&txn, id, parent).await?;
            }
            row.parent_id = Set(parent);
            row.position = Set(next_position(&txn, parent).await?);
        }
        if let Some(position) = changes.position {
            row.position = Set(position);
        }
        let row = row.update(&txn).await.map_err(refusal)?;
        self.commit_announcing(txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(Section::from(row))
    }

    /// Deletes a section no article (in the trash or not) is filed under and no section
    /// sits under, with its former slugs.
    pub async fn delete_section(&self, id: i32) -> DeskResult<()> {
        let txn = self.connection().begin().await?;
        claim::<section::Entity>(&txn, id).await?;
        let articles = article::Entity::find()
            .filter(article::Column::SectionId.eq(id))
            .count(&txn)
            .await?;
        let children = section::Entity::find()
            .filter(section::Column::ParentId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(articles, children)?;
        drop_slug_history(&txn, slug_redirect_kind::SECTION, id).await?;
        section::Entity::delete_by_id(id).exec(&txn).await?;
        self.commit_announcing(txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(())
    }

    /// Creates a tag.
    pub async fn create_tag(&self, slug: Slug, name: String) -> DeskResult<Tag> {
        let db = self.connection();
        slug_free::<tag::Entity, _>(db, tag::Column::Slug, &slug, None).await?;
        let row = tag::ActiveModel {
            id: NotSet,
            slug: Set(slug.to_string()),
            name: Set(name),
        };
        let row = tag::Entity::insert(row)
            .exec_with_returning(db)
            .await
            .map_err(refusal)?;
        Ok(Tag::from(row))
    }

    /// Changes a tag's slug or name.
    pub async fn update_tag(&self, id: i32, changes: TagChanges) -> DeskResult<Tag> {
        let txn = self.connection().begin().await?;
        let current = claim::<tag::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            slug_free::<tag::Entity, _>(&txn, tag::Column::Slug, &slug, Some(id)).await?;
            let now = stored_time(Utc::now());
            record_former_slug(&txn, slug_redirect_kind::TAG, id, &current.slug, &slug, now)
                .await?;
            row.slug = Set(slug.to_string());
        }
        let renamed = changes.name.filter(|name| *name != current.name);
        if let Some(name) = renamed.clone() {
            row.name = Set(name);
        }
        let row = row.update(&txn).await.map_err(refusal)?;
        if renamed.is_some() {
            reindex(&txn, Reindex::ByTag(id)).await?;
        }
        txn.commit().await?;
        Ok(Tag::from(row))
    }

    /// Deletes a tag no article carries.
    pub async fn delete_tag(&self, id: i32) -> DeskResult<()> {
        let txn = self.connection().begin().await?;
        claim::<tag::Entity>(&txn, id).await?;
        let articles = article_tag::Entity::find()
            .filter(article_tag::Column::TagId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(articles, 0)?;
        drop_slug_history(&txn, slug_redirect_kind::TAG, id).await?;
        tag::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Moves every article of tag `source_id` to tag `target_id`, deletes `source_id`, and
    /// returns the target. An article that carried both keeps the target's link, at the
    /// target's place in its order; a moved link keeps its place and visibility, which
    /// belong to the article, not the tag.
    pub async fn merge_tags(&self, source_id: i32, target_id: i32) -> DeskResult<Tag> {
        if source_id == target_id {
            return Err(DeskError::SameTag);
        }
        let txn = self.connection().begin().await?;
        // In id order, so that two merges of the same pair wait for each other rather than
        // deadlock.
        let mut ids = [source_id, target_id];
        ids.sort_unstable();
        let (mut source, mut target) = (None, None);
        for id in ids {
            let field = if id == source_id { "source" } else { "target" };
            let row = claim::<tag::Entity>(&txn, id).await.map_err(|e| match e {
                DeskError::NotFound => DeskError::Unknown { field, id },
                e => e,
            })?;
            if id == target_id {
                target = Some(row);
            } else {
                source = Some(row);
            }
        }
        let (Some(source), Some(target)) = (source, target) else {
            return Err(DeskError::NotFound);
        };
        article_tag::Entity::delete_many()
            .filter(article_tag::Column::TagId.eq(source_id))
            .filter(
                article_tag::Column::ArticleId.in_subquery(
                    Query::select()
                        .column(article_tag::Column::ArticleId)
                        .from(article_tag::Entity)
                        .and_where(article_tag::Column::TagId.eq(target_id))
                        .to_owned(),
                ),
            )
            .exec(&txn)
            .await?;
        article_tag::Entity::update_many()
            .col_expr(article_tag::Column::TagId, Expr::value(target_id))
            .filter(article_tag::Column::TagId.eq(source_id))
            .exec(&txn)
            .await?;
        // The merged tag's page, and every page it once had, now show the target.
        let kind = slug_redirect_kind::TAG;
        move_slug_history(&txn, kind, source_id, target_id).await?;
        let target_slug = Slug::parse(&target.slug)
            .map_err(|_| StoreError::Corrupt(format!("tag {target_id} has a bad slug")))?;
        let now = stored_time(Utc::now());
        record_former_slug(&txn, kind, target_id, &source.slug, &target_slug, now).await?;
        tag::Entity::delete_by_id(source_id).exec(&txn).await?;
        reindex(&txn, Reindex::ByTag(target_id)).await?;
        txn.commit().await?;
        Ok(Tag::from(target))
    }

    /// Creates a source.
    pub async fn create_source(&self, new: NewSource) -> DeskResult<Source> {
        let row = source::ActiveModel {
            id: NotSet,
            name: Set(new.name),
            url: Set(new.url),
        };
        let row = source::Entity::insert(row)
            .exec_with_returning(self.connection())
            .await?;
        Ok(Source::from(row))
    }

    /// Changes a source's name or website.
    pub async fn update_source(&self, id: i32, changes: SourceChanges) -> DeskResult<Source> {
        let txn = self.connection().begin().await?;
        let mut row = claim::<source::Entity>(&txn, id).await?.into_active_model();
        if let Some(name) = changes.name {
            row.name = Set(name);
        }
        if let Some(url) = changes.url {
            row.url = Set(url);
        }
        let row = row.update(&txn).await?;
        txn.commit().await?;
        Ok(Source::from(row))
    }

    /// Deletes a source no article (in the trash or not) is credited to.
    pub async fn delete_source(&self, id: i32) -> DeskResult<()> {
        let txn = self.connection().begin().await?;
        claim::<source::Entity>(&txn, id).await?;
        let articles = article::Entity::find()
            .filter(article::Column::SourceId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(articles, 0)?;
        source::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Creates an author profile.
    pub async fn create_author(&self, new: NewAuthor) -> DeskResult<Author> {
        let db = self.connection();
        slug_free::<author::Entity, _>(db, author::Column::Slug, &new.slug, None).await?;
        let row = author::ActiveModel {
            id: NotSet,
            slug: Set(new.slug.to_string()),
            name: Set(new.name),
            bio: Set(new.bio),
            avatar_url: Set(new.avatar_url),
            email: Set(None),
            created_at: Set(stored_time(Utc::now())),
        };
        let row = author::Entity::insert(row)
            .exec_with_returning(db)
            .await
            .map_err(refusal)?;
        Ok(Author::from(row))
    }

    /// Changes an author profile.
    pub async fn update_author(&self, id: i32, changes: AuthorChanges) -> DeskResult<Author> {
        let txn = self.connection().begin().await?;
        let current = claim::<author::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            slug_free::<author::Entity, _>(&txn, author::Column::Slug, &slug, Some(id)).await?;
            let now = stored_time(Utc::now());
            let kind = slug_redirect_kind::AUTHOR;
            record_former_slug(&txn, kind, id, &current.slug, &slug, now).await?;
            row.slug = Set(slug.to_string());
        }
        let renamed = changes.name.filter(|name| *name != current.name);
        if let Some(name) = renamed.clone() {
            row.name = Set(name);
        }
        if let Some(bio) = changes.bio {
            row.bio = Set(bio);
        }
        if let Some(avatar_url) = changes.avatar_url {
            row.avatar_url = Set(avatar_url);
        }
        let row = row.update(&txn).await.map_err(refusal)?;
        if renamed.is_some() {
            reindex(&txn, Reindex::ByAuthor(id)).await?;
        }
        txn.commit().await?;
        Ok(Author::from(row))
    }

    /// Deletes an author profile that no article (in the trash or not) bylines, as author
    /// or co-author, and no staff account writes as.
    pub async fn delete_author(&self, id: i32) -> DeskResult<()> {
        let txn = self.connection().begin().await?;
        claim::<author::Entity>(&txn, id).await?;
        let co_written = Query::select()
            .column(article_co_author::Column::ArticleId)
            .from(article_co_author::Entity)
            .and_where(article_co_author::Column::AuthorId.eq(id))
            .to_owned();
        let articles = article::Entity::find()
            .filter(
                Condition::any()
                    .add(article::Column::AuthorId.eq(id))
                    .add(article::Column::Id.in_subquery(co_written)),
            )
            .count(&txn)
            .await?;
        let accounts = user::Entity::find()
            .filter(user::Column::AuthorId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(articles, accounts)?;
        drop_slug_history(&txn, slug_redirect_kind::AUTHOR, id).await?;
        author::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// The catalogue's tables, for the helpers they share.
trait Catalogue: EntityTrait {
    /// The primary key.
    const ID: Self::Column;
    /// A column a claim rewrites with its own value.
    const TOUCH: Self::Column;
}

impl Catalogue for section::Entity {
    const ID: section::Column = section::Column::Id;
    const TOUCH: section::Column = section::Column::Position;
}

impl Catalogue for tag::Entity {
    const ID: tag::Column = tag::Column::Id;
    const TOUCH: tag::Column = tag::Column::Name;
}

impl Catalogue for source::Entity {
    const ID: source::Column = source::Column::Id;
    const TOUCH: source::Column = source::Column::Name;
}

impl Catalogue for author::Entity {
    const ID: author::Column = author::Column::Id;
    const TOUCH: author::Column = author::Column::Name;
}

/// Claims row `id` of `E` for this transaction (see the module's notes) and returns it.
async fn claim<E: Catalogue>(txn: &DatabaseTransaction, id: i32) -> DeskResult<E::Model> {
    let touched = E::update_many()
        .col_expr(E::TOUCH, Expr::col(E::TOUCH))
        .filter(E::ID.eq(id))
        .exec(txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(DeskError::NotFound);
    }
    E::find()
        .filter(E::ID.eq(id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(DeskError::NotFound)
}

/// Claims every section, before any one of them. A move reads the whole tree to refuse
/// loops; two moves that each read the tree as it was could close one between them (A under
/// B, B under A), so moves take turns. Sections are few and rarely moved.
async fn claim_tree(txn: &DatabaseTransaction) -> DeskResult<()> {
    section::Entity::update_many()
        .col_expr(
            section::Column::Position,
            Expr::col(section::Column::Position),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// Refuses to put section `id` under `parent`: `parent` must exist and be neither `id` nor
/// below it.
async fn check_move(txn: &DatabaseTransaction, id: i32, parent: i32) -> DeskResult<()> {
    let parents: HashMap<i32, Option<i32>> = section::Entity::find()
        .select_only()
        .column(section::Column::Id)
        .column(section::Column::ParentId)
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    if !parents.contains_key(&parent) {
        return Err(unknown_parent(parent));
    }
    let mut at = Some(parent);
    // Each step goes one level up; more steps than sections means the stored tree loops.
    for _ in 0..=parents.len() {
        match at {
            None => return Ok(()),
            Some(ancestor) if ancestor == id => return Err(DeskError::Cycle),
            Some(ancestor) => at = parents.get(&ancestor).copied().flatten(),
        }
    }
    Err(StoreError::Corrupt(format!("the sections above {parent} form a loop")).into())
}

/// The position after the last section under `parent` (or at the top level).
async fn next_position<C: ConnectionTrait>(db: &C, parent: Option<i32>) -> DeskResult<i32> {
    let siblings = match parent {
        Some(id) => section::Column::ParentId.eq(id),
        None => section::Column::ParentId.is_null(),
    };
    let last: Option<Option<i32>> = section::Entity::find()
        .select_only()
        .expr(Expr::col(section::Column::Position).max())
        .filter(siblings)
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().map_or(0, |p| p.saturating_add(1)))
}

/// Refuses a slug another row of `E` has.
async fn slug_free<E, C>(
    db: &C,
    slug_column: E::Column,
    slug: &Slug,
    except: Option<i32>,
) -> DeskResult<()>
where
    E: Catalogue,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let mut taken = E::find().filter(slug_column.eq(slug.as_str()));
    if let Some(id) = except {
        taken = taken.filter(E::ID.ne(id));
    }
    if taken.count(db).await? > 0 {
        return Err(DeskError::SlugTaken);
    }
    Ok(())
}

fn refuse_reserved(slug: &Slug) -> DeskResult<()> {
    if RESERVED_SECTION_SLUGS.contains(&slug.as_str()) {
        return Err(DeskError::Reserved(slug.to_string()));
    }
    Ok(())
}

fn refuse_in_use(articles: u64, dependents: u64) -> DeskResult<()> {
    if articles == 0 && dependents == 0 {
        Ok(())
    } else {
        Err(DeskError::InUse {
            articles,
            dependents,
        })
    }
}

fn unknown_parent(id: i32) -> DeskError {
    DeskError::Unknown {
        field: "parent",
        id,
    }
}

/// A write's failure: a unique violation is a slug another row took meanwhile.
fn refusal(error: DbErr) -> DeskError {
    if is_unique_violation(&error) {
        DeskError::SlugTaken
    } else {
        error.into()
    }
}
