//! Dataloaders: one per kind of key, a fresh set per request, so that a list of N articles
//! costs one statement per related kind instead of N, and no cache outlives its request.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use dateline_persistence::model::{Article, ArticleBody, Author, Correction, Source, Tag, User};
use dateline_persistence::{CatalogVisibility, Store, StoreError, Visibility};

/// Every loader a request may use.
pub struct Loaders {
    pub articles: DataLoader<ArticleLoader>,
    pub bodies: DataLoader<BodyLoader>,
    /// Authors by id, whatever they have published: for the bylines of what was read.
    pub authors: DataLoader<AuthorLoader>,
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
}

impl Loaders {
    /// A fresh set for one request by a reader with `visibility` of articles and `catalog`
    /// of tags and authors.
    pub fn new(store: &Store, visibility: Visibility, catalog: CatalogVisibility) -> Self {
        Self {
            articles: DataLoader::new(
                ArticleLoader {
                    store: store.clone(),
                    visibility,
                },
                tokio::spawn,
            ),
            bodies: DataLoader::new(BodyLoader(store.clone()), tokio::spawn),
            authors: DataLoader::new(AuthorLoader(store.clone()), tokio::spawn),
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
