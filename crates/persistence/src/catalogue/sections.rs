//! Sections: the tree articles are filed in, read whole (see [`super::section_tree`]) and
//! changed one section at a time. A move claims the whole tree, so two moves cannot close a
//! loop between them.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::Slug;
use dateline_domain::seo::PageKind;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, NotSet, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::{claim, refusal, refuse_in_use, refuse_reserved};
use crate::articles::read::slug_redirect_kind;
use crate::entity::{article, section};
use crate::error::{Record, Reference, StoreError, StoreResult, is_foreign_key_violation};
use crate::events::ArticleEvent;
use crate::seo::forget_seo;
use crate::slug_history::slug_free;
use crate::slug_history::{drop_slug_history, forget_former_slug, record_former_slug};
use crate::store::{Store, stored_time};
use dateline_domain::model::{Section, SectionTree};
use std::sync::Arc;
use std::time::Instant;

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

impl Store {
    /// Creates a section.
    pub async fn create_section(&self, new: NewSection) -> StoreResult<Section> {
        refuse_reserved(&new.slug)?;
        let db = self.connection();
        slug_free::<section::Entity, _>(db, &new.slug, None).await?;
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
            Err(e) => return Err(refusal::<section::Entity>(e)),
        };
        forget_former_slug(&txn, slug_redirect_kind::SECTION, &new.slug).await?;
        self.commit_announcing(txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(Section::from(row))
    }

    /// Changes a section, moves it in the tree, or both. A new slug leaves the old one
    /// redirecting to the section.
    pub async fn update_section(&self, id: i32, changes: SectionChanges) -> StoreResult<Section> {
        let txn = self.connection().begin().await?;
        if changes.parent_id.is_some() {
            claim_tree(&txn).await?;
        }
        let current = claim::<section::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            refuse_reserved(&slug)?;
            slug_free::<section::Entity, _>(&txn, &slug, Some(id)).await?;
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
        let row = row.update(&txn).await.map_err(refusal::<section::Entity>)?;
        self.commit_announcing(txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(Section::from(row))
    }

    /// Deletes a section no article (in the trash or not) is filed under and no section
    /// sits under, with its former slugs.
    pub async fn delete_section(&self, id: i32) -> StoreResult<()> {
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
        refuse_in_use(Record::Section, articles, children)?;
        drop_slug_history(&txn, slug_redirect_kind::SECTION, id).await?;
        forget_seo(&txn, PageKind::Section, id).await?;
        section::Entity::delete_by_id(id).exec(&txn).await?;
        self.commit_announcing(txn, &[ArticleEvent::SectionsChanged])
            .await?;
        Ok(())
    }

    /// Every section, in display order (position, then name); the caller builds the tree.
    pub async fn all_sections(&self) -> StoreResult<Vec<Section>> {
        let rows = section::Entity::find()
            .order_by_asc(section::Column::Position)
            .order_by_asc(section::Column::Name)
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(Section::from).collect())
    }

    /// The id of the section that once had this slug.
    pub async fn section_id_by_former_slug(&self, slug: &str) -> StoreResult<Option<i32>> {
        self.former_slug_target(slug_redirect_kind::SECTION, slug)
            .await
    }
}

/// Claims every section, before any one of them. A move reads the whole tree to refuse
/// loops; two moves that each read the tree as it was could close one between them (A under
/// B, B under A), so moves take turns. Sections are few and rarely moved.
pub(super) async fn claim_tree(txn: &DatabaseTransaction) -> StoreResult<()> {
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
pub(super) async fn check_move(txn: &DatabaseTransaction, id: i32, parent: i32) -> StoreResult<()> {
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
            Some(ancestor) if ancestor == id => return Err(StoreError::Cycle),
            Some(ancestor) => at = parents.get(&ancestor).copied().flatten(),
        }
    }
    Err(StoreError::Corrupt(format!(
        "the sections above {parent} form a loop"
    )))
}

/// The position after the last section under `parent` (or at the top level).
pub(crate) async fn next_position<C: ConnectionTrait>(
    db: &C,
    parent: Option<i32>,
) -> StoreResult<i32> {
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

pub(super) fn unknown_parent(id: i32) -> StoreError {
    StoreError::Unknown {
        reference: Reference::Parent,
        id,
    }
}
impl Store {
    /// The whole section tree as this server holds it: every viewer sees the same tree, so
    /// each server keeps one ([`crate::kept`]) and reads it again after any change it hears
    /// of; while events from other servers cannot reach it, it reads the tree every time.
    pub async fn section_tree(&self) -> StoreResult<Arc<SectionTree>> {
        let generation = self.events.content_generation();
        let trusted = self.events.relaying();
        if trusted && let Some(tree) = self.sections.get(generation) {
            metrics::counter!("dateline_cache_lookups_total", "cache" => "section_tree", "result" => "hit")
                .increment(1);
            return Ok(tree);
        }
        metrics::counter!("dateline_cache_lookups_total", "cache" => "section_tree", "result" => "miss")
            .increment(1);
        let read_at = Instant::now();
        let tree = Arc::new(SectionTree::new(self.on_primary().all_sections().await?));
        if trusted {
            self.sections.put(generation, Arc::clone(&tree), read_at);
        }
        Ok(tree)
    }
}
