//! What one request carries: who is asking (and what they may do), the clock it is read at, its dataloaders and the
//! section tree it sees. Built fresh for every request, so nothing leaks between viewers.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::Context;
use chrono::{DateTime, Utc};
use dateline_domain::model;
use dateline_domain::model::SectionTree;
use dateline_domain::{ArticleAction, ArticleFacts, ArticleStatus, DeskAction, Policy, Role};
use dateline_persistence::{ArticleFilter, CatalogVisibility, Store, Visibility};
use tokio::sync::OnceCell;

use crate::error::{ApiError, ApiResult};
use crate::loaders::Loaders;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// A member of the public.
    Anonymous,
    /// A signed-in member of staff.
    Staff(Staff),
}

/// A signed-in member of staff, as their bearer token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub user: model::User,
    /// The bearer token this request came with, so that `logout` can end its session.
    pub token: String,
}

/// Per-request state, reached from resolvers through [`scope`].
pub struct RequestScope {
    pub store: Store,
    pub viewer: Viewer,
    /// The client's address, when the transport knows it: sign-ins are throttled by it.
    pub client: Option<IpAddr>,
    /// The account this request proved it is by signing in with its password (`login`).
    signed_in_as: std::sync::OnceLock<i32>,
    /// The instant the request is answered as of, so every part of it agrees on what is
    /// already published.
    pub now: DateTime<Utc>,
    /// Its own, or shared by executions alike (see [`crate::fanout`]).
    pub loaders: Arc<Loaders>,
    sections: Arc<OnceCell<Arc<SectionTree>>>,
    policy: OnceCell<Policy>,
    list_reads: AtomicUsize,
    /// Words of article bodies this request has read so far.
    body_words: AtomicUsize,
}

/// The most words of article bodies one request may read (about 3 MiB of text, as HTML and
/// plain text alike): the bodies a request reads sit in memory until it is answered, so
/// this bounds the memory one request can take, before any body is loaded.
pub const MAX_BODY_WORDS: usize = 250_000;

/// The most lists (pages and counts) one request may read. Dataloaders keep
/// a request's statements from growing with its lists, except for lists nested in lists
/// (`articles { nodes { tags { articles … } } }`); this bounds what those can cost.
pub const MAX_LIST_READS: usize = 50;

impl RequestScope {
    /// A scope for one request by `viewer`.
    pub fn new(store: Store, viewer: Viewer) -> Self {
        let now = Utc::now();
        let visibility = visibility_for(&viewer, now);
        let catalog = catalog_visibility_for(&viewer, now);
        let loaders = Arc::new(Loaders::new(&store, now, visibility, catalog));
        Self::with_reads(store, viewer, now, loaders, Arc::default())
    }

    /// A scope for `viewer` answered as of `now` that reads through `loaders` and sees
    /// `sections`, which other scopes may share; its limits are its own.
    pub(crate) fn with_reads(
        store: Store,
        viewer: Viewer,
        now: DateTime<Utc>,
        loaders: Arc<Loaders>,
        sections: Arc<OnceCell<Arc<SectionTree>>>,
    ) -> Self {
        Self {
            loaders,
            store,
            viewer,
            client: None,
            signed_in_as: std::sync::OnceLock::new(),
            now,
            sections,
            policy: OnceCell::new(),
            list_reads: AtomicUsize::new(0),
            body_words: AtomicUsize::new(0),
        }
    }

    /// The same scope, for a request from `client`.
    pub fn from_client(mut self, client: Option<IpAddr>) -> Self {
        self.client = client;
        self
    }

    /// Counts a body of `words` words against [`MAX_BODY_WORDS`], before it is loaded.
    pub fn charge_text(&self, words: impl TryInto<usize>) -> ApiResult<()> {
        let words = words.try_into().unwrap_or(0).max(1);
        let read = self.body_words.fetch_add(words, Ordering::Relaxed) + words;
        if read > MAX_BODY_WORDS {
            return Err(ApiError::LimitExceeded(format!(
                "the query reads more than {MAX_BODY_WORDS} words of article bodies: ask for \
                 fewer bodies at once"
            )));
        }
        Ok(())
    }

    /// Which articles this viewer may see. This is the one place that decides it.
    pub fn visibility(&self) -> Visibility {
        visibility_for(&self.viewer, self.now)
    }

    /// Which tags and author profiles this viewer may list and look up. This is the one
    /// place that decides it.
    pub fn catalog_visibility(&self) -> CatalogVisibility {
        catalog_visibility_for(&self.viewer, self.now)
    }

    /// Which articles a list with this filter shows. Lists are the public's unless they ask
    /// for another status or the trash, which staff may do within their role: a front page
    /// looks the same to an editor as to a reader.
    pub fn list_visibility(&self, filter: &ArticleFilter) -> ApiResult<Visibility> {
        let public = filter.status.is_none_or(|s| s == ArticleStatus::Published);
        if public && !filter.in_trash && !filter.awaiting_review {
            return Ok(Visibility::PublishedAsOf(self.now));
        }
        self.staff()?;
        Ok(self.visibility())
    }

    /// The signed-in member of staff, or `UNAUTHENTICATED`.
    pub fn staff(&self) -> ApiResult<&model::User> {
        match &self.viewer {
            Viewer::Staff(staff) => Ok(&staff.user),
            Viewer::Anonymous => Err(ApiError::Unauthenticated(
                "sign in first: send `Authorization: Bearer <token>` from `login`".to_owned(),
            )),
        }
    }

    /// The signed-in member of staff if their role allows `action`, else `FORBIDDEN`.
    pub fn require(&self, action: DeskAction) -> ApiResult<&model::User> {
        let user = self.staff()?;
        if user.role.may(action) {
            Ok(user)
        } else {
            Err(forbidden(user.role))
        }
    }

    /// The signed-in member of staff if their role allows `action` on `article` under the
    /// newsroom's settings, else `FORBIDDEN`. Every mutation of an existing article and
    /// every editorial field goes through here.
    pub async fn require_on_article(
        &self,
        action: ArticleAction,
        article: &model::Article,
    ) -> ApiResult<&model::User> {
        let user = self.staff()?;
        let facts = ArticleFacts {
            own: article.owner_id == Some(user.id),
            status: article.status,
        };
        self.require_facts(user, action, facts).await
    }

    /// The signed-in member of staff if their role lets them start a draft of their own.
    pub async fn require_new_article(&self) -> ApiResult<&model::User> {
        let user = self.staff()?;
        let draft = ArticleFacts {
            own: true,
            status: ArticleStatus::Draft,
        };
        self.require_facts(user, ArticleAction::Create, draft).await
    }

    async fn require_facts<'u>(
        &self,
        user: &'u model::User,
        action: ArticleAction,
        facts: ArticleFacts,
    ) -> ApiResult<&'u model::User> {
        if user
            .role
            .may_on_article(action, facts, self.policy().await?)
        {
            Ok(user)
        } else {
            Err(forbidden(user.role))
        }
    }

    /// Whether the viewer may read `article`'s editorial fields (who owns it, when review was
    /// asked for, when it was trashed): staff whose role lets them read it unpublished.
    pub async fn sees_editorial_fields(&self, article: &model::Article) -> ApiResult<bool> {
        self.may_on_article(ArticleAction::Read, article).await
    }

    /// Whether the viewer's role allows `action` on `article` under the newsroom's
    /// settings (the `viewerCan…` fields); the public may do nothing.
    pub async fn may_on_article(
        &self,
        action: ArticleAction,
        article: &model::Article,
    ) -> ApiResult<bool> {
        match self.require_on_article(action, article).await {
            Ok(_) => Ok(true),
            Err(ApiError::Unauthenticated(_) | ApiError::Forbidden(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether the viewer's role allows `action` on the catalogue or the accounts.
    pub fn may(&self, action: DeskAction) -> bool {
        self.require(action).is_ok()
    }

    /// Whether the viewer may read the private details (the email address) of staff account
    /// `user_id`: admins, who manage the accounts, and the person themself. Everyone else
    /// who reaches an account (an article's owner, a revision's editor) sees only who it is.
    pub fn sees_account_details(&self, user_id: i32) -> bool {
        if self.signed_in_as.get() == Some(&user_id) {
            return true;
        }
        match &self.viewer {
            Viewer::Staff(staff) => {
                staff.user.id == user_id || staff.user.role.may(DeskAction::ManageStaff)
            }
            Viewer::Anonymous => false,
        }
    }

    /// Records that this request signed in as `user_id` with its password, so it may read
    /// that account's own details in its answer.
    pub fn signed_in_as(&self, user_id: i32) {
        let _ = self.signed_in_as.set(user_id);
    }

    /// The newsroom's settings that bear on permissions, read once per request.
    pub async fn policy(&self) -> ApiResult<Policy> {
        let policy = self
            .policy
            .get_or_try_init(|| async { Ok::<_, ApiError>(self.store.policy().await?) })
            .await?;
        Ok(*policy)
    }

    /// Counts one more list read against [`MAX_LIST_READS`].
    pub fn charge_list_read(&self) -> ApiResult<()> {
        if self.list_reads.fetch_add(1, Ordering::Relaxed) < MAX_LIST_READS {
            Ok(())
        } else {
            Err(ApiError::LimitExceeded(format!(
                "a query may read at most {MAX_LIST_READS} lists (pages or counts)"
            )))
        }
    }

    /// The whole section tree, as it was when the request first asked for it: every part
    /// of one answer sees the same tree. The server keeps it in memory between requests
    /// ([`Store::section_tree`]).
    pub async fn sections(&self) -> ApiResult<Arc<SectionTree>> {
        let tree = self
            .sections
            .get_or_try_init(|| async { Ok::<_, ApiError>(self.store.section_tree().await?) })
            .await?;
        Ok(Arc::clone(tree))
    }
}

/// What `viewer` may see as of `now`.
pub(crate) fn visibility_for(viewer: &Viewer, now: DateTime<Utc>) -> Visibility {
    match viewer {
        Viewer::Anonymous => Visibility::PublishedAsOf(now),
        Viewer::Staff(staff) if staff.user.role.may(DeskAction::ReadAllDrafts) => Visibility::Desk,
        Viewer::Staff(staff) => Visibility::DeskOwn {
            now,
            user_id: staff.user.id,
        },
    }
}

/// What `viewer` may find of the tags and author profiles as of `now`. The public finds
/// those of public stories only. Staff find them all: they tag and byline drafts from the
/// whole catalogue, new tags and profiles included, and editors keep it.
pub(crate) fn catalog_visibility_for(viewer: &Viewer, now: DateTime<Utc>) -> CatalogVisibility {
    match viewer {
        Viewer::Anonymous => CatalogVisibility::InUseAsOf(now),
        Viewer::Staff(_) => CatalogVisibility::All,
    }
}

/// `FORBIDDEN`, for what the `role` does not allow.
pub(crate) fn forbidden(role: Role) -> ApiError {
    ApiError::Forbidden(format!("the {role} role does not allow this"))
}

/// The request's scope. Every request the schema executes is given one by
/// [`crate::prepare_request`]; a missing scope is a programming error reported as internal.
pub fn scope<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestScope> {
    ctx.data::<RequestScope>()
        .map_err(|_| ApiError::inconsistent("request executed without a RequestScope"))
}
