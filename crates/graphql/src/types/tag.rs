//! `Tag`: a topic label and its tag page.

use async_graphql::{Context, ID, Object};
use dateline_domain::route;
use dateline_domain::{DeskAction, model};
use dateline_persistence::{ArticleFilter, Named, Narrowing};

use crate::error::ApiResult;
use crate::id::{NodeKind, encode};
use crate::pagination::Window;
use crate::scalars::Url;
use crate::scope::scope;
use crate::site::site;
use crate::types::ArticleOrderInput;
use crate::types::connection::{ArticleConnection, article_connection};
use crate::types::seo::{self, Seo};
use dateline_domain::seo::PageKind;

/// A topic stories are labelled with ("Peace talks").
#[derive(Clone)]
pub struct Tag(pub(crate) model::Tag);

/// A topic stories are labelled with.
#[Object]
impl Tag {
    /// The tag's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Tag, self.0.id)
    }

    /// The URL name of the tag page.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The tag as shown to readers.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The path of the tag page: `/tag/<slug>`.
    async fn uri(&self) -> String {
        route::tag_uri(&self.0.slug)
    }

    /// The absolute address of the tag page: the site's public URL (`--public-url`)
    /// followed by `uri`.
    async fn url(&self, ctx: &Context<'_>) -> ApiResult<Url> {
        Ok(site(ctx)?.url(&route::tag_uri(&self.0.slug)))
    }

    /// What the tag page tells search engines and social previews, with a schema.org
    /// `CollectionPage` as JSON-LD. Editors set the title and description with
    /// `updateSeo`.
    async fn seo(&self, ctx: &Context<'_>) -> ApiResult<Seo> {
        let scope = scope(ctx)?;
        let site = site(ctx)?;
        let tag = &self.0;
        let page = seo::Page {
            site,
            custom: seo::custom(scope, PageKind::Tag, tag.id).await?,
            title: tag.name.clone(),
            summary: Some(format!("Stories about {} from {}.", tag.name, site.name)),
            uri: route::tag_uri(&tag.slug),
            public: true,
            og_type: "website",
            image: None,
        };
        Ok(page.seo(None, |title, description, url| {
            seo::collection_page(site, title, description, url, None)
        }))
    }

    /// Published stories carrying this tag.
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
            tags: Some(Named::Slugs(vec![self.0.slug.to_string()])),
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

    /// Whether the viewer may change the tag (`updateTag`).
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageTags))
    }

    /// Whether the viewer's role may delete the tag (`deleteTag`); one that articles still carry is refused with `IN_USE` (merge it with `mergeTags`).
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageTags))
    }
}
