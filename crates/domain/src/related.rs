//! Ranking "Check Also" stories: what two articles share, and how much that counts.

/// Weight of each tag two articles share.
const SHARED_TAG_WEIGHT: f64 = 3.0;
/// Weight of the two articles sitting in the same primary section.
const SAME_SECTION_WEIGHT: f64 = 2.0;
/// Weight of each meaningful word two headlines share, for at most
/// [`MAX_SIMILAR_WORDS`] words: less than a shared tag, and two words more than a section.
const SIMILAR_WORD_WEIGHT: f64 = 1.25;
/// The most shared headline words that count.
const MAX_SIMILAR_WORDS: usize = 3;
/// Words too common in headlines to say two stories are about the same thing.
const HEADLINE_STOPWORDS: [&str; 40] = [
    "about", "after", "again", "against", "amid", "back", "before", "being", "between", "could",
    "from", "have", "into", "last", "more", "most", "news", "next", "over", "says", "said", "than",
    "that", "their", "them", "then", "there", "these", "they", "this", "those", "under", "week",
    "what", "when", "where", "which", "will", "with", "year",
];

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
    /// Meaningful words both headlines hold (see [`shared_headline_words`]).
    pub similar_words: Vec<String>,
}

/// The meaningful words of a headline, lowercased, in order, once each: words of four
/// letters or more that are not among the commonest headline words, with a plural `s`
/// dropped so that `talks` meets `talk`.
pub fn headline_words(title: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in title.split(|c: char| !c.is_alphanumeric()) {
        if word.chars().count() < 4 {
            continue;
        }
        let lower = word.to_lowercase();
        if HEADLINE_STOPWORDS.contains(&lower.as_str()) || lower.chars().all(char::is_numeric) {
            continue;
        }
        let stem = match lower.strip_suffix('s') {
            Some(stem) if !stem.ends_with('s') && stem.chars().count() >= 4 => stem.to_owned(),
            _ => lower,
        };
        if !words.contains(&stem) {
            words.push(stem);
        }
    }
    words
}

/// The meaningful words two headlines share, in the order of the first.
pub fn shared_headline_words(first: &str, second: &str) -> Vec<String> {
    let theirs = headline_words(second);
    headline_words(first)
        .into_iter()
        .filter(|word| theirs.contains(word))
        .collect()
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
    /// Their headlines share these words.
    SimilarText(Vec<String>),
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
        let similar = self.similar_words.len().min(MAX_SIMILAR_WORDS) as f64;
        let freshness = 0.5_f64.powf(self.age_days.max(0.0) / FRESHNESS_HALF_LIFE_DAYS);
        let score = match self.pinned {
            // The editor's order, whatever else the stories share.
            Some(position) => PICK_WEIGHT - position as f64,
            None => {
                tags * SHARED_TAG_WEIGHT
                    + section * SAME_SECTION_WEIGHT
                    + similar * SIMILAR_WORD_WEIGHT
                    + freshness
            }
        };
        let mut reasons: Vec<RelatedReason> = self
            .pinned
            .map(|_| RelatedReason::EditorsPick)
            .into_iter()
            .chain(self.shared_tags.into_iter().map(RelatedReason::SharedTag))
            .collect();
        if !self.similar_words.is_empty() {
            reasons.push(RelatedReason::SimilarText(self.similar_words));
        }
        reasons.extend(self.same_section.map(RelatedReason::SameSection));
        RelatedScore {
            score: (score * 1000.0).round() / 1000.0,
            reasons,
        }
    }
}

/// A story ranked next to another, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedArticle {
    pub article: crate::model::Article,
    pub score: RelatedScore,
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
            similar_words: Vec::new(),
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
    fn headlines_sharing_meaningful_words_are_similar() {
        assert_eq!(
            shared_headline_words(
                "Ceasefire talks resume in Doha",
                "Doha ceasefire holds as talk of a deal grows"
            ),
            ["ceasefire", "talk", "doha"]
        );
        assert_eq!(
            shared_headline_words(
                "What the minister said after the vote",
                "What they said after"
            ),
            Vec::<String>::new(),
            "common headline words and short words do not count"
        );
        let mut similar = candidate(&[], false, 0.0);
        similar.similar_words = vec!["ceasefire".into(), "doha".into()];
        let scored = similar.score();
        assert!(scored.score > candidate(&[], true, 0.0).score().score);
        assert!(scored.score < candidate(&["a"], true, 0.0).score().score);
        assert_eq!(
            scored.reasons,
            vec![RelatedReason::SimilarText(vec![
                "ceasefire".into(),
                "doha".into()
            ])]
        );
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
