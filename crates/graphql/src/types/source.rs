//! `Source`: the desk or agency a story is credited to.

use async_graphql::{ID, Object};
use dateline_domain::model;

use crate::id::{NodeKind, encode};

/// The desk or wire agency a story is credited to ("AT News", "Reuters").
#[derive(Clone)]
pub struct Source(pub(crate) model::Source);

/// The desk or wire agency a story is credited to.
#[Object]
impl Source {
    /// The source's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Source, self.0.id)
    }

    /// The name printed with the story.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The source's own website, if any.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
}
