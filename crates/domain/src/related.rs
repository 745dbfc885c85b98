//! Ranking "Check Also" stories: what two articles share, and how much that counts.

/// Weight of each tag two articles share.
const SHARED_TAG_WEIGHT: f64 = 3.0;
/// Weight of the two articles sitting in the same primary section.
const SAME_SECTION_WEIGHT: f64 = 2.0;
/// Weight of an editor's pick: more than any number of shared tags, so picks come first,
/// in the order the editor gave.
const PICK_WEIGHT: f64 = 1000.0;
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
    /// Its place among the stories an editor pinned to the article, if it is one.
    pub pinned: Option<usize>,
}

/// Why a story is related to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelatedReason {
    /// An editor pinned it to the article.
    EditorsPick,
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
    /// Scores the candidate: an editor's pick comes before everything, then each shared tag
    /// counts most, then a shared section, and fresher stories get a bonus below one point,
    /// so recency only breaks ties between equals.
    pub fn score(self) -> RelatedScore {
        let tags = self.shared_tags.len() as f64;
        let section = if self.same_section.is_some() {
            1.0
        } else {
            0.0
        };
        let freshness = 0.5_f64.powf(self.age_days.max(0.0) / FRESHNESS_HALF_LIFE_DAYS);
        let score = match self.pinned {
            // The editor's order, whatever else the stories share.
            Some(position) => PICK_WEIGHT - position as f64,
            None => tags * SHARED_TAG_WEIGHT + section * SAME_SECTION_WEIGHT + freshness,
        };
        let mut reasons: Vec<RelatedReason> = self
            .pinned
            .map(|_| RelatedReason::EditorsPick)
            .into_iter()
            .chain(self.shared_tags.into_iter().map(RelatedReason::SharedTag))
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
            pinned: None,
        }
    }

    #[test]
    fn editors_picks_come_first_in_their_order() {
        let pick = |position, age_days| {
            let mut candidate = candidate(&[], false, age_days);
            candidate.pinned = Some(position);
            candidate.score()
        };
        let first = pick(0, 900.0);
        let second = pick(1, 0.0);
        let strong = candidate(&["a", "b", "c", "d"], true, 0.0).score();
        assert!(first.score > second.score && second.score > strong.score);
        assert_eq!(first.reasons, vec![RelatedReason::EditorsPick]);
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
