//! The one extension every websocket execution passes on its way through the schema:
//! admission through the [`crate::gate::Gate`], error codes ([`crate::error`]) and a fresh
//! scope per execution ([`crate::subscription::execute_live`]), and each answer's fields in the
//! order they were asked for ([`crate::order`]).
//!
//! HTTP requests do without it ([`crate::Api::execute`] does the same around the schema):
//! with any extension at all, async-graphql wraps the resolution of every field in the
//! extension chain, looks the field's type up by name and formats list type names, which
//! cost a front page about a tenth of its CPU.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error;
use crate::fanout::DeliverySlot;
use crate::gate;
use crate::order::Shape;
use crate::subscription;

/// The extension every request passes.
pub struct Pipeline;

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Passage::default())
    }
}

/// One request's way through the [`Pipeline`].
#[derive(Default)]
struct Passage {
    /// The request's document, until its order is read.
    document: Mutex<Option<ExecutableDocument>>,
    /// Its text and variables, once parsed.
    source: OnceLock<String>,
    /// The order of its operation, and for a subscription what identifies it among others
    /// (text, variables, operation name), read once for all of a subscription's events.
    order: OnceLock<(Option<Shape>, Option<Arc<str>>)>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Passage {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        error::code_request_errors(&mut response);
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        gate::admit_into_schema(ctx, &mut request)?;
        let request = request.data(DeliverySlot::default());
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(error::code_parse_error)?;
        *self.document.lock().unwrap_or_else(PoisonError::into_inner) = Some(document.clone());
        let variables = variables.clone().into_value();
        let _ = self.source.set(format!("{query}\u{0}{variables}"));
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let validated = next.run(ctx).await.map_err(error::code_validation_errors)?;
        gate::keep_validated(ctx);
        Ok(validated)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let (order, subscription) = self.order.get_or_init(|| {
            let document = self
                .document
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            document.map_or((None, None), |document| {
                let order = Shape::of(&document, operation_name);
                let source = self.source.get().map_or("", String::as_str);
                let key = is_subscription(&document, operation_name)
                    .then(|| Arc::from(format!("{source}\u{0}{operation_name:?}")));
                (order, key)
            })
        });
        // Done once for an answer shared by many subscribers.
        let finish = |response: &mut Response| {
            if let Some(shape) = order {
                shape.finish(response);
            }
            error::code_execution_errors(response);
        };
        subscription::execute_live(ctx, operation_name, next, subscription.clone(), finish).await
    }
}

/// Whether the operation `document` runs (the one named, or its only one) is a
/// subscription.
fn is_subscription(document: &ExecutableDocument, name: Option<&str>) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) => operations.values().next(),
    };
    operation.is_some_and(|operation| operation.node.ty == OperationType::Subscription)
}
