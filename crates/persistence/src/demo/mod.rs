//! The demo newsroom: a few dozen stories of the project's own writing, loaded into an empty
//! database by `dateline serve --demo`. Publication times are relative to the moment of
//! loading, so the demo always looks like today's paper.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use dateline_domain::html::SafeHtml;
use dateline_domain::{ArticleStatus, Slug};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait, TransactionTrait,
};
use serde::Deserialize;

use crate::articles::insert::{ArticleContent, NewArticle, insert_articles};
use crate::articles::read::slug_redirect_kind;
use crate::entity::{article, author, section, slug_redirect, source, tag};
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use dateline_domain::model::FeaturedImage;

const NEWSROOM: &str = include_str!("newsroom.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Newsroom {
    sources: Vec<DemoSource>,
    authors: Vec<DemoAuthor>,
    sections: Vec<DemoSection>,
    tags: Vec<DemoTag>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
struct DemoSource {
    slug: String,
    name: String,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoAuthor {
    slug: String,
    name: String,
    bio: Option<String>,
    avatar_url: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoSection {
    slug: String,
    #[serde(default)]
    former_slugs: Vec<String>,
    name: String,
    description: Option<String>,
    parent: Option<String>,
}

#[derive(Deserialize)]
struct DemoTag {
    slug: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoArticle {
    slug: String,
    #[serde(default)]
    former_slugs: Vec<String>,
    title: String,
    subtitle: Option<String>,
    section: String,
    source: Option<String>,
    author: String,
    #[serde(default)]
    co_authors: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    dateline_place: Option<String>,
    status: String,
    published_hours_ago: Option<f64>,
    #[serde(default)]
    featured: bool,
    featured_image: Option<DemoImage>,
    excerpt: Option<String>,
    body: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoImage {
    url: String,
    alt_text: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
}

/// What loading the demo did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOutcome {
    /// The demo was loaded: this many articles.
    Loaded { articles: usize },
    /// The database already holds articles, so nothing was written.
    NotEmpty,
}

fn lookup(ids: &HashMap<String, i32>, what: &str, key: &str) -> StoreResult<i32> {
    ids.get(key)
        .copied()
        .ok_or_else(|| StoreError::SampleData(format!("demo {what} {key:?} does not exist")))
}

fn slug(value: &str) -> StoreResult<Slug> {
    Slug::parse(value).map_err(|e| StoreError::SampleData(format!("demo slug {value:?}: {e}")))
}

/// A section slug must also leave the paths of other pages free (`/tag/…`, `/author/…`).
fn section_slug(value: &str) -> StoreResult<Slug> {
    if dateline_domain::route::RESERVED_SECTION_SLUGS.contains(&value) {
        return Err(StoreError::SampleData(format!(
            "demo section slug {value:?} is reserved"
        )));
    }
    slug(value)
}

impl Store {
    /// Loads the demo newsroom in one transaction, unless the database has articles already.
    /// Servers started together take turns, so only the first loads it.
    pub async fn load_demo(&self) -> StoreResult<DemoOutcome> {
        self.set_up(async || {
            if article::Entity::find().count(self.connection()).await? > 0 {
                return Ok(DemoOutcome::NotEmpty);
            }
            let newsroom: Newsroom = serde_json::from_str(NEWSROOM)
                .map_err(|e| StoreError::SampleData(format!("demo content does not parse: {e}")))?;
            let now = Utc::now();
            let txn = self.connection().begin().await?;
            let articles = load(&txn, newsroom, now).await?;
            txn.commit().await?;
            self.events.content_changed();
            Ok(DemoOutcome::Loaded { articles })
        })
        .await
    }
}

/// The ids the demo's records got, by the keys its content names them with.
struct Keys {
    sources: HashMap<String, i32>,
    authors: HashMap<String, i32>,
    sections: HashMap<String, i32>,
    tags: HashMap<String, i32>,
}

async fn load<C: ConnectionTrait>(
    db: &C,
    newsroom: Newsroom,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let keys = Keys {
        sources: load_sources(db, newsroom.sources).await?,
        authors: load_authors(db, newsroom.authors, now).await?,
        sections: load_sections(db, newsroom.sections, now).await?,
        tags: load_tags(db, newsroom.tags).await?,
    };
    let mut new_articles = Vec::with_capacity(newsroom.articles.len());
    let mut former_slugs = Vec::new();
    for (index, a) in newsroom.articles.into_iter().enumerate() {
        former_slugs.extend(a.former_slugs.iter().map(|old| (index, old.clone())));
        new_articles.push(new_article(a, &keys, now)?);
    }
    let ids = insert_articles(db, &new_articles, now).await?;
    for (index, old) in former_slugs {
        let target_id = *ids
            .get(index)
            .ok_or_else(|| StoreError::Corrupt("an inserted article has no id".into()))?;
        redirect(db, slug_redirect_kind::ARTICLE, &old, target_id, now).await?;
    }
    Ok(ids.len())
}

async fn load_sources<C: ConnectionTrait>(
    db: &C,
    sources: Vec<DemoSource>,
) -> StoreResult<HashMap<String, i32>> {
    let mut ids = HashMap::new();
    for s in sources {
        let row = source::ActiveModel {
            id: NotSet,
            slug: Set(slug(&s.slug)?.to_string()),
            name: Set(s.name),
            url: Set(s.url),
        };
        let id = source::Entity::insert(row).exec(db).await?.last_insert_id;
        ids.insert(s.slug, id);
    }
    Ok(ids)
}

async fn load_authors<C: ConnectionTrait>(
    db: &C,
    authors: Vec<DemoAuthor>,
    now: DateTime<Utc>,
) -> StoreResult<HashMap<String, i32>> {
    let mut ids = HashMap::new();
    for a in authors {
        let row = author::ActiveModel {
            id: NotSet,
            slug: Set(slug(&a.slug)?.to_string()),
            name: Set(a.name),
            bio: Set(a.bio),
            avatar_url: Set(a.avatar_url),
            email: Set(a.email),
            created_at: Set(now),
        };
        ids.insert(
            a.slug,
            author::Entity::insert(row).exec(db).await?.last_insert_id,
        );
    }
    Ok(ids)
}

/// Sections in the order given, each after its parent, with their former slugs.
async fn load_sections<C: ConnectionTrait>(
    db: &C,
    sections: Vec<DemoSection>,
    now: DateTime<Utc>,
) -> StoreResult<HashMap<String, i32>> {
    let mut ids = HashMap::new();
    for (position, s) in sections.into_iter().enumerate() {
        let parent_id = s
            .parent
            .as_deref()
            .map(|p| lookup(&ids, "parent section", p))
            .transpose()?;
        let row = section::ActiveModel {
            id: NotSet,
            slug: Set(section_slug(&s.slug)?.to_string()),
            name: Set(s.name),
            description: Set(s.description),
            parent_id: Set(parent_id),
            position: Set(i32::try_from(position).unwrap_or_default()),
        };
        let id = section::Entity::insert(row).exec(db).await?.last_insert_id;
        for old in &s.former_slugs {
            redirect(db, slug_redirect_kind::SECTION, old, id, now).await?;
        }
        ids.insert(s.slug, id);
    }
    Ok(ids)
}

async fn load_tags<C: ConnectionTrait>(
    db: &C,
    tags: Vec<DemoTag>,
) -> StoreResult<HashMap<String, i32>> {
    let mut ids = HashMap::new();
    for t in tags {
        let row = tag::ActiveModel {
            id: NotSet,
            slug: Set(slug(&t.slug)?.to_string()),
            name: Set(t.name),
        };
        ids.insert(
            t.slug,
            tag::Entity::insert(row).exec(db).await?.last_insert_id,
        );
    }

    Ok(ids)
}

/// A demo article as it is written, its references looked up in `keys`.
fn new_article(a: DemoArticle, keys: &Keys, now: DateTime<Utc>) -> StoreResult<NewArticle> {
    let status: ArticleStatus = a
        .status
        .to_ascii_lowercase()
        .parse()
        .map_err(|e| StoreError::SampleData(format!("demo article {}: {e}", a.slug)))?;
    // Whole microseconds, as both databases store them.
    let published_at = a
        .published_hours_ago
        .map(|hours| now - Duration::microseconds((hours * 3_600_000_000.0) as i64));
    Ok(NewArticle {
        content: ArticleContent {
            slug: slug(&a.slug)?,
            title: a.title,
            subtitle: a.subtitle,
            body: SafeHtml::sanitize(&a.body),
            excerpt: a.excerpt,
            dateline_place: a.dateline_place,
            source_id: a
                .source
                .as_deref()
                .map(|s| lookup(&keys.sources, "source", s))
                .transpose()?,
            author_id: lookup(&keys.authors, "author", &a.author)?,
            co_author_ids: a
                .co_authors
                .iter()
                .map(|c| lookup(&keys.authors, "author", c))
                .collect::<StoreResult<_>>()?,
            section_id: lookup(&keys.sections, "section", &a.section)?,
            tag_ids: a
                .tags
                .iter()
                .map(|t| lookup(&keys.tags, "tag", t))
                .collect::<StoreResult<_>>()?,
            featured: a.featured,
            featured_image: a.featured_image.map(|i| FeaturedImage {
                url: i.url,
                alt_text: i.alt_text,
                caption: i.caption,
                credit: i.credit,
            }),
        },
        status,
        published_at,
        owner_id: None,
    })
}

/// Records that `old` used to name the `kind` with id `target_id`.
async fn redirect<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    old: &str,
    target_id: i32,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let row = slug_redirect::ActiveModel {
        id: NotSet,
        kind: Set(kind.to_owned()),
        old_slug: Set(slug(old)?.to_string()),
        target_id: Set(target_id),
        created_at: Set(now),
    };
    slug_redirect::Entity::insert(row).exec(db).await?;
    Ok(())
}
