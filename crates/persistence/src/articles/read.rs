//! Article lists (front page, section, tag and author pages) and single-article lookups.

use std::collections::HashMap;

use dateline_domain::ArticleStatus;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, JoinType, PaginatorTrait, QueryFilter,
    QueryResult, QuerySelect, RelationDef, Select,
};

use crate::articles::visible;
use crate::entity::{article, article_body, author, slug_redirect};
use crate::error::StoreResult;
use crate::ids::unique;
use crate::narrowing::Narrowing;
use crate::page::{Page, PageArgs, TimeKey, finish, window};
use crate::rows::{ArticleRow, Joined, joined};
use crate::store::{Store, Visibility};
use dateline_domain::model::{Article, ArticleBody, Author};

/// Narrows an article list: what readers narrow by (as in search), and the workflow
/// states only staff list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleFilter {
    /// Sections, tags, authors, sources, left-out stories, publication window, featured.
    pub narrowing: Narrowing,
    /// In this workflow status only. Lists of other statuses than published are for staff,
    /// and leave out the trash unless `in_trash` asks for it.
    pub status: Option<ArticleStatus>,
    /// Only articles in the trash (`true`); the trash is left out otherwise.
    pub in_trash: bool,
    /// Only articles whose writer asked for review and which are still drafts.
    pub awaiting_review: bool,
}

impl From<Narrowing> for ArticleFilter {
    fn from(narrowing: Narrowing) -> Self {
        Self {
            narrowing,
            ..Self::default()
        }
    }
}

/// The timestamp an article list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleSort {
    /// When the article was (or will be) published.
    Published,
    /// When the article last changed.
    Updated,
}

/// The order an article list comes in: by a timestamp, then by id to break ties, both the
/// same way. Unfiltered, and by section, author or source, the published orders read an
/// index in order (backwards for oldest first); other combinations sort what their filter
/// selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArticleOrder {
    pub by: ArticleSort,
    pub descending: bool,
}

impl ArticleOrder {
    /// Newest first.
    pub const NEWEST: Self = Self {
        by: ArticleSort::Published,
        descending: true,
    };
    /// Most recently changed first.
    pub const RECENTLY_UPDATED: Self = Self {
        by: ArticleSort::Updated,
        descending: true,
    };

    fn column(self) -> article::Column {
        match self.by {
            ArticleSort::Published => article::Column::PublishedAt,
            ArticleSort::Updated => article::Column::UpdatedAt,
        }
    }

    /// Where `article` stands in a list in this order.
    pub fn key(self, article: &Article) -> TimeKey {
        let at = match self.by {
            ArticleSort::Published => article.published_at.unwrap_or(article.created_at),
            ArticleSort::Updated => article.updated_at,
        };
        TimeKey { at, id: article.id }
    }
}

fn filtered(visibility: Visibility, filter: &ArticleFilter) -> Select<article::Entity> {
    // `visible` may be an OR of its own: the filters must narrow all of it.
    let mut condition = filter
        .narrowing
        .narrow(Condition::all().add(visible(visibility)));
    if let Some(status) = filter.status {
        condition = condition.add(article::Column::Status.eq(status.as_str()));
    }
    if filter.awaiting_review {
        condition = condition
            .add(article::Column::ReviewRequestedAt.is_not_null())
            .add(article::Column::Status.eq(ArticleStatus::Draft.as_str()));
    }
    // The public never sees the trash: trashed articles are drafts.
    if !matches!(visibility, Visibility::PublishedAsOf(_)) || filter.in_trash {
        condition = condition.add(if filter.in_trash {
            article::Column::DeletedAt.is_not_null()
        } else {
            article::Column::DeletedAt.is_null()
        });
    }
    article::Entity::find().filter(condition)
}

fn into_articles(rows: Vec<ArticleRow>) -> StoreResult<Vec<Article>> {
    rows.into_iter()
        .map(|ArticleRow(row)| Article::try_from(row))
        .collect()
}

/// One keyset page of the articles `visibility` allows, narrowed by `filter`, in `order`.
fn page_select(
    visibility: Visibility,
    filter: &ArticleFilter,
    order: ArticleOrder,
    page: &PageArgs<TimeKey>,
) -> Select<article::Entity> {
    window(
        filtered(visibility, filter),
        order.column(),
        article::Column::Id,
        order.descending,
        page,
    )
}

/// The join from an article to its primary author.
fn byline() -> RelationDef {
    article::Entity::belongs_to(author::Entity)
        .from(article::Column::AuthorId)
        .to(author::Column::Id)
        .into()
}

/// An article as its page shows it, read in one statement.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub article: Article,
    /// Its primary author.
    pub author: Option<Author>,
    /// Its body, when it was asked for.
    pub body: Option<ArticleBody>,
}

const BODY_HTML: &str = "body_html";
const BODY_TEXT: &str = "body_text";

/// An article's row on its page: its columns, its author's after them, and its body's when
/// they were asked for (by name).
struct PageRow(Joined<ArticleRow, author::Model>, Option<ArticleBody>);

impl FromQueryResult for PageRow {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let html: Option<String> = row.try_get("", BODY_HTML).ok().flatten();
        let text: Option<String> = row.try_get("", BODY_TEXT).ok().flatten();
        Ok(Self(
            Joined::from_query_result(row, prefix)?,
            html.zip(text)
                .map(|(html, text)| ArticleBody { html, text }),
        ))
    }
}

/// Articles read with their primary authors: the articles in order, and the authors by id.
fn with_authors(
    rows: Vec<Joined<ArticleRow, author::Model>>,
) -> StoreResult<(Vec<Article>, HashMap<i32, Author>)> {
    let mut authors = HashMap::new();
    let mut articles = Vec::with_capacity(rows.len());
    for Joined(ArticleRow(article), author) in rows {
        if let Some(author) = author {
            authors
                .entry(author.id)
                .or_insert_with(|| Author::from(author));
        }
        articles.push(Article::try_from(article)?);
    }
    Ok((articles, authors))
}

impl Store {
    /// A keyset page of the articles `visibility` allows, narrowed by `filter`, in `order`.
    pub async fn articles_page(
        &self,
        visibility: Visibility,
        filter: &ArticleFilter,
        order: ArticleOrder,
        page: &PageArgs<TimeKey>,
    ) -> StoreResult<Page<Article>> {
        let select = page_select(visibility, filter, order, page);
        let rows = into_articles(select.into_model().all(self.connection()).await?)?;
        Ok(finish(rows, page))
    }

    /// The same page as [`Store::articles_page`], read in the same statement as the primary
    /// authors of its articles (keyed by id), for a page that shows bylines.
    pub async fn articles_page_with_authors(
        &self,
        visibility: Visibility,
        filter: &ArticleFilter,
        order: ArticleOrder,
        page: &PageArgs<TimeKey>,
    ) -> StoreResult<(Page<Article>, HashMap<i32, Author>)> {
        if !self.dialect().joins_bylines_into_pages() {
            let page = self.articles_page(visibility, filter, order, page).await?;
            let ids: Vec<i32> = page.items.iter().map(|a| a.author_id).collect();
            let authors = self.authors_by_ids(&ids).await?;
            return Ok((page, authors));
        }
        let select = page_select(visibility, filter, order, page);
        let rows = joined::<_, author::Model>(select, byline())
            .into_model()
            .all(self.connection())
            .await?;
        let (articles, authors) = with_authors(rows)?;
        Ok((finish(articles, page), authors))
    }

    /// How many articles the same filter matches in all.
    pub async fn count_articles(
        &self,
        visibility: Visibility,
        filter: &ArticleFilter,
    ) -> StoreResult<u64> {
        Ok(filtered(visibility, filter)
            .count(self.connection())
            .await?)
    }

    /// The visible article with this slug.
    pub async fn article_by_slug(
        &self,
        visibility: Visibility,
        slug: &str,
    ) -> StoreResult<Option<Article>> {
        let row = article::Entity::find()
            .filter(visible(visibility))
            .filter(article::Column::Slug.eq(slug))
            .one(self.connection())
            .await?;
        row.map(Article::try_from).transpose()
    }

    /// The visible article with this slug, read in the same statement as its primary author
    /// and, `with_body`, its body.
    pub async fn article_page_by_slug(
        &self,
        visibility: Visibility,
        slug: &str,
        with_body: bool,
    ) -> StoreResult<Option<ArticlePage>> {
        let select = article::Entity::find()
            .filter(visible(visibility))
            .filter(article::Column::Slug.eq(slug));
        let mut select = joined::<_, author::Model>(select, byline());
        if with_body {
            let body = article::Entity::belongs_to(article_body::Entity)
                .from(article::Column::Id)
                .to(article_body::Column::ArticleId)
                .into();
            select = select
                .join(JoinType::LeftJoin, body)
                .column_as(article_body::Column::BodyHtml, BODY_HTML)
                .column_as(article_body::Column::BodyText, BODY_TEXT);
        }
        let row = select
            .into_model::<PageRow>()
            .one(self.connection())
            .await?;
        let Some(PageRow(Joined(ArticleRow(article), author), body)) = row else {
            return Ok(None);
        };
        Ok(Some(ArticlePage {
            article: Article::try_from(article)?,
            author: author.map(Author::from),
            body,
        }))
    }

    /// The visible articles among `ids`, keyed by id.
    pub async fn articles_by_ids(
        &self,
        visibility: Visibility,
        ids: &[i32],
    ) -> StoreResult<HashMap<i32, Article>> {
        let rows = article::Entity::find()
            .filter(visible(visibility))
            .filter(article::Column::Id.is_in(unique(ids)))
            .into_model()
            .all(self.connection())
            .await?;
        Ok(into_articles(rows)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }

    /// The bodies of these articles, keyed by article id. Callers only ask for articles
    /// they were allowed to see.
    pub async fn article_bodies(&self, ids: &[i32]) -> StoreResult<HashMap<i32, ArticleBody>> {
        let rows = article_body::Entity::find()
            .filter(article_body::Column::ArticleId.is_in(unique(ids)))
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.article_id, ArticleBody::from(r)))
            .collect())
    }

    /// The id an article had this former slug, if it ever did.
    pub async fn article_id_by_former_slug(&self, slug: &str) -> StoreResult<Option<i32>> {
        self.former_slug_target(slug_redirect_kind::ARTICLE, slug)
            .await
    }

    pub(crate) async fn former_slug_target(
        &self,
        kind: &str,
        slug: &str,
    ) -> StoreResult<Option<i32>> {
        let row = slug_redirect::Entity::find()
            .filter(slug_redirect::Column::Kind.eq(kind))
            .filter(slug_redirect::Column::OldSlug.eq(slug))
            .one(self.connection())
            .await?;
        Ok(row.map(|r| r.target_id))
    }
}

/// The values of `slug_redirects.kind`.
pub(crate) mod slug_redirect_kind {
    pub const ARTICLE: &str = "article";
    pub const SECTION: &str = "section";
    pub const TAG: &str = "tag";
    pub const AUTHOR: &str = "author";
    pub const SOURCE: &str = "source";
}
