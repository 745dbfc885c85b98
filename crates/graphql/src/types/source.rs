//! `Source`: the desk or agency a story is credited to, and its source page.

use async_graphql::{Context, ID, Object};
use dateline_domain::{DeskAction, model, route};
use dateline_persistence::{ArticleFilter, Named, Narrowing};

use crate::error::ApiResult;
use crate::id::{NodeKind, encode};
use crate::pagination::Window;
use crate::scalars::Url;
use crate::scope::scope;
use crate::types::ArticleOrderInput;
use crate::types::connection::{ArticleConnection, article_connection};

/// The desk or wire agency a story is credited to ("AT News", "Reuters").
#[derive(Clone)]
pub struct Source(pub(crate) model::Source);

/// The desk or wire agency a story is credited to.
#[Object]
impl Source {
    /// The source's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Source, self.0.id)
    }

    /// The URL name of the source page.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The name printed with the story.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The source's own website, if any.
    async fn url(&self) -> Option<Url> {
        self.0.url.clone().map(Url)
    }

    /// Whether the viewer may change the source (`updateSource`).
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageSources))
    }

    /// Whether the viewer's role may delete the source (`deleteSource`); one that articles are still credited to is refused with `IN_USE`.
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageSources))
    }

    /// The path of the source page: `/source/<slug>`.
    async fn uri(&self) -> String {
        route::source_uri(&self.0.slug)
    }

    /// Published stories credited to this source.
    #[allow(clippy::too_many_arguments)] // the four Relay arguments plus order
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N articles (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N articles (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(
            desc = "The order of the list; null means newest first.",
            default_with = "Some(ArticleOrderInput::NEWEST)"
        )]
        order_by: Option<ArticleOrderInput>,
    ) -> ApiResult<ArticleConnection> {
        // By id: the source's latest-stories index, read in order.
        let filter = ArticleFilter::from(Narrowing {
            sources: Some(Named::id(self.0.id)),
            ..Narrowing::default()
        });
        article_connection(
            ctx,
            filter,
            order_by,
            Window::new(first, after, last, before),
        )
        .await
    }
}
