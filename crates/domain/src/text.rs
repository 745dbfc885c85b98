//! What is derived from an article's text: word count, reading time and excerpt.

/// Words a reader gets through in a minute, for reading-time estimates.
pub const WORDS_PER_MINUTE: u32 = 200;

/// The longest derived excerpt, in characters, before an ellipsis is added.
pub const EXCERPT_CHARS: usize = 240;

/// Counts whitespace-separated words.
pub fn word_count(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

/// Whole minutes to read `words` words, never less than one.
pub fn reading_time_minutes(words: u32) -> u32 {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

/// An excerpt from plain text: its first paragraph, cut at a word boundary if it is longer
/// than [`EXCERPT_CHARS`], with an ellipsis where it was cut.
pub fn derive_excerpt(text: &str) -> String {
    let first = text
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or_default();
    let first = first.split_whitespace().collect::<Vec<_>>().join(" ");
    if first.chars().count() <= EXCERPT_CHARS {
        return first;
    }
    let mut excerpt = String::new();
    for word in first.split(' ') {
        if excerpt.chars().count() + word.chars().count() + 1 > EXCERPT_CHARS {
            break;
        }
        if !excerpt.is_empty() {
            excerpt.push(' ');
        }
        excerpt.push_str(word);
    }
    if excerpt.is_empty() {
        excerpt = first.chars().take(EXCERPT_CHARS).collect();
    }
    let trimmed = excerpt.trim_end_matches([',', ';', ':', '.', ' ']).len();
    excerpt.truncate(trimmed);
    excerpt.push('…');
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_and_rounds_reading_time_up() {
        assert_eq!(word_count("  one two\nthree  "), 3);
        assert_eq!(reading_time_minutes(0), 1);
        assert_eq!(reading_time_minutes(200), 1);
        assert_eq!(reading_time_minutes(201), 2);
    }

    #[test]
    fn short_first_paragraph_is_the_excerpt() {
        assert_eq!(derive_excerpt("First para.\n\nSecond."), "First para.");
    }

    #[test]
    fn long_paragraph_is_cut_at_a_word_with_an_ellipsis() {
        let text = "word, ".repeat(100);
        let excerpt = derive_excerpt(&text);
        assert!(excerpt.ends_with("word…"), "{excerpt}");
        assert!(excerpt.chars().count() <= EXCERPT_CHARS + 1);
    }
}
