//! What one request carries: who is asking, the clock it is read at, its dataloaders and its
//! copy of the section tree. Built fresh for every request, so nothing leaks between viewers.

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, Utc};
use dateline_persistence::{Store, Visibility};
use tokio::sync::OnceCell;

use crate::error::{ApiError, ApiResult};
use crate::loaders::Loaders;
use crate::sections::SectionTree;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A member of the public.
    Anonymous,
}

/// Per-request state, reached from resolvers through [`scope`].
pub struct RequestScope {
    pub store: Store,
    pub viewer: Viewer,
    /// The instant the request is answered as of, so every part of it agrees on what is
    /// already published.
    pub now: DateTime<Utc>,
    pub loaders: Loaders,
    sections: OnceCell<Arc<SectionTree>>,
}

impl RequestScope {
    /// A scope for one request by `viewer`.
    pub fn new(store: Store, viewer: Viewer) -> Self {
        let now = Utc::now();
        let visibility = visibility_for(viewer, now);
        Self {
            loaders: Loaders::new(&store, visibility),
            store,
            viewer,
            now,
            sections: OnceCell::new(),
        }
    }

    /// Which articles this viewer may see. This is the one place that decides it.
    pub fn visibility(&self) -> Visibility {
        visibility_for(self.viewer, self.now)
    }

    /// The whole section tree, read once per request on first use.
    pub async fn sections(&self) -> ApiResult<Arc<SectionTree>> {
        let tree = self
            .sections
            .get_or_try_init(|| async {
                Ok::<_, ApiError>(Arc::new(SectionTree::new(self.store.all_sections().await?)))
            })
            .await?;
        Ok(Arc::clone(tree))
    }
}

fn visibility_for(viewer: Viewer, now: DateTime<Utc>) -> Visibility {
    match viewer {
        Viewer::Anonymous => Visibility::PublishedAsOf(now),
    }
}

/// The request's scope. Every request the schema executes is given one by
/// [`crate::prepare_request`]; a missing scope is a programming error reported as internal.
pub fn scope<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestScope> {
    ctx.data::<RequestScope>()
        .map_err(|_| ApiError::inconsistent("request executed without a RequestScope"))
}
