//! Ranking "Check Also" stories: what two articles share, and how much that counts.

/// Weight of each tag two articles share.
const SHARED_TAG_WEIGHT: f64 = 3.0;
/// Weight of the two articles sitting in the same primary section.
const SAME_SECTION_WEIGHT: f64 = 2.0;
/// Days after which a candidate's freshness bonus has halved.
const FRESHNESS_HALF_LIFE_DAYS: f64 = 7.0;

/// A published article that might be shown next to another one.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedCandidate {
    /// Names of the tags both articles carry.
    pub shared_tags: Vec<String>,
    /// The primary section's name, when both articles share it.
    pub same_section: Option<String>,
    /// How old the candidate is, in days (0 for a story published now).
    pub age_days: f64,
}

/// Why a story is related to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelatedReason {
    /// Both carry this tag (its name).
    SharedTag(String),
    /// Both are filed under this section (its name).
    SameSection(String),
}

/// A candidate's rank and the reasons behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedScore {
    /// Higher ranks first.
    pub score: f64,
    /// What connects the two stories, strongest first.
    pub reasons: Vec<RelatedReason>,
}

impl RelatedCandidate {
    /// Scores the candidate: each shared tag counts most, then a shared section, and fresher
    /// stories get a bonus below one point, so recency only breaks ties between equals.
    pub fn score(self) -> RelatedScore {
        let tags = self.shared_tags.len() as f64;
        let section = if self.same_section.is_some() {
            1.0
        } else {
            0.0
        };
        let freshness = 0.5_f64.powf(self.age_days.max(0.0) / FRESHNESS_HALF_LIFE_DAYS);
        let score = tags * SHARED_TAG_WEIGHT + section * SAME_SECTION_WEIGHT + freshness;
        let mut reasons: Vec<RelatedReason> = self
            .shared_tags
            .into_iter()
            .map(RelatedReason::SharedTag)
            .collect();
        reasons.extend(self.same_section.map(RelatedReason::SameSection));
        RelatedScore {
            score: (score * 1000.0).round() / 1000.0,
            reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(tags: &[&str], section: bool, age_days: f64) -> RelatedCandidate {
        RelatedCandidate {
            shared_tags: tags.iter().map(|t| t.to_string()).collect(),
            same_section: section.then(|| "World".to_string()),
            age_days,
        }
    }

    #[test]
    fn shared_tags_outrank_section_which_outranks_freshness() {
        let two_tags_old = candidate(&["a", "b"], false, 300.0).score().score;
        let one_tag_and_section = candidate(&["a"], true, 300.0).score().score;
        let section_only_new = candidate(&[], true, 0.0).score().score;
        let nothing_new = candidate(&[], false, 0.0).score().score;
        assert!(one_tag_and_section > two_tags_old - 1.5);
        assert!(two_tags_old > section_only_new);
        assert!(section_only_new > nothing_new);
    }

    #[test]
    fn reasons_name_the_tags_then_the_section() {
        let scored = candidate(&["Diplomacy"], true, 1.0).score();
        assert_eq!(
            scored.reasons,
            vec![
                RelatedReason::SharedTag("Diplomacy".into()),
                RelatedReason::SameSection("World".into())
            ]
        );
    }
}
