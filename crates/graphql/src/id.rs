//! Relay global ids: opaque to clients, `base64url("<Type>:<id>")` inside.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The kinds of node a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Article,
    Author,
    Section,
    Source,
    Tag,
    /// A staff account: `node` returns it to staff only.
    User,
    /// One recorded revision of an article.
    ArticleRevision,
    /// One public correction of an article.
    Correction,
}

impl NodeKind {
    const ALL: [Self; 8] = [
        Self::Article,
        Self::Author,
        Self::Section,
        Self::Source,
        Self::Tag,
        Self::User,
        Self::ArticleRevision,
        Self::Correction,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Article => "Article",
            Self::Author => "Author",
            Self::Section => "Section",
            Self::Source => "Source",
            Self::Tag => "Tag",
            Self::User => "User",
            Self::ArticleRevision => "ArticleRevision",
            Self::Correction => "Correction",
        }
    }
}

/// The global id of a node.
pub fn encode(kind: NodeKind, id: i32) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Reads a global id back; anything this API did not issue is a `BAD_USER_INPUT`.
pub fn decode(global: &str) -> Result<(NodeKind, i32), ApiError> {
    let invalid = || ApiError::bad_input(format!("{global:?} is not a valid node id"));
    let bytes = URL_SAFE_NO_PAD.decode(global).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (kind, id) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(invalid)?;
    let id = id.parse::<i32>().map_err(|_| invalid())?;
    Ok((kind, id))
}

/// Reads back a global id that must name a `kind`.
pub fn decode_kind(global: &str, kind: NodeKind) -> Result<i32, ApiError> {
    match decode(global)? {
        (found, id) if found == kind => Ok(id),
        _ => Err(ApiError::bad_input(format!(
            "{global:?} is not the id of a {}",
            kind.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = encode(NodeKind::Article, 42);
        assert_eq!(decode(&id).ok(), Some((NodeKind::Article, 42)));
    }

    #[test]
    fn rejects_foreign_ids() {
        for bad in ["", "42", "QXJ0aWNsZTp4", "TW9vc2U6MQ", "!!"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
