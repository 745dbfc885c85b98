//! What one request carries: who is asking, the clock it is read at, its dataloaders and its
//! copy of the section tree. Built fresh for every request, so nothing leaks between viewers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    list_reads: AtomicUsize,
}

/// The most lists (pages, counts, related rankings) one request may read. Dataloaders keep
/// a request's statements from growing with its lists, except for lists nested in lists
/// (`articles { nodes { tags { articles … } } }`); this bounds what those can cost.
pub const MAX_LIST_READS: usize = 50;

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
            list_reads: AtomicUsize::new(0),
        }
    }

    /// Which articles this viewer may see. This is the one place that decides it.
    pub fn visibility(&self) -> Visibility {
        visibility_for(self.viewer, self.now)
    }

    /// Counts one more list read against [`MAX_LIST_READS`].
    pub fn charge_list_read(&self) -> ApiResult<()> {
        if self.list_reads.fetch_add(1, Ordering::Relaxed) < MAX_LIST_READS {
            Ok(())
        } else {
            Err(ApiError::LimitExceeded(format!(
                "a query may read at most {MAX_LIST_READS} lists (pages, counts or related stories)"
            )))
        }
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
