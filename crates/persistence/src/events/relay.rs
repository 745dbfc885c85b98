//! The relay: on PostgreSQL, one `LISTEN` on the events channel hands what every server
//! announces to this server's subscribers.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::{CHANNEL, Events};
use crate::dialect::Dialect;

impl Events {
    /// Hands the events every server announces on PostgreSQL to this server's subscribers,
    /// until the task running it is dropped. Reconnects after losing the database, after
    /// which it goes on; events announced meanwhile are lost. On SQLite there is nothing to
    /// relay and it returns at once.
    pub async fn relay(&self, db: &DatabaseConnection) {
        if !Dialect::of(db).carries_events() {
            self.0.relaying.store(true, Ordering::Relaxed);
            return;
        }
        let pool = db.get_postgres_connection_pool().clone();
        loop {
            if let Err(error) = self.relay_from(&pool).await {
                self.0.relaying.store(false, Ordering::Relaxed);
                tracing::error!(%error, "listening for events failed; retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn relay_from(&self, pool: &sea_orm::sqlx::PgPool) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        // Changes announced while nobody listened are lost: read everything kept again.
        self.content_changed();
        self.0.relaying.store(true, Ordering::Relaxed);
        loop {
            match listener.try_recv().await? {
                Some(notification) => match serde_json::from_str(notification.payload()) {
                    Ok(event) => self.deliver(event),
                    Err(error) => tracing::warn!(%error, "ignored a malformed event"),
                },
                // The connection dropped: the listener has connected again and listens on
                // the channel anew.
                None => {
                    tracing::warn!("the event listener lost its connection and reconnected");
                    self.content_changed();
                }
            }
        }
    }
}
