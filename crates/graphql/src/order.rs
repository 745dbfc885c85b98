//! Puts every object of a response in the order its fields were asked for.
//!
//! The GraphQL specification (7.1.2, "Serialized Map Ordering") asks a server to write each
//! object's fields in the order the query selected them. async-graphql 7.2 resolves an
//! object's fields concurrently and writes each as it finishes, so a field that waited for a
//! dataloader could come out after the fields selected after it, and the same query could
//! answer different bytes from one request to the next. [`FieldOrder`] is read from the
//! document before the request runs and restores the order afterwards.

use async_graphql::Name;
use async_graphql::Value;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};

/// How deep fragments and selections are followed; the gate refuses deeper documents.
const MAX_DEPTH: usize = 64;

/// The response keys of a selection set, in the order the query asked for them (fragments
/// spread where they stand, a key asked for twice placed where it first appears), each with
/// the order of its own selection.
#[derive(Debug, Default)]
pub(crate) struct FieldOrder(Vec<(Name, FieldOrder)>);

impl FieldOrder {
    /// The order of the operation `operation_name` chooses in `document`, if one does.
    pub(crate) fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<Self> {
        let operation = operation(document, operation_name)?;
        Some(Self::of_sets(document, &[&operation.selection_set.node], 0))
    }

    fn of_sets(document: &ExecutableDocument, sets: &[&SelectionSet], depth: usize) -> Self {
        let mut keys: Vec<(&Name, Vec<&SelectionSet>)> = Vec::new();
        for set in sets {
            collect(document, set, &mut keys, depth);
        }
        Self(
            keys.into_iter()
                .map(|(key, sets)| {
                    let inner = if sets.is_empty() || depth >= MAX_DEPTH {
                        Self::default()
                    } else {
                        Self::of_sets(document, &sets, depth + 1)
                    };
                    (key.clone(), inner)
                })
                .collect(),
        )
    }

    /// Puts every object in `value` (and in the lists it holds) in this order.
    pub(crate) fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(fields) => {
                if !self.holds_in_order(fields.keys()) {
                    let mut unordered = std::mem::take(fields);
                    for (key, _) in &self.0 {
                        if let Some(field) = unordered.swap_remove(key) {
                            fields.insert(key.clone(), field);
                        }
                    }
                    fields.extend(unordered);
                }
                for (key, inner) in &self.0 {
                    if !inner.0.is_empty()
                        && let Some(field) = fields.get_mut(key)
                    {
                        inner.apply(field);
                    }
                }
            }
            Value::List(items) => items.iter_mut().for_each(|item| self.apply(item)),
            _ => {}
        }
    }

    /// Whether `keys` come in this order (keys not asked for are out of order).
    fn holds_in_order<'a>(&self, keys: impl Iterator<Item = &'a Name>) -> bool {
        let mut rest = self.0.iter();
        keys.into_iter()
            .all(|key| rest.by_ref().any(|(asked, _)| asked == key))
    }
}

/// Adds the response keys `set` selects to `keys`, with the selection sets under each.
fn collect<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    keys: &mut Vec<(&'d Name, Vec<&'d SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                let inner = &field.node.selection_set.node;
                let at = match keys.iter().position(|(known, _)| *known == key) {
                    Some(at) => at,
                    None => {
                        keys.push((key, Vec::new()));
                        keys.len() - 1
                    }
                };
                if !inner.items.is_empty() {
                    keys[at].1.push(inner);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(document, &fragment.node.selection_set.node, keys, depth + 1);
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(document, &fragment.node.selection_set.node, keys, depth + 1);
            }
        }
    }
}

/// The operation a request with `name` runs in `document`, as the executor chooses it.
fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(only), _) => Some(&only.node),
        (DocumentOperations::Multiple(named), None) if named.len() == 1 => {
            named.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(named), Some(name)) => named.get(name).map(|op| &op.node),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(query: &str, response: &str) -> String {
        let document = async_graphql::parser::parse_query(query).expect("valid document");
        let mut value: Value = serde_json::from_str(response).expect("json");
        FieldOrder::of(&document, None)
            .expect("an operation")
            .apply(&mut value);
        serde_json::to_string(&value).expect("json")
    }

    #[test]
    fn fields_come_back_in_the_order_asked_for() {
        assert_eq!(
            order(
                "{ a { x y z } b }",
                r#"{"b":1,"a":[{"z":3,"x":1,"y":2},{"x":1,"y":2,"z":3}]}"#
            ),
            r#"{"a":[{"x":1,"y":2,"z":3},{"x":1,"y":2,"z":3}],"b":1}"#
        );
    }

    #[test]
    fn aliases_fragments_and_repeated_fields_keep_their_first_place() {
        let query = "query { one: a { ...F y } two: a { y } } \
                     fragment F on A { x ... on A { w } y: x }";
        assert_eq!(
            order(query, r#"{"two":{"y":1},"one":{"y":2,"w":3,"x":4}}"#),
            r#"{"one":{"x":4,"w":3,"y":2},"two":{"y":1}}"#
        );
    }

    #[test]
    fn nested_lists_and_nulls_are_followed() {
        assert_eq!(
            order(
                "{ grid { b a } none { b a } }",
                r#"{"none":null,"grid":[[{"a":1,"b":2}],[]]}"#
            ),
            r#"{"grid":[[{"b":2,"a":1}],[]],"none":null}"#
        );
    }
}
