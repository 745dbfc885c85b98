//! `Source`: the desk or agency a story is credited to.

use async_graphql::{Context, ID, Object};
use dateline_domain::{DeskAction, model};

use crate::error::ApiResult;
use crate::id::{NodeKind, encode};
use crate::scalars::Url;
use crate::scope::scope;

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
}
