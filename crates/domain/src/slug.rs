//! Slugs: the lowercase ASCII words that name things in URLs.

use std::fmt;

/// The longest slug accepted, in bytes.
pub const MAX_SLUG_LEN: usize = 80;

/// A URL-safe name: lowercase ASCII letters and digits in words joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug is at most {MAX_SLUG_LEN} characters")]
    TooLong,
    #[error("a slug uses only lowercase letters a-z, digits and single hyphens between words")]
    InvalidCharacters,
}

impl Slug {
    /// Accepts `input` if it is already a well-formed slug.
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        if input.is_empty() {
            return Err(SlugError::Empty);
        }
        if input.len() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong);
        }
        let well_formed = input.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !well_formed {
            return Err(SlugError::InvalidCharacters);
        }
        Ok(Self(input.to_owned()))
    }

    /// A slug read back from storage, which only ever receives parsed slugs: it is not
    /// checked again (debug builds do check it).
    pub fn from_stored(stored: String) -> Self {
        debug_assert!(Self::parse(&stored).is_ok(), "stored slug {stored:?}");
        Self(stored)
    }

    /// Derives a slug from free text such as a headline: ASCII letters and digits are kept,
    /// everything else separates words. Returns `None` when nothing usable remains.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut slug = String::with_capacity(text.len().min(MAX_SLUG_LEN));
        for word in text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let extra = word.len() + usize::from(!slug.is_empty());
            if slug.len() + extra > MAX_SLUG_LEN {
                break;
            }
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(&word.to_ascii_lowercase());
        }
        Self::parse(&slug).ok()
    }

    /// The slug as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Slug {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_words_joined_by_hyphens() {
        assert_eq!(
            Slug::parse("latest-updates").map(|s| s.to_string()),
            Ok("latest-updates".into())
        );
        assert!(Slug::parse("covid-19").is_ok());
    }

    #[test]
    fn rejects_malformed_slugs() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        for bad in ["Latest", "a--b", "-a", "a-", "a b", "café", "a_b", "a/b"] {
            assert_eq!(Slug::parse(bad), Err(SlugError::InvalidCharacters), "{bad}");
        }
        assert_eq!(Slug::parse(&"a".repeat(81)), Err(SlugError::TooLong));
    }

    #[test]
    fn derives_slugs_from_headlines() {
        let slug = Slug::from_text("Khalilzad Embarks On Afghan Peace Mission!");
        assert_eq!(
            slug.map(|s| s.to_string()),
            Some("khalilzad-embarks-on-afghan-peace-mission".into())
        );
        assert_eq!(Slug::from_text("¿¡!"), None);
        let long = Slug::from_text(&"word ".repeat(40)).expect("slug");
        assert!(long.as_str().len() <= MAX_SLUG_LEN);
    }
}
