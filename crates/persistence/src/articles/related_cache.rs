//! "Check Also" as each server keeps it: every reader of an article sees the same related
//! stories (they are public ones, whoever reads), and ranking them reads a hundred links per
//! tag, so a server keeps the rankings it made and ranks again only after a change.
//!
//! Like the section tree, the kept rankings are dropped on any change this server hears of
//! (an edit, a publication, editors' picks, a section change; here or, through the event
//! relay, on another server), are not kept while events from other servers cannot reach this
//! one, and are never older than [`MAX_AGE`] — about as long as a CDN keeps the page that
//! shows them. At most [`MAX_RANKINGS`] are kept.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dateline_domain::RelatedArticle;

use crate::articles::related::RelatedRequest;
use crate::error::StoreResult;
use crate::kept::{Key, MAX_RANKINGS};
use crate::store::Store;

impl Store {
    /// [`Store::related_articles_for`], from the rankings this server keeps where it can (see
    /// the module documentation); only the others are ranked, together.
    pub async fn kept_related_articles_for(
        &self,
        now: DateTime<Utc>,
        requests: &[RelatedRequest],
    ) -> StoreResult<HashMap<Key, Vec<RelatedArticle>>> {
        if !self.events.relaying() {
            count_lookups(0, requests.len());
            return self.related_articles_for(now, requests).await;
        }
        let generation = self.events.content_generation();
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let mut kept = self.related.kept();
            kept.refresh(generation);
            for request in requests {
                let key = (request.article.id, request.limit);
                match kept.rankings.get(&key) {
                    Some(ranking) => {
                        found.insert(key, ranking.clone());
                    }
                    None => missing.push(request.clone()),
                }
            }
        }
        count_lookups(found.len(), missing.len());
        if missing.is_empty() {
            return Ok(found);
        }
        let ranked = self
            .on_primary()
            .related_articles_for(now, &missing)
            .await?;
        {
            let mut kept = self.related.kept();
            // Nothing ranked before a change is kept after it.
            if kept.generation == generation && self.events.content_generation() == generation {
                if kept.rankings.len() + ranked.len() > MAX_RANKINGS {
                    kept.rankings.clear();
                }
                kept.rankings
                    .extend(ranked.iter().map(|(key, r)| (*key, r.clone())));
            }
        }
        found.extend(ranked);
        Ok(found)
    }
}

/// Counts rankings found kept (`hits`) and ranked afresh (`misses`), for metrics.
fn count_lookups(hits: usize, misses: usize) {
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    if hits > 0 {
        metrics::counter!("dateline_cache_lookups_total", "cache" => "related", "result" => "hit")
            .increment(count(hits));
    }
    if misses > 0 {
        metrics::counter!("dateline_cache_lookups_total", "cache" => "related", "result" => "miss")
            .increment(count(misses));
    }
}
