//! The one extension every request passes on its way through the schema: admission
//! through the [`crate::gate::Gate`], error codes ([`crate::error`]) and, on websockets, a
//! fresh scope per execution ([`crate::subscription::execute_live`]).
//!
//! It is one extension, not one per concern, because async-graphql wraps the resolution of
//! every field once per extension: each one more costs every field of every answer.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::{self, Executed};
use crate::gate;
use crate::subscription;

/// The extension every request passes.
pub struct Pipeline;

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Pipeline)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Pipeline {
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
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(error::code_parse_error)
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
        if let Some(Executed(flag)) = ctx.data_opt::<Executed>() {
            flag.store(true, Ordering::Relaxed);
        }
        let mut response = subscription::execute_live(ctx, operation_name, next).await;
        error::code_execution_errors(&mut response);
        response
    }
}
