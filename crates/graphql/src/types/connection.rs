//! The connections of articles, authors, sources and tags (`ArticleConnection`, …) and
//! [`article_connection`], the one place an `articles(first, after, last, before, orderBy)`
//! field is answered, whichever type it sits on (the query root, `Author`, `Section`,
//! `Source`, `Tag`). The paging machinery they are built on is [`crate::pagination`]'s.

use async_graphql::{Context, Object};
use dateline_domain::ArticleStatus;
use dateline_persistence::page::{NameKey, Page, PageArgs};
use dateline_persistence::{ArticleFilter, ArticleOrder, CatalogVisibility, Visibility};

use crate::error::{ApiError, ApiResult};
use crate::pagination::{
    Edges, PageInfo, Window, article_cursor, edge, parse_article_cursor, parse_name_cursor,
};
use crate::scope::scope;
use crate::types::{
    Article, ArticleOrderField, ArticleOrderInput, ArticleRevision, Author, Correction, Source,
    Tag, User,
};

/// What a connection counts when `totalCount` is asked for.
pub enum Total {
    Articles {
        visibility: Visibility,
        filter: ArticleFilter,
    },
    Authors(CatalogVisibility),
    Sources(CatalogVisibility),
    Tags(CatalogVisibility),
    Users,
    /// The recorded revisions of the article with this id.
    Revisions(i32),
    /// A list held whole, whose length is known.
    Known(usize),
}

impl Total {
    async fn count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let scope = scope(ctx)?;
        scope.charge_list_read()?;
        let store = &scope.store;
        let n = match self {
            Self::Articles { visibility, filter } => {
                store.count_articles(*visibility, filter).await?
            }
            Self::Authors(visibility) => store.count_authors(*visibility).await?,
            Self::Sources(visibility) => store.count_sources(*visibility).await?,
            Self::Tags(visibility) => store.count_tags(*visibility).await?,
            Self::Users => store.count_users().await?,
            Self::Revisions(article) => store.count_revisions(*article).await?,
            Self::Known(n) => u64::try_from(*n).unwrap_or(u64::MAX),
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ident, $connection_desc:literal, $edge_desc:literal, $node_desc:literal) => {
        #[doc = $connection_desc]
        pub struct $connection {
            page: Edges<$edge>,
            total: Total,
        }

        impl $connection {
            /// The connection over a page the store read: `cursor` places each item in its
            /// list, `node` turns it into the GraphQL object, `total` counts the whole list.
            pub(crate) fn from_page<T>(
                page: Page<T>,
                cursor: impl Fn(&T) -> String,
                node: impl Fn(T) -> $node,
                total: Total,
            ) -> Self {
                Self {
                    page: Edges::from_page(page, |item| {
                        Some($edge {
                            cursor: cursor(&item),
                            node: node(item),
                        })
                    }),
                    total,
                }
            }
        }

        #[Object]
        #[doc = $connection_desc]
        impl $connection {
            /// The items on this page, each with the cursor that points at it.
            async fn edges(&self) -> &[$edge] {
                self.page.edges()
            }

            /// The items on this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.page.nodes()
            }

            /// Where this page sits in the whole list.
            async fn page_info(&self) -> PageInfo {
                self.page.page_info()
            }

            /// How many items the whole list holds, across all pages. Counted only when asked for.
            async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
                self.total.count(ctx).await
            }
        }

        edge!($edge, $node, $edge_desc, $node_desc);
    };
}

connection!(
    ArticleConnection,
    ArticleEdge,
    Article,
    "A page of articles.",
    "An article in a list, with its cursor.",
    "The article."
);
connection!(
    AuthorConnection,
    AuthorEdge,
    Author,
    "A page of authors, by name.",
    "An author in a list, with its cursor.",
    "The author."
);
connection!(
    SourceConnection,
    SourceEdge,
    Source,
    "A page of sources, by name.",
    "A source in a list, with its cursor.",
    "The source."
);
connection!(
    TagConnection,
    TagEdge,
    Tag,
    "A page of tags, by name.",
    "A tag in a list, with its cursor.",
    "The tag."
);

connection!(
    UserConnection,
    UserEdge,
    User,
    "A page of staff accounts, by name.",
    "A staff account in a list, with its cursor.",
    "The account."
);
connection!(
    ArticleRevisionConnection,
    ArticleRevisionEdge,
    ArticleRevision,
    "A page of an article's revisions, newest first.",
    "A revision in a list, with its cursor.",
    "The revision."
);
connection!(
    CorrectionConnection,
    CorrectionEdge,
    Correction,
    "A page of an article's corrections, oldest first.",
    "A correction in a list, with its cursor.",
    "The correction."
);

/// The page arguments of a catalogue list ordered by name (`list`: `tag`, `author` or
/// `source`) and
/// how much of the catalogue the reader may find, once the read is charged.
pub(crate) fn name_list(
    ctx: &Context<'_>,
    window: Window,
    list: &str,
) -> ApiResult<(PageArgs<NameKey>, CatalogVisibility)> {
    let args = window.page_args(|cursor| parse_name_cursor(list, cursor))?;
    let scope = scope(ctx)?;
    scope.charge_list_read()?;
    Ok((args, scope.catalog_visibility()))
}

/// A page of articles as the store reads it, as a connection.
pub(crate) async fn article_connection(
    ctx: &Context<'_>,
    filter: ArticleFilter,
    order_by: Option<ArticleOrderInput>,
    window: Window,
) -> ApiResult<ArticleConnection> {
    // Drafts may have no publication time to order by: lists that hold them are ordered by
    // their last change, most recent first unless asked otherwise.
    let timeless = filter.in_trash
        || filter.awaiting_review
        || matches!(
            filter.status,
            Some(ArticleStatus::Draft | ArticleStatus::Archived)
        );
    let order = match order_by {
        Some(order_by) if timeless && order_by.field == ArticleOrderField::PublishedAt => {
            return Err(ApiError::bad_input(
                "drafts, archived articles, the review queue and the trash are ordered by `UPDATED_AT` only",
            ));
        }
        Some(order_by) => ArticleOrder::from(order_by),
        None if timeless => ArticleOrder::RECENTLY_UPDATED,
        None => ArticleOrder::NEWEST,
    };
    let args = window.page_args(|cursor| parse_article_cursor(order, cursor))?;
    let scope = scope(ctx)?;
    scope.charge_list_read()?;
    let visibility = scope.list_visibility(&filter)?;
    let look = ctx.look_ahead();
    let page = if look.field("nodes").field("author").exists()
        || look.field("edges").field("node").field("author").exists()
    {
        let (page, authors) = scope
            .store
            .articles_page_with_authors(visibility, &filter, order, &args)
            .await?;
        scope.loaders.authors.feed_many(authors).await;
        page
    } else {
        scope
            .store
            .articles_page(visibility, &filter, order, &args)
            .await?
    };
    Ok(ArticleConnection::from_page(
        page,
        |article| article_cursor(order, order.key(article)),
        Article,
        Total::Articles { visibility, filter },
    ))
}
