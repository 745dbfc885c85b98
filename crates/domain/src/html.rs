//! Article bodies as HTML that is safe to put on a page, and the plain text behind it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Url, UrlRelative};

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
        // A relative URL means whatever the page showing the body makes of it (a frontend on
        // another domain, an app), and a protocol-relative one (`//host/x.gif`) reaches any
        // host, as a tracking pixel would: only absolute addresses mean one thing everywhere.
        .url_relative(UrlRelative::Deny)
        .attribute_filter(absolute_urls_only)
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// Keeps a URL attribute (`href`, `src`, `cite`) only when it holds an absolute http(s)
/// address, or a `mailto:` one in a link, and writes it as browsers read it (leading spaces
/// and control characters, tabs and newlines removed); every other attribute passes.
///
/// Ammonia already drops other schemes and, with [`UrlRelative::Deny`], relative URLs; this
/// also refuses what those checks let through: `cite`, which ammonia does not treat as a
/// URL, `mailto:` as an image, and `https:host` or `https:/host`, which parse as absolute on
/// their own but which a page served over the same scheme reads as a path on its own site.
fn absolute_urls_only<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    if !matches!(attribute, "href" | "src" | "cite") {
        return Some(Cow::Borrowed(value));
    }
    let url = Url::parse(value).ok()?;
    let allowed = match url.scheme() {
        "http" | "https" => has_authority(value),
        "mailto" => element == "a" && attribute == "href",
        _ => false,
    };
    allowed.then(|| Cow::Owned(url.into()))
}

/// Whether `value`, read as a browser reads it, has two slashes (or backslashes, which http
/// URLs treat alike) right after its scheme, so that it names a host whatever page it is on.
fn has_authority(value: &str) -> bool {
    let mut chars = value
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .skip_while(|&c| c != ':')
        .skip(1);
    chars.next().is_some_and(is_slash) && chars.next().is_some_and(is_slash)
}

fn is_slash(c: char) -> bool {
    c == '/' || c == '\\'
}

/// Removes `<img>` elements the sanitiser left without a `src`: an image of nothing.
///
/// This reads the sanitiser's output, in which `<`, `>` and `"` inside attribute values are
/// escaped: every `<` starts a tag, the next `>` ends it, and ` src="` in it is the
/// attribute itself.
fn drop_images_without_source(html: String) -> String {
    if !html.contains("<img") {
        return html;
    }
    let mut kept = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<img") {
        kept.push_str(&rest[..start]);
        let tag_and_after = &rest[start..];
        let end = tag_and_after
            .find('>')
            .map_or(tag_and_after.len(), |i| i + 1);
        let tag = &tag_and_after[..end];
        let is_img = tag[4..].starts_with([' ', '>', '/']);
        if !is_img || tag.contains(" src=\"") {
            kept.push_str(tag);
        }
        rest = &tag_and_after[end..];
    }
    kept.push_str(rest);
    kept
}

impl SafeHtml {
    /// Cleans untrusted HTML: disallowed elements and attributes are dropped, `<script>` and
    /// `<style>` lose their content too, links keep only absolute http(s) and mailto URLs,
    /// and images only absolute http(s) ones (an image left without one is dropped).
    pub fn sanitize(untrusted: &str) -> Self {
        Self(drop_images_without_source(
            SANITIZER.clean(untrusted).to_string(),
        ))
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
    fn only_absolute_web_addresses_survive_in_links() {
        let kept = [
            ("https://example.org/a", "https://example.org/a"),
            ("HTTP://Example.org", "http://example.org/"),
            (
                " \u{1}\thttps://example.org/a b",
                "https://example.org/a%20b",
            ),
            ("https:\\\\example.org\\a", "https://example.org/a"),
            ("mailto:desk@example.org", "mailto:desk@example.org"),
        ];
        for (href, stored) in kept {
            let html = SafeHtml::sanitize(&format!("<a href=\"{href}\">x</a>"));
            assert_eq!(
                html.as_str(),
                format!("<a href=\"{stored}\" rel=\"noopener noreferrer\">x</a>"),
                "{href:?}"
            );
        }
        let dropped = [
            "//elsewhere.example/x",
            " //elsewhere.example/x",
            "\u{1}//elsewhere.example/x",
            "\t//elsewhere.example/x",
            "\\\\elsewhere.example/x",
            "/\\elsewhere.example/x",
            "\\/elsewhere.example/x",
            "/path",
            "path",
            "./path",
            "#section",
            "?page=2",
            "https:elsewhere.example",
            "https:/elsewhere.example",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "ftp://example.org/",
            "",
        ];
        for href in dropped {
            let html = SafeHtml::sanitize(&format!("<a href=\"{href}\">x</a>"));
            assert_eq!(
                html.as_str(),
                "<a rel=\"noopener noreferrer\">x</a>",
                "{href:?}"
            );
        }
    }

    #[test]
    fn images_need_an_absolute_web_address_or_go() {
        assert_eq!(
            SafeHtml::sanitize(r#"<p>a<img src=" https://img.example/a.jpg" alt="A"></p>"#)
                .as_str(),
            r#"<p>a<img src="https://img.example/a.jpg" alt="A"></p>"#
        );
        for src in [
            "//elsewhere.example/x.gif",
            "/x.gif",
            "x.gif",
            "\\\\elsewhere.example\\x.gif",
            "mailto:desk@example.org",
            "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        ] {
            let html = SafeHtml::sanitize(&format!(
                "<p>a<img alt=\"<img src=&quot;x&quot;>\" src=\"{src}\">b</p>"
            ));
            assert_eq!(html.as_str(), "<p>ab</p>", "{src:?}");
        }
        let srcset = SafeHtml::sanitize(
            r#"<img src="https://img.example/a.jpg" srcset="//elsewhere.example/x.gif 2x">"#,
        );
        assert_eq!(srcset.as_str(), r#"<img src="https://img.example/a.jpg">"#);
        let markdown = crate::input::body_html(
            "![pixel](//elsewhere.example/x.gif) [home](/) [mail](mailto:desk@example.org)",
            crate::BodyFormat::Markdown,
        )
        .expect("small body");
        assert_eq!(
            markdown.as_str(),
            "<p> <a rel=\"noopener noreferrer\">home</a> \
             <a href=\"mailto:desk@example.org\" rel=\"noopener noreferrer\">mail</a></p>\n"
        );
    }

    #[test]
    fn quotations_cite_only_absolute_web_addresses() {
        assert_eq!(
            SafeHtml::sanitize(r#"<blockquote cite="https://example.org/s">x</blockquote>"#)
                .as_str(),
            r#"<blockquote cite="https://example.org/s">x</blockquote>"#
        );
        for cite in [
            "//elsewhere.example",
            "/s",
            "javascript:alert(1)",
            "mailto:a@b.c",
        ] {
            let html = SafeHtml::sanitize(&format!("<q cite=\"{cite}\">x</q>"));
            assert_eq!(html.as_str(), "<q>x</q>", "{cite:?}");
        }
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
