//! The query root: what a site's pages read.

use async_graphql::{Context, ID, Object};
use dateline_domain::{DeskAction, RoutePath, Slug, route};

use crate::error::{ApiError, ApiResult};
use crate::id::{self, NodeKind};
use crate::pagination::{Window, name_cursor, parse_name_cursor};
use crate::scope::{RequestScope, scope};
use crate::types::connection::{
    ArticleConnection, AuthorConnection, SourceConnection, TagConnection, Total, UserConnection,
    article_connection, name_list,
};
use crate::types::{
    Article, ArticleFilterInput, ArticleOrderInput, ArticleRevision, Author, Correction, Node,
    Route, RouteKind, SearchConnection, SearchFilterInput, Section, Settings, Source, Tag, User,
    search_connection,
};

/// Whether `slug` could name anything; no stored slug fails this, so a lookup by such a
/// string finds nothing without asking the database.
fn is_slug(slug: &str) -> bool {
    Slug::parse(slug).is_ok()
}

/// The most ids `nodes(ids:)` takes at once.
pub const MAX_NODES: usize = 100;

/// Everything a reader can look up.
pub struct Query;

/// The visible article with this slug or former slug, as `route` answers it: its kind, its
/// canonical path and itself.
async fn resolve_article(
    scope: &RequestScope,
    slug: &str,
) -> ApiResult<Option<(RouteKind, String, Option<Node>)>> {
    let store = &scope.store;
    let article = match store.article_by_slug(scope.visibility(), slug).await? {
        Some(article) => Some(article),
        None => match store.article_id_by_former_slug(slug).await? {
            Some(id) => scope.loaders.articles.load_one(id).await?,
            None => None,
        },
    };
    let Some(article) = article else {
        return Ok(None);
    };
    let tree = scope.sections().await?;
    let section = tree
        .get(article.section_id)
        .map(|s| s.slug.clone())
        .ok_or_else(|| {
            ApiError::inconsistent(format!("article {} points at missing section", article.id))
        })?;
    Ok(Some((
        RouteKind::Article,
        route::article_uri(&section, &article.slug),
        Some(Node::Article(Article(article))),
    )))
}

/// Where an old address of imported content leads now, as `route` answers it: one lookup
/// of the address, then what it names loaded as `node(id:)` loads it (so a draft's old
/// address leads the public nowhere).
async fn resolve_imported(
    ctx: &Context<'_>,
    path: &str,
) -> ApiResult<Option<(RouteKind, String, Option<Node>)>> {
    let Some(normal) = route::normalize_legacy_path(path) else {
        return Ok(None);
    };
    let scope = scope(ctx)?;
    let Some((kind, id)) = scope.store.imported_path_target(&normal).await? else {
        return Ok(None);
    };
    let kind = match kind.as_str() {
        "article" => NodeKind::Article,
        "section" => NodeKind::Section,
        "tag" => NodeKind::Tag,
        "author" => NodeKind::Author,
        _ => return Ok(None),
    };
    Ok(match load_node(ctx, kind, id).await? {
        Some(Node::Article(article)) => {
            let tree = scope.sections().await?;
            tree.get(article.0.section_id).map(|section| {
                let uri = route::article_uri(&section.slug, &article.0.slug);
                (RouteKind::Article, uri, Some(Node::Article(article)))
            })
        }
        Some(Node::Section(section)) => {
            let uri = route::section_uri(&section.0.slug);
            Some((RouteKind::Section, uri, Some(Node::Section(section))))
        }
        Some(Node::Tag(tag)) => {
            let uri = route::tag_uri(&tag.0.slug);
            Some((RouteKind::Tag, uri, Some(Node::Tag(tag))))
        }
        Some(Node::Author(author)) => {
            let uri = route::author_uri(&author.0.slug);
            Some((RouteKind::Author, uri, Some(Node::Author(author))))
        }
        _ => None,
    })
}

pub(crate) async fn load_node(
    ctx: &Context<'_>,
    kind: NodeKind,
    id: i32,
) -> ApiResult<Option<Node>> {
    let scope = scope(ctx)?;
    let loaders = &scope.loaders;
    Ok(match kind {
        NodeKind::Article => loaders
            .articles
            .load_one(id)
            .await?
            .map(|a| Node::Article(Article(a))),
        NodeKind::Author => loaders
            .listed_authors
            .load_one(id)
            .await?
            .map(|a| Node::Author(Author(a))),
        NodeKind::Section => scope
            .sections()
            .await?
            .get(id)
            .cloned()
            .map(|s| Node::Section(Section(s))),
        NodeKind::Source => loaders
            .listed_sources
            .load_one(id)
            .await?
            .map(|s| Node::Source(Source(s))),
        NodeKind::Tag => loaders
            .listed_tags
            .load_one(id)
            .await?
            .map(|t| Node::Tag(Tag(t))),
        // Staff accounts are for staff to see, as `viewer`, owners and editors show them.
        NodeKind::User if scope.staff().is_ok() => loaders
            .users
            .load_one(id)
            .await?
            .map(|u| Node::User(User(u))),
        NodeKind::User => None,
        // Revisions are for staff who may read their article unpublished: the public is
        // answered without a statement.
        NodeKind::ArticleRevision if scope.staff().is_err() => None,
        NodeKind::ArticleRevision => match loaders.revision.load_one(id).await? {
            Some(revision) => match loaders.articles.load_one(revision.article_id).await? {
                Some(article) if scope.sees_editorial_fields(&article).await? => {
                    Some(Node::ArticleRevision(ArticleRevision(revision)))
                }
                _ => None,
            },
            None => None,
        },
        NodeKind::Correction => match loaders.correction.load_one(id).await? {
            // A correction shows wherever its article does.
            Some(correction) => loaders
                .articles
                .load_one(correction.article_id)
                .await?
                .map(|_| Node::Correction(Correction(correction))),
            None => None,
        },
    })
}

/// The entry points for reading a news site: articles, sections, tags, authors, URL paths
/// and any object by its global id.
#[Object]
impl Query {
    /// Fetches any object by its global id; null if nothing visible has that id.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id from any `id` field.")] id: ID,
    ) -> ApiResult<Option<Node>> {
        let (kind, id) = id::decode(&id)?;
        load_node(ctx, kind, id).await
    }

    /// Fetches several objects by global id, in the order asked; null where nothing visible
    /// has that id.
    #[graphql(
        complexity = "crate::pagination::list_complexity(1, ids.len().min(MAX_NODES + 1), child_complexity)"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global ids.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input(format!(
                "`ids` takes at most {MAX_NODES} ids, got {}",
                ids.len()
            )));
        }
        let decoded = ids
            .iter()
            .map(|id| id::decode(id))
            .collect::<ApiResult<Vec<_>>>()?;
        futures::future::try_join_all(
            decoded
                .into_iter()
                .map(|(kind, id)| load_node(ctx, kind, id)),
        )
        .await
    }

    /// The article with this slug: a published one for the public; signed-in staff also
    /// get unpublished articles their role lets them read. Use `route(path:)` to follow
    /// former slugs.
    async fn article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article's slug.")] slug: String,
    ) -> ApiResult<Option<Article>> {
        if !is_slug(&slug) {
            return Ok(None);
        }
        let scope = scope(ctx)?;
        let look = ctx.look_ahead();
        let with_body = look.field("body").exists() || look.field("bodyText").exists();
        let Some(page) = scope
            .store
            .article_page_by_slug(scope.visibility(), &slug, with_body)
            .await?
        else {
            return Ok(None);
        };
        if let Some(author) = page.author {
            scope.loaders.authors.feed_one(author.id, author).await;
        }
        if let Some(body) = page.body {
            scope.loaders.bodies.feed_one(page.article.id, body).await;
        }
        Ok(Some(Article(page.article)))
    }

    /// Articles, optionally filtered and ordered: the published ones for everyone; signed-in
    /// staff may also list drafts, scheduled and archived articles, the review queue and the
    /// trash (see `ArticleFilterInput`).
    #[allow(clippy::too_many_arguments)] // the four Relay arguments plus filter and order
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
        #[graphql(desc = "Which articles to list.")] filter: Option<ArticleFilterInput>,
        #[graphql(
            desc = "The order of the list. Left out: newest first, or most recently changed first for drafts, archived articles, the review queue and the trash (which are ordered by `UPDATED_AT` only)."
        )]
        order_by: Option<ArticleOrderInput>,
    ) -> ApiResult<ArticleConnection> {
        let filter = filter.unwrap_or_default().resolve(ctx).await?;
        article_connection(
            ctx,
            filter,
            order_by,
            Window::new(first, after, last, before),
        )
        .await
    }

    /// Full-text search over published articles: their titles, subtitles, excerpts, bodies,
    /// bylines and tags. Words are matched in any form (`elections` finds `election`);
    /// `"quoted words"` match as a phrase, `khal*` matches words that begin so, and
    /// `-word` leaves out articles with that word. Results are ranked: title matches weigh
    /// more than body matches, and fresher stories more than old ones.
    #[allow(clippy::too_many_arguments)] // the four Relay arguments plus query and filter
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the reader typed: any text up to 1,000 characters.")] query: String,
        #[graphql(
            desc = "Return the first N hits (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N hits (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Which articles to search.")] filter: Option<SearchFilterInput>,
    ) -> ApiResult<SearchConnection> {
        let window = Window::new(first, after, last, before);
        search_connection(ctx, &query, filter, window).await
    }

    /// The section with this slug.
    async fn section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The section's slug.")] slug: String,
    ) -> ApiResult<Option<Section>> {
        Ok(scope(ctx)?
            .sections()
            .await?
            .by_slug(&slug)
            .cloned()
            .map(Section))
    }

    /// The top-level sections, in display order (for the site's main navigation).
    async fn sections(&self, ctx: &Context<'_>) -> ApiResult<Vec<Section>> {
        Ok(scope(ctx)?
            .sections()
            .await?
            .roots()
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// The tag with this slug. The public finds tags of published stories only; staff find
    /// every tag.
    async fn tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag's slug.")] slug: String,
    ) -> ApiResult<Option<Tag>> {
        if !is_slug(&slug) {
            return Ok(None);
        }
        let scope = scope(ctx)?;
        Ok(scope
            .store
            .listed_tag_by_slug(scope.catalog_visibility(), &slug)
            .await?
            .map(Tag))
    }

    /// Tags, by name: for the public, those of published stories; for staff, every tag.
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N tags (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N tags (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> ApiResult<TagConnection> {
        let window = Window::new(first, after, last, before);
        let (args, visibility) = name_list(ctx, window, "tag")?;
        let page = scope(ctx)?.store.tags_page(visibility, &args).await?;
        Ok(TagConnection::from_page(
            page,
            |t| name_cursor("tag", &t.name, t.id),
            Tag,
            Total::Tags(visibility),
        ))
    }

    /// The author with this slug. The public finds the authors of published stories only
    /// (as primary author or co-author); staff find every author profile.
    async fn author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author's slug.")] slug: String,
    ) -> ApiResult<Option<Author>> {
        if !is_slug(&slug) {
            return Ok(None);
        }
        let scope = scope(ctx)?;
        Ok(scope
            .store
            .listed_author_by_slug(scope.catalog_visibility(), &slug)
            .await?
            .map(Author))
    }

    /// Authors, by name: for the public, those of published stories (as primary author or
    /// co-author); for staff, every author profile.
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N authors (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N authors (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> ApiResult<AuthorConnection> {
        let window = Window::new(first, after, last, before);
        let (args, visibility) = name_list(ctx, window, "author")?;
        let page = scope(ctx)?.store.authors_page(visibility, &args).await?;
        Ok(AuthorConnection::from_page(
            page,
            |a| name_cursor("author", &a.name, a.id),
            Author,
            Total::Authors(visibility),
        ))
    }

    /// The source with this slug. The public finds the sources credited by published
    /// stories only; staff find every source.
    async fn source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source's slug.")] slug: String,
    ) -> ApiResult<Option<Source>> {
        if !is_slug(&slug) {
            return Ok(None);
        }
        let scope = scope(ctx)?;
        Ok(scope
            .store
            .listed_source_by_slug(scope.catalog_visibility(), &slug)
            .await?
            .map(Source))
    }

    /// Sources, by name: for the public, those credited by published stories; for staff,
    /// every source (an editor's source picker).
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn sources(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N sources (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N sources (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> ApiResult<SourceConnection> {
        let window = Window::new(first, after, last, before);
        let (args, visibility) = name_list(ctx, window, "source")?;
        let page = scope(ctx)?.store.sources_page(visibility, &args).await?;
        Ok(SourceConnection::from_page(
            page,
            |s| name_cursor("source", &s.name, s.id),
            Source,
            Total::Sources(visibility),
        ))
    }

    /// The signed-in member of staff; null for the public.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        Ok(scope(ctx)?.staff().ok().cloned().map(User))
    }

    /// Every staff account, by name. Null unless the viewer is an admin.
    #[graphql(complexity = "crate::pagination::page_complexity(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first N accounts (0 to 100; 20 if neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last N accounts (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> ApiResult<Option<UserConnection>> {
        let scope = scope(ctx)?;
        if scope.require(DeskAction::ManageStaff).is_err() {
            return Ok(None);
        }
        let args = Window::new(first, after, last, before)
            .page_args(|cursor| parse_name_cursor("user", cursor))?;
        scope.charge_list_read()?;
        let page = scope.store.users_page(&args).await?;
        Ok(Some(UserConnection::from_page(
            page,
            |u| name_cursor("user", &u.name, u.id),
            User,
            Total::Users,
        )))
    }

    /// The newsroom's settings. Null unless the viewer is staff.
    async fn settings(&self, ctx: &Context<'_>) -> ApiResult<Option<Settings>> {
        let scope = scope(ctx)?;
        if scope.staff().is_err() {
            return Ok(None);
        }
        Ok(Some(scope.policy().await?.into()))
    }

    /// The article a preview link (from `createPreviewLink`) shows, to anyone holding it,
    /// signed in or not. Null once the link expires or the article changes status. An
    /// answer that asks for it is never cached (`Cache-Control: private, no-store`).
    #[graphql(cache_control(private))]
    async fn preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from `createPreviewLink`.")] token: String,
    ) -> ApiResult<Option<Article>> {
        if token.len() > 512 {
            return Ok(None);
        }
        let scope = scope(ctx)?;
        Ok(scope
            .store
            .article_by_preview_token(&token, scope.now)
            .await?
            .map(Article))
    }

    /// Resolves a URL path of the site (`/`, `/<section>/<article>`, `/<section>`,
    /// `/tag/<slug>`, `/author/<slug>`, `/source/<slug>`) to what it shows. Former slugs
    /// resolve to the current page with `isRedirect: true`, and so do the old addresses of
    /// content imported from WordPress (`/2019/05/<post>/`, `/?p=123`,
    /// `/category/<parent>/<child>/`, `/tag/<slug>/`, `/author/<login>/`). Null when the path
    /// names nothing.
    async fn route(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The path part of a URL, e.g. `/world/asia`.")] path: String,
    ) -> ApiResult<Option<Route>> {
        let scope = scope(ctx)?;
        let store = &scope.store;
        // `?p=<id>` only ever names an imported post: its address is looked up first.
        let by_post_id = route::asks_for_post_id(&path);
        let mut found = if by_post_id {
            resolve_imported(ctx, &path).await?
        } else {
            None
        };
        let parsed = match found {
            Some(_) => None,
            None => RoutePath::parse(&path),
        };
        if let Some(parsed) = parsed {
            found = match parsed {
                RoutePath::Home => Some((RouteKind::Home, "/".to_owned(), None)),
                RoutePath::Section(slug) => {
                    let tree = scope.sections().await?;
                    let section = match tree.by_slug(&slug) {
                        Some(section) => Some(section.clone()),
                        None => store
                            .section_id_by_former_slug(&slug)
                            .await?
                            .and_then(|id| tree.get(id).cloned()),
                    };
                    section.map(|s| {
                        let uri = route::section_uri(&s.slug);
                        (RouteKind::Section, uri, Some(Node::Section(Section(s))))
                    })
                }
                RoutePath::Article { slug, .. } => resolve_article(scope, &slug).await?,
                RoutePath::Tag(slug) => {
                    let visibility = scope.catalog_visibility();
                    let tag = match store.listed_tag_by_slug(visibility, &slug).await? {
                        Some(tag) => Some(tag),
                        None => store.tag_by_former_slug(visibility, &slug).await?,
                    };
                    tag.map(|t| {
                        let uri = route::tag_uri(&t.slug);
                        (RouteKind::Tag, uri, Some(Node::Tag(Tag(t))))
                    })
                }
                RoutePath::Author(slug) => {
                    let visibility = scope.catalog_visibility();
                    let author = match store.listed_author_by_slug(visibility, &slug).await? {
                        Some(author) => Some(author),
                        None => store.author_by_former_slug(visibility, &slug).await?,
                    };
                    author.map(|a| {
                        let uri = route::author_uri(&a.slug);
                        (RouteKind::Author, uri, Some(Node::Author(Author(a))))
                    })
                }
                RoutePath::Source(slug) => {
                    let visibility = scope.catalog_visibility();
                    let source = match store.listed_source_by_slug(visibility, &slug).await? {
                        Some(source) => Some(source),
                        None => store.source_by_former_slug(visibility, &slug).await?,
                    };
                    match source {
                    Some(s) => {
                        let uri = route::source_uri(&s.slug);
                        Some((RouteKind::Source, uri, Some(Node::Source(Source(s)))))
                    }
                    // Before `source` was reserved a section could have it as slug: the old
                    // paths of its stories (`/source/<article>`) still lead to them, and to
                    // nothing else.
                    None => match store.section_id_by_former_slug("source").await? {
                        Some(section) => {
                            resolve_article(scope, &slug).await?.filter(|(_, _, node)| {
                                matches!(node, Some(Node::Article(a)) if a.0.section_id == section)
                            })
                        }
                        None => None,
                    },
                }
                }
            };
        }
        let asked = path.split(['?', '#']).next().unwrap_or_default();
        // An imported post's exact old address outranks a redirect by slug: with
        // `/%category%/%postname%/` permalinks, `/news/weather` may be both the old
        // address of an imported post renamed `weather-2` and, by its slug, a redirect to
        // the newsroom's own `weather`. A canonical path costs no further lookup.
        let redirect = found.as_ref().is_some_and(|(_, uri, _)| uri != asked);
        if (found.is_none() || redirect)
            && !by_post_id
            && let Some(imported) = resolve_imported(ctx, &path).await?
        {
            found = Some(imported);
        }
        Ok(found.map(|(kind, canonical_uri, node)| Route {
            kind,
            is_redirect: canonical_uri != asked,
            canonical_uri,
            node,
        }))
    }
}
