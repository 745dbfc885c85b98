//! Article bodies as HTML that is safe to put on a page, and the plain text behind it.

use std::collections::HashSet;
use std::sync::LazyLock;

/// HTML that has been through the sanitiser: no scripts, no event handlers, no unsafe URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"));
    builder
});

impl SafeHtml {
    /// Cleans untrusted HTML: disallowed elements and attributes are dropped, `<script>` and
    /// `<style>` lose their content too, and links keep only http(s) and mailto URLs.
    pub fn sanitize(untrusted: &str) -> Self {
        Self(SANITIZER.clean(untrusted).to_string())
    }

    /// Wraps HTML that was sanitised before it was stored.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    /// The HTML itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The readable text, one paragraph per block element, separated by blank lines.
    ///
    /// This relies on the sanitiser's output being well-formed HTML whose text escapes only
    /// `&`, `<`, `>`, `"` and non-breaking spaces.
    pub fn plain_text(&self) -> String {
        let mut text = String::with_capacity(self.0.len());
        let mut rest = self.0.as_str();
        while let Some(start) = rest.find('<') {
            push_decoded(&mut text, &rest[..start]);
            let Some(len) = rest[start..].find('>') else {
                rest = "";
                break;
            };
            let tag = &rest[start + 1..start + len];
            let name = tag
                .trim_start_matches('/')
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default();
            if is_block(name) {
                let trimmed = text.trim_end_matches([' ', '\n']).len();
                text.truncate(trimmed);
                if !text.is_empty() {
                    text.push_str(if name == "br" { "\n" } else { "\n\n" });
                }
            }
            rest = &rest[start + len + 1..];
        }
        push_decoded(&mut text, rest);
        text.trim().to_owned()
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "br"
            | "li"
            | "blockquote"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "figcaption"
            | "tr"
            | "hr"
            | "ul"
            | "ol"
            | "table"
            | "figure"
    )
}

fn push_decoded(out: &mut String, escaped: &str) {
    let mut rest = escaped;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&nbsp;", ' '),
        ]
        .into_iter()
        .find(|(name, _)| rest.starts_with(name));
        match entity {
            Some((name, ch)) => {
                out.push(ch);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_event_handlers_and_javascript_links() {
        let html = SafeHtml::sanitize(
            r#"<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a></p>"#,
        );
        let out = html.as_str();
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("<p>Hi "), "{out}");
    }

    #[test]
    fn keeps_safe_links_with_noopener() {
        let html = SafeHtml::sanitize(r#"<a href="https://example.org/a?b=1&c=2">link</a>"#);
        assert!(
            html.as_str()
                .contains(r#"href="https://example.org/a?b=1&amp;c=2""#)
        );
        assert!(html.as_str().contains("noopener"));
    }

    #[test]
    fn plain_text_separates_paragraphs_and_decodes_entities() {
        let html = SafeHtml::sanitize(
            "<p>Fish &amp; chips <em>now</em></p><h2>Next</h2><ul><li>one</li><li>2 &lt; 3</li></ul>",
        );
        assert_eq!(
            html.plain_text(),
            "Fish & chips now\n\nNext\n\none\n\n2 < 3"
        );
    }
}
