//! `Source`: the desk or agency a story is credited to, and its source page.

use async_graphql::{Context, ID, Object};
use dateline_domain::{DeskAction, model, route};
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
use serde_json::json;

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
    async fn website(&self) -> Option<Url> {
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

    /// The absolute address of the source page: the site's public URL (`--public-url`)
    /// followed by `uri`.
    async fn url(&self, ctx: &Context<'_>) -> ApiResult<Url> {
        Ok(site(ctx)?.url(&route::source_uri(&self.0.slug)))
    }

    /// What the source page tells search engines and social previews, with a schema.org
    /// `CollectionPage` about the source as JSON-LD. Editors set the title and description
    /// with `updateSeo`.
    async fn seo(&self, ctx: &Context<'_>) -> ApiResult<Seo> {
        let scope = scope(ctx)?;
        let site = site(ctx)?;
        let source = &self.0;
        let page = seo::Page {
            site,
            custom: seo::custom(scope, PageKind::Source, source.id).await?,
            title: source.name.clone(),
            summary: Some(format!("Stories from {} on {}.", source.name, site.name)),
            uri: route::source_uri(&source.slug),
            public: true,
            og_type: "website",
            image: None,
        };
        Ok(page.seo(None, |title, description, url| {
            let mut data = seo::collection_page(site, title, description, url, None);
            let mut about = json!({ "@type": "Organization", "name": source.name });
            if let Some(website) = &source.url {
                about["url"] = json!(website);
            }
            data["about"] = about;
            data
        }))
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
