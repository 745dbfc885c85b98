//! Live updates over websockets: breaking news and changes to an open article.
//!
//! A websocket connection signs in once, in its `connection_init` payload, and keeps that
//! [`LiveViewer`] for its lifetime; its session is checked again at every event, so signing
//! out (or losing the account) makes it the public's. Every event a subscription delivers
//! is then resolved as of the event: [`execute_live`] gives it a scope of its own (its
//! limits) reading through what every subscriber of its kind shares for that event
//! ([`crate::fanout`]), so an article published after the subscription began is visible,
//! nothing read is kept from one event to the next, and an event costs the same few
//! statements however many subscribers receive it.
//!
//! When events may have been lost (this server's link to the others' events broke for a
//! while, a subscriber fell too far behind, or an event's article could not be read), each
//! subscription concerned receives an error coded `RESYNC` instead of an article, and goes
//! on: what the client shows may be out of date,
//! and it should read it again.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::extensions::{ExtensionContext, NextExecute};
use async_graphql::{
    Context, Data, ErrorExtensions, ID, Response, Subscription as SubscriptionRoot,
};
use chrono::{DateTime, Utc};
use dateline_persistence::events::{ArticleEvent, Subscriber};
use dateline_persistence::{Store, StoreError};
use futures::Stream;
use tokio::sync::watch;

use crate::error::{ApiError, ApiResult};
use crate::fanout::{Delivery, DeliverySlot, Fanout};
use crate::id::{NodeKind, decode_kind};
use crate::scope::{RequestScope, Staff, Viewer};
use crate::types::Article;

/// The most subscriptions one websocket connection may hold at once.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 32;
/// The most subscriptions one server holds at once.
pub const MAX_SUBSCRIPTIONS: usize = 20_000;

/// Who a websocket connection signed in as, kept in the connection's data, and what the
/// connection holds.
#[derive(Clone)]
pub struct LiveViewer {
    store: Store,
    viewer: Viewer,
    /// This connection's live subscriptions.
    open: Arc<AtomicUsize>,
    /// Becomes `true` when the server shuts down, which ends every subscription.
    closing: watch::Receiver<bool>,
    /// The client's address, when the transport knows it: sign-ins are throttled by it.
    client: Option<IpAddr>,
}

impl LiveViewer {
    /// The same connection, counting its live subscriptions in `open` (which its transport
    /// watches to tell an idle connection).
    pub fn counting(self, open: Arc<AtomicUsize>) -> Self {
        Self { open, ..self }
    }

    /// The data of a connection from `client` signed in as `viewer`; its subscriptions end
    /// when `closing` becomes `true`.
    pub fn new(
        store: Store,
        viewer: Viewer,
        closing: watch::Receiver<bool>,
        client: Option<IpAddr>,
    ) -> Self {
        Self {
            store,
            viewer,
            open: Arc::default(),
            closing,
            client,
        }
    }

    /// Whether the connection signed in as no one.
    pub fn is_anonymous(&self) -> bool {
        self.viewer == Viewer::Anonymous
    }

    /// Who the connection speaks for now. A member of staff whose session has ended since
    /// the connection signed in (signed out, password changed, account removed, expired)
    /// is the public from then on; a session that cannot be checked is an error.
    async fn current(&self) -> Result<Viewer, StoreError> {
        let Viewer::Staff(staff) = &self.viewer else {
            return Ok(Viewer::Anonymous);
        };
        let user = self.store.session_user(&staff.token, Utc::now()).await?;
        Ok(user.map_or(Viewer::Anonymous, |user| {
            Viewer::Staff(Staff {
                user,
                token: staff.token.clone(),
            })
        }))
    }

    /// Counts a new subscription against the limits, or refuses it.
    fn admit(&self) -> ApiResult<Admitted> {
        if self.store.events().subscribers() >= MAX_SUBSCRIPTIONS {
            return Err(ApiError::LimitExceeded(
                "this server holds as many subscriptions as it can: try again later".to_owned(),
            ));
        }
        if self.open.fetch_add(1, Ordering::Relaxed) >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return Err(ApiError::LimitExceeded(format!(
                "a connection may hold at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions"
            )));
        }
        metrics::counter!("dateline_subscriptions_started_total").increment(1);
        Ok(Admitted(Arc::clone(&self.open)))
    }
}

/// A subscription counted against its connection's limit until it is dropped.
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
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
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Article>>> {
        let live = live_viewer(ctx)?;
        let admitted = live.admit()?;
        let sections = match section {
            Some(slug) => {
                let tree = live.store.section_tree().await.map_err(ApiError::from)?;
                let Some(section) = tree.by_slug(&slug) else {
                    let missing = ApiError::NotFound(format!("no section has the slug {slug:?}"));
                    return Err(missing.into());
                };
                Some(tree.subtree_ids(section.id).into_iter().collect())
            }
            None => None,
        };
        Ok(watch(ctx, live, admitted, move |event| match event {
            ArticleEvent::Published {
                article_id,
                section_id,
                at,
            } if sections
                .as_ref()
                .is_none_or(|ids: &HashSet<i32>| ids.contains(&section_id)) =>
            {
                Some(Wanted {
                    article_id,
                    public_from: Some(at),
                })
            }
            _ => None,
        })?)
    }

    /// Every change to one article once it is made: edits, corrections, moves through the
    /// workflow. Readers receive the article only while it is public.
    async fn article_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Article>>> {
        let live = live_viewer(ctx)?;
        let id = decode_kind(&id, NodeKind::Article)?;
        let admitted = live.admit()?;
        let viewer = live.current().await.map_err(ApiError::from)?;
        let reads = fanout(ctx)?.reads(&live.store, &viewer, None);
        if reads.loaders().articles.load_one(id).await?.is_none() {
            return Err(ApiError::NotFound("no article has this id".to_owned()).into());
        }
        Ok(watch(ctx, live, admitted, move |event| match event {
            ArticleEvent::Updated { article_id } if article_id == id => Some(Wanted {
                article_id,
                public_from: None,
            }),
            _ => None,
        })?)
    }
}

fn live_viewer(ctx: &Context<'_>) -> ApiResult<LiveViewer> {
    ctx.data::<LiveViewer>()
        .cloned()
        .map_err(|_| ApiError::inconsistent("subscription without a LiveViewer"))
}

fn fanout(ctx: &Context<'_>) -> ApiResult<Arc<Fanout>> {
    ctx.data::<Arc<Fanout>>()
        .cloned()
        .map_err(|_| ApiError::inconsistent("schema without a Fanout"))
}

/// What an event asks a subscription to send: an article, and the instant from which it
/// is public if the event says so (the clock of the server that published it, which may be
/// ahead of this one's).
struct Wanted {
    article_id: i32,
    public_from: Option<DateTime<Utc>>,
}

/// The articles named by the events `pick` selects, as far as the viewer may see them when
/// each event arrives, and a `RESYNC` error whenever events may have been lost. Ends when
/// the server shuts down.
fn watch<P>(
    ctx: &Context<'_>,
    live: LiveViewer,
    admitted: Admitted,
    pick: P,
) -> ApiResult<impl Stream<Item = async_graphql::Result<Article>> + use<P>>
where
    P: Fn(ArticleEvent) -> Option<Wanted> + Send + Sync + 'static,
{
    let to = Recipient {
        fanout: fanout(ctx)?,
        slot: ctx.data::<DeliverySlot>().ok().cloned().unwrap_or_default(),
        field: Arc::from(ctx.item.node.response_key().node.as_str()),
    };
    let events: Subscriber = live.store.events().subscribe();
    let state = (events, live, to, Arc::new(pick), admitted);
    Ok(futures::stream::unfold(
        state,
        |(mut events, mut live, to, pick, admitted)| async move {
            loop {
                let event = tokio::select! {
                    event = events.next() => event?,
                    closing = closed(&mut live.closing) => {
                        if closing {
                            return None;
                        }
                        // No server will ever say it is closing: only events end the stream.
                        events.next().await?
                    }
                };
                let item = if event == ArticleEvent::Missed {
                    Err(resync())
                } else {
                    let Some(wanted) = pick(event) else { continue };
                    match to.deliver(&live, &wanted).await {
                        Some(item) => item,
                        None => continue,
                    }
                };
                return Some((item, (events, live, to, pick, admitted)));
            }
        },
    ))
}

/// Where a subscription's events go: what its kind of subscriber shares, the slot its
/// execution takes them from, and the field (its response key) it answers.
struct Recipient {
    fanout: Arc<Fanout>,
    slot: DeliverySlot,
    field: Arc<str>,
}

impl Recipient {
    /// The article `wanted` names, if the connection's viewer may see it now, left in the
    /// slot for the execution that answers it; `None` if there is nothing to send. A story
    /// that cannot be read, or a session that cannot be checked (the database is out of
    /// reach, say), gives `RESYNC` rather than a story missed without a word.
    async fn deliver(
        &self,
        live: &LiveViewer,
        wanted: &Wanted,
    ) -> Option<async_graphql::Result<Article>> {
        let read = async {
            let viewer = live.current().await?;
            let reads = self.fanout.reads(&live.store, &viewer, wanted.public_from);
            let article = reads.loaders().articles.load_one(wanted.article_id).await?;
            Ok::<_, StoreError>(article.map(|article| (article, reads, viewer)))
        };
        match read.await {
            Ok(Some((article, reads, viewer))) => {
                self.slot.put(Delivery {
                    reads,
                    article_id: article.id,
                    field: Arc::clone(&self.field),
                    viewer,
                });
                Some(Ok(Article(article)))
            }
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "an event could not be resolved for a subscriber");
                Some(Err(resync()))
            }
        }
    }
}

/// The error a subscription receives in place of the events it may have lost.
fn resync() -> async_graphql::Error {
    async_graphql::Error::new(
        "live updates may have been missed: read what you show again, then carry on",
    )
    .extend_with(|_, e| e.set("code", crate::error::code::RESYNC))
}

/// Waits until `closing` becomes `true` (`true`), or until nothing can ever set it
/// (`false`).
async fn closed(closing: &mut watch::Receiver<bool>) -> bool {
    closing.wait_for(|closing| *closing).await.is_ok()
}

/// How long one execution on a websocket (a query, a mutation, one subscription event)
/// may take.
pub const EXECUTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs one execution on a websocket connection with a scope of its own and a deadline.
/// An event of a subscription (`subscription` identifies its operation) is answered
/// through what its kind of subscriber shares ([`crate::fanout`]): resolved once for all
/// who asked the same. A query or mutation sent over the socket reads alone. Any other
/// execution runs as it is. Every answer is `finish`ed before it is shared or sent.
pub(crate) async fn execute_live(
    ctx: &ExtensionContext<'_>,
    operation_name: Option<&str>,
    next: NextExecute<'_>,
    subscription: Option<Arc<str>>,
    finish: impl FnOnce(&mut Response),
) -> Response {
    let Some(live) = ctx.data_opt::<LiveViewer>() else {
        let mut response = next.run(ctx, operation_name).await;
        finish(&mut response);
        return response;
    };
    let delivery = subscription
        .as_ref()
        .and_then(|_| ctx.data_opt::<DeliverySlot>())
        .and_then(DeliverySlot::take);
    let (scope, delivery) = match (delivery, subscription) {
        // Answered for the viewer the article was read for.
        (Some(delivery), Some(operation)) => {
            let scope = delivery
                .reads
                .scope(live.store.clone(), delivery.viewer.clone());
            (scope, Some((delivery, operation)))
        }
        _ => match live.current().await {
            Ok(viewer) => (RequestScope::new(live.store.clone(), viewer), None),
            Err(error) => {
                let failure = crate::error::request_failure(ApiError::from(error));
                let mut response = Response::from_errors(vec![failure]);
                finish(&mut response);
                return response;
            }
        },
    };
    let mut data = Data::default();
    data.insert(scope.from_client(live.client));
    // What HTTP requests get from their deadline.
    let resolve = async {
        let mut response = match tokio::time::timeout(
            EXECUTION_TIMEOUT,
            next.run_with_data(ctx, operation_name, data),
        )
        .await
        {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![crate::error::with_code(
                async_graphql::ServerError::new("the operation took too long", None),
                crate::error::code::TIMEOUT,
            )]),
        };
        finish(&mut response);
        response
    };
    match delivery {
        Some((delivery, operation)) => {
            let key = (operation, delivery.field, delivery.article_id);
            delivery.reads.answer(key, resolve).await
        }
        None => resolve.await,
    }
}
