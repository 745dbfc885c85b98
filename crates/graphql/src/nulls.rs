//! Nulls where errors struck, as the GraphQL specification asks ("Handling Execution
//! Errors", 6.4.4 in October 2021): a field that raised an error is `null` in the answer,
//! and when its type does not allow null, the null moves up to the nearest field or list
//! item that does, or to `data` itself.
//!
//! async-graphql 7.2 leaves the key of a failed field out of its object instead, so a
//! typed client that trusts `Settings!` or `[Article!]!` would read `undefined` where the
//! schema promised a value. [`propagate`] repairs the answer once it is known, from the
//! schema's field types and the operation's [`Shape`]. Answers without errors are not
//! touched.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use async_graphql::{PathSegment, Response, Value};

use crate::order::{FieldOrder, Shape};

/// The declared type of every field of every object and interface, by type and field name.
pub(crate) struct FieldTypes(HashMap<String, HashMap<String, Type>>);

impl FieldTypes {
    fn of_sdl(sdl: &str) -> Self {
        let mut types = HashMap::new();
        // The SDL is the schema's own: it always parses.
        if let Ok(document) = async_graphql::parser::parse_schema(sdl) {
            for definition in document.definitions {
                let TypeSystemDefinition::Type(definition) = definition else {
                    continue;
                };
                let fields = match definition.node.kind {
                    TypeKind::Object(object) => object.fields,
                    TypeKind::Interface(interface) => interface.fields,
                    _ => continue,
                };
                let fields = fields
                    .into_iter()
                    .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                    .collect();
                types.insert(definition.node.name.node.to_string(), fields);
            }
        }
        Self(types)
    }

    fn field(&self, on: &str, name: &str) -> Option<&Type> {
        self.0.get(on)?.get(name)
    }
}

/// The schema's field types, read once from its SDL; [`crate::Api::new`] reads them at
/// start-up, so no request waits for it.
pub(crate) static FIELD_TYPES: LazyLock<FieldTypes> = LazyLock::new(|| {
    let schema = async_graphql::Schema::build(
        crate::query::Query,
        crate::mutation::Mutation::default(),
        crate::subscription::Subscription,
    )
    .finish();
    FieldTypes::of_sdl(&schema.sdl())
});

/// Puts `null` where each error of `response` struck, moved up past every non-null type.
pub(crate) fn propagate(shape: &Shape, response: &mut Response) {
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .map(|e| e.path.clone())
        .collect();
    // async-graphql answers `null` for an object whose every selected field failed, the
    // root included. A null on the way to an error can only be such an object: it is one
    // again, so the nulls below land on the fields that failed.
    for path in &paths {
        reopen(&mut response.data, path);
    }
    for path in paths {
        match nullable_prefix(&FIELD_TYPES, shape, &path) {
            Some(Some(len)) => set_null(&mut response.data, &path[..len]),
            Some(None) => response.data = Value::Null,
            // A path through something the schema does not describe (`__typename`,
            // introspection): leave the answer as it is.
            None => {}
        }
    }
}

/// How much of `path` leads to the place that becomes null: `Some(Some(n))` for the first
/// `n` segments, `Some(None)` when nothing on the path may be null (so `data` is), `None`
/// when the path cannot be followed through the schema.
fn nullable_prefix(
    types: &FieldTypes,
    shape: &Shape,
    path: &[PathSegment],
) -> Option<Option<usize>> {
    let mut on: String = shape.root.to_owned();
    let mut order: &FieldOrder = &shape.order;
    let mut current: Option<&Type> = None;
    let mut nullable = Vec::with_capacity(path.len());
    for segment in path {
        let ty = match segment {
            PathSegment::Field(key) => {
                let (asked, inner) = order.asked(key)?;
                let ty = asked
                    .on
                    .as_ref()
                    .and_then(|condition| types.field(condition, &asked.field))
                    .or_else(|| types.field(&on, &asked.field))?;
                on = named(ty).to_owned();
                order = inner;
                ty
            }
            PathSegment::Index(_) => match &current?.base {
                BaseType::List(item) => item,
                BaseType::Named(_) => return None,
            },
        };
        nullable.push(ty.nullable);
        current = Some(ty);
    }
    Some(nullable.iter().rposition(|n| *n).map(|at| at + 1))
}

/// Makes every `null` on the way to the last segment of `path` an empty object.
fn reopen(value: &mut Value, path: &[PathSegment]) {
    let mut at = value;
    for segment in path {
        if *at == Value::Null {
            *at = Value::Object(Default::default());
        }
        let next = match (segment, at) {
            (PathSegment::Field(key), Value::Object(fields)) => fields.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return,
        }
    }
}

/// The named type inside any lists.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// Sets the value at `path` to null, unless something on the way is already null (an
/// earlier error's null, which covers this one).
fn set_null(value: &mut Value, path: &[PathSegment]) {
    let Some((last, way)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for segment in way {
        let next = match (segment, at) {
            (PathSegment::Field(key), Value::Object(fields)) => fields.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
            _ => None,
        };
        match next {
            Some(Value::Null) | None => return,
            Some(next) => at = next,
        }
    }
    match (last, at) {
        (PathSegment::Field(key), Value::Object(fields)) => {
            fields.insert(async_graphql::Name::new(key), Value::Null);
        }
        (PathSegment::Index(index), Value::List(items)) => {
            if let Some(item) = items.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        type Query { page: Page! maybe: Page list: [Item!]! items: [Item] node: Node }
        type Page { title: String! note: String items: [Item!] }
        type Item { name: String! }
        interface Node { id: ID! }
        type Article implements Node { id: ID! body: String! }
    ";

    fn answer(query: &str, data: &str, paths: &[&[PathSegment]]) -> String {
        let types = FieldTypes::of_sdl(SDL);
        let document = async_graphql::parser::parse_query(query).expect("valid document");
        let shape = Shape::of(&document, None).expect("an operation");
        let mut data: Value = serde_json::from_str(data).expect("json");
        for path in paths {
            reopen(&mut data, path);
        }
        for path in paths {
            match nullable_prefix(&types, &shape, path) {
                Some(Some(len)) => set_null(&mut data, &path[..len]),
                Some(None) => data = Value::Null,
                None => {}
            }
        }
        serde_json::to_string(&data).expect("json")
    }

    fn field(name: &str) -> PathSegment {
        PathSegment::Field(name.to_owned())
    }

    #[test]
    fn a_nullable_field_that_failed_is_null() {
        let path = [field("maybe"), field("note")];
        assert_eq!(
            answer(
                "{ maybe { title note } }",
                r#"{"maybe":{"title":"t"}}"#,
                &[&path]
            ),
            r#"{"maybe":{"title":"t","note":null}}"#
        );
    }

    #[test]
    fn a_non_null_field_nulls_the_nearest_nullable_one() {
        let path = [
            field("maybe"),
            field("items"),
            PathSegment::Index(1),
            field("name"),
        ];
        assert_eq!(
            answer(
                "{ maybe { title items { name } } }",
                r#"{"maybe":{"title":"t","items":[{"name":"a"},{}]}}"#,
                &[&path]
            ),
            r#"{"maybe":{"title":"t","items":null}}"#
        );
        let item = [field("items"), PathSegment::Index(0), field("name")];
        assert_eq!(
            answer("{ items { name } }", r#"{"items":[{}]}"#, &[&item]),
            r#"{"items":[null]}"#
        );
    }

    #[test]
    fn with_nothing_nullable_on_the_way_data_is_null() {
        let path = [field("page"), field("title")];
        assert_eq!(
            answer(
                "{ page { title } maybe { title } }",
                r#"{"page":{},"maybe":{"title":"t"}}"#,
                &[&path]
            ),
            "null"
        );
    }

    #[test]
    fn an_object_whose_every_field_failed_is_an_object_again() {
        // async-graphql answers `null` for the root when its only field failed.
        let root = [field("maybe")];
        assert_eq!(
            answer("{ maybe { title } }", "null", &[&root]),
            r#"{"maybe":null}"#
        );
        let inner = [field("maybe"), field("note")];
        assert_eq!(
            answer("{ maybe { note } }", r#"{"maybe":null}"#, &[&inner]),
            r#"{"maybe":{"note":null}}"#
        );
        let item = [field("items"), PathSegment::Index(0), field("name")];
        assert_eq!(
            answer(
                "{ items { name } }",
                r#"{"items":[null,{"name":"b"}]}"#,
                &[&item]
            ),
            r#"{"items":[null,{"name":"b"}]}"#
        );
    }

    #[test]
    fn aliases_and_fragments_on_objects_are_followed() {
        let path = [field("n"), field("text")];
        assert_eq!(
            answer(
                "{ n: node { id ... on Article { text: body } } }",
                r#"{"n":{"id":"1"}}"#,
                &[&path]
            ),
            r#"{"n":null}"#
        );
    }
}
