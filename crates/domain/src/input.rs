//! Values people type into the editorial desk, accepted only when valid: email addresses,
//! passwords, titles and names, and article bodies in HTML or Markdown.

use std::fmt;

use crate::html::SafeHtml;
use crate::search::strip_marks;

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// The longest name (of a section, tag, source or author) accepted, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// The largest article body accepted, in bytes of input.
pub const MAX_BODY_BYTES: usize = 200_000;
/// The longest web address accepted, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted, in bytes: hashing is deliberately slow, so its input is
/// bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest short text (subtitle, excerpt, dateline, correction note) accepted.
pub const MAX_SHORT_TEXT_CHARS: usize = 2000;
/// The most tags one article carries: ranking its related stories looks up each of them.
pub const MAX_TAGS: usize = 20;
/// The most co-authors (bylines after the first) one article carries.
pub const MAX_CO_AUTHORS: usize = 10;

/// Why a piece of input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("cannot be empty")]
    Empty,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    #[error("is larger than {0} bytes")]
    TooLarge(usize),
    #[error("is shorter than {0} characters")]
    TooShort(usize),
    #[error("has more than {0} items")]
    TooMany(usize),
    #[error("is not an email address")]
    NotAnEmail,
    #[error("must be an http:// or https:// address")]
    NotAWebAddress,
}

/// Trimmed text of 1 to `max` characters, without the characters search highlights are
/// marked with (see [`strip_marks`]).
pub fn required_text(input: &str, max: usize) -> Result<String, InputError> {
    let text = strip_marks(input);
    let text = text.trim();
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    if text.chars().count() > max {
        return Err(InputError::TooLong(max));
    }
    Ok(text.to_owned())
}

/// Trimmed text of at most `max` characters, or `None` when blank.
pub fn optional_text(input: &str, max: usize) -> Result<Option<String>, InputError> {
    match required_text(input, max) {
        Ok(text) => Ok(Some(text)),
        Err(InputError::Empty) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Refuses a list of more than `max` items (counted as given, repeats included).
pub fn at_most<T>(items: &[T], max: usize) -> Result<(), InputError> {
    if items.len() > max {
        Err(InputError::TooMany(max))
    } else {
        Ok(())
    }
}

/// A web address, or `None` when blank. Only http(s): frontends put these in `href` and
/// `src`, where other schemes (`javascript:`) are unsafe.
pub fn web_url(input: &str) -> Result<Option<String>, InputError> {
    let Some(url) = optional_text(input, MAX_URL_CHARS)? else {
        return Ok(None);
    };
    let lower = url.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let valid = host.is_some_and(|host| !host.is_empty() && !host.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(Some(url))
    } else {
        Err(InputError::NotAWebAddress)
    }
}

/// A staff member's email address, trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `input` if it looks like `local@domain.tld`.
    pub fn parse(input: &str) -> Result<Self, InputError> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(InputError::Empty);
        }
        if email.len() > 254 {
            return Err(InputError::TooLong(254));
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Self(email))
        } else {
            Err(InputError::NotAnEmail)
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: long enough to resist guessing, short enough to hash.
pub struct NewPassword(String);

impl NewPassword {
    /// Accepts `input` if it has at least [`MIN_PASSWORD_CHARS`] characters.
    pub fn parse(input: &str) -> Result<Self, InputError> {
        if input.len() > MAX_PASSWORD_BYTES {
            return Err(InputError::TooLarge(MAX_PASSWORD_BYTES));
        }
        if input.chars().count() < MIN_PASSWORD_CHARS {
            return Err(InputError::TooShort(MIN_PASSWORD_CHARS));
        }
        Ok(Self(input.to_owned()))
    }

    /// The password, to be hashed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The markup an article body is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    /// HTML, sanitised on the way in.
    #[default]
    Html,
    /// CommonMark, rendered to HTML and then sanitised like HTML input.
    Markdown,
}

/// Turns a body as written into safe HTML, refusing input over [`MAX_BODY_BYTES`]. Like
/// other text, it loses the characters search highlights are marked with.
pub fn body_html(input: &str, format: BodyFormat) -> Result<SafeHtml, InputError> {
    if input.len() > MAX_BODY_BYTES {
        return Err(InputError::TooLarge(MAX_BODY_BYTES));
    }
    let input = strip_marks(input);
    let input = input.as_ref();
    Ok(match format {
        BodyFormat::Html => SafeHtml::sanitize(input),
        BodyFormat::Markdown => {
            let parser = pulldown_cmark::Parser::new_ext(input, pulldown_cmark::Options::all());
            let mut html = String::with_capacity(input.len() * 3 / 2);
            pulldown_cmark::html::push_html(&mut html, parser);
            SafeHtml::sanitize(&html)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Desk@Example.COM ").map(|e| e.to_string()),
            Ok("desk@example.com".to_owned())
        );
        for bad in [
            "",
            "desk",
            "desk@",
            "@example.com",
            "a b@example.com",
            "a@b",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn web_addresses_are_http_only() {
        assert_eq!(
            web_url(" https://example.com/a.jpg "),
            Ok(Some("https://example.com/a.jpg".to_owned()))
        );
        assert_eq!(web_url(""), Ok(None));
        for bad in [
            "javascript:alert(1)",
            "//example.com",
            "https://",
            "http://a b",
            "ftp://x",
        ] {
            assert_eq!(web_url(bad), Err(InputError::NotAWebAddress), "{bad}");
        }
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(required_text("  Hello ", 10), Ok("Hello".to_owned()));
        assert_eq!(required_text("   ", 10), Err(InputError::Empty));
        assert_eq!(required_text("ééééé", 4), Err(InputError::TooLong(4)));
        assert_eq!(optional_text(" ", 4), Ok(None));
    }

    #[test]
    fn text_cannot_carry_highlight_marks() {
        assert_eq!(
            required_text("\u{E000} Budget \u{E000}leak\u{E001}\u{E002} ", 20),
            Ok("Budget leak".to_owned())
        );
        assert_eq!(
            required_text("\u{E000}\u{E001}", 20),
            Err(InputError::Empty)
        );
        let body = body_html("<p>a \u{E000}b\u{E001} c</p>", BodyFormat::Html).expect("small");
        assert_eq!(body.as_str(), "<p>a b c</p>");
        let body = body_html("a *\u{E000}b\u{E001}*", BodyFormat::Markdown).expect("small");
        assert_eq!(body.as_str(), "<p>a <em>b</em></p>\n");
    }

    #[test]
    fn lists_are_bounded() {
        assert_eq!(at_most(&[1; MAX_TAGS], MAX_TAGS), Ok(()));
        assert_eq!(
            at_most(&[1; MAX_TAGS + 1], MAX_TAGS),
            Err(InputError::TooMany(MAX_TAGS))
        );
        assert_eq!(at_most::<i32>(&[], MAX_CO_AUTHORS), Ok(()));
    }

    #[test]
    fn markdown_is_rendered_then_sanitised() {
        let html = body_html(
            "Hello *world*\n\n[x](javascript:alert(1)) <script>alert(1)</script>",
            BodyFormat::Markdown,
        )
        .expect("small body");
        assert!(html.as_str().contains("<em>world</em>"));
        assert!(!html.as_str().contains("javascript"));
        assert!(!html.as_str().contains("<script"));
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let body = "a".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(
            body_html(&body, BodyFormat::Html),
            Err(InputError::TooLarge(MAX_BODY_BYTES))
        );
    }
}
