//! Limits on the shape of a request, checked before async-graphql parses or validates it.
//!
//! async-graphql's parser, its validation and its depth check all recurse once per level of
//! nesting, and its depth and complexity checks walk the document with every fragment spread
//! expanded where it is used. A document that nests brackets a few thousand levels deep
//! therefore overflows a worker's stack before any limit can refuse it, and a small document
//! whose fragments spread each other several times a level costs exponential time. The checks
//! here run first, each in time linear in the request's size and in constant stack:
//!
//! - [`nesting`] scans the document's text for the deepest bracket (selection sets, argument
//!   lists, object and list values alike) before it is parsed;
//! - [`variables_nesting`] measures the request's variables;
//! - [`Shape::of`] walks the parsed document once, counting each fragment's size once, for
//!   the response keys it may produce, its introspection roots and its sign-ins, and refuses
//!   unknown directives and piles of directives.

use std::collections::HashMap;

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value, Variables};

/// The deepest brackets (`{`, `[`, `(`) may nest in a document's text. Selections may nest
/// 16 levels (`MAX_DEPTH`); this leaves room for arguments and their values.
pub const MAX_NESTING: usize = 32;
/// The deepest selections may nest with fragment spreads followed: a chain of fragments
/// that spread one another nests without any bracket.
pub const MAX_SELECTION_NESTING: usize = 64;
/// The deepest lists and objects may nest in a request's variables.
pub const MAX_VARIABLE_NESTING: usize = 32;
/// The most response keys (fields, aliases included) a document may ask for once every
/// fragment spread is inlined.
pub const MAX_RESPONSE_KEYS: usize = 1_000;
/// The most `__schema` and `__type` fields a document may hold: one answers everything a
/// tool needs, and each costs the whole schema.
pub const MAX_INTROSPECTION_ROOTS: usize = 1;
/// The most directives one field, fragment or operation may carry.
pub const MAX_DIRECTIVES: usize = 4;
/// The most sign-ins (`login`, `changePassword`) one document may hold: each is a
/// deliberately slow password hash.
pub const MAX_SIGN_INS: usize = 1;

/// The directives an executable document may use; any other is refused in validation.
const KNOWN_DIRECTIVES: [&str; 2] = ["skip", "include"];
/// The mutations that check a password.
const SIGN_INS: [&str; 2] = ["login", "changePassword"];
/// The fields that answer with the schema itself.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];

/// Why a request was refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The document cannot be parsed (`GRAPHQL_PARSE_FAILED`).
    Parse(String),
    /// The document does not fit the schema (`GRAPHQL_VALIDATION_FAILED`).
    Validation(String),
    /// The request is bigger than the API allows (`LIMIT_EXCEEDED`).
    Limit(String),
    /// The request's parameters are malformed (`BAD_USER_INPUT`).
    BadInput(String),
}

/// The nesting depth of the brackets in a GraphQL document's text, or the byte offset at
/// which it first goes deeper than `max`. Strings, block strings and comments are skipped,
/// so brackets inside them do not count.
pub fn nesting(text: &str, max: usize) -> Result<usize, usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(i);
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(deepest)
}

/// How deep lists and objects nest in `variables` (a scalar is 0), counted without
/// recursion.
pub fn variables_nesting(variables: &Variables) -> usize {
    let mut deepest = 0;
    let mut pending: Vec<(&Value, usize)> = variables.values().map(|v| (v, 1)).collect();
    while let Some((value, depth)) = pending.pop() {
        match value {
            Value::List(items) => {
                deepest = deepest.max(depth);
                pending.extend(items.iter().map(|v| (v, depth + 1)));
            }
            Value::Object(fields) => {
                deepest = deepest.max(depth);
                pending.extend(fields.values().map(|v| (v, depth + 1)));
            }
            _ => {}
        }
    }
    deepest
}

/// What a parsed document asks for, with every fragment spread inlined (counts saturate,
/// so absurd documents count as `usize::MAX`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Response keys: every field selection, aliases included.
    pub response_keys: usize,
    /// `__schema` and `__type` fields.
    pub introspection_roots: usize,
    /// `login` and `changePassword` fields in mutations.
    pub sign_ins: usize,
}

impl Shape {
    /// Measures `document`, refusing unknown directives and more than [`MAX_DIRECTIVES`] in
    /// one place. Each fragment is measured once, however often it is spread.
    pub fn of(document: &ExecutableDocument) -> Result<Self, Refusal> {
        let mut walker = Walker {
            document,
            fragments: HashMap::new(),
        };
        for fragment in document.fragments.values() {
            check_directives(&fragment.node.directives)?;
        }
        let mut shape = Self::default();
        for (_, operation) in document.operations.iter() {
            let operation = &operation.node;
            check_directives(&operation.directives)?;
            for variable in &operation.variable_definitions {
                check_directives(&variable.node.directives)?;
            }
            let mutation = operation.ty == OperationType::Mutation;
            shape = shape.plus(walker.selection_set(&operation.selection_set.node, mutation, 1)?);
        }
        Ok(shape)
    }

    /// Refuses a shape over the limits; `introspection` says whether this viewer may
    /// introspect at all.
    pub fn check(&self, introspection: bool) -> Result<(), Refusal> {
        if self.response_keys > MAX_RESPONSE_KEYS {
            return Err(Refusal::Limit(format!(
                "the query asks for more than {MAX_RESPONSE_KEYS} fields (aliases and \
                 fragments included)"
            )));
        }
        if self.introspection_roots > 0 && !introspection {
            return Err(Refusal::Validation(
                "introspection (`__schema`, `__type`) is turned off for readers who are not \
                 signed in"
                    .to_owned(),
            ));
        }
        if self.introspection_roots > MAX_INTROSPECTION_ROOTS {
            return Err(Refusal::Limit(format!(
                "a query may hold at most {MAX_INTROSPECTION_ROOTS} `__schema` or `__type` field"
            )));
        }
        if self.sign_ins > MAX_SIGN_INS {
            return Err(Refusal::Limit(format!(
                "a request may sign in (`login`, `changePassword`) at most {MAX_SIGN_INS} time"
            )));
        }
        Ok(())
    }

    fn plus(self, other: Self) -> Self {
        Self {
            response_keys: self.response_keys.saturating_add(other.response_keys),
            introspection_roots: self
                .introspection_roots
                .saturating_add(other.introspection_roots),
            sign_ins: self.sign_ins.saturating_add(other.sign_ins),
        }
    }
}

fn check_directives(directives: &[Positioned<Directive>]) -> Result<(), Refusal> {
    if let Some(unknown) = directives
        .iter()
        .find(|d| !KNOWN_DIRECTIVES.contains(&d.node.name.node.as_str()))
    {
        return Err(Refusal::Validation(format!(
            "Unknown directive \"@{}\"",
            unknown.node.name.node
        )));
    }
    if directives.len() > MAX_DIRECTIVES {
        return Err(Refusal::Limit(format!(
            "a field, fragment or operation may carry at most {MAX_DIRECTIVES} directives"
        )));
    }
    Ok(())
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    /// Each fragment's shape, by name and by whether it is spread in a mutation; `None`
    /// while it is being measured (a fragment that spreads itself is invalid, and
    /// validation reports it by name).
    fragments: HashMap<(&'a Name, bool), Option<Shape>>,
}

impl<'a> Walker<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        mutation: bool,
        depth: usize,
    ) -> Result<Shape, Refusal> {
        if depth > MAX_SELECTION_NESTING {
            return Err(Refusal::Limit(format!(
                "the query nests selections more than {MAX_SELECTION_NESTING} levels deep \
                 (fragments included)"
            )));
        }
        let mut shape = Shape::default();
        for item in &set.items {
            check_directives(item.node.directives())?;
            let inner = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let own = Shape {
                        response_keys: 1,
                        introspection_roots: usize::from(INTROSPECTION_ROOTS.contains(&name)),
                        sign_ins: usize::from(mutation && SIGN_INS.contains(&name)),
                    };
                    own.plus(self.selection_set(
                        &field.node.selection_set.node,
                        false,
                        depth + 1,
                    )?)
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node, mutation, depth + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, mutation, depth + 1)?
                }
            };
            shape = shape.plus(inner);
        }
        Ok(shape)
    }

    fn fragment(&mut self, name: &'a Name, mutation: bool, depth: usize) -> Result<Shape, Refusal> {
        match self.fragments.get(&(name, mutation)) {
            Some(Some(shape)) => return Ok(*shape),
            Some(None) => return Ok(Shape::default()),
            None => {}
        }
        self.fragments.insert((name, mutation), None);
        let shape = match self.document.fragments.get(name) {
            Some(fragment) => {
                self.selection_set(&fragment.node.selection_set.node, mutation, depth)?
            }
            None => Shape::default(),
        };
        self.fragments.insert((name, mutation), Some(shape));
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("valid document")
    }

    fn shape(query: &str) -> Result<Shape, Refusal> {
        Shape::of(&parse(query))
    }

    #[test]
    fn counts_response_keys_with_fragments_inlined() {
        let counted = shape("{ a b { c } ...F } fragment F on Query { d e }");
        assert_eq!(counted.map(|s| s.response_keys), Ok(5));
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
        let counted = shape(&query).expect("measured");
        assert!(counted.response_keys > MAX_RESPONSE_KEYS);
        assert!(matches!(counted.check(true), Err(Refusal::Limit(_))));
    }

    #[test]
    fn chains_of_fragments_are_refused_before_they_nest_too_deep() {
        let mut query = String::from("{ ...F0 }");
        for i in 0..100_000 {
            query.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        query.push_str(" fragment F100000 on Query { a }");
        assert!(matches!(shape(&query), Err(Refusal::Limit(_))));
    }

    #[test]
    fn self_spreading_fragments_do_not_loop() {
        assert_eq!(
            shape("{ ...F } fragment F on Query { a ...F }").map(|s| s.response_keys),
            Ok(1)
        );
    }

    #[test]
    fn introspection_roots_and_sign_ins_are_counted_through_fragments() {
        let twice = shape("{ __schema { types { name } } ...I } fragment I on Query { t: __type(name: \"A\") { name } }")
            .expect("measured");
        assert_eq!(twice.introspection_roots, 2);
        assert!(matches!(twice.check(true), Err(Refusal::Limit(_))));
        let once = shape("{ __schema { types { name } } }").expect("measured");
        assert_eq!(once.check(true), Ok(()));
        assert!(matches!(once.check(false), Err(Refusal::Validation(_))));

        let sign_ins = shape(
            "mutation { a: login(input: {}) { token } ...L } \
             fragment L on Mutation { b: changePassword(input: {}) { token } }",
        )
        .expect("measured");
        assert_eq!(sign_ins.sign_ins, 2);
        assert!(matches!(sign_ins.check(true), Err(Refusal::Limit(_))));
        // A field of that name inside a query is not a sign-in.
        assert_eq!(shape("{ login { token } }").map(|s| s.sign_ins), Ok(0));
    }

    #[test]
    fn unknown_and_piled_up_directives_are_refused_wherever_they_stand() {
        for query in [
            "{ __typename @aa }",
            "query @aa { a }",
            "query ($x: Int @aa) { a(x: $x) }",
            "{ ...F @aa } fragment F on Query { a }",
            "{ ...F } fragment F on Query @aa { a }",
            "{ ... @aa { a } }",
        ] {
            assert!(
                matches!(shape(query), Err(Refusal::Validation(_))),
                "{query}"
            );
        }
        let piled = format!("{{ a {} }}", "@skip(if: false) ".repeat(5));
        assert!(matches!(shape(&piled), Err(Refusal::Limit(_))));
        assert!(shape("{ a @skip(if: false) @include(if: true) }").is_ok());
    }

    #[test]
    fn nesting_counts_brackets_of_every_kind_outside_strings_and_comments() {
        assert_eq!(nesting("{ a(x: [{ y: 1 }]) { b } }", 32), Ok(4));
        assert_eq!(nesting("{ a(x: \"{{{[[[(((\") # {{{{\n b }", 32), Ok(2));
        assert_eq!(
            nesting("{ a(x: \"\"\" {{{ \\\"\"\" {{{ \"\"\") }", 32),
            Ok(2)
        );
        assert_eq!(nesting("{ a(x: \"\\\"{{{\") }", 32), Ok(2));
        let deep = "{a:".repeat(100_000);
        assert_eq!(nesting(&deep, 32), Err(32 * 3));
        assert_eq!(nesting(&"[".repeat(40), 32), Err(32));
        assert_eq!(nesting(&"(".repeat(33), 32), Err(32));
    }

    #[test]
    fn variables_nesting_is_measured_without_recursion() {
        let mut value = serde_json::json!(1);
        for _ in 0..100 {
            value = serde_json::json!({ "a": [value] });
        }
        let variables = Variables::from_json(serde_json::json!({ "v": value }));
        assert_eq!(variables_nesting(&variables), 200);
        let flat = Variables::from_json(serde_json::json!({ "a": 1, "b": { "c": [1, 2] } }));
        assert_eq!(variables_nesting(&flat), 2);
    }
}
