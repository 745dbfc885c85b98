//! A post's `content:encoded` as a Dateline body: block-editor comments stripped, classic
//! posts given their paragraphs (a simple `wpautop`), shortcodes expanded, URLs alone on a
//! line (WordPress's auto-embeds) made links, and everything through Dateline's sanitiser,
//! which repairs broken markup and drops scripts.

use dateline_domain::html::SafeHtml;

use crate::shortcode::{self, Context};

/// A converted body and the shortcodes it dropped (a name per occurrence).
#[derive(Debug, Clone)]
pub struct Converted {
    pub body: SafeHtml,
    pub dropped_shortcodes: Vec<String>,
}

/// Converts a post's content.
pub fn convert(content: &str, context: &Context<'_>) -> Converted {
    let content = content.replace("\r\n", "\n");
    let (text, blocks) = strip_block_comments(&content);
    let mut dropped = Vec::new();
    let text = shortcode::expand(&text, context, &mut dropped);
    let text = link_bare_urls(&text);
    let html = if blocks {
        without_blank_runs(&text)
    } else {
        autop(&text)
    };
    let html = absolute_addresses(&html, context.site);
    Converted {
        body: SafeHtml::sanitize(&html),
        dropped_shortcodes: dropped,
    }
}

/// `html` with its relative `src` and `href` addresses (`/wp-content/uploads/…`,
/// `//cdn.example/…`) made absolute on `site`: the sanitiser keeps absolute `http(s)`
/// addresses only, and a page on another host could not follow a relative one anyway.
fn absolute_addresses(html: &str, site: &str) -> String {
    let site = site.trim_end_matches('/');
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['s', 'h']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let attribute = ["src=\"", "src='", "href=\"", "href='"]
            .into_iter()
            .find(|a| from.starts_with(a));
        let Some(attribute) = attribute else {
            let next = from.chars().next().map_or(1, char::len_utf8);
            out.push_str(&from[..next]);
            rest = &from[next..];
            continue;
        };
        out.push_str(attribute);
        let value = &from[attribute.len()..];
        if value.starts_with("//") {
            out.push_str("https:");
        } else if value.starts_with('/') && !site.is_empty() {
            out.push_str(site);
        }
        rest = value;
    }
    out.push_str(rest);
    out
}

/// `text` with runs of blank lines (what stripped block comments leave) made one.
fn without_blank_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.split('\n') {
        let is_blank = line.trim().is_empty();
        if !(is_blank && blank) {
            out.push_str(line);
            out.push('\n');
        }
        blank = is_blank;
    }
    out
}

/// Escapes text for an HTML attribute value or element content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Removes the block editor's `<!-- wp:… -->` and `<!-- /wp:… -->` comments, and says
/// whether there were any (block content has its paragraphs marked up already).
pub fn strip_block_comments(content: &str) -> (String, bool) {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    let mut found = false;
    while let Some(start) = rest.find("<!--") {
        let comment = &rest[start + 4..];
        let is_block =
            comment.trim_start().starts_with("wp:") || comment.trim_start().starts_with("/wp:");
        if !is_block {
            out.push_str(&rest[..start + 4]);
            rest = comment;
            continue;
        }
        found = true;
        out.push_str(&rest[..start]);
        rest = match comment.find("-->") {
            Some(end) => &comment[end + 3..],
            None => "",
        };
    }
    out.push_str(rest);
    (out, found)
}

/// Elements that make their own block: a paragraph never wraps them.
const BLOCKS: [&str; 33] = [
    "address",
    "article",
    "aside",
    "audio",
    "blockquote",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "iframe",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "script",
    "style",
    "table",
    "ul",
    "video",
    "!--",
];

/// Whether `chunk` starts with a block element (opening or closing).
fn starts_with_block(chunk: &str) -> bool {
    let Some(tag) = chunk.strip_prefix('<') else {
        return false;
    };
    let tag = tag.strip_prefix('/').unwrap_or(tag);
    BLOCKS.iter().any(|block| {
        tag.get(..block.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(block))
            && tag[block.len()..]
                .chars()
                .next()
                .is_none_or(|c| c == '>' || c == '/' || c == '-' || c.is_whitespace())
    })
}

/// Classic-editor paragraphs: text separated by blank lines becomes `<p>`s, single line
/// breaks inside them `<br>`; chunks that start with a block element stay as they are, and
/// so does everything inside `<pre>`.
pub fn autop(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chunk: Vec<&str> = Vec::new();
    let mut in_pre = false;
    for line in text.split('\n') {
        let opens = line.matches("<pre").count();
        let closes = line.matches("</pre>").count();
        if line.trim().is_empty() && !in_pre {
            paragraph(&mut out, &chunk);
            chunk.clear();
        } else {
            chunk.push(line);
        }
        in_pre = (in_pre || opens > closes) && closes <= opens;
    }
    paragraph(&mut out, &chunk);
    out
}

fn paragraph(out: &mut String, lines: &[&str]) {
    let text = lines.join("\n");
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if starts_with_block(text) {
        out.push_str(text);
    } else {
        out.push_str("<p>");
        out.push_str(&text.replace('\n', "<br>\n"));
        out.push_str("</p>");
    }
    out.push('\n');
}

/// A line that holds nothing but an http(s) URL becomes a link to it, on its own.
fn link_bare_urls(text: &str) -> String {
    if !text.contains("http") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let url = line.trim();
        let bare = (url.starts_with("https://") || url.starts_with("http://"))
            && !url.contains(|c: char| c.is_whitespace() || c == '<' || c == '"');
        if bare {
            let url = escape(url);
            out.push_str(&format!("\n<p><a href=\"{url}\">{url}</a></p>\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shortcode::Attachments;

    #[test]
    fn relative_images_and_links_are_made_absolute() {
        let (body, _) = html(
            r##"<p><img src="/wp-content/uploads/pier.jpg" alt="Pier"> <a href='//cdn.example/x'>x</a> <a href="https://other.example/">o</a> <a href="#top">top</a></p>"##,
        );
        assert!(
            body.contains(r#"src="https://harbour.example/wp-content/uploads/pier.jpg""#),
            "{body}"
        );
        assert!(body.contains("https://cdn.example/x"), "{body}");
        assert!(body.contains("https://other.example/"), "{body}");
    }

    fn html(content: &str) -> (String, Vec<String>) {
        let attachments = Attachments::default();
        let context = Context {
            post_id: None,
            attachments: &attachments,
            site: "https://harbour.example",
        };
        let converted = convert(content, &context);
        (
            converted.body.as_str().to_owned(),
            converted.dropped_shortcodes,
        )
    }

    #[test]
    fn block_comments_are_stripped() {
        let (body, _) = html(
            "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:heading {\"level\":3} -->\n<h3>Two</h3>\n<!-- /wp:heading -->",
        );
        assert!(!body.contains("wp:"), "{body}");
        assert!(
            body.contains("<p>One</p>") && body.contains("<h3>Two</h3>"),
            "{body}"
        );
        assert!(!body.contains("<p><p>"), "{body}");
    }

    #[test]
    fn classic_posts_get_paragraphs() {
        let (body, _) = html("First line\nsame paragraph\n\nSecond <em>one</em>\n\n<h2>Head</h2>");
        assert_eq!(
            body,
            "<p>First line<br>\nsame paragraph</p>\n<p>Second <em>one</em></p>\n<h2>Head</h2>\n"
        );
    }

    #[test]
    fn preformatted_text_keeps_its_blank_lines() {
        let out = autop("<pre>a\n\nb</pre>\n\nc");
        assert_eq!(out, "<pre>a\n\nb</pre>\n<p>c</p>\n");
    }

    #[test]
    fn bare_urls_become_links() {
        let (body, _) = html("Watch:\n\nhttps://video.example/watch?v=1\n\nDone");
        assert!(
            body.contains(r#"<a href="https://video.example/watch?v=1""#),
            "{body}"
        );
    }

    #[test]
    fn broken_markup_is_repaired_and_scripts_dropped() {
        let (body, _) = html("<p>Open <b>bold\n\n<script>alert(1)</script><div onclick=\"x()\">Hi");
        assert!(
            !body.contains("script") && !body.contains("alert"),
            "{body}"
        );
        assert!(!body.contains("onclick"), "{body}");
        assert!(body.contains("</b>"), "closed: {body}");
    }
}
