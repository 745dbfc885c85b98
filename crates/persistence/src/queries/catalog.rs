//! Everything around the articles: authors, sections, tags and sources, by id, by slug, as
//! pages, and per article for dataloaders.

use std::collections::HashMap;

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, UnionType};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::entity::{article, article_co_author, article_tag, author, section, source, tag};
use crate::error::StoreResult;
use crate::model::{Author, Section, Source, Tag};
use crate::page::{NameKey, Page, PageArgs, finish, window};
use crate::queries::articles::slug_redirect_kind;
use crate::queries::rows::{Joined, also_related};
use crate::queries::{unique, visible};
use crate::store::{CatalogVisibility, Store, Visibility};

/// The tags `visibility` shows. In use means on a story public by now, which the copy of
/// each story's publication time on its tag links answers from the index tag pages read
/// (`tag_id, visible_from`): one index probe per tag.
fn listed_tag(visibility: CatalogVisibility) -> Condition {
    match visibility {
        CatalogVisibility::All => Condition::all(),
        CatalogVisibility::InUseAsOf(now) => Condition::all().add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(article_tag::Entity)
                .and_where(
                    Expr::col((article_tag::Entity, article_tag::Column::TagId))
                        .equals((tag::Entity, tag::Column::Id)),
                )
                .and_where(
                    Expr::col((article_tag::Entity, article_tag::Column::VisibleFrom)).lte(now),
                )
                .take(),
        )),
    }
}

/// The author profiles `visibility` shows. In use means the byline or a co-byline of a
/// story public by now: a probe of the author's latest-articles index, then a walk of the
/// author's co-bylines until one is public. One `EXISTS` over both, not an `OR` of two:
/// PostgreSQL answers such an `OR` by hashing the authors of every public story, which
/// costs a scan of all of them however short the page.
fn listed_author(visibility: CatalogVisibility) -> Condition {
    let CatalogVisibility::InUseAsOf(now) = visibility else {
        return Condition::all();
    };
    let public = visible(Visibility::PublishedAsOf(now));
    let co_written = Query::select()
        .expr(Expr::val(1))
        .from(article_co_author::Entity)
        .inner_join(
            article::Entity,
            Expr::col((article::Entity, article::Column::Id)).equals((
                article_co_author::Entity,
                article_co_author::Column::ArticleId,
            )),
        )
        .and_where(
            Expr::col((
                article_co_author::Entity,
                article_co_author::Column::AuthorId,
            ))
            .equals((author::Entity, author::Column::Id)),
        )
        .cond_where(public.clone())
        .take();
    let bylines = Query::select()
        .expr(Expr::val(1))
        .from(article::Entity)
        .and_where(
            Expr::col((article::Entity, article::Column::AuthorId))
                .equals((author::Entity, author::Column::Id)),
        )
        .cond_where(public)
        .union(UnionType::All, co_written)
        .take();
    Condition::all().add(Expr::exists(bylines))
}

impl Store {
    /// Authors with these ids, keyed by id: the bylines of articles already read, whatever
    /// else those authors have published.
    pub async fn authors_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Author>> {
        self.listed_authors_by_ids(CatalogVisibility::All, ids)
            .await
    }

    /// The authors among these ids that `visibility` shows, keyed by id.
    pub async fn listed_authors_by_ids(
        &self,
        visibility: CatalogVisibility,
        ids: &[i32],
    ) -> StoreResult<HashMap<i32, Author>> {
        let rows = author::Entity::find()
            .filter(author::Column::Id.is_in(unique(ids)))
            .filter(listed_author(visibility))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Author::from(r))).collect())
    }

    /// The author with this slug, whatever they have published.
    pub async fn author_by_slug(&self, slug: &str) -> StoreResult<Option<Author>> {
        self.listed_author_by_slug(CatalogVisibility::All, slug)
            .await
    }

    /// The author with this slug, if `visibility` shows them.
    pub async fn listed_author_by_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Author>> {
        let row = author::Entity::find()
            .filter(author::Column::Slug.eq(slug))
            .filter(listed_author(visibility))
            .one(self.connection())
            .await?;
        Ok(row.map(Author::from))
    }

    /// A page of the authors `visibility` shows, by name.
    pub async fn authors_page(
        &self,
        visibility: CatalogVisibility,
        page: &PageArgs<NameKey>,
    ) -> StoreResult<Page<Author>> {
        let select = window(
            author::Entity::find().filter(listed_author(visibility)),
            author::Column::Name,
            author::Column::Id,
            false,
            page,
        );
        let rows = select.all(self.connection()).await?;
        Ok(finish(rows, page).map(Author::from))
    }

    /// Each article's co-authors, in byline order, keyed by article id. Articles without
    /// co-authors are absent from the map.
    pub async fn co_authors_of_articles(
        &self,
        article_ids: &[i32],
    ) -> StoreResult<HashMap<i32, Vec<Author>>> {
        let select = article_co_author::Entity::find()
            .filter(article_co_author::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_co_author::Column::Position);
        let rows = also_related::<_, author::Model>(select)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Author>> = HashMap::new();
        for Joined(link, author) in rows {
            if let Some(author) = author {
                by_article
                    .entry(link.article_id)
                    .or_default()
                    .push(author.into());
            }
        }
        Ok(by_article)
    }

    /// Every section, in display order (position, then name); the caller builds the tree.
    pub async fn all_sections(&self) -> StoreResult<Vec<Section>> {
        let rows = section::Entity::find()
            .order_by_asc(section::Column::Position)
            .order_by_asc(section::Column::Name)
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(Section::from).collect())
    }

    /// The id of the section that once had this slug.
    pub async fn section_id_by_former_slug(&self, slug: &str) -> StoreResult<Option<i32>> {
        self.former_slug_target(slug_redirect_kind::SECTION, slug)
            .await
    }

    /// The tag that once had this slug (or the tag it was merged into), if `visibility`
    /// shows it.
    pub async fn tag_by_former_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Tag>> {
        match self
            .former_slug_target(slug_redirect_kind::TAG, slug)
            .await?
        {
            Some(id) => Ok(self
                .listed_tags_by_ids(visibility, &[id])
                .await?
                .remove(&id)),
            None => Ok(None),
        }
    }

    /// The author profile that once had this slug, if `visibility` shows it.
    pub async fn author_by_former_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Author>> {
        match self
            .former_slug_target(slug_redirect_kind::AUTHOR, slug)
            .await?
        {
            Some(id) => Ok(self
                .listed_authors_by_ids(visibility, &[id])
                .await?
                .remove(&id)),
            None => Ok(None),
        }
    }

    /// Tags with these ids, keyed by id: the tags of articles or search results already
    /// read, whatever else carries them.
    pub async fn tags_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Tag>> {
        self.listed_tags_by_ids(CatalogVisibility::All, ids).await
    }

    /// The tags among these ids that `visibility` shows, keyed by id.
    pub async fn listed_tags_by_ids(
        &self,
        visibility: CatalogVisibility,
        ids: &[i32],
    ) -> StoreResult<HashMap<i32, Tag>> {
        let rows = tag::Entity::find()
            .filter(tag::Column::Id.is_in(unique(ids)))
            .filter(listed_tag(visibility))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Tag::from(r))).collect())
    }

    /// The tag with this slug, if `visibility` shows it.
    pub async fn listed_tag_by_slug(
        &self,
        visibility: CatalogVisibility,
        slug: &str,
    ) -> StoreResult<Option<Tag>> {
        let row = tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .filter(listed_tag(visibility))
            .one(self.connection())
            .await?;
        Ok(row.map(Tag::from))
    }

    /// A page of the tags `visibility` shows, by name.
    pub async fn tags_page(
        &self,
        visibility: CatalogVisibility,
        page: &PageArgs<NameKey>,
    ) -> StoreResult<Page<Tag>> {
        let select = window(
            tag::Entity::find().filter(listed_tag(visibility)),
            tag::Column::Name,
            tag::Column::Id,
            false,
            page,
        );
        let rows = select.all(self.connection()).await?;
        Ok(finish(rows, page).map(Tag::from))
    }

    /// Each article's tags, in the editor's order, keyed by article id. Articles without tags
    /// are absent from the map.
    pub async fn tags_of_articles(
        &self,
        article_ids: &[i32],
    ) -> StoreResult<HashMap<i32, Vec<Tag>>> {
        let select = article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_tag::Column::Position);
        let rows = also_related::<_, tag::Model>(select)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Tag>> = HashMap::new();
        for Joined(link, tag) in rows {
            if let Some(tag) = tag {
                by_article
                    .entry(link.article_id)
                    .or_default()
                    .push(tag.into());
            }
        }
        Ok(by_article)
    }

    /// Sources with these ids, keyed by id.
    pub async fn sources_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Source>> {
        let rows = source::Entity::find()
            .filter(source::Column::Id.is_in(unique(ids)))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Source::from(r))).collect())
    }

    /// How many authors `visibility` shows.
    pub async fn count_authors(&self, visibility: CatalogVisibility) -> StoreResult<u64> {
        Ok(author::Entity::find()
            .filter(listed_author(visibility))
            .count(self.connection())
            .await?)
    }

    /// How many tags `visibility` shows.
    pub async fn count_tags(&self, visibility: CatalogVisibility) -> StoreResult<u64> {
        Ok(tag::Entity::find()
            .filter(listed_tag(visibility))
            .count(self.connection())
            .await?)
    }
}
