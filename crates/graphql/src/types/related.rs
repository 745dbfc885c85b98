//! `RelatedArticle`: a "Check Also" story with its score and the reasons it was picked.

use async_graphql::{Enum, Object, SimpleObject};
use dateline_domain::RelatedArticle as Ranked;
use dateline_domain::RelatedReason as DomainReason;

use crate::types::Article;

/// A story shown next to another, with why.
pub struct RelatedArticle {
    article: Article,
    score: f64,
    reasons: Vec<RelatedReason>,
}

/// What kind of connection makes two stories related.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RelatedReasonKind {
    /// An editor pinned the story to the article (`setRelatedArticles`).
    EditorsPick,
    /// Both stories carry the same tag.
    SharedTag,
    /// Both stories are filed under the same section.
    SameSection,
    /// The two headlines share meaningful words.
    SimilarText,
}

/// One thing two related stories have in common.
#[derive(SimpleObject, Clone)]
pub struct RelatedReason {
    /// What kind of connection this is.
    pub kind: RelatedReasonKind,
    /// The name of what they share: the tag's or the section's name, the shared headline
    /// words ("Similar headline: ceasefire, doha"), or "Editor's pick" for a pinned story.
    pub label: String,
}

impl From<Ranked> for RelatedArticle {
    fn from(ranked: Ranked) -> Self {
        let reasons = ranked
            .score
            .reasons
            .into_iter()
            .map(|reason| match reason {
                DomainReason::EditorsPick => RelatedReason {
                    kind: RelatedReasonKind::EditorsPick,
                    label: "Editor's pick".to_owned(),
                },
                DomainReason::SharedTag(label) => RelatedReason {
                    kind: RelatedReasonKind::SharedTag,
                    label,
                },
                DomainReason::SameSection(label) => RelatedReason {
                    kind: RelatedReasonKind::SameSection,
                    label,
                },
                DomainReason::SimilarText(words) => RelatedReason {
                    kind: RelatedReasonKind::SimilarText,
                    label: format!("Similar headline: {}", words.join(", ")),
                },
            })
            .collect();
        Self {
            article: Article(ranked.article),
            score: ranked.score.score,
            reasons,
        }
    }
}

/// A "Check Also" story.
#[Object]
impl RelatedArticle {
    /// The related story.
    async fn article(&self) -> &Article {
        &self.article
    }

    /// How strongly it is related; higher is stronger. Comparable within one list only.
    async fn score(&self) -> f64 {
        self.score
    }

    /// What connects the two stories, strongest first.
    async fn reasons(&self) -> &[RelatedReason] {
        &self.reasons
    }
}
