//! What search engines and social previews are told about a page: a title and description
//! editors may set, else derived from what the page shows.

/// The longest SEO title an editor may set. Search engines show about 60 characters; the
/// rest is cut, not refused.
pub const MAX_SEO_TITLE_CHARS: usize = 200;

/// The longest SEO description an editor may set.
pub const MAX_SEO_DESCRIPTION_CHARS: usize = 500;

/// The length a derived description is cut to: what search engines show of one.
pub const DERIVED_DESCRIPTION_CHARS: usize = 160;

/// The robots directive of a public page: indexed, followed, large image previews allowed.
pub const ROBOTS_PUBLIC: &str = "index, follow, max-image-preview:large";

/// The robots directive of a page the public cannot see (a draft staff preview).
pub const ROBOTS_PRIVATE: &str = "noindex, nofollow";

/// A kind of page that has its own metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageKind {
    Article,
    Section,
    Tag,
    Author,
    Source,
}

impl PageKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Article,
        Self::Section,
        Self::Tag,
        Self::Author,
        Self::Source,
    ];

    /// The name stored for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Section => "section",
            Self::Tag => "tag",
            Self::Author => "author",
            Self::Source => "source",
        }
    }

    /// The kind stored as `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// What editors set for a page; `None` where the derived value stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeoOverride {
    pub title: Option<String>,
    pub description: Option<String>,
}

/// `text` as a meta description: whitespace collapsed, cut at a word boundary to at most
/// [`DERIVED_DESCRIPTION_CHARS`] characters with an ellipsis. `None` for blank text.
pub fn meta_description(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let whole = words.join(" ");
    if whole.chars().count() <= DERIVED_DESCRIPTION_CHARS {
        return Some(whole);
    }
    let mut cut = String::new();
    for word in words {
        let next = cut.chars().count() + usize::from(!cut.is_empty()) + word.chars().count();
        if next + 1 > DERIVED_DESCRIPTION_CHARS {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    if cut.chars().count() < DERIVED_DESCRIPTION_CHARS / 2 {
        // A word longer than half the allowance (or text without spaces, as Chinese or
        // Thai is written): cut inside it rather than keep next to nothing.
        cut = whole.chars().take(DERIVED_DESCRIPTION_CHARS - 1).collect();
    }
    let cut = cut.trim_end_matches([',', ';', ':', '.', '-']);
    Some(format!("{cut}…"))
}

/// The Open Graph locale (`ll_TT`) of a BCP 47 language tag that names a language and a
/// region (`en-GB` → `en_GB`); `None` for any other tag, which Open Graph has no form for.
pub fn open_graph_locale(language: &str) -> Option<String> {
    let (lang, region) = language.split_once(['-', '_'])?;
    let letters = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_alphabetic());
    (letters(lang, 2) && letters(region, 2)).then(|| {
        format!(
            "{}_{}",
            lang.to_ascii_lowercase(),
            region.to_ascii_uppercase()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_the_description_as_it_is() {
        assert_eq!(
            meta_description("  Talks resume\nin Doha. "),
            Some("Talks resume in Doha.".to_owned())
        );
        assert_eq!(meta_description(" \n "), None);
    }

    #[test]
    fn a_long_text_is_cut_at_a_word_with_an_ellipsis() {
        let text = "word, ".repeat(100);
        let description = meta_description(&text).expect("text");
        assert!(description.chars().count() <= DERIVED_DESCRIPTION_CHARS);
        assert!(description.ends_with("word…"), "{description}");
        let one_word = "x".repeat(400);
        let description = meta_description(&one_word).expect("text");
        assert_eq!(description.chars().count(), DERIVED_DESCRIPTION_CHARS);
    }

    #[test]
    fn text_without_spaces_is_cut_inside_a_word() {
        let text = format!("北京 {}", "中".repeat(300));
        let description = meta_description(&text).expect("text");
        assert_eq!(description.chars().count(), DERIVED_DESCRIPTION_CHARS);
        assert!(description.starts_with("北京 中中"), "{description}");
    }

    /// The Open Graph locale of a BCP 47 language tag.
    #[test]
    fn open_graph_locales_need_a_region() {
        assert_eq!(open_graph_locale("en-GB"), Some("en_GB".to_owned()));
        assert_eq!(open_graph_locale("fa-af"), Some("fa_AF".to_owned()));
        assert_eq!(open_graph_locale("en"), None);
        assert_eq!(open_graph_locale("sr-Latn-RS"), None);
    }

    #[test]
    fn kinds_are_stored_by_name() {
        for kind in PageKind::ALL {
            assert_eq!(PageKind::from_stored(kind.as_str()), Some(kind));
        }
        assert_eq!(PageKind::from_stored("page"), None);
    }
}
