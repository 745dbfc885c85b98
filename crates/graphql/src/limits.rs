//! Limits on the shape of a request, checked before async-graphql parses or validates it.
//!
//! async-graphql's parser, its validation and its depth check all recurse once per level of
//! nesting, and its depth and complexity checks walk the document with every fragment spread
//! expanded where it is used. A document that nests brackets a few thousand levels deep
//! therefore overflows a worker's stack before any limit can refuse it, and a small document
//! whose fragments spread each other several times a level costs exponential time. The checks
//! here run first, each in time linear in the request's size:
//!
//! - [`nesting`] scans the document's text for the deepest bracket (selection sets, argument
//!   lists, object and list values alike) before it is parsed, without recursion, reading
//!   strings and comments as the parser does;
//! - [`variables_nesting`] measures the request's variables, without recursion;
//! - [`Shape::of`] walks the parsed document once, measuring each fragment once, for the
//!   selections it may produce, its introspection roots and its sign-ins, and refuses
//!   unknown directives, piles of directives or arguments, and fragments that are unknown,
//!   unused, cyclic or nested too deep; its recursion is bounded by
//!   [`MAX_SELECTION_NESTING`].

use std::collections::HashMap;

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value, Variables};

/// The deepest brackets (`{`, `[`, `(`) may nest in a document's text. Selections may nest
/// 16 levels (`MAX_DEPTH`); this leaves room for arguments and their values.
pub const MAX_NESTING: usize = 32;
/// The deepest selections may nest with fragment spreads followed, as async-graphql counts
/// it (a field with a selection set, an inline fragment or a spread is a level): a chain of
/// fragments that spread one another nests without any bracket.
pub const MAX_SELECTION_NESTING: usize = 32;
/// The most fragments a document may define.
pub const MAX_FRAGMENTS: usize = 500;
/// The most arguments one field or directive may take.
pub const MAX_ARGUMENTS: usize = 32;
/// The deepest lists and objects may nest in a request's variables.
pub const MAX_VARIABLE_NESTING: usize = 32;
/// The most selections (fields, aliases included, fragment spreads and inline fragments) a
/// document may hold once every fragment spread is inlined: a bound on its response keys.
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

/// Why a document's text was refused before parsing, at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Brackets nest deeper than allowed here.
    TooDeep(usize),
    /// A block string (`"""`) starts here and never ends.
    UnclosedBlockString(usize),
}

/// The nesting depth of the brackets in a GraphQL document's text, or why and where it is
/// refused. Strings, block strings and comments are skipped, so brackets inside them do not
/// count. Each byte is read once.
pub fn nesting(text: &str, max: usize) -> Result<usize, Nesting> {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(Nesting::TooDeep(i));
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => match block_string_end(bytes, i + 3) {
                Some(end) => i = end + 2,
                // The parser reads a `"""` that never closes as the string `""` and then
                // a quote. Following it would mean scanning to the end again at every such
                // quote, and skipping to the end would hide brackets the parser nests
                // into; no client sends one, so it is refused.
                None => return Err(Nesting::UnclosedBlockString(i)),
            },
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

/// Where the block string whose text starts at `from` ends (the index of its closing
/// `"""`), if it ends; `\"""` inside it is an escaped triple quote.
fn block_string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
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
    /// Selections: every field (aliases included), fragment spread and inline fragment.
    pub response_keys: usize,
    /// `__schema` and `__type` fields.
    pub introspection_roots: usize,
    /// `login` and `changePassword` fields in mutations.
    pub sign_ins: usize,
}

impl Shape {
    /// Measures `document`, refusing unknown directives and more than [`MAX_DIRECTIVES`] in
    /// one place, spreads of fragments that do not exist or that spread themselves,
    /// fragments no operation uses, more than [`MAX_FRAGMENTS`] fragments, more than
    /// [`MAX_ARGUMENTS`] arguments in one place and selections that nest more than
    /// [`MAX_SELECTION_NESTING`] deep through fragments. Each fragment is measured once,
    /// however often it is spread, so this takes time linear in the document's length.
    pub fn of(document: &ExecutableDocument) -> Result<Self, Refusal> {
        if document.fragments.len() > MAX_FRAGMENTS {
            return Err(Refusal::Limit(format!(
                "a document may define at most {MAX_FRAGMENTS} fragments"
            )));
        }
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
            let measured = walker.selection_set(&operation.selection_set.node, mutation, 0)?;
            shape = shape.plus(measured.shape);
        }
        // Validation walks every fragment, spread or not; one no operation reaches is an
        // error anyway, and is refused here before that walk.
        if let Some(unused) = document
            .fragments
            .keys()
            .find(|name| !walker.fragments.keys().any(|(spread, _)| spread == name))
        {
            return Err(Refusal::Validation(format!(
                "Fragment \"{unused}\" is never used"
            )));
        }
        Ok(shape)
    }

    /// Refuses a shape over the limits; `introspection` says whether this viewer may
    /// introspect at all.
    pub fn check(&self, introspection: bool) -> Result<(), Refusal> {
        if self.response_keys > MAX_RESPONSE_KEYS {
            return Err(Refusal::Limit(format!(
                "the query holds more than {MAX_RESPONSE_KEYS} selections (fields, aliases and \
                 fragment spreads) once its fragments are inlined"
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
    for directive in directives {
        check_arguments(&directive.node.arguments)?;
    }
    Ok(())
}

/// A selection set measured: what it asks for, and how deep it nests.
#[derive(Debug, Clone, Copy, Default)]
struct Measured {
    shape: Shape,
    height: usize,
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    /// Each fragment measured, by name and by whether it is spread in a mutation; `None`
    /// while it is being measured.
    fragments: HashMap<(&'a Name, bool), Option<Measured>>,
}

fn too_deep() -> Refusal {
    Refusal::Limit(format!(
        "the query nests selections more than {MAX_SELECTION_NESTING} levels deep (fragments \
         included)"
    ))
}

fn check_arguments<T>(arguments: &[T]) -> Result<(), Refusal> {
    if arguments.len() > MAX_ARGUMENTS {
        return Err(Refusal::Limit(format!(
            "a field or directive may take at most {MAX_ARGUMENTS} arguments"
        )));
    }
    Ok(())
}

impl<'a> Walker<'a> {
    /// Measures `set`, which stands `depth` levels deep. Recursion never goes deeper than
    /// [`MAX_SELECTION_NESTING`]; a fragment measured before is not walked again, but its
    /// height still counts where it is spread.
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        mutation: bool,
        depth: usize,
    ) -> Result<Measured, Refusal> {
        let mut measured = Measured::default();
        for item in &set.items {
            check_directives(item.node.directives())?;
            // A spread and an inline fragment count as a selection of their own, so
            // fragments of nothing but spreads cannot multiply unseen.
            let node = Shape {
                response_keys: 1,
                ..Shape::default()
            };
            let (own, inner) = match &item.node {
                Selection::Field(field) => {
                    check_arguments(&field.node.arguments)?;
                    let name = field.node.name.node.as_str();
                    let own = Shape {
                        response_keys: 1,
                        introspection_roots: usize::from(INTROSPECTION_ROOTS.contains(&name)),
                        sign_ins: usize::from(mutation && SIGN_INS.contains(&name)),
                    };
                    let children = &field.node.selection_set.node;
                    if children.items.is_empty() {
                        (own, Measured::default())
                    } else {
                        (own, self.nested(children, false, depth)?)
                    }
                }
                Selection::InlineFragment(inline) => (
                    node,
                    self.nested(&inline.node.selection_set.node, mutation, depth)?,
                ),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let fragment = self.fragment(name, mutation, depth + 1)?;
                    if depth + 1 + fragment.height > MAX_SELECTION_NESTING {
                        return Err(too_deep());
                    }
                    let inner = Measured {
                        shape: fragment.shape,
                        height: fragment.height + 1,
                    };
                    (node, inner)
                }
            };
            measured.shape = measured.shape.plus(own).plus(inner.shape);
            measured.height = measured.height.max(inner.height);
        }
        Ok(measured)
    }

    /// Measures the selection set one level below `depth`.
    fn nested(
        &mut self,
        set: &'a SelectionSet,
        mutation: bool,
        depth: usize,
    ) -> Result<Measured, Refusal> {
        if depth + 1 > MAX_SELECTION_NESTING {
            return Err(too_deep());
        }
        let inner = self.selection_set(set, mutation, depth + 1)?;
        Ok(Measured {
            shape: inner.shape,
            height: inner.height + 1,
        })
    }

    fn fragment(
        &mut self,
        name: &'a Name,
        mutation: bool,
        depth: usize,
    ) -> Result<Measured, Refusal> {
        match self.fragments.get(&(name, mutation)) {
            Some(Some(measured)) => return Ok(*measured),
            Some(None) => {
                return Err(Refusal::Validation(format!(
                    "Cannot spread fragment \"{name}\" within itself"
                )));
            }
            None => {}
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Err(Refusal::Validation(format!("Unknown fragment \"{name}\"")));
        };
        if depth > MAX_SELECTION_NESTING {
            return Err(too_deep());
        }
        self.fragments.insert((name, mutation), None);
        let measured = self.selection_set(&fragment.node.selection_set.node, mutation, depth)?;
        self.fragments.insert((name, mutation), Some(measured));
        Ok(measured)
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
        assert_eq!(counted.map(|s| s.response_keys), Ok(6));
    }

    #[test]
    fn fragments_that_double_at_every_level_count_exponentially_but_fast() {
        let mut query = String::from("{ ...F0 } fragment F0 on Query { ...F1 ...F1 }");
        for i in 1..30 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        query.push_str(" fragment F30 on Query { a }");
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
    fn fragments_that_spread_themselves_unknown_or_unused_are_refused() {
        for query in [
            "{ ...F } fragment F on Query { a ...F }",
            "{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }",
            "{ ...Missing }",
            "{ a } fragment F on Query { b }",
        ] {
            assert!(
                matches!(shape(query), Err(Refusal::Validation(_))),
                "{query}"
            );
        }
    }

    #[test]
    fn spreads_of_spreads_count_even_when_they_select_nothing() {
        // Each fragment spreads the next four times; the last spreads one that does not
        // exist. async-graphql's own depth check would follow 4^31 spreads.
        let mut query = String::from("{ ...F0 }");
        for i in 0..31 {
            let next = format!("...F{} ", i + 1);
            query.push_str(&format!(" fragment F{i} on Query {{ {} }}", next.repeat(4)));
        }
        query.push_str(" fragment F31 on Query { __typename }");
        let counted = shape(&query).expect("measured");
        assert!(matches!(counted.check(true), Err(Refusal::Limit(_))));
        assert!(matches!(
            shape(&query.replace(
                "fragment F31 on Query { __typename }",
                "fragment F31 on Query { ...Missing }"
            )),
            Err(Refusal::Validation(_))
        ));
    }

    #[test]
    fn unused_fragment_chains_are_refused_however_they_are_ordered() {
        // Measured from the end of the chain first, each fragment looks shallow; the chain
        // as a whole is still too deep, and unused.
        let mut query = String::from("{ __typename }");
        for i in (0..5_000).rev() {
            query.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        query.push_str(" fragment F5000 on Query { __typename }");
        assert!(shape(&query).is_err());
        let used = query.replacen("{ __typename }", "{ ...F0 }", 1);
        assert!(matches!(shape(&used), Err(Refusal::Limit(_))));
    }

    #[test]
    fn nesting_is_limited_through_fragments_in_any_order() {
        let mut query = String::from("{ ...F0 ...F20 }");
        for i in 0..40 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ a {{ ...F{} }} }}",
                i + 1
            ));
        }
        query.push_str(" fragment F40 on Query { b }");
        assert!(matches!(shape(&query), Err(Refusal::Limit(_))));
        let shallow = "{ a { b { ...F } } } fragment F on A { c { d } }";
        assert!(shape(shallow).is_ok());
    }

    #[test]
    fn arguments_and_fragment_definitions_are_bounded() {
        let arguments: String = (0..40).map(|i| format!("a{i}: 1 ")).collect();
        assert!(matches!(
            shape(&format!("{{ f({arguments}) }}")),
            Err(Refusal::Limit(_))
        ));
        let mut many = String::from("{ ");
        let mut definitions = String::new();
        for i in 0..=MAX_FRAGMENTS {
            many.push_str(&format!("...F{i} "));
            definitions.push_str(&format!(" fragment F{i} on Query {{ a }}"));
        }
        many.push('}');
        assert!(matches!(
            shape(&(many + &definitions)),
            Err(Refusal::Limit(_))
        ));
    }

    #[test]
    fn a_block_string_that_never_closes_is_refused_in_linear_time() {
        let deep = format!("{{ f(x: \"\"\"\"{}1) }}", "{a:".repeat(100));
        assert_eq!(nesting(&deep, 32), Err(Nesting::UnclosedBlockString(7)));
        assert_eq!(nesting("{ f(x: \"\"\" {{{ \"\"\") }", 32), Ok(2));
        // Every unit starts a block string that escaped quotes keep open.
        let units = format!("{{ f(x: [{}]) }}", "\n\\\"\"\"".repeat(40_000));
        let started = std::time::Instant::now();
        assert!(matches!(
            nesting(&units, 32),
            Err(Nesting::UnclosedBlockString(_))
        ));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
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
        assert_eq!(nesting(&deep, 32), Err(Nesting::TooDeep(32 * 3)));
        assert_eq!(nesting(&"[".repeat(40), 32), Err(Nesting::TooDeep(32)));
        assert_eq!(nesting(&"(".repeat(33), 32), Err(Nesting::TooDeep(32)));
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
