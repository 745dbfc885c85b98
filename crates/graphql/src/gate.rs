//! Admission: what every request passes before async-graphql parses, validates and runs it,
//! over HTTP and over websockets alike.
//!
//! In order: a persisted query is looked up (or its hash checked), the document's bracket
//! nesting and the variables' nesting are measured, the document is parsed once (and kept
//! in the request, so async-graphql does not parse it again), and its shape is checked
//! against the limits in [`crate::limits`]. Only a document that also passes validation is
//! kept in the persisted-query cache.
//!
//! Transports that need the operation's type before running it (HTTP refuses mutations
//! over GET) call [`crate::Api::admit`]; [`crate::pipeline::Pipeline`] admits every other
//! request (websockets, tests) on its way into the schema.

use std::sync::Arc;

use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, ServerError, ServerResult};

use crate::error::{code, refused, with_code};
use crate::limits::{self, Nesting, Refusal, Shape};
use crate::persisted::{self, Persisted, PersistedQueries};
use crate::scope::{RequestScope, Viewer};
use crate::subscription::LiveViewer;

/// What the gate lets through; see [`crate::Options`].
pub struct Gate {
    persisted: PersistedQueries,
    anonymous_introspection: bool,
}

/// Marks a request the gate has let through, with the type of the operation it will run
/// (`None` when the request does not say which of several operations to run; execution then
/// refuses it).
#[derive(Debug, Clone, Copy)]
pub struct Admitted(pub Option<OperationType>);

impl Gate {
    /// A gate with a persisted-query cache of `persisted_query_bytes`; readers who are not
    /// signed in may introspect the schema when `anonymous_introspection` is set.
    pub fn new(persisted_query_bytes: usize, anonymous_introspection: bool) -> Self {
        Self {
            persisted: PersistedQueries::new(persisted_query_bytes),
            anonymous_introspection,
        }
    }

    /// Checks `request` for a viewer who is `anonymous` (or not), leaving its document
    /// parsed in it, and returns the type of the operation it will run. A request already
    /// admitted is not checked again.
    pub fn admit(
        &self,
        request: &mut Request,
        anonymous: bool,
    ) -> Result<Option<OperationType>, ServerError> {
        if let Some(Admitted(operation)) = admitted(request) {
            return Ok(operation);
        }
        let persisted = self.persisted.resolve(request).map_err(refused)?;
        if matches!(persisted, Persisted::NotFound) {
            return Err(with_code(
                ServerError::new(persisted::NOT_FOUND, None),
                code::PERSISTED_QUERY_NOT_FOUND,
            ));
        }
        match limits::nesting(&request.query, limits::MAX_NESTING) {
            Ok(_) => {}
            Err(Nesting::TooDeep(offset)) => {
                return Err(refused(Refusal::Parse(format!(
                    "the document nests brackets more than {} levels deep (at byte {offset})",
                    limits::MAX_NESTING
                ))));
            }
            Err(Nesting::UnclosedBlockString(offset)) => {
                return Err(refused(Refusal::Parse(format!(
                    "the block string (\"\"\") at byte {offset} never ends"
                ))));
            }
        }
        if limits::variables_nesting(&request.variables) > limits::MAX_VARIABLE_NESTING {
            return Err(refused(Refusal::BadInput(format!(
                "variables may nest lists and objects at most {} levels deep",
                limits::MAX_VARIABLE_NESTING
            ))));
        }
        let operation_name = request.operation_name.clone();
        let document = request
            .parsed_query()
            .map_err(|e| with_code(e, code::GRAPHQL_PARSE_FAILED))?;
        Shape::of(document)
            .and_then(|shape| shape.check(self.anonymous_introspection || !anonymous))
            .map_err(refused)?;
        let operation = match (&document.operations, operation_name.as_deref()) {
            (DocumentOperations::Single(only), None) => Some(only.node.ty),
            (DocumentOperations::Multiple(named), None) if named.len() == 1 => {
                named.values().next().map(|op| op.node.ty)
            }
            (DocumentOperations::Multiple(named), Some(name)) => {
                named.get(name).map(|op| op.node.ty)
            }
            _ => None,
        };
        // A document whose operation cannot be chosen is only partly validated.
        if let (Persisted::ToStore(hash), Some(_)) = (persisted, operation) {
            request.data.insert(ToPersist {
                hash,
                document: request.query.clone(),
            });
        }
        request.data.insert(Admitted(operation));
        Ok(operation)
    }
}

/// A document to keep in the persisted-query cache once it validates.
#[derive(Clone)]
pub(crate) struct ToPersist {
    hash: [u8; 32],
    document: String,
}

/// The persisted query `request` carries to be kept once it validates, if any.
pub(crate) fn to_persist(request: &Request) -> Option<ToPersist> {
    request
        .data
        .get(&std::any::TypeId::of::<ToPersist>())
        .and_then(|data| data.downcast_ref::<ToPersist>())
        .cloned()
}

impl Gate {
    /// Keeps a persisted query whose request has validated.
    pub(crate) fn keep(&self, document: ToPersist) {
        self.persisted.store(document.hash, &document.document);
    }
}

/// Lets a request on its way into the schema through the [`Gate`] in the schema's data
/// (unless its transport did already).
pub(crate) fn admit_into_schema(
    ctx: &ExtensionContext<'_>,
    request: &mut Request,
) -> ServerResult<()> {
    if let Some(gate) = ctx.data_opt::<Arc<Gate>>() {
        let anonymous = is_anonymous(request, ctx.data_opt::<LiveViewer>());
        gate.admit(request, anonymous)?;
    }
    Ok(())
}

/// Keeps the request's persisted query, now that it has validated.
pub(crate) fn keep_validated(ctx: &ExtensionContext<'_>) {
    if let (Some(gate), Some(document)) = (ctx.data_opt::<Arc<Gate>>(), ctx.data_opt::<ToPersist>())
    {
        gate.persisted.store(document.hash, &document.document);
    }
}

/// Whether `request` comes from someone who is not signed in: its scope says so over HTTP,
/// its connection (`live`) over websockets.
pub(crate) fn is_anonymous(request: &Request, live: Option<&LiveViewer>) -> bool {
    let scope = request
        .data
        .get(&std::any::TypeId::of::<RequestScope>())
        .and_then(|data| data.downcast_ref::<RequestScope>());
    match scope {
        Some(scope) => scope.viewer == Viewer::Anonymous,
        None => live.is_none_or(LiveViewer::is_anonymous),
    }
}

/// Whether the gate has let `request` through already.
fn admitted(request: &Request) -> Option<Admitted> {
    request
        .data
        .get(&std::any::TypeId::of::<Admitted>())
        .and_then(|data| data.downcast_ref::<Admitted>())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    fn codes(error: &ServerError) -> String {
        error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn nesting_of_every_kind_is_refused_before_parsing() {
        let gate = Gate::new(1024, true);
        let cases = [
            format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000)),
            format!(
                "{{ a(x: {}1{}) }}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            format!(
                "{{ a(x: {}1{}) }}",
                "{a:".repeat(100_000),
                "}".repeat(100_000)
            ),
            format!("{{ a{} }}", "(".repeat(1_000)),
        ];
        for query in cases {
            let refusal = gate
                .admit(&mut Request::new(query), true)
                .expect_err("refused");
            assert_eq!(
                codes(&refusal),
                format!("\"{}\"", code::GRAPHQL_PARSE_FAILED)
            );
        }
    }

    #[test]
    fn an_admitted_request_names_its_operation_type() {
        let gate = Gate::new(1024, true);
        let mut request =
            Request::new("query A { a } mutation B { b }").operation_name("B".to_owned());
        assert_eq!(
            gate.admit(&mut request, true).ok(),
            Some(Some(OperationType::Mutation))
        );
        let mut unnamed = Request::new("query A { a } mutation B { b }");
        assert_eq!(gate.admit(&mut unnamed, true).ok(), Some(None));
    }

    #[test]
    fn anonymous_introspection_can_be_turned_off() {
        let gate = Gate::new(1024, false);
        let query = "{ __schema { queryType { name } } }";
        assert!(gate.admit(&mut Request::new(query), true).is_err());
        assert!(gate.admit(&mut Request::new(query), false).is_ok());
        assert!(
            gate.admit(&mut Request::new("{ __typename }"), true)
                .is_ok()
        );
    }
}
