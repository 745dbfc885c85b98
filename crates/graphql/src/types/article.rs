//! `Article`: everything an article page renders, from breadcrumbs to "Check Also".

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use dateline_domain::model;
use dateline_domain::{ArticleAction, ArticleStatus, Transition, route, text, workflow};
use dateline_persistence::RelatedRequest;
use dateline_persistence::page::NumberKey;

use crate::error::{ApiError, ApiResult};
use crate::id::{NodeKind, encode};
use crate::loaders::RelatedKey;
use crate::pagination::{
    Window, id_cursor, page_of, parse_id_cursor, parse_revision_cursor, revision_cursor,
};
use crate::scalars::{DateTime, Html, Url};
use crate::scope::scope;
use crate::site::site;
use crate::types::connection::{ArticleRevisionConnection, CorrectionConnection, Total};
use crate::types::seo::{self, ArticleFacts, Seo, SeoImage};
use crate::types::{
    ArticleRevision, Author, Correction, RelatedArticle, Section, Source, Tag, User,
};
use dateline_domain::seo::PageKind;
use serde_json::json;

/// The most related stories one article returns.
pub const MAX_RELATED: i32 = 20;

/// What `related` adds to a query's complexity before its selection, per article: the
/// articles of a page are ranked together in two statements, which read about fifty
/// candidate stories for each.
pub const RELATED_COST: usize = 50;

/// A news story.
#[derive(Clone)]
pub struct Article(pub(crate) model::Article);

/// Where an article stands in the editorial workflow.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ArticleStatus")]
pub enum ArticleStatusValue {
    /// Being written; never shown to the public.
    Draft,
    /// Approved and waiting for its publication time.
    Scheduled,
    /// Public from its publication time on.
    Published,
    /// Taken down; kept for the record.
    Archived,
}

impl From<ArticleStatusValue> for ArticleStatus {
    fn from(status: ArticleStatusValue) -> Self {
        match status {
            ArticleStatusValue::Draft => Self::Draft,
            ArticleStatusValue::Scheduled => Self::Scheduled,
            ArticleStatusValue::Published => Self::Published,
            ArticleStatusValue::Archived => Self::Archived,
        }
    }
}

impl From<ArticleStatus> for ArticleStatusValue {
    fn from(status: ArticleStatus) -> Self {
        match status {
            ArticleStatus::Draft => Self::Draft,
            ArticleStatus::Scheduled => Self::Scheduled,
            ArticleStatus::Published => Self::Published,
            ArticleStatus::Archived => Self::Archived,
        }
    }
}

/// The place a story was filed from, printed before its first paragraph ("KABUL:").
#[derive(SimpleObject)]
pub struct Dateline {
    /// The place, as the newsroom writes it (usually upper case).
    pub place: String,
}

/// The lead picture of a story.
#[derive(SimpleObject)]
pub struct FeaturedImage {
    /// Where the image is served from.
    pub url: Url,
    /// Text for readers who cannot see the image.
    pub alt_text: Option<String>,
    /// The caption printed under the image.
    pub caption: Option<String>,
    /// Who took or owns the image.
    pub credit: Option<String>,
}

/// One step of a breadcrumb trail.
#[derive(SimpleObject)]
pub struct Breadcrumb {
    /// The label to show.
    pub name: String,
    /// The path the label links to.
    pub uri: String,
}

/// A headline as schema.org wants it: at most 110 characters, cut at a word.
fn headline(title: &str) -> String {
    const MAX: usize = 110;
    if title.chars().count() <= MAX {
        return title.to_owned();
    }
    let cut: String = title.chars().take(MAX - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end())
}

/// Home, then each section of `path` (the root first), as a breadcrumb trail.
pub(crate) fn section_trail<'a>(
    path: impl IntoIterator<Item = &'a model::Section>,
) -> Vec<Breadcrumb> {
    let home = Breadcrumb {
        name: "Home".to_owned(),
        uri: "/".to_owned(),
    };
    std::iter::once(home)
        .chain(path.into_iter().map(|s| Breadcrumb {
            name: s.name.clone(),
            uri: route::section_uri(&s.slug),
        }))
        .collect()
}

impl Article {
    /// Whether the viewer's role allows `action` on the article and, for a move through the
    /// workflow, whether the workflow allows `transition` from where the article stands
    /// (only restoring applies in the trash, and nothing else does).
    async fn viewer_can(
        &self,
        ctx: &Context<'_>,
        action: ArticleAction,
        transition: Option<Transition>,
    ) -> ApiResult<bool> {
        let scope = scope(ctx)?;
        let in_trash = self.0.deleted_at.is_some();
        let allowed = match transition {
            Some(transition) => {
                transition.from_trash() == in_trash
                    && transition.decide(self.0.status, scope.now).is_ok()
            }
            None => !in_trash,
        };
        Ok(allowed && scope.may_on_article(action, &self.0).await?)
    }

    async fn body_of(&self, ctx: &Context<'_>) -> ApiResult<model::ArticleBody> {
        let scope = scope(ctx)?;
        scope.charge_text(self.0.word_count)?;
        let body = scope.loaders.bodies.load_one(self.0.id).await?;
        body.ok_or_else(|| ApiError::inconsistent(format!("article {} has no body", self.0.id)))
    }

    async fn primary_section(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<(model::Section, Vec<model::Section>)> {
        let tree = scope(ctx)?.sections().await?;
        let section = tree.get(self.0.section_id).cloned().ok_or_else(|| {
            ApiError::inconsistent(format!(
                "article {} points at missing section {}",
                self.0.id, self.0.section_id
            ))
        })?;
        let ancestors = tree.ancestors(section.id).into_iter().cloned().collect();
        Ok((section, ancestors))
    }
}

/// A news story: headline, body, byline, section, tags and what to read next.
#[Object]
impl Article {
    /// The article's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Article, self.0.id)
    }

    /// The URL name of the article, unique across the site.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The headline.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The standfirst under the headline, if any.
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }

    /// The body as sanitised HTML: safe to insert into a page as it is.
    async fn body(&self, ctx: &Context<'_>) -> ApiResult<Html> {
        Ok(Html(self.body_of(ctx).await?.html))
    }

    /// The body as plain text, paragraphs separated by blank lines.
    async fn body_text(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.body_of(ctx).await?.text)
    }

    /// A short summary: the editor's, or the start of the body.
    async fn excerpt(&self) -> &str {
        &self.0.excerpt
    }

    /// Words in the body.
    async fn word_count(&self) -> i32 {
        i32::try_from(self.0.word_count).unwrap_or(i32::MAX)
    }

    /// Whole minutes a reader needs for the body (at least one).
    async fn reading_time_minutes(&self) -> i32 {
        i32::try_from(text::reading_time_minutes(self.0.word_count)).unwrap_or(i32::MAX)
    }

    /// Where the story was filed from, if it carries a dateline.
    async fn dateline(&self) -> Option<Dateline> {
        self.0
            .dateline_place
            .clone()
            .map(|place| Dateline { place })
    }

    /// The desk or agency the story is credited to.
    async fn source(&self, ctx: &Context<'_>) -> ApiResult<Option<Source>> {
        let Some(id) = self.0.source_id else {
            return Ok(None);
        };
        Ok(scope(ctx)?.loaders.sources.load_one(id).await?.map(Source))
    }

    /// The primary author.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Author> {
        let author = scope(ctx)?
            .loaders
            .authors
            .load_one(self.0.author_id)
            .await?;
        author.map(Author).ok_or_else(|| {
            ApiError::inconsistent(format!(
                "article {} points at missing author {}",
                self.0.id, self.0.author_id
            ))
        })
    }

    /// Further authors in byline order, after the primary one.
    async fn co_authors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Author>> {
        let authors = scope(ctx)?.loaders.co_authors.load_one(self.0.id).await?;
        Ok(authors
            .unwrap_or_default()
            .into_iter()
            .map(Author)
            .collect())
    }

    /// The primary section the story is filed under.
    async fn section(&self, ctx: &Context<'_>) -> ApiResult<Section> {
        Ok(Section(self.primary_section(ctx).await?.0))
    }

    /// The story's tags, in the editor's order.
    async fn tags(&self, ctx: &Context<'_>) -> ApiResult<Vec<Tag>> {
        let tags = scope(ctx)?
            .loaders
            .tags_of_article
            .load_one(self.0.id)
            .await?;
        Ok(tags.unwrap_or_default().into_iter().map(Tag).collect())
    }

    /// Where the story is in the editorial workflow.
    async fn status(&self) -> ArticleStatusValue {
        self.0.status.into()
    }

    /// When the story was (or will be) published.
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }

    /// When the story was last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// Whether editors feature the story (for a front-page lead or carousel).
    async fn featured(&self) -> bool {
        self.0.featured
    }

    /// The lead picture, if the story has one.
    async fn featured_image(&self) -> Option<FeaturedImage> {
        self.0.featured_image.clone().map(|i| FeaturedImage {
            url: Url(i.url),
            alt_text: i.alt_text,
            caption: i.caption,
            credit: i.credit,
        })
    }

    /// The current revision number. Send it back as `expectedRevision` when saving: if
    /// someone saved in between, the save is refused with `CONFLICT` instead of overwriting
    /// their work.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// Dated public notes correcting the article, oldest first.
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn corrections(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N corrections (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N corrections (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> ApiResult<CorrectionConnection> {
        let args = Window::new(first, after, last, before)
            .page_args(|cursor| parse_id_cursor("correction", cursor))?;
        // An article has a handful of corrections: the page's articles have theirs read in
        // one statement, and each list is paged here.
        let corrections = scope(ctx)?
            .loaders
            .corrections
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let total = Total::Known(corrections.len());
        Ok(CorrectionConnection::from_page(
            page_of(corrections, |c| c.id, &args),
            |c| id_cursor("correction", c.id),
            Correction,
            total,
        ))
    }

    /// When the article was last submitted for review, while it waits for one. Null unless
    /// the viewer is staff who may read the article unpublished.
    async fn review_requested_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        let shown = scope(ctx)?.sees_editorial_fields(&self.0).await?;
        Ok(self.0.review_requested_at.filter(|_| shown).map(DateTime))
    }

    /// When the article was moved to the trash, while it is there. Null unless the viewer
    /// is staff who may read the article unpublished.
    async fn deleted_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        let shown = scope(ctx)?.sees_editorial_fields(&self.0).await?;
        Ok(self.0.deleted_at.filter(|_| shown).map(DateTime))
    }

    /// Every saved version of the article, newest first. Null unless the viewer is staff
    /// who may read the article unpublished.
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N revisions (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N revisions (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> ApiResult<Option<ArticleRevisionConnection>> {
        let scope = scope(ctx)?;
        if !scope.sees_editorial_fields(&self.0).await? {
            return Ok(None);
        }
        let args = Window::new(first, after, last, before).page_args(parse_revision_cursor)?;
        scope.charge_list_read()?;
        // Each revision carries a body about as long as the article's.
        let words = usize::try_from(self.0.word_count).unwrap_or(usize::MAX);
        scope.charge_text(words.saturating_mul(usize::try_from(args.limit).unwrap_or(0)))?;
        let page = scope.store.revisions_page(self.0.id, &args).await?;
        Ok(Some(ArticleRevisionConnection::from_page(
            page,
            |r| {
                revision_cursor(NumberKey {
                    number: r.number,
                    id: r.id,
                })
            },
            ArticleRevision,
            Total::Revisions(self.0.id),
        )))
    }

    /// Whether the viewer may save changes to the article (`updateArticle`,
    /// `restoreArticleRevision`, `setRelatedArticles`). False in the trash.
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.viewer_can(ctx, ArticleAction::Edit, None).await
    }

    /// Whether the viewer may send the draft to an editor (`submitArticleForReview`).
    async fn viewer_can_submit_for_review(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let submit = Some(Transition::SubmitForReview);
        self.viewer_can(ctx, ArticleAction::SubmitForReview, submit)
            .await
    }

    /// Whether the viewer may publish or schedule the article (`publishArticle`) from
    /// where it stands.
    async fn viewer_can_publish(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.viewer_can(ctx, ArticleAction::Publish, Some(Transition::Publish))
            .await
    }

    /// Whether the viewer may take the article back to draft (`unpublishArticle`).
    async fn viewer_can_unpublish(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.viewer_can(ctx, ArticleAction::Publish, Some(Transition::Unpublish))
            .await
    }

    /// Whether the viewer may take the article down (`archiveArticle`).
    async fn viewer_can_archive(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.viewer_can(ctx, ArticleAction::Publish, Some(Transition::Archive))
            .await
    }

    /// Whether the viewer may move the article to the trash (`deleteArticle`).
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.viewer_can(ctx, ArticleAction::Delete, Some(Transition::Trash))
            .await
    }

    /// Whether the viewer may bring the article back from the trash (`restoreArticle`).
    async fn viewer_can_restore(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.viewer_can(ctx, ArticleAction::Delete, Some(Transition::Restore))
            .await
    }

    /// Whether the viewer may add a public correction (`addArticleCorrection`): to a
    /// published or archived article.
    async fn viewer_can_correct(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        if !workflow::takes_corrections(self.0.status) {
            return Ok(false);
        }
        self.viewer_can(ctx, ArticleAction::Correct, None).await
    }

    /// The member of staff who created the article. Null unless the viewer is staff who may
    /// read the article unpublished.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let scope = scope(ctx)?;
        let Some(id) = self.0.owner_id else {
            return Ok(None);
        };
        if !scope.sees_editorial_fields(&self.0).await? {
            return Ok(None);
        }
        Ok(scope.loaders.users.load_one(id).await?.map(User))
    }

    /// The path of the article page: `/<section-slug>/<article-slug>`.
    async fn uri(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let (section, _) = self.primary_section(ctx).await?;
        Ok(route::article_uri(&section.slug, &self.0.slug))
    }

    /// The absolute address of the article page: the site's public URL (`--public-url`)
    /// followed by `uri`.
    async fn url(&self, ctx: &Context<'_>) -> ApiResult<Url> {
        let (section, _) = self.primary_section(ctx).await?;
        Ok(site(ctx)?.url(&route::article_uri(&section.slug, &self.0.slug)))
    }

    /// What the article page tells search engines and social previews: title,
    /// description, canonical URL, Open Graph and Twitter fields, and a schema.org
    /// `NewsArticle` as JSON-LD. Editors set the title and description with `updateSeo`;
    /// else they are the headline and the excerpt.
    async fn seo(&self, ctx: &Context<'_>) -> ApiResult<Seo> {
        let scope = scope(ctx)?;
        let site = site(ctx)?;
        let article = &self.0;
        let (section, ancestors) = self.primary_section(ctx).await?;
        let loaders = &scope.loaders;
        let source = async {
            match article.source_id {
                Some(id) => loaders.sources.load_one(id).await,
                None => Ok(None),
            }
        };
        let (custom, author, co_authors, tags, source) = futures::try_join!(
            seo::custom(scope, PageKind::Article, article.id),
            async { Ok(loaders.authors.load_one(article.author_id).await?) },
            async { Ok(loaders.co_authors.load_one(article.id).await?) },
            async { Ok(loaders.tags_of_article.load_one(article.id).await?) },
            async { Ok::<_, ApiError>(source.await?) },
        )?;
        let authors: Vec<model::Author> = author
            .into_iter()
            .chain(co_authors.unwrap_or_default())
            .collect();
        let tag_names: Vec<String> = tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.name)
            .collect();
        let image = article.featured_image.as_ref().map(|i| SeoImage {
            url: Url(i.url.clone()),
            alt: i.alt_text.clone(),
        });
        let public = article.is_public_at(scope.now);
        let uri = route::article_uri(&section.slug, &article.slug);
        let mut trail: Vec<(String, String)> = section_trail(ancestors.iter().chain([&section]))
            .into_iter()
            .map(|crumb| (crumb.name, crumb.uri))
            .collect();
        trail.push((article.title.clone(), uri.clone()));
        let facts = ArticleFacts {
            published_time: article.published_at.map(DateTime),
            modified_time: Some(DateTime(article.updated_at)),
            section: Some(section.name.clone()),
            tags: tag_names.clone(),
            authors: authors
                .iter()
                .map(|a| site.url(&route::author_uri(&a.slug)))
                .collect(),
        };
        let page = seo::Page {
            site,
            custom,
            title: article.title.clone(),
            summary: Some(article.excerpt.clone()),
            uri,
            public,
            og_type: "article",
            image: image.clone(),
        };
        Ok(page.seo(Some(facts), |title, description, url| {
            let mut data = json!({
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "@id": format!("{}#article", url.0),
                "mainEntityOfPage": { "@type": "WebPage", "@id": url.0 },
                "url": url.0,
                "headline": headline(title),
                "inLanguage": site.language,
                "articleSection": section.name,
                "keywords": tag_names,
                "wordCount": article.word_count,
                "isAccessibleForFree": true,
                "author": authors.iter().map(|a| seo::person(site, a)).collect::<Vec<_>>(),
                "publisher": seo::publisher(site),
                "isPartOf": seo::website(site),
                "breadcrumb": seo::breadcrumbs(site, &trail),
                "dateModified": DateTime(article.updated_at).to_string(),
            });
            if let Some(description) = description {
                data["description"] = json!(description);
            }
            if let Some(subtitle) = &article.subtitle {
                data["alternativeHeadline"] = json!(subtitle);
            }
            if let Some(at) = article.published_at {
                data["datePublished"] = json!(DateTime(at).to_string());
            }
            if let Some(image) = &article.featured_image {
                let mut object = json!({ "@type": "ImageObject", "url": image.url });
                if let Some(caption) = image.caption.as_ref().or(image.alt_text.as_ref()) {
                    object["caption"] = json!(caption);
                }
                if let Some(credit) = &image.credit {
                    object["creditText"] = json!(credit);
                }
                data["image"] = json!([object]);
            }
            if let Some(place) = &article.dateline_place {
                data["dateline"] = json!(place);
                data["locationCreated"] = json!({ "@type": "Place", "name": place });
            }
            if let Some(source) = &source {
                let mut organization = json!({ "@type": "Organization", "name": source.name });
                if let Some(website) = &source.url {
                    organization["url"] = json!(website);
                }
                data["sourceOrganization"] = organization;
            }
            data
        }))
    }

    /// Home, the primary section's ancestors, the section, and the article itself last.
    async fn breadcrumbs(&self, ctx: &Context<'_>) -> ApiResult<Vec<Breadcrumb>> {
        let (section, ancestors) = self.primary_section(ctx).await?;
        let mut crumbs = section_trail(ancestors.iter().chain([&section]));
        crumbs.push(Breadcrumb {
            name: self.0.title.clone(),
            uri: route::article_uri(&section.slug, &self.0.slug),
        });
        Ok(crumbs)
    }

    /// "Check Also": editors' picks first (`setRelatedArticles`), in their order, then
    /// published stories ranked by shared tags, then same section, then recency. Only public
    /// stories, never this article, never the same story twice. Every article of a list is
    /// ranked at once, so a front page may show related stories under each of its
    /// articles; it weighs 50 per article towards the query's complexity limit of 10,000.
    #[graphql(
        complexity = "crate::pagination::list_complexity(RELATED_COST, usize::try_from(first.clamp(0, MAX_RELATED)).unwrap_or_default(), child_complexity)"
    )]
    async fn related(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many stories to return, from 0 to 20.", default = 5)] first: i32,
    ) -> ApiResult<Vec<RelatedArticle>> {
        if !(0..=MAX_RELATED).contains(&first) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 0 and {MAX_RELATED}, got {first}"
            )));
        }
        if first == 0 {
            return Ok(Vec::new());
        }
        let scope = scope(ctx)?;
        let tags = scope
            .loaders
            .tags_of_article
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let (section, _) = self.primary_section(ctx).await?;
        let key = RelatedKey(Arc::new(RelatedRequest {
            article: self.0.clone(),
            tags,
            section_name: section.name,
            limit: u64::try_from(first).unwrap_or_default(),
        }));
        let related = scope
            .loaders
            .related
            .load_one(key)
            .await?
            .unwrap_or_default();
        Ok(related.into_iter().map(RelatedArticle::from).collect())
    }
}
