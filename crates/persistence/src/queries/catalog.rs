//! Everything around the articles: authors, sections, tags and sources, by id, by slug, as
//! pages, and per article for dataloaders.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::entity::{article_co_author, article_tag, author, section, source, tag};
use crate::error::StoreResult;
use crate::model::{Author, Section, Source, Tag};
use crate::page::{NameKey, Page, PageArgs, finish, window};
use crate::queries::articles::slug_redirect_kind;
use crate::queries::unique;
use crate::store::Store;

impl Store {
    /// Authors with these ids, keyed by id.
    pub async fn authors_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Author>> {
        let rows = author::Entity::find()
            .filter(author::Column::Id.is_in(unique(ids)))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Author::from(r))).collect())
    }

    /// The author with this slug.
    pub async fn author_by_slug(&self, slug: &str) -> StoreResult<Option<Author>> {
        let row = author::Entity::find()
            .filter(author::Column::Slug.eq(slug))
            .one(self.connection())
            .await?;
        Ok(row.map(Author::from))
    }

    /// A page of all authors, by name.
    pub async fn authors_page(&self, page: &PageArgs<NameKey>) -> StoreResult<Page<Author>> {
        let select = window(
            author::Entity::find(),
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
        let rows = article_co_author::Entity::find()
            .filter(article_co_author::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_co_author::Column::Position)
            .find_also_related(author::Entity)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Author>> = HashMap::new();
        for (link, author) in rows {
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

    /// The tag that once had this slug (or the tag it was merged into).
    pub async fn tag_by_former_slug(&self, slug: &str) -> StoreResult<Option<Tag>> {
        match self
            .former_slug_target(slug_redirect_kind::TAG, slug)
            .await?
        {
            Some(id) => Ok(self.tags_by_ids(&[id]).await?.remove(&id)),
            None => Ok(None),
        }
    }

    /// The author profile that once had this slug.
    pub async fn author_by_former_slug(&self, slug: &str) -> StoreResult<Option<Author>> {
        match self
            .former_slug_target(slug_redirect_kind::AUTHOR, slug)
            .await?
        {
            Some(id) => Ok(self.authors_by_ids(&[id]).await?.remove(&id)),
            None => Ok(None),
        }
    }

    /// Tags with these ids, keyed by id.
    pub async fn tags_by_ids(&self, ids: &[i32]) -> StoreResult<HashMap<i32, Tag>> {
        let rows = tag::Entity::find()
            .filter(tag::Column::Id.is_in(unique(ids)))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Tag::from(r))).collect())
    }

    /// The tag with this slug.
    pub async fn tag_by_slug(&self, slug: &str) -> StoreResult<Option<Tag>> {
        let row = tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .one(self.connection())
            .await?;
        Ok(row.map(Tag::from))
    }

    /// A page of all tags, by name.
    pub async fn tags_page(&self, page: &PageArgs<NameKey>) -> StoreResult<Page<Tag>> {
        let select = window(
            tag::Entity::find(),
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
        let rows = article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(unique(article_ids)))
            .order_by_asc(article_tag::Column::Position)
            .find_also_related(tag::Entity)
            .all(self.connection())
            .await?;
        let mut by_article: HashMap<i32, Vec<Tag>> = HashMap::new();
        for (link, tag) in rows {
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

    /// How many authors there are.
    pub async fn count_authors(&self) -> StoreResult<u64> {
        Ok(author::Entity::find().count(self.connection()).await?)
    }

    /// How many tags there are.
    pub async fn count_tags(&self) -> StoreResult<u64> {
        Ok(tag::Entity::find().count(self.connection()).await?)
    }
}
