//! Limits on the shape of a document, checked as soon as it is parsed.
//!
//! async-graphql checks depth and complexity by walking the document with every fragment
//! spread expanded where it is used, so a small document whose fragments spread each other
//! several times a level costs exponential time before any limit can refuse it. Counting
//! each fragment's size once, here, refuses such documents in time linear in their length.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The most field selections a document may hold once every fragment spread is inlined.
pub const MAX_EXPANDED_FIELDS: usize = 20_000;

/// How many field selections `document` holds with every fragment spread inlined
/// (saturating, so absurd documents count as `usize::MAX`).
pub fn expanded_fields(document: &ExecutableDocument) -> usize {
    let mut counter = Counter {
        document,
        sizes: HashMap::new(),
        expanding: HashSet::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| counter.selection_set(&operation.node.selection_set.node))
        .fold(0, usize::saturating_add)
}

struct Counter<'a> {
    document: &'a ExecutableDocument,
    sizes: HashMap<&'a str, usize>,
    expanding: HashSet<&'a str>,
}

impl<'a> Counter<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    1usize.saturating_add(self.selection_set(&field.node.selection_set.node))
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            })
            .fold(0, usize::saturating_add)
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        if let Some(size) = self.sizes.get(name) {
            return *size;
        }
        // A fragment that spreads itself is invalid; validation reports it by name.
        if !self.expanding.insert(name) {
            return 0;
        }
        let size = match self.document.fragments.get(name) {
            Some(fragment) => self.selection_set(&fragment.node.selection_set.node),
            None => 0,
        };
        self.expanding.remove(name);
        self.sizes.insert(name, size);
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("valid document")
    }

    #[test]
    fn counts_fields_with_fragments_inlined() {
        let doc = parse("{ a b { c } ...F } fragment F on Query { d e }");
        assert_eq!(expanded_fields(&doc), 5);
    }

    #[test]
    fn fragments_that_double_at_every_level_count_exponentially_but_fast() {
        let mut query = String::from("{ ...F0 } fragment F0 on Query { ...F1 ...F1 }");
        for i in 1..60 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        query.push_str(" fragment F60 on Query { a }");
        assert!(expanded_fields(&parse(&query)) > MAX_EXPANDED_FIELDS);
    }

    #[test]
    fn self_spreading_fragments_do_not_loop() {
        let doc = parse("{ ...F } fragment F on Query { a ...F }");
        assert_eq!(expanded_fields(&doc), 1);
    }
}
