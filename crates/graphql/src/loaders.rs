//! Dataloaders: one per kind of key, a fresh set per request, so that a list of N articles
//! costs one statement per related kind instead of N, and no cache outlives its request.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::{DateTime, Utc};
use dateline_domain::RelatedArticle;
use dateline_domain::model::{
    Article, ArticleBody, Author, Correction, Revision, Source, Tag, User,
};
use dateline_domain::seo::{PageKind, SeoOverride};
use dateline_persistence::{CatalogVisibility, RelatedRequest, Store, StoreError, Visibility};
use tracing::Instrument;

/// Every loader a request may use.
pub struct Loaders {
    pub articles: DataLoader<ArticleLoader, HashMapCache>,
    /// An article page reads its body with the article and puts it here.
    pub bodies: DataLoader<BodyLoader, HashMapCache>,
    /// Authors by id, whatever they have published: for the bylines of what was read.
    /// Lists read their articles' authors with them and put them here, so their bylines
    /// cost no further statement.
    pub authors: DataLoader<AuthorLoader, HashMapCache>,
    /// Authors by id, as far as the reader may find them: for lookups by id.
    pub listed_authors: DataLoader<ListedAuthorLoader, HashMapCache>,
    pub co_authors: DataLoader<CoAuthorsLoader, HashMapCache>,
    pub corrections: DataLoader<CorrectionsLoader, HashMapCache>,
    /// Corrections by id, for `node(id:)`.
    pub correction: DataLoader<CorrectionLoader, HashMapCache>,
    /// Recorded revisions by id, for `node(id:)`.
    pub revision: DataLoader<RevisionLoader, HashMapCache>,
    /// Sources by id, whatever they are credited with: for the sources of what was read.
    pub sources: DataLoader<SourceLoader, HashMapCache>,
    /// Sources by id, as far as the reader may find them: for lookups by id.
    pub listed_sources: DataLoader<ListedSourceLoader, HashMapCache>,
    /// Tags by id, whatever carries them: for the tags of what was read.
    pub tags: DataLoader<TagLoader, HashMapCache>,
    /// Tags by id, as far as the reader may find them: for lookups by id.
    pub listed_tags: DataLoader<ListedTagLoader, HashMapCache>,
    pub tags_of_article: DataLoader<TagsOfArticleLoader, HashMapCache>,
    pub users: DataLoader<UserLoader, HashMapCache>,
    /// "Check Also" rankings, for every article of a page at once.
    pub related: DataLoader<RelatedLoader, HashMapCache>,
    /// What editors set for search engines, by page.
    pub seo: DataLoader<SeoLoader, HashMapCache>,
}

/// Runs a batch on the runtime on behalf of the request that asked for it: its statements
/// count as the request's, and its events belong to the request's span.
fn spawn(batch: futures::future::BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(dateline_persistence::observe::carried(batch))
}

/// The span of one batch of `loader`, of `keys` keys: a `DEBUG` span, which costs next to
/// nothing unless traces are exported or `RUST_LOG` asks for it.
fn batch(loader: &'static str, keys: usize) -> tracing::Span {
    // As a signed integer: traces record unsigned ones as text.
    let keys = i64::try_from(keys).unwrap_or(i64::MAX);
    tracing::debug_span!("dataloader", loader, keys)
}

/// A loader whose batches run on the runtime, keeping what it read only if `keep` (else
/// caching nothing from one batch to the next).
fn spawned<L>(loader: L, keep: bool) -> DataLoader<L, HashMapCache> {
    let loader = DataLoader::with_cache(loader, spawn, HashMapCache::default());
    loader.enable_all_cache(keep);
    loader
}

/// A loader whose cache keeps everything fed to it (`feed_one`, `feed_many`), so a value
/// read with something else costs no further statement.
fn fed<L>(loader: L) -> DataLoader<L, HashMapCache> {
    DataLoader::with_cache(loader, spawn, HashMapCache::default())
}

impl Loaders {
    /// A fresh set for one request answered as of `now`, by a reader with `visibility` of
    /// articles and `catalog` of tags, sources and authors.
    pub fn new(
        store: &Store,
        now: DateTime<Utc>,
        visibility: Visibility,
        catalog: CatalogVisibility,
    ) -> Self {
        Self::build(store, now, visibility, catalog, false)
    }

    /// A set shared by many executions alike (every subscriber of one kind receiving one
    /// event), which keeps everything it reads: what one of them read costs the others
    /// nothing.
    pub fn kept(
        store: &Store,
        now: DateTime<Utc>,
        visibility: Visibility,
        catalog: CatalogVisibility,
    ) -> Self {
        Self::build(store, now, visibility, catalog, true)
    }

    fn build(
        store: &Store,
        now: DateTime<Utc>,
        visibility: Visibility,
        catalog: CatalogVisibility,
        keep: bool,
    ) -> Self {
        let store = || store.clone();
        Self {
            articles: spawned(
                ArticleLoader {
                    store: store(),
                    visibility,
                },
                keep,
            ),
            bodies: fed(BodyLoader(store())),
            authors: fed(AuthorLoader(store())),
            listed_authors: spawned(
                ListedAuthorLoader {
                    store: store(),
                    visibility: catalog,
                },
                keep,
            ),
            co_authors: spawned(CoAuthorsLoader(store()), keep),
            corrections: spawned(CorrectionsLoader(store()), keep),
            correction: spawned(CorrectionLoader(store()), keep),
            revision: spawned(RevisionLoader(store()), keep),
            sources: spawned(SourceLoader(store()), keep),
            listed_sources: spawned(
                ListedSourceLoader {
                    store: store(),
                    visibility: catalog,
                },
                keep,
            ),
            tags: spawned(TagLoader(store()), keep),
            listed_tags: spawned(
                ListedTagLoader {
                    store: store(),
                    visibility: catalog,
                },
                keep,
            ),
            tags_of_article: spawned(TagsOfArticleLoader(store()), keep),
            users: spawned(UserLoader(store()), keep),
            related: spawned(
                RelatedLoader {
                    store: store(),
                    now,
                },
                keep,
            ),
            seo: spawned(SeoLoader(store()), keep),
        }
    }
}

/// Declares loaders of values by `i32` key that read a whole batch with one store call:
/// `Name => Value, |store, keys| call;` for a loader that holds only the store, or
/// `Name(field: Type) => Value, |store, keys, field| call;` for one that also holds what the
/// reader may see (`field` is passed to the call by value).
macro_rules! store_loaders {
    () => {};
    (
        $(#[$meta:meta])* $name:ident => $value:ty, |$store:ident, $keys:ident| $read:expr;
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        pub struct $name(Store);

        impl Loader<i32> for $name {
            type Value = $value;
            type Error = StoreError;

            async fn load(&self, $keys: &[i32]) -> Result<HashMap<i32, $value>, StoreError> {
                let $store = &self.0;
                $read.instrument(batch(stringify!($name), $keys.len())).await
            }
        }

        store_loaders!($($rest)*);
    };
    (
        $(#[$meta:meta])* $name:ident($field:ident: $field_ty:ty) => $value:ty,
        |$store:ident, $keys:ident, $with:ident| $read:expr;
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        pub struct $name {
            store: Store,
            $field: $field_ty,
        }

        impl Loader<i32> for $name {
            type Value = $value;
            type Error = StoreError;

            async fn load(&self, $keys: &[i32]) -> Result<HashMap<i32, $value>, StoreError> {
                let ($store, $with) = (&self.store, self.$field);
                $read.instrument(batch(stringify!($name), $keys.len())).await
            }
        }

        store_loaders!($($rest)*);
    };
}

store_loaders! {
    /// Articles by id, as far as the reader may see them.
    ArticleLoader(visibility: Visibility) => Article,
        |store, keys, visibility| store.articles_by_ids(visibility, keys);
    /// Article bodies, by article id.
    BodyLoader => ArticleBody, |store, keys| store.article_bodies(keys);
    /// Authors by id.
    AuthorLoader => Author, |store, keys| store.authors_by_ids(keys);
    /// Authors by id, as far as the reader may find them.
    ListedAuthorLoader(visibility: CatalogVisibility) => Author,
        |store, keys, visibility| store.listed_authors_by_ids(visibility, keys);
    /// An article's co-authors, by article id.
    CoAuthorsLoader => Vec<Author>, |store, keys| store.co_authors_of_articles(keys);
    /// Sources by id.
    SourceLoader => Source, |store, keys| store.sources_by_ids(keys);
    /// Sources by id, as far as the reader may find them.
    ListedSourceLoader(visibility: CatalogVisibility) => Source,
        |store, keys, visibility| store.listed_sources_by_ids(visibility, keys);
    /// Tags by id.
    TagLoader => Tag, |store, keys| store.tags_by_ids(keys);
    /// Tags by id, as far as the reader may find them.
    ListedTagLoader(visibility: CatalogVisibility) => Tag,
        |store, keys, visibility| store.listed_tags_by_ids(visibility, keys);
    /// An article's tags, by article id.
    TagsOfArticleLoader => Vec<Tag>, |store, keys| store.tags_of_articles(keys);
    /// An article's corrections, oldest first, by article id.
    CorrectionsLoader => Vec<Correction>, |store, keys| store.corrections_of(keys);
    /// Corrections by id.
    CorrectionLoader => Correction, |store, keys| store.corrections_by_ids(keys);
    /// Recorded revisions by id.
    RevisionLoader => Revision, |store, keys| store.revisions_by_ids(keys);
    /// Staff accounts by id (for revision and ownership fields, which only staff read).
    UserLoader => User, |store, keys| store.users_by_ids(keys);
}

/// The SEO titles and descriptions editors set, for every page of a request at once.
pub struct SeoLoader(Store);

impl Loader<(PageKind, i32)> for SeoLoader {
    type Value = SeoOverride;
    type Error = StoreError;

    async fn load(
        &self,
        keys: &[(PageKind, i32)],
    ) -> Result<HashMap<(PageKind, i32), SeoOverride>, StoreError> {
        self.0
            .seo_overrides(keys)
            .instrument(batch("SeoLoader", keys.len()))
            .await
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
            .instrument(batch("RelatedLoader", keys.len()))
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
