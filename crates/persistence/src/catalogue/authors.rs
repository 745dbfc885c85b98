//! Author profiles: bylines and co-bylines, listed when on a public story, loaded per
//! article, and created, changed and deleted by the desk.

use std::collections::HashMap;

use chrono::Utc;
use dateline_domain::Slug;
use dateline_domain::seo::PageKind;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use super::{claim, refusal, refuse_in_use};
use crate::articles::read::slug_redirect_kind;
use crate::articles::visible;
use crate::entity::{article, article_co_author, author, user};
use crate::error::{Record, StoreResult};
use crate::ids::unique;
use crate::page::{NameKey, Page, PageArgs, finish, window};
use crate::rows::{Joined, also_related};
use crate::search::index::{Reindex, reindex};
use crate::seo::forget_seo;
use crate::slug_history::slug_free;
use crate::slug_history::{drop_slug_history, record_former_slug};
use crate::store::{CatalogVisibility, Store, Visibility, stored_time};
use dateline_domain::model::Author;

/// A new author profile. Text is already validated.
#[derive(Debug, Clone)]
pub struct NewAuthor {
    pub slug: Slug,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// What an edit of an author profile changes; `None` leaves a field as it is, `Some(None)`
/// clears it.
#[derive(Debug, Clone, Default)]
pub struct AuthorChanges {
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
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

    /// How many authors `visibility` shows.
    pub async fn count_authors(&self, visibility: CatalogVisibility) -> StoreResult<u64> {
        Ok(author::Entity::find()
            .filter(listed_author(visibility))
            .count(self.connection())
            .await?)
    }

    /// Creates an author profile.
    pub async fn create_author(&self, new: NewAuthor) -> StoreResult<Author> {
        let db = self.connection();
        slug_free::<author::Entity, _>(db, &new.slug, None).await?;
        let row = author::ActiveModel {
            id: NotSet,
            slug: Set(new.slug.to_string()),
            name: Set(new.name),
            bio: Set(new.bio),
            avatar_url: Set(new.avatar_url),
            email: Set(None),
            created_at: Set(stored_time(Utc::now())),
        };
        let row = author::Entity::insert(row)
            .exec_with_returning(db)
            .await
            .map_err(refusal::<author::Entity>)?;
        Ok(Author::from(row))
    }

    /// Changes an author profile.
    pub async fn update_author(&self, id: i32, changes: AuthorChanges) -> StoreResult<Author> {
        let txn = self.connection().begin().await?;
        let current = claim::<author::Entity>(&txn, id).await?;
        let mut row = current.clone().into_active_model();
        if let Some(slug) = changes.slug.filter(|s| s.as_str() != current.slug) {
            slug_free::<author::Entity, _>(&txn, &slug, Some(id)).await?;
            let now = stored_time(Utc::now());
            let kind = slug_redirect_kind::AUTHOR;
            record_former_slug(&txn, kind, id, &current.slug, &slug, now).await?;
            row.slug = Set(slug.to_string());
        }
        let renamed = changes.name.filter(|name| *name != current.name);
        if let Some(name) = renamed.clone() {
            row.name = Set(name);
        }
        if let Some(bio) = changes.bio {
            row.bio = Set(bio);
        }
        if let Some(avatar_url) = changes.avatar_url {
            row.avatar_url = Set(avatar_url);
        }
        let row = row.update(&txn).await.map_err(refusal::<author::Entity>)?;
        if renamed.is_some() {
            reindex(&txn, Reindex::ByAuthor(id)).await?;
        }
        txn.commit().await?;
        Ok(Author::from(row))
    }

    /// Deletes an author profile that no article (in the trash or not) bylines, as author
    /// or co-author, and no staff account writes as.
    pub async fn delete_author(&self, id: i32) -> StoreResult<()> {
        let txn = self.connection().begin().await?;
        claim::<author::Entity>(&txn, id).await?;
        let co_written = Query::select()
            .column(article_co_author::Column::ArticleId)
            .from(article_co_author::Entity)
            .and_where(article_co_author::Column::AuthorId.eq(id))
            .to_owned();
        let articles = article::Entity::find()
            .filter(
                Condition::any()
                    .add(article::Column::AuthorId.eq(id))
                    .add(article::Column::Id.in_subquery(co_written)),
            )
            .count(&txn)
            .await?;
        let accounts = user::Entity::find()
            .filter(user::Column::AuthorId.eq(id))
            .count(&txn)
            .await?;
        refuse_in_use(Record::Author, articles, accounts)?;
        drop_slug_history(&txn, slug_redirect_kind::AUTHOR, id).await?;
        forget_seo(&txn, PageKind::Author, id).await?;
        author::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
