//! Site search: what a reader types into the search box, parsed into terms ([`SearchQuery`],
//! [`Term`]), and database highlights turned into safe HTML. How terms are written in a
//! database's full-text syntax is the storage's business (the persistence crate's dialect),
//! not the domain's.
//!
//! Every word of a term is made only of alphanumeric characters, so query text written
//! from it never needs escaping: the reader cannot smuggle operators, quotes or column
//! filters into it.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

/// Longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

/// Most terms (words, phrases) one search may hold.
pub const MAX_TERMS: usize = 16;

/// Longest word kept, in characters; longer words are cut to this length.
const MAX_WORD_CHARS: usize = 100;

/// Private-use character the database is asked to put before a matched word in highlights
/// (SQLite `highlight()`/`snippet()`, PostgreSQL `ts_headline` `StartSel`).
pub const MARK_OPEN: char = '\u{E000}';

/// Private-use character the database is asked to put after a matched word in highlights
/// (SQLite `highlight()`/`snippet()`, PostgreSQL `ts_headline` `StopSel`).
pub const MARK_CLOSE: char = '\u{E001}';

/// Private-use character the database is asked to put between highlight fragments
/// (PostgreSQL `ts_headline` `FragmentDelimiter`).
pub const FRAGMENT_BREAK: char = '\u{E002}';

/// A reader's search, parsed into terms that are safe to put in a full-text query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// At least one positive term, at most [`MAX_TERMS`], no duplicates.
    terms: Vec<Term>,
}

/// One word or quoted phrase of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// One word, or the words of a quoted phrase in order. Each word is non-empty and made
    /// only of chars for which `char::is_alphanumeric()` is true, lowercased (`to_lowercase`).
    pub words: Vec<String>,
    /// `khalil*`: the last word matches as a prefix.
    pub prefix: bool,
    /// `-word` or `-"a phrase"`: articles containing it are left out.
    pub excluded: bool,
}

/// Why search text cannot be searched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The text has more than [`MAX_QUERY_CHARS`] characters.
    #[error("the search text is longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    /// The text has no letters or digits at all.
    #[error("the search text has no words to search for")]
    NoWords,
    /// The text has more than [`MAX_TERMS`] distinct terms.
    #[error("the search text has more than {MAX_TERMS} words or phrases")]
    TooManyTerms,
    /// Every term is excluded, so there is nothing to match.
    #[error("say what to search for, not only what to leave out")]
    OnlyExclusions,
}

impl SearchQuery {
    /// Parses anything a reader may type: words, `"quoted phrases"`, `prefix*` and
    /// `-excluded` terms. Every other character only separates words.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut terms: Vec<Term> = Vec::new();
        for term in Scanner::new(text) {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.is_empty() {
            return Err(QueryError::NoWords);
        }
        if terms.iter().all(|term| term.excluded) {
            return Err(QueryError::OnlyExclusions);
        }
        if terms.len() > MAX_TERMS {
            return Err(QueryError::TooManyTerms);
        }
        Ok(Self { terms })
    }

    /// The terms in the order the reader typed them.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The same search without its exclusions: what a matching text must contain.
    pub fn wanted(&self) -> Self {
        Self {
            terms: self.positive().cloned().collect(),
        }
    }

    /// The positive words (for "similar text" use later), in order, deduplicated.
    pub fn words(&self) -> Vec<&str> {
        let mut words: Vec<&str> = Vec::new();
        for word in self.positive().flat_map(|term| &term.words) {
            if !words.contains(&word.as_str()) {
                words.push(word);
            }
        }
        words
    }

    /// The terms a matching text must contain, in order.
    pub fn positive(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|term| !term.excluded)
    }

    /// The terms a matching text must not contain, in order.
    pub fn excluded(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|term| term.excluded)
    }
}

impl Term {
    /// The invariant that lets query text go out unescaped: at least one word, each
    /// non-empty and alphanumeric.
    pub fn is_well_formed(&self) -> bool {
        !self.words.is_empty()
            && self
                .words
                .iter()
                .all(|word| !word.is_empty() && word.chars().all(char::is_alphanumeric))
    }
}

/// Reads terms out of search text, one at a time.
struct Scanner<'a> {
    chars: Peekable<Chars<'a>>,
    /// The last character taken, to tell `-word` from `covid-19`.
    last: Option<char>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars().peekable(),
            last: None,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next();
        if c.is_some() {
            self.last = c;
        }
        c
    }

    fn eat(&mut self, expected: char) -> bool {
        let found = self.chars.peek() == Some(&expected);
        if found {
            self.bump();
        }
        found
    }

    /// The rest of the word whose first character is `first`, normalised.
    fn word(&mut self, first: char) -> String {
        let mut raw = String::from(first);
        while let Some(c) = self.chars.next_if(|c| c.is_alphanumeric()) {
            self.last = Some(c);
            raw.push(c);
        }
        normalise_word(&raw)
    }

    /// The words up to the closing quote, or to the end of the text if there is none.
    fn phrase(&mut self) -> Vec<String> {
        let mut words = Vec::new();
        while let Some(c) = self.bump() {
            if c == '"' {
                break;
            }
            if c.is_alphanumeric() {
                words.push(self.word(c));
            }
        }
        words
    }
}

impl Iterator for Scanner<'_> {
    type Item = Term;

    fn next(&mut self) -> Option<Term> {
        loop {
            let before = self.last;
            let mut c = self.bump()?;
            let excluded = c == '-'
                && before.is_none_or(char::is_whitespace)
                && self.chars.peek().is_some_and(|&next| opens_term(next));
            if excluded {
                c = self.bump()?;
            }
            let mut words = match c {
                '"' => self.phrase(),
                c if c.is_alphanumeric() => vec![self.word(c)],
                _ => continue,
            };
            let prefix = self.eat('*');
            words.retain(|word| !word.is_empty());
            if !words.is_empty() {
                return Some(Term {
                    words,
                    prefix,
                    excluded,
                });
            }
        }
    }
}

fn opens_term(c: char) -> bool {
    c == '"' || c.is_alphanumeric()
}

/// Lowercases a word and cuts it to [`MAX_WORD_CHARS`]. Lowercasing can add combining marks
/// (`İ` becomes `i` and U+0307), which are dropped to keep words alphanumeric.
fn normalise_word(raw: &str) -> String {
    raw.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .take(MAX_WORD_CHARS)
        .collect()
}

/// Turns text the database returned with [`MARK_OPEN`]/[`MARK_CLOSE`] around matches into
/// HTML: every other char HTML-escaped (`& < > " '`), [`MARK_OPEN`] becomes `<mark>` and
/// [`MARK_CLOSE`] becomes `</mark>`.
///
/// The result is always well-formed: an open while already open is dropped, a close while
/// not open is dropped, a mark still open at the end is closed, and a `<mark></mark>` with
/// nothing inside is not emitted. Control characters other than `\n` and `\t`, and
/// [`FRAGMENT_BREAK`], are dropped. Leading and trailing whitespace is trimmed.
pub fn marked_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    let mut mark = Mark::Closed;
    for c in text.chars() {
        match c {
            MARK_OPEN if mark == Mark::Closed => mark = Mark::Pending,
            MARK_CLOSE => {
                if mark == Mark::Open {
                    html.push_str("</mark>");
                }
                mark = Mark::Closed;
            }
            c if is_shown(c) => {
                if mark == Mark::Pending {
                    html.push_str("<mark>");
                    mark = Mark::Open;
                }
                push_escaped(&mut html, c);
            }
            _ => {}
        }
    }
    if mark == Mark::Open {
        html.push_str("</mark>");
    }
    html.trim().to_owned()
}

/// Where [`marked_html`] is with respect to a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Closed,
    /// Opened, but `<mark>` waits for something to put inside it.
    Pending,
    Open,
}

/// Whether `text` (database output) contains a match: a [`MARK_OPEN`] followed later by a
/// [`MARK_CLOSE`] with something shown between them.
pub fn has_mark(text: &str) -> bool {
    let mut mark = Mark::Closed;
    for c in text.chars() {
        match c {
            MARK_OPEN if mark == Mark::Closed => mark = Mark::Pending,
            MARK_CLOSE if mark == Mark::Open => return true,
            MARK_CLOSE => mark = Mark::Closed,
            c if is_shown(c) && mark == Mark::Pending => mark = Mark::Open,
            _ => {}
        }
    }
    false
}

/// Splits database output on [`FRAGMENT_BREAK`] into fragments and returns [`marked_html`]
/// of each fragment that has a mark ([`has_mark`]), in order.
pub fn marked_fragments(text: &str) -> Vec<String> {
    text.split(FRAGMENT_BREAK)
        .filter(|fragment| has_mark(fragment))
        .map(marked_html)
        .collect()
}

/// Removes [`MARK_OPEN`], [`MARK_CLOSE`] and [`FRAGMENT_BREAK`] from text, so that text
/// stored in an article can never fake a highlight. Everything editors write loses them
/// (see [`crate::input`]); the search index drops them again from whatever it indexes.
pub fn strip_marks(text: &str) -> Cow<'_, str> {
    if text.contains(is_mark_char) {
        Cow::Owned(text.chars().filter(|&c| !is_mark_char(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

fn is_mark_char(c: char) -> bool {
    matches!(c, MARK_OPEN | MARK_CLOSE | FRAGMENT_BREAK)
}

/// Whether [`marked_html`] shows `c` (escaped) rather than treating it as markup or noise.
fn is_shown(c: char) -> bool {
    !is_mark_char(c) && (!c.is_control() || c == '\n' || c == '\t')
}

fn push_escaped(html: &mut String, c: char) {
    match c {
        '&' => html.push_str("&amp;"),
        '<' => html.push_str("&lt;"),
        '>' => html.push_str("&gt;"),
        '"' => html.push_str("&quot;"),
        '\'' => html.push_str("&#39;"),
        c => html.push(c),
    }
}

/// A part of an article search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    Title,
    Subtitle,
    Excerpt,
    Body,
    Authors,
    Tags,
}

impl SearchField {
    /// In the index's column order.
    pub const ALL: [SearchField; 6] = [
        Self::Title,
        Self::Subtitle,
        Self::Excerpt,
        Self::Body,
        Self::Authors,
        Self::Tags,
    ];

    /// Whether the field is long text, shown as fragments around the matches rather than
    /// whole.
    pub fn is_long(self) -> bool {
        matches!(self, Self::Body | Self::Excerpt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Term {
        Term {
            words: vec![w.to_owned()],
            prefix: false,
            excluded: false,
        }
    }

    fn phrase(words: &[&str]) -> Term {
        Term {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            prefix: false,
            excluded: false,
        }
    }

    fn prefix(mut term: Term) -> Term {
        term.prefix = true;
        term
    }

    fn excluded(mut term: Term) -> Term {
        term.excluded = true;
        term
    }

    fn terms(text: &str) -> Vec<Term> {
        SearchQuery::parse(text)
            .map(|query| query.terms().to_vec())
            .unwrap_or_else(|err| panic!("{text:?} did not parse: {err}"))
    }

    /// Every term is well formed: lowercase alphanumeric words, none too long. (The
    /// persistence crate's dialect checks the query text it writes from them.)
    fn assert_safe(query: &SearchQuery) {
        for term in query.terms() {
            assert!(term.is_well_formed(), "{term:?}");
            for word in &term.words {
                assert_eq!(*word, word.to_lowercase());
                assert!(word.chars().count() <= MAX_WORD_CHARS);
            }
        }
    }

    #[test]
    fn plain_words_are_lowercased_terms() {
        assert_eq!(
            terms("Kabul PEACE talks"),
            [word("kabul"), word("peace"), word("talks")]
        );
    }

    #[test]
    fn quoted_phrases_keep_their_words_together() {
        assert_eq!(
            terms(r#"kabul "Peace, Talks!" "" "one""#),
            [word("kabul"), phrase(&["peace", "talks"]), word("one")]
        );
    }

    #[test]
    fn an_unbalanced_quote_runs_to_the_end() {
        assert_eq!(
            terms(r#"kabul "peace talks"#),
            [word("kabul"), phrase(&["peace", "talks"])]
        );
        assert_eq!(terms(r#"kabul ""#), [word("kabul")]);
    }

    #[test]
    fn a_star_after_a_word_or_phrase_makes_a_prefix() {
        assert_eq!(
            terms(r#"khal* "peace tal"* war *x y**"#),
            [
                prefix(word("khal")),
                prefix(phrase(&["peace", "tal"])),
                word("war"),
                word("x"),
                prefix(word("y")),
            ]
        );
        assert_eq!(terms("khal *"), [word("khal")]);
        assert_eq!(terms(r#""peace tal*""#), [phrase(&["peace", "tal"])]);
    }

    #[test]
    fn a_leading_minus_excludes_a_term() {
        assert_eq!(
            terms(r#"-sport kabul -"world cup" -spo*"#),
            [
                excluded(word("sport")),
                word("kabul"),
                excluded(phrase(&["world", "cup"])),
                excluded(prefix(word("spo"))),
            ]
        );
        assert_eq!(
            terms("kabul\t-sport"),
            [word("kabul"), excluded(word("sport"))]
        );
        assert_eq!(terms("kabul - sport"), [word("kabul"), word("sport")]);
        assert_eq!(terms("kabul --sport"), [word("kabul"), word("sport")]);
        assert_eq!(terms("kabul (-sport)"), [word("kabul"), word("sport")]);
    }

    #[test]
    fn hyphenated_words_are_not_exclusions() {
        assert_eq!(terms("covid-19"), [word("covid"), word("19")]);
        assert_eq!(terms("al-Qaeda"), [word("al"), word("qaeda")]);
        assert_eq!(terms(r#"kabul-"peace""#), [word("kabul"), word("peace")]);
    }

    #[test]
    fn duplicates_are_kept_once() {
        assert_eq!(
            terms("Kabul kabul KABUL kabul* -kabul"),
            [
                word("kabul"),
                prefix(word("kabul")),
                excluded(word("kabul"))
            ]
        );
        assert_eq!(
            terms(r#""peace talks" "PEACE  talks""#),
            [phrase(&["peace", "talks"])]
        );
    }

    #[test]
    fn operators_and_sql_are_just_words() {
        assert_eq!(
            terms("kabul AND peace OR NOT NEAR(a b)"),
            ["kabul", "and", "peace", "or", "not", "near", "a", "b"].map(word)
        );
        assert_eq!(
            terms("'; DROP TABLE articles; --"),
            ["drop", "table", "articles"].map(word)
        );
        assert_eq!(
            terms(r#"a" OR 1=1 --"#),
            [word("a"), phrase(&["or", "1", "1"])]
        );
        assert_eq!(
            terms("title:kabul ^peace {x}"),
            ["title", "kabul", "peace", "x"].map(word)
        );
        assert_eq!(
            terms("50% off_sale C:\\dir"),
            ["50", "off", "sale", "c", "dir"].map(word)
        );
        assert_eq!(terms("news 🔥🇦🇫 today"), [word("news"), word("today")]);
        assert_eq!(terms("don't"), [word("don"), word("t")]);
    }

    #[test]
    fn text_without_words_is_refused() {
        for text in [
            "",
            "   ",
            "%_\\",
            "'; --",
            "!@#$%^&*()",
            "\"\"",
            "-",
            "- -",
            "🔥",
        ] {
            assert_eq!(
                SearchQuery::parse(text),
                Err(QueryError::NoWords),
                "{text:?}"
            );
        }
    }

    #[test]
    fn only_exclusions_are_refused() {
        assert_eq!(
            SearchQuery::parse(r#"-sport -"world cup""#),
            Err(QueryError::OnlyExclusions)
        );
    }

    #[test]
    fn long_text_is_refused_before_parsing() {
        let long = "kabul ".repeat(10_000 / 6 + 1);
        assert_eq!(SearchQuery::parse(&long), Err(QueryError::TooLong));
        assert_eq!(
            SearchQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryError::TooLong)
        );
        // 1000 characters, but as many as 2000 bytes: the limit counts characters.
        assert!(SearchQuery::parse(&"ü".repeat(MAX_QUERY_CHARS)).is_ok());
    }

    #[test]
    fn the_longest_text_still_parses_or_is_refused_cleanly() {
        let pairs = "a ".repeat(MAX_QUERY_CHARS / 2);
        assert_eq!(pairs.chars().count(), MAX_QUERY_CHARS);
        assert_eq!(terms(&pairs), [word("a")]);

        let distinct: String = (0..MAX_QUERY_CHARS / 4)
            .map(|i| format!("{i:03} "))
            .collect();
        assert_eq!(distinct.chars().count(), MAX_QUERY_CHARS);
        assert_eq!(SearchQuery::parse(&distinct), Err(QueryError::TooManyTerms));

        let quotes = "\"-".repeat(MAX_QUERY_CHARS / 2);
        assert_eq!(SearchQuery::parse(&quotes), Err(QueryError::NoWords));
    }

    #[test]
    fn at_most_sixteen_terms() {
        let sixteen: Vec<String> = (0..MAX_TERMS).map(|i| format!("w{i}")).collect();
        assert!(SearchQuery::parse(&sixteen.join(" ")).is_ok());
        let seventeen = format!("{} w16", sixteen.join(" "));
        assert_eq!(
            SearchQuery::parse(&seventeen),
            Err(QueryError::TooManyTerms)
        );
    }

    #[test]
    fn long_words_are_cut() {
        let query = SearchQuery::parse(&"x".repeat(300)).expect("parses");
        assert_eq!(query.words(), ["x".repeat(MAX_WORD_CHARS).as_str()]);
    }

    #[test]
    fn non_ascii_letters_and_digits_are_words() {
        assert_eq!(
            terms("Kābul ZÜRICH كابل 喀布尔 Ελλάδα ٣"),
            ["kābul", "zürich", "كابل", "喀布尔", "ελλάδα", "٣"].map(word)
        );
        // Lowercasing İ adds a combining dot, which is not alphanumeric.
        assert_eq!(terms("İstanbul"), [word("istanbul")]);
    }

    #[test]
    fn words_are_positive_and_distinct() {
        let query = SearchQuery::parse(r#"kabul "peace kabul" -sport talks*"#).expect("parses");
        assert_eq!(query.words(), ["kabul", "peace", "talks"]);
    }

    #[test]
    fn hostile_input_gives_safe_queries_or_errors() {
        let inputs = [
            r#"a" OR 1=1 --"#,
            "'; DROP TABLE articles; --",
            "%_\\ \\\" \\' x",
            "\u{0}\u{1b}[31m red \u{7f}",
            "İİİ ǅ ß ﬃ",
            "\u{E000}kabul\u{E001}",
            "col:val -col:val NEAR/3 \"*\" *\"x\"* -\"",
            "a\u{0301}b ١٢٣ Ⅻ ½ x²",
        ];
        for text in inputs {
            if let Ok(query) = SearchQuery::parse(text) {
                assert_safe(&query);
            }
        }
        assert_eq!(terms("ǅ ß ﬃ"), ["ǆ", "ß", "ﬃ"].map(word));
    }

    #[test]
    fn every_short_mix_of_tricky_characters_parses_or_is_refused() {
        let alphabet = ['a', 'B', '-', '"', '*', ' ', 'İ', '\u{E000}', '%'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|text| alphabet.map(|c| format!("{text}{c}")))
                .collect();
            for text in &texts {
                match SearchQuery::parse(text) {
                    Ok(query) => assert_safe(&query),
                    Err(err) => assert_ne!(err, QueryError::TooLong, "{text:?}"),
                }
            }
        }
    }

    #[test]
    fn marks_become_html_and_everything_else_is_escaped() {
        let text = "  Talks in \u{E000}Kabul\u{E001} & <script>alert(\"x's\")</script>  ";
        assert_eq!(
            marked_html(text),
            "Talks in <mark>Kabul</mark> &amp; &lt;script&gt;alert(&quot;x&#39;s&quot;)&lt;/script&gt;"
        );
        assert_eq!(
            marked_html("a\u{E000}b\u{E001}c \u{E000}<b>\u{E001}"),
            "a<mark>b</mark>c <mark>&lt;b&gt;</mark>"
        );
    }

    #[test]
    fn marked_html_is_always_well_formed() {
        assert_eq!(
            marked_html("\u{E001}a \u{E000}\u{E000}b\u{E001}\u{E001} c"),
            "a <mark>b</mark> c"
        );
        assert_eq!(marked_html("a \u{E000}b c"), "a <mark>b c</mark>");
        assert_eq!(marked_html("a \u{E000}\u{E001}b\u{E000}"), "a b");
        assert_eq!(marked_html("\u{E000}\u{1}\u{E001}x"), "x");
    }

    #[test]
    fn control_characters_are_dropped_but_lines_and_tabs_kept() {
        assert_eq!(
            marked_html("\u{1b}[1ma\u{0}\tb\nc\u{7f}\r\u{E002}d"),
            "[1ma\tb\ncd"
        );
        assert_eq!(marked_html(" \n\u{1}\t "), "");
    }

    #[test]
    fn has_mark_needs_something_marked() {
        assert!(has_mark("a \u{E000}b\u{E001}"));
        assert!(has_mark("\u{E000}\u{E000}b\u{E001}"));
        assert!(!has_mark("plain text"));
        assert!(!has_mark("a \u{E000}\u{E001} b"));
        assert!(!has_mark("a \u{E001}b\u{E000}"));
        assert!(!has_mark("a \u{E000}b"));
        assert!(!has_mark("\u{E000}\u{2}\u{E001}"));
    }

    #[test]
    fn fragments_without_marks_are_dropped() {
        let text = " first \u{E000}Kabul\u{E001} part \u{E002} no match here \u{E002}\u{E000}talks\u{E001} & more";
        assert_eq!(
            marked_fragments(text),
            [
                "first <mark>Kabul</mark> part",
                "<mark>talks</mark> &amp; more"
            ]
        );
        assert!(marked_fragments("no marks\u{E002}at all").is_empty());
        assert!(marked_fragments("").is_empty());
    }

    #[test]
    fn stored_text_cannot_fake_highlights() {
        assert!(matches!(strip_marks("plain"), Cow::Borrowed("plain")));
        let stripped = strip_marks("a\u{E000}b\u{E001}c\u{E002}d");
        assert_eq!(stripped, "abcd");
        assert!(!has_mark(&stripped));
    }
}
