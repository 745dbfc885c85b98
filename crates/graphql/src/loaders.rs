//! Dataloaders: one per kind of key, a fresh set per request, so that a list of N articles
//! costs one statement per related kind instead of N, and no cache outlives its request.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::{DateTime, Utc};
use dateline_persistence::model::{Article, ArticleBody, Author, Correction, Source, Tag, User};
use dateline_persistence::{
    CatalogVisibility, RelatedArticle, RelatedRequest, Store, StoreError, Visibility,
};

/// Every loader a request may use.
pub struct Loaders {
    pub articles: DataLoader<ArticleLoader>,
    /// An article page reads its body with the article and puts it here.
    pub bodies: DataLoader<BodyLoader, HashMapCache>,
    /// Authors by id, whatever they have published: for the bylines of what was read.
    /// Lists read their articles' authors with them and put them here, so their bylines
    /// cost no further statement.
    pub authors: DataLoader<AuthorLoader, HashMapCache>,
    /// Authors by id, as far as the reader may find them: for lookups by id.
    pub listed_authors: DataLoader<ListedAuthorLoader>,
    pub co_authors: DataLoader<CoAuthorsLoader>,
    pub corrections: DataLoader<CorrectionsLoader>,
    pub sources: DataLoader<SourceLoader>,
    /// Tags by id, whatever carries them: for the tags of what was read.
    pub tags: DataLoader<TagLoader>,
    /// Tags by id, as far as the reader may find them: for lookups by id.
    pub listed_tags: DataLoader<ListedTagLoader>,
    pub tags_of_article: DataLoader<TagsOfArticleLoader>,
    pub users: DataLoader<UserLoader>,
    /// "Check Also" rankings, for every article of a page at once.
    pub related: DataLoader<RelatedLoader>,
}

impl Loaders {
    /// A fresh set for one request answered as of `now`, by a reader with `visibility` of
    /// articles and `catalog` of tags and authors.
    pub fn new(
        store: &Store,
        now: DateTime<Utc>,
        visibility: Visibility,
        catalog: CatalogVisibility,
    ) -> Self {
        Self {
            articles: DataLoader::new(
                ArticleLoader {
                    store: store.clone(),
                    visibility,
                },
                tokio::spawn,
            ),
            bodies: DataLoader::with_cache(
                BodyLoader(store.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            authors: DataLoader::with_cache(
                AuthorLoader(store.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            listed_authors: DataLoader::new(
                ListedAuthorLoader {
                    store: store.clone(),
                    visibility: catalog,
                },
                tokio::spawn,
            ),
            co_authors: DataLoader::new(CoAuthorsLoader(store.clone()), tokio::spawn),
            corrections: DataLoader::new(CorrectionsLoader(store.clone()), tokio::spawn),
            sources: DataLoader::new(SourceLoader(store.clone()), tokio::spawn),
            tags: DataLoader::new(TagLoader(store.clone()), tokio::spawn),
            listed_tags: DataLoader::new(
                ListedTagLoader {
                    store: store.clone(),
                    visibility: catalog,
                },
                tokio::spawn,
            ),
            tags_of_article: DataLoader::new(TagsOfArticleLoader(store.clone()), tokio::spawn),
            users: DataLoader::new(UserLoader(store.clone()), tokio::spawn),
            related: DataLoader::new(
                RelatedLoader {
                    store: store.clone(),
                    now,
                },
                tokio::spawn,
            ),
        }
    }
}

/// Articles by id, as far as the reader may see them.
pub struct ArticleLoader {
    store: Store,
    visibility: Visibility,
}

impl Loader<i32> for ArticleLoader {
    type Value = Article;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Article>, StoreError> {
        self.store.articles_by_ids(self.visibility, keys).await
    }
}

/// Article bodies, by article id.
pub struct BodyLoader(Store);

impl Loader<i32> for BodyLoader {
    type Value = ArticleBody;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, ArticleBody>, StoreError> {
        self.0.article_bodies(keys).await
    }
}

/// Authors by id.
pub struct AuthorLoader(Store);

impl Loader<i32> for AuthorLoader {
    type Value = Author;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Author>, StoreError> {
        self.0.authors_by_ids(keys).await
    }
}

/// Authors by id, as far as the reader may find them.
pub struct ListedAuthorLoader {
    store: Store,
    visibility: CatalogVisibility,
}

impl Loader<i32> for ListedAuthorLoader {
    type Value = Author;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Author>, StoreError> {
        self.store
            .listed_authors_by_ids(self.visibility, keys)
            .await
    }
}

/// An article's co-authors, by article id.
pub struct CoAuthorsLoader(Store);

impl Loader<i32> for CoAuthorsLoader {
    type Value = Vec<Author>;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<Author>>, StoreError> {
        self.0.co_authors_of_articles(keys).await
    }
}

/// Sources by id.
pub struct SourceLoader(Store);

impl Loader<i32> for SourceLoader {
    type Value = Source;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Source>, StoreError> {
        self.0.sources_by_ids(keys).await
    }
}

/// Tags by id.
pub struct TagLoader(Store);

impl Loader<i32> for TagLoader {
    type Value = Tag;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Tag>, StoreError> {
        self.0.tags_by_ids(keys).await
    }
}

/// Tags by id, as far as the reader may find them.
pub struct ListedTagLoader {
    store: Store,
    visibility: CatalogVisibility,
}

impl Loader<i32> for ListedTagLoader {
    type Value = Tag;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Tag>, StoreError> {
        self.store.listed_tags_by_ids(self.visibility, keys).await
    }
}

/// An article's tags, by article id.
pub struct TagsOfArticleLoader(Store);

impl Loader<i32> for TagsOfArticleLoader {
    type Value = Vec<Tag>;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<Tag>>, StoreError> {
        self.0.tags_of_articles(keys).await
    }
}

/// An article's corrections, oldest first, by article id.
pub struct CorrectionsLoader(Store);

impl Loader<i32> for CorrectionsLoader {
    type Value = Vec<Correction>;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<Correction>>, StoreError> {
        self.0.corrections_of(keys).await
    }
}

/// Staff accounts by id (for revision and ownership fields, which only staff read).
pub struct UserLoader(Store);

impl Loader<i32> for UserLoader {
    type Value = User;
    type Error = StoreError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, User>, StoreError> {
        self.0.users_by_ids(keys).await
    }
}

/// What to rank related stories for: one article (with its tags and section name) and how
/// many stories it shows. Keys are equal when they ask the same of the same article.
#[derive(Clone)]
pub struct RelatedKey(pub Arc<RelatedRequest>);

impl RelatedKey {
    fn identity(&self) -> (i32, u64) {
        (self.0.article.id, self.0.limit)
    }
}

impl PartialEq for RelatedKey {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for RelatedKey {}

impl Hash for RelatedKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

/// "Check Also" for many articles in one go: a page that shows related stories under each
/// of its articles ranks them all in the same two statements.
pub struct RelatedLoader {
    store: Store,
    now: DateTime<Utc>,
}

impl Loader<RelatedKey> for RelatedLoader {
    type Value = Vec<RelatedArticle>;
    type Error = StoreError;

    async fn load(
        &self,
        keys: &[RelatedKey],
    ) -> Result<HashMap<RelatedKey, Vec<RelatedArticle>>, StoreError> {
        let requests: Vec<RelatedRequest> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut ranked = self
            .store
            .kept_related_articles_for(self.now, &requests)
            .await?;
        Ok(keys
            .iter()
            .map(|key| {
                let stories = ranked.remove(&key.identity()).unwrap_or_default();
                (key.clone(), stories)
            })
            .collect())
    }
}
