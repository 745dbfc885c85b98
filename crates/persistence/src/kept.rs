//! What a server keeps of public content between requests — the section tree and the
//! "Check Also" rankings — and when it stops trusting it: after any change it hears of (the
//! content generation of [`crate::events`]), and after a maximum age.
//!
//! The caches hold domain records only; reading what goes in them is the aggregates' work
//! (`catalogue::sections`, `articles::related_cache`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use dateline_domain::RelatedArticle;
use dateline_domain::model::SectionTree;

/// The longest a server keeps the tree without reading it again.
pub const SECTION_TREE_MAX_AGE: Duration = Duration::from_secs(60);

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
    pub(crate) fn get(&self, generation: u64) -> Option<Arc<SectionTree>> {
        let cached = self.0.read().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|c| c.generation == generation && c.read_at.elapsed() < SECTION_TREE_MAX_AGE)
            .map(|c| Arc::clone(&c.tree))
    }

    pub(crate) fn put(&self, generation: u64, tree: Arc<SectionTree>, read_at: Instant) {
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

/// The longest a ranking is kept.
pub const RANKING_MAX_AGE: Duration = Duration::from_secs(30);
/// The most rankings kept (each a few stories): a few megabytes at most.
pub const MAX_RANKINGS: usize = 2_000;

pub(crate) type Key = (i32, u64);

#[derive(Debug, Default)]
pub(crate) struct RelatedCache(Mutex<Kept>);

#[derive(Debug, Default)]
pub(crate) struct Kept {
    pub(crate) generation: u64,
    since: Option<Instant>,
    pub(crate) rankings: HashMap<Key, Vec<RelatedArticle>>,
}

impl Kept {
    /// Drops everything unless it is of `generation` and young enough.
    pub(crate) fn refresh(&mut self, generation: u64) {
        let stale = self.generation != generation
            || self
                .since
                .is_none_or(|since| since.elapsed() >= RANKING_MAX_AGE);
        if stale {
            self.rankings.clear();
            self.generation = generation;
            self.since = Some(Instant::now());
        }
    }
}

impl RelatedCache {
    pub(crate) fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
