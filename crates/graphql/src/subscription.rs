//! Live updates over websockets: breaking news and changes to an open article.
//!
//! A websocket connection signs in once, in its `connection_init` payload, and keeps that
//! [`LiveViewer`] for its lifetime. Every event a subscription delivers is then resolved
//! like a request of its own: [`LiveScopes`] gives it a fresh [`RequestScope`] (its own
//! clock, dataloaders, section tree and list budget), so an article published after the
//! subscription began is visible, and nothing is cached from one event to the next.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{Context, Data, ID, Response, Subscription as SubscriptionRoot};
use chrono::Utc;
use dateline_persistence::events::{ArticleEvent, Subscriber};
use dateline_persistence::{Store, model};
use futures::Stream;

use crate::error::{ApiError, ApiResult};
use crate::id::{NodeKind, decode_kind};
use crate::scope::{RequestScope, Viewer, visibility_for};
use crate::sections::SectionTree;
use crate::types::Article;

/// Who a websocket connection signed in as, kept in the connection's data.
#[derive(Clone)]
pub struct LiveViewer {
    pub store: Store,
    pub viewer: Viewer,
}

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

/// Live updates, over a websocket at `/graphql` (`graphql-transport-ws` or the legacy
/// `graphql-ws` protocol). Sign in by sending `{"Authorization": "Bearer <token>"}` as
/// the `connection_init` payload; without it, only public articles arrive.
#[SubscriptionRoot]
impl Subscription {
    /// Breaking news: every article as it is published, by an editor or at its scheduled
    /// time, through any server. Only public articles reach readers.
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only articles filed under the section with this slug or its subsections (as they are when the subscription starts)."
        )]
        section: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Article>> {
        let live = live_viewer(ctx)?;
        let sections = match section {
            Some(slug) => {
                let sections = live.store.all_sections().await.map_err(ApiError::from)?;
                let tree = SectionTree::new(sections);
                let Some(section) = tree.by_slug(&slug) else {
                    let missing = ApiError::NotFound(format!("no section has the slug {slug:?}"));
                    return Err(missing.into());
                };
                Some(tree.subtree_ids(section.id).into_iter().collect())
            }
            None => None,
        };
        Ok(watch(live, move |event| match event {
            ArticleEvent::Published {
                article_id,
                section_id,
            } if sections
                .as_ref()
                .is_none_or(|ids: &HashSet<i32>| ids.contains(&section_id)) =>
            {
                Some(article_id)
            }
            _ => None,
        }))
    }

    /// Every change to one article once it is made: edits, corrections, moves through the
    /// workflow. Readers receive the article only while it is public.
    async fn article_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Article>> {
        let live = live_viewer(ctx)?;
        let id = decode_kind(&id, NodeKind::Article)?;
        if visible_article(&live, id).await.is_none() {
            return Err(ApiError::NotFound("no article has this id".to_owned()).into());
        }
        Ok(watch(live, move |event| match event {
            ArticleEvent::Updated { article_id } if article_id == id => Some(article_id),
            _ => None,
        }))
    }
}

fn live_viewer(ctx: &Context<'_>) -> ApiResult<LiveViewer> {
    ctx.data::<LiveViewer>()
        .cloned()
        .map_err(|_| ApiError::inconsistent("subscription without a LiveViewer"))
}

/// The articles named by the events `pick` selects, as far as the viewer may see them when
/// each event arrives.
fn watch(
    live: LiveViewer,
    pick: impl Fn(ArticleEvent) -> Option<i32> + Send + 'static,
) -> impl Stream<Item = Article> {
    let events: Subscriber = live.store.events().subscribe();
    let state = (events, live, Arc::new(pick));
    futures::stream::unfold(state, |(mut events, live, pick)| async move {
        loop {
            let event = events.next().await?;
            let Some(id) = pick(event) else { continue };
            if let Some(article) = visible_article(&live, id).await {
                return Some((Article(article), (events, live, pick)));
            }
        }
    })
}

/// The article, if the viewer may see it now; a failed read is logged and skipped.
async fn visible_article(live: &LiveViewer, id: i32) -> Option<model::Article> {
    let visibility = visibility_for(&live.viewer, Utc::now());
    match live.store.articles_by_ids(visibility, &[id]).await {
        Ok(mut found) => found.remove(&id),
        Err(error) => {
            tracing::error!(%error, article = id, "reading an article for subscribers failed");
            None
        }
    }
}

/// The extension that gives each execution on a websocket connection (each event of a
/// subscription, each query or mutation sent over the socket) a fresh [`RequestScope`].
pub struct LiveScopes;

impl ExtensionFactory for LiveScopes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LiveScopes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for LiveScopes {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<LiveViewer>() {
            Some(live) => {
                let mut data = Data::default();
                data.insert(RequestScope::new(live.store.clone(), live.viewer.clone()));
                next.run_with_data(ctx, operation_name, data).await
            }
            None => next.run(ctx, operation_name).await,
        }
    }
}
