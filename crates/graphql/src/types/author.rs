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
use crate::site::site;
use crate::types::ArticleOrderInput;
use crate::types::connection::{ArticleConnection, article_connection};
use crate::types::seo::{self, Seo};
use dateline_domain::seo::PageKind;
use serde_json::json;

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

    /// The absolute address of the author page: the site's public URL (`--public-url`)
    /// followed by `uri`.
    async fn url(&self, ctx: &Context<'_>) -> ApiResult<Url> {
        Ok(site(ctx)?.url(&route::author_uri(&self.0.slug)))
    }

    /// What the author page tells search engines and social previews, with a schema.org
    /// `ProfilePage` of the `Person` as JSON-LD. Editors set the title and description
    /// with `updateSeo`; else they are the name and the bio.
    async fn seo(&self, ctx: &Context<'_>) -> ApiResult<Seo> {
        let scope = scope(ctx)?;
        let site = site(ctx)?;
        let author = &self.0;
        let image = author.avatar_url.clone().map(|url| seo::SeoImage {
            url: Url(url),
            alt: Some(author.name.clone()),
        });
        let page = seo::Page {
            site,
            custom: seo::custom(scope, PageKind::Author, author.id).await?,
            title: author.name.clone(),
            summary: Some(
                author
                    .bio
                    .clone()
                    .unwrap_or_else(|| format!("Stories by {} for {}.", author.name, site.name)),
            ),
            uri: route::author_uri(&author.slug),
            public: true,
            og_type: "profile",
            image,
        };
        Ok(page.seo(None, |title, description, url| {
            let mut person = seo::person(site, author);
            if let Some(bio) = &author.bio {
                person["description"] = json!(bio);
            }
            let mut data = json!({
                "@context": "https://schema.org",
                "@type": "ProfilePage",
                "url": url.0,
                "name": title,
                "inLanguage": site.language,
                "isPartOf": seo::website(site),
                "mainEntity": person,
            });
            if let Some(description) = description {
                data["description"] = json!(description);
            }
            data
        }))
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
