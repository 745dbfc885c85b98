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
pub(crate) struct FieldOrder(Vec<(Name, FieldOrder)>, Vec<Asked>);

/// What a response key asks for: the field's name, and the type condition of the fragment
/// it was first asked in, if any (where an interface's field is looked up on the object).
#[derive(Debug, Clone)]
pub(crate) struct Asked {
    pub(crate) field: Name,
    pub(crate) on: Option<Name>,
}

/// An operation's shape: what type its root is, and its [`FieldOrder`].
#[derive(Debug)]
pub(crate) struct Shape {
    pub(crate) root: &'static str,
    pub(crate) order: FieldOrder,
}

impl Shape {
    /// The shape of the operation `operation_name` chooses in `document`, if one does.
    pub(crate) fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<Self> {
        use async_graphql::parser::types::OperationType;
        let operation = operation(document, operation_name)?;
        let root = match operation.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        Some(Self {
            root,
            order: FieldOrder::of_sets(document, &[&operation.selection_set.node], 0),
        })
    }

    /// Puts nulls where errors struck ([`crate::nulls`]), then every object of the answer
    /// in the order its fields were asked for.
    pub(crate) fn finish(&self, response: &mut async_graphql::Response) {
        if !response.errors.is_empty() {
            crate::nulls::propagate(self, response);
        }
        self.order.apply(&mut response.data);
    }
}

impl FieldOrder {
    #[cfg(test)]
    fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<Self> {
        Shape::of(document, operation_name).map(|shape| shape.order)
    }

    fn of_sets(document: &ExecutableDocument, sets: &[&SelectionSet], depth: usize) -> Self {
        let mut keys: Vec<Collected<'_>> = Vec::new();
        for set in sets {
            collect(document, set, None, &mut keys, depth);
        }
        let mut asked = Vec::with_capacity(keys.len());
        let order = keys
            .into_iter()
            .map(|(key, what, sets)| {
                let inner = if sets.is_empty() || depth >= MAX_DEPTH {
                    Self::default()
                } else {
                    Self::of_sets(document, &sets, depth + 1)
                };
                asked.push(what);
                (key.clone(), inner)
            })
            .collect();
        Self(order, asked)
    }

    /// What `key` asks for at this level, and the order of its selection.
    pub(crate) fn asked(&self, key: &str) -> Option<(&Asked, &FieldOrder)> {
        let at = self.0.iter().position(|(name, _)| name.as_str() == key)?;
        Some((&self.1[at], &self.0[at].1))
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

/// A response key, what it asks for, and the selection sets under it.
type Collected<'d> = (&'d Name, Asked, Vec<&'d SelectionSet>);

/// Adds the response keys `set` selects to `keys`, with the selection sets under each; `on`
/// is the type condition of the fragment `set` belongs to.
fn collect<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    on: Option<&'d Name>,
    keys: &mut Vec<Collected<'d>>,
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
                let at = match keys.iter().position(|(known, _, _)| *known == key) {
                    Some(at) => at,
                    None => {
                        let asked = Asked {
                            field: field.node.name.node.clone(),
                            on: on.cloned(),
                        };
                        keys.push((key, asked, Vec::new()));
                        keys.len() - 1
                    }
                };
                if !inner.items.is_empty() {
                    keys[at].2.push(inner);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    let on = &fragment.node.type_condition.node.on.node;
                    let set = &fragment.node.selection_set.node;
                    collect(document, set, Some(on), keys, depth + 1);
                }
            }
            Selection::InlineFragment(fragment) => {
                let on = fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map(|condition| &condition.node.on.node)
                    .or(on);
                collect(
                    document,
                    &fragment.node.selection_set.node,
                    on,
                    keys,
                    depth + 1,
                );
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
