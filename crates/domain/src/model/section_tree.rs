//! The section tree: parents, children, ancestors and descendants of every section, walked
//! without going back to storage.

use std::collections::HashMap;

use super::Section;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Slug;

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
