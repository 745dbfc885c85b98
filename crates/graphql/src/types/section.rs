//! `Section`: a node of the section tree and its section page.

use async_graphql::{Context, ID, Object};
use dateline_domain::route;
use dateline_domain::{DeskAction, model};
use dateline_persistence::{ArticleFilter, Narrowing};

use crate::error::ApiResult;
use crate::id::{NodeKind, encode};
use crate::pagination::Window;
use crate::scalars::Url;
use crate::scope::scope;
use crate::site::site;
use crate::types::article::section_trail;
use crate::types::connection::{ArticleConnection, article_connection};
use crate::types::seo::{self, Seo};
use crate::types::{ArticleOrderInput, Breadcrumb};
use dateline_domain::seo::PageKind;

/// A section of the site ("World", "Latest Updates").
#[derive(Clone)]
pub struct Section(pub(crate) model::Section);

/// A section of the site. Sections form a tree of any depth.
#[Object]
impl Section {
    /// The section's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Section, self.0.id)
    }

    /// The URL name of the section, unique across the whole tree.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The section's name as shown in navigation.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A sentence about what the section covers.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The path of the section page: `/<slug>`.
    async fn uri(&self) -> String {
        route::section_uri(&self.0.slug)
    }

    /// The absolute address of the section page: the site's public URL (`--public-url`)
    /// followed by `uri`.
    async fn url(&self, ctx: &Context<'_>) -> ApiResult<Url> {
        Ok(site(ctx)?.url(&route::section_uri(&self.0.slug)))
    }

    /// What the section page tells search engines and social previews, with a schema.org
    /// `CollectionPage` and its breadcrumbs as JSON-LD. Editors set the title and
    /// description with `updateSeo`; else they are the name and the description.
    async fn seo(&self, ctx: &Context<'_>) -> ApiResult<Seo> {
        let scope = scope(ctx)?;
        let site = site(ctx)?;
        let tree = scope.sections().await?;
        let section = &self.0;
        let trail: Vec<(String, String)> =
            section_trail(tree.ancestors(section.id).into_iter().chain([section]))
                .into_iter()
                .map(|crumb| (crumb.name, crumb.uri))
                .collect();
        let page = seo::Page {
            site,
            custom: seo::custom(scope, PageKind::Section, section.id).await?,
            title: section.name.clone(),
            summary: Some(section.description.clone().unwrap_or_else(|| {
                format!("The latest {} stories from {}.", section.name, site.name)
            })),
            uri: route::section_uri(&section.slug),
            public: true,
            og_type: "website",
            image: None,
        };
        Ok(page.seo(None, |title, description, url| {
            seo::collection_page(
                site,
                title,
                description,
                url,
                Some(seo::breadcrumbs(site, &trail)),
            )
        }))
    }

    /// The section this one sits under; null for a top-level section.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Section>> {
        let tree = scope(ctx)?.sections().await?;
        Ok(self
            .0
            .parent_id
            .and_then(|id| tree.get(id))
            .cloned()
            .map(Section))
    }

    /// The sections directly under this one, in display order.
    async fn children(&self, ctx: &Context<'_>) -> ApiResult<Vec<Section>> {
        let tree = scope(ctx)?.sections().await?;
        Ok(tree
            .children_of(Some(self.0.id))
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// The sections above this one, the top-level section first.
    async fn ancestors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Section>> {
        let tree = scope(ctx)?.sections().await?;
        Ok(tree
            .ancestors(self.0.id)
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// Home, the ancestors, and this section last.
    async fn breadcrumbs(&self, ctx: &Context<'_>) -> ApiResult<Vec<Breadcrumb>> {
        let tree = scope(ctx)?.sections().await?;
        Ok(section_trail(
            tree.ancestors(self.0.id).into_iter().chain([&self.0]),
        ))
    }

    /// Published stories filed under this section (and, by default, its subsections).
    #[allow(clippy::too_many_arguments)] // the four Relay arguments plus order and scope
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
        #[graphql(
            desc = "Include stories filed under subsections, at any depth (null means true).",
            default_with = "Some(true)"
        )]
        include_subsections: Option<bool>,
    ) -> ApiResult<ArticleConnection> {
        let section_ids = if include_subsections.unwrap_or(true) {
            scope(ctx)?.sections().await?.subtree_ids(self.0.id)
        } else {
            vec![self.0.id]
        };
        let filter = ArticleFilter::from(Narrowing {
            section_ids: Some(section_ids),
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

    /// Whether the viewer may change the section (`updateSection`).
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageSections))
    }

    /// Whether the viewer's role may delete the section (`deleteSection`); one that articles or subsections still use is refused with `IN_USE`.
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(scope(ctx)?.may(DeskAction::ManageSections))
    }
}
