//! The section tree: parents, children, ancestors and descendants without further queries.
//!
//! Every viewer sees the same tree, so each server keeps one in memory
//! ([`Store::section_tree`]) and reads it again after a change: a change on this server
//! replaces it at once, a change on another server when its event arrives (see
//! [`crate::events`]; any event will do, a section change is one). While events from other servers cannot reach this one (the
//! PostgreSQL listener is reconnecting) the tree is read for every request, and it is never
//! kept longer than [`MAX_AGE`], in case a change came from outside any server (a script
//! writing to the database).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::StoreResult;
use crate::store::Store;
use dateline_domain::model::Section;

/// The longest a server keeps the tree without reading it again.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// All sections, indexed for walking the tree both ways.
#[derive(Debug, Default)]
pub struct SectionTree {
    sections: HashMap<i32, Section>,
    by_slug: HashMap<String, i32>,
    /// Children of each section (roots under `None`), in display order.
    children: HashMap<Option<i32>, Vec<i32>>,
}

impl SectionTree {
    /// Indexes `sections`, which come in display order.
    pub fn new(sections: Vec<Section>) -> Self {
        let mut tree = Self::default();
        for section in sections {
            tree.by_slug.insert(section.slug.to_string(), section.id);
            tree.children
                .entry(section.parent_id)
                .or_default()
                .push(section.id);
            tree.sections.insert(section.id, section);
        }
        tree
    }

    /// The section with this id.
    pub fn get(&self, id: i32) -> Option<&Section> {
        self.sections.get(&id)
    }

    /// The section with this slug.
    pub fn by_slug(&self, slug: &str) -> Option<&Section> {
        self.by_slug.get(slug).and_then(|id| self.get(*id))
    }

    /// The top-level sections.
    pub fn roots(&self) -> Vec<&Section> {
        self.children_of(None)
    }

    /// The direct children of a section (or the roots, for `None`).
    pub fn children_of(&self, id: Option<i32>) -> Vec<&Section> {
        self.children
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.get(*id))
            .collect()
    }

    /// The section's ancestors, the root first; the section itself is not included.
    pub fn ancestors(&self, id: i32) -> Vec<&Section> {
        let mut chain = Vec::new();
        let mut parent = self.get(id).and_then(|s| s.parent_id);
        // A corrupt parent loop must not hang the request.
        while let Some(section) = parent.and_then(|p| self.get(p)) {
            if chain.len() >= self.sections.len() {
                break;
            }
            chain.push(section);
            parent = section.parent_id;
        }
        chain.reverse();
        chain
    }

    /// The section and everything below it, at any depth.
    pub fn subtree_ids(&self, id: i32) -> Vec<i32> {
        let mut ids = vec![id];
        let mut next = 0;
        while next < ids.len() && ids.len() <= self.sections.len() {
            if let Some(children) = self.children.get(&Some(ids[next])) {
                ids.extend(
                    children
                        .iter()
                        .copied()
                        .filter(|c| !ids.contains(c))
                        .collect::<Vec<_>>(),
                );
            }
            next += 1;
        }
        ids
    }
}

/// This server's copy of the tree, with the generation of content it was read at.
#[derive(Debug, Default)]
pub(crate) struct SectionCache(RwLock<Option<Cached>>);

#[derive(Debug)]
struct Cached {
    tree: Arc<SectionTree>,
    generation: u64,
    read_at: Instant,
}

impl SectionCache {
    fn get(&self, generation: u64) -> Option<Arc<SectionTree>> {
        let cached = self.0.read().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|c| c.generation == generation && c.read_at.elapsed() < MAX_AGE)
            .map(|c| Arc::clone(&c.tree))
    }

    fn put(&self, generation: u64, tree: Arc<SectionTree>, read_at: Instant) {
        let mut cached = self.0.write().unwrap_or_else(|e| e.into_inner());
        // A slower reader must not replace a tree read after a later change.
        if cached.as_ref().is_none_or(|c| c.generation <= generation) {
            *cached = Some(Cached {
                tree,
                generation,
                read_at,
            });
        }
    }
}

impl Store {
    /// The whole section tree, as this server holds it (see the module documentation).
    pub async fn section_tree(&self) -> StoreResult<Arc<SectionTree>> {
        let generation = self.events.content_generation();
        let trusted = self.events.relaying();
        if trusted && let Some(tree) = self.sections.get(generation) {
            return Ok(tree);
        }
        let read_at = Instant::now();
        let tree = Arc::new(SectionTree::new(self.all_sections().await?));
        if trusted {
            self.sections.put(generation, Arc::clone(&tree), read_at);
        }
        Ok(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_domain::Slug;

    fn section(id: i32, slug: &str, parent_id: Option<i32>) -> Section {
        Section {
            id,
            slug: Slug::parse(slug).expect("test slug"),
            name: slug.into(),
            description: None,
            parent_id,
            position: 0,
        }
    }

    fn tree() -> SectionTree {
        SectionTree::new(vec![
            section(1, "news", None),
            section(2, "world", Some(1)),
            section(3, "asia", Some(2)),
            section(4, "sport", None),
            section(5, "europe", Some(2)),
        ])
    }

    #[test]
    fn walks_up_to_the_root() {
        let tree = tree();
        let slugs: Vec<_> = tree
            .ancestors(3)
            .into_iter()
            .map(|s| s.slug.as_str())
            .collect();
        assert_eq!(slugs, ["news", "world"]);
        assert!(tree.ancestors(1).is_empty());
    }

    #[test]
    fn collects_every_descendant() {
        let mut ids = tree().subtree_ids(1);
        ids.sort();
        assert_eq!(ids, [1, 2, 3, 5]);
        assert_eq!(tree().subtree_ids(4), [4]);
    }

    #[test]
    fn survives_a_parent_loop() {
        let looped = SectionTree::new(vec![section(1, "a", Some(2)), section(2, "b", Some(1))]);
        assert!(looped.ancestors(1).len() <= 2);
        assert!(looped.subtree_ids(1).len() <= 2);
    }
}
