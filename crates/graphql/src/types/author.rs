//! `Author`: a byline and its author page.

use async_graphql::{Context, ID, Object};
use dateline_domain::route;
use dateline_domain::{DeskAction, model};
use dateline_persistence::{ArticleFilter, Named, Narrowing};

use crate::error::ApiResult;
use crate::id::{NodeKind, encode};
use crate::pagination::Window;
use crate::scalars::Url;
use crate::scope::scope;
use crate::types::ArticleOrderInput;
use crate::types::connection::{ArticleConnection, article_connection};

/// A writer whose name appears on stories.
#[derive(Clone)]
pub struct Author(pub(crate) model::Author);

/// A writer whose name appears on stories, as shown in the author box.
#[Object]
impl Author {
    /// The author's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Author, self.0.id)
    }

    /// The URL name of the author page.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The name as printed in bylines.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A short biography for the author box.
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }

    /// The author's picture.
    async fn avatar_url(&self) -> Option<Url> {
        self.0.avatar_url.clone().map(Url)
    }

    /// The path of the author page: `/author/<slug>`.
    async fn uri(&self) -> String {
        route::author_uri(&self.0.slug)
    }

    /// Published stories by this author, as primary author or co-author.
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
        let filter = ArticleFilter::from(Narrowing {
            authors: Some(Named::Slugs(vec![self.0.slug.to_string()])),
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

    /// Whether the viewer may change the author profile (`updateAuthor`).
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageAuthors))
    }

    /// Whether the viewer's role may delete the author profile (`deleteAuthor`); one that articles or accounts still use is refused with `IN_USE`.
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageAuthors))
    }
}
