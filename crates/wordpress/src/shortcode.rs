//! WordPress shortcodes (`[name attr="v"]`, `[name]content[/name]`) turned into plain HTML:
//! captions into figures, embeds and media into links, galleries into figures of the
//! attachments' images. Any other shortcode is dropped (the text an enclosing one wraps is
//! kept) and named, so that the import can say what it left out.

use std::collections::HashMap;

use crate::content::escape;

/// An image the export describes as an attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    pub url: String,
    /// `_wp_attachment_image_alt`.
    pub alt: String,
    /// The attachment's excerpt.
    pub caption: String,
}

/// The export's images, by attachment id and by the post they were uploaded to.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    by_id: HashMap<u64, Image>,
    by_parent: HashMap<u64, Vec<u64>>,
}

impl Attachments {
    /// Adds attachment `id`, uploaded to post `parent`.
    pub fn insert(&mut self, id: u64, parent: Option<u64>, image: Image) {
        if let Some(parent) = parent {
            self.by_parent.entry(parent).or_default().push(id);
        }
        self.by_id.insert(id, image);
    }

    /// The image of attachment `id`.
    pub fn get(&self, id: u64) -> Option<&Image> {
        self.by_id.get(&id)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The images uploaded to post `parent`, in id order.
    fn of_post(&self, parent: u64) -> Vec<&Image> {
        let mut ids = self.by_parent.get(&parent).cloned().unwrap_or_default();
        ids.sort_unstable();
        ids.iter().filter_map(|id| self.by_id.get(id)).collect()
    }
}

/// What expanding shortcodes needs to know about the post they are in.
pub struct Context<'a> {
    pub post_id: Option<u64>,
    pub attachments: &'a Attachments,
    /// The site's address (`https://example.org`), which relative links and images are
    /// read against; empty when unknown.
    pub site: &'a str,
}

/// The longest opening tag read as a shortcode; anything longer is text.
const MAX_TAG_LEN: usize = 2000;

/// An opening tag: `[name attrs]` or `[name attrs /]`.
struct Tag<'t> {
    name: &'t str,
    attrs: &'t str,
    self_closing: bool,
    /// Its length in bytes, brackets included.
    len: usize,
}

/// Reads the tag at the start of `text` (which starts with `[`).
fn tag(text: &str) -> Option<Tag<'_>> {
    let inner = text.get(1..)?;
    let end = inner.find([']', '['])?;
    if end > MAX_TAG_LEN || inner.as_bytes().get(end) != Some(&b']') {
        return None;
    }
    let body = &inner[..end];
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(body.len());
    let name = &body[..name_len];
    let rest = &body[name_len..];
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || !(rest.is_empty() || rest.starts_with([' ', '\t', '\n', '/'])) {
        return None;
    }
    let self_closing = rest.trim_end().ends_with('/');
    let attrs = rest.trim().trim_end_matches('/').trim();
    Some(Tag {
        name,
        attrs,
        self_closing,
        len: end + 2,
    })
}

/// The shortcodes turned into HTML here; any other with attributes or content is dropped.
const KNOWN: [&str; 6] = [
    "caption",
    "wp_caption",
    "embed",
    "audio",
    "video",
    "gallery",
];

/// Expands every shortcode in `text`; the names of those dropped go into `dropped`.
pub fn expand(text: &str, context: &Context<'_>, dropped: &mut Vec<String>) -> String {
    if !text.contains('[') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let at = &rest[start..];
        // `[[name]]` is WordPress's way to write a shortcode as text.
        if let Some(escaped) = at.strip_prefix("[[")
            && let Some(end) = escaped.find("]]")
        {
            out.push('[');
            out.push_str(&escaped[..end]);
            out.push(']');
            rest = &escaped[end + 2..];
            continue;
        }
        // A stray closing tag is dropped with its shortcode's name.
        if let Some(closing) = at.strip_prefix("[/")
            && let Some(end) = closing.find(']').filter(|&end| end <= MAX_TAG_LEN)
            && let Some(opening) = tag(&format!("[{}]", &closing[..end]))
            && opening.attrs.is_empty()
        {
            dropped.push(opening.name.to_ascii_lowercase());
            rest = &at[opening.len + 1..];
            continue;
        }
        let Some(open) = tag(at) else {
            out.push('[');
            rest = &at[1..];
            continue;
        };
        let after = &at[open.len..];
        let closing = format!("[/{}]", open.name);
        let (content, consumed) = match after.find(&closing).filter(|_| !open.self_closing) {
            Some(end) => (Some(&after[..end]), open.len + end + closing.len()),
            None => (None, open.len),
        };
        // A bare word in brackets that no shortcode known here names — `[sic]`,
        // `[Updated]` — is prose, as WordPress leaves it when no plugin registered it.
        let known = KNOWN.contains(&open.name.to_ascii_lowercase().as_str());
        if !known && content.is_none() && !open.self_closing && open.attrs.trim().is_empty() {
            out.push_str(&at[..open.len]);
            rest = &at[open.len..];
            continue;
        }
        out.push_str(&render(&open, content, context, dropped));
        rest = &at[consumed..];
    }
    out.push_str(rest);
    out
}

/// The attributes of a shortcode: `name="value"`, `name='value'`, `name=value`; values
/// without a name are numbered from 0.
fn attributes(text: &str) -> HashMap<String, String> {
    let mut attrs = HashMap::new();
    let mut rest = text.trim();
    let mut position = 0;
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_end);
        let after = after.trim_start();
        if let Some(value_part) = after.strip_prefix('=') {
            let value_part = value_part.trim_start();
            let (value, remaining) = quoted(value_part);
            attrs.insert(name.to_ascii_lowercase(), value.to_owned());
            rest = remaining.trim_start();
        } else {
            let (value, remaining) = quoted(rest);
            attrs.insert(position.to_string(), value.to_owned());
            position += 1;
            rest = remaining.trim_start();
        }
    }
    attrs
}

/// The value at the start of `text` (quoted or up to whitespace), and what follows.
fn quoted(text: &str) -> (&str, &str) {
    for quote in ['"', '\'', '\u{201d}', '\u{2033}'] {
        if let Some(inner) = text.strip_prefix(quote) {
            return match inner.find(quote) {
                Some(end) => (&inner[..end], &inner[end + quote.len_utf8()..]),
                None => (inner, ""),
            };
        }
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// The HTML a shortcode becomes.
fn render(
    tag: &Tag<'_>,
    content: Option<&str>,
    context: &Context<'_>,
    dropped: &mut Vec<String>,
) -> String {
    let name = tag.name.to_ascii_lowercase();
    let attrs = attributes(tag.attrs);
    let inner = content
        .map(|c| expand(c, context, dropped))
        .unwrap_or_default();
    match name.as_str() {
        "caption" | "wp_caption" => caption(&inner, &attrs),
        "embed" => link_figure(inner.trim()),
        "audio" | "video" => {
            let source = [
                "src", "mp4", "mp3", "m4a", "ogg", "wav", "webm", "m4v", "ogv",
            ]
            .iter()
            .find_map(|key| attrs.get(*key))
            .map(String::as_str)
            .unwrap_or_else(|| inner.trim());
            if source.is_empty() {
                dropped.push(name);
                String::new()
            } else {
                link_figure(source)
            }
        }
        "gallery" => match gallery(&attrs, context) {
            Some(html) => html,
            None => {
                dropped.push(name);
                String::new()
            }
        },
        _ => {
            dropped.push(name);
            inner
        }
    }
}

/// `[caption]<img …> text[/caption]` (or a `caption` attribute, as older posts have):
/// the image, or the link around it, then the text as its caption.
fn caption(inner: &str, attrs: &HashMap<String, String>) -> String {
    let trimmed = inner.trim();
    let media_end = if trimmed.starts_with("<a") {
        trimmed.find("</a>").map(|end| end + 4)
    } else if trimmed.starts_with("<img") {
        trimmed.find('>').map(|end| end + 1)
    } else {
        None
    };
    let (media, text) = match media_end {
        Some(end) => trimmed.split_at(end),
        None => ("", trimmed),
    };
    let text = match text.trim() {
        "" => attrs.get("caption").map(|c| escape(c)).unwrap_or_default(),
        text => text.to_owned(),
    };
    if text.is_empty() {
        format!("<figure>{media}</figure>")
    } else {
        format!("<figure>{media}<figcaption>{text}</figcaption></figure>")
    }
}

/// A figure that links to `url`.
fn link_figure(url: &str) -> String {
    let url = escape(url);
    format!("<figure><a href=\"{url}\">{url}</a></figure>")
}

/// `[gallery ids="1,2"]` (or `include`), else the images uploaded to the post: a figure of
/// the images the export describes. `None` when it describes none of them.
fn gallery(attrs: &HashMap<String, String>, context: &Context<'_>) -> Option<String> {
    let listed = attrs.get("ids").or_else(|| attrs.get("include"));
    let images: Vec<&Image> = match listed {
        Some(ids) => ids
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .filter_map(|id| context.attachments.get(id))
            .collect(),
        None => context
            .post_id
            .map(|id| context.attachments.of_post(id))
            .unwrap_or_default(),
    };
    if images.is_empty() {
        return None;
    }
    let mut html = String::from("<figure>");
    for image in images {
        html.push_str(&format!(
            "<img src=\"{}\" alt=\"{}\">",
            escape(&image.url),
            escape(&image.alt)
        ));
    }
    html.push_str("</figure>");
    Some(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (String, Vec<String>) {
        let mut attachments = Attachments::default();
        attachments.insert(
            1,
            Some(10),
            Image {
                url: "https://x.example/a.jpg".into(),
                alt: "A".into(),
                caption: String::new(),
            },
        );
        attachments.insert(
            2,
            Some(10),
            Image {
                url: "https://x.example/b.jpg".into(),
                alt: "B".into(),
                caption: String::new(),
            },
        );
        let context = Context {
            post_id: Some(10),
            attachments: &attachments,
            site: "",
        };
        let mut dropped = Vec::new();
        let html = expand(text, &context, &mut dropped);
        (html, dropped)
    }

    #[test]
    fn captions_become_figures() {
        let (html, dropped) = run(
            r#"[caption id="attachment_5" align="alignnone" width="300"]<img src="https://x.example/p.jpg" alt="Pier"> The pier at dawn[/caption]"#,
        );
        assert_eq!(
            html,
            r#"<figure><img src="https://x.example/p.jpg" alt="Pier"><figcaption>The pier at dawn</figcaption></figure>"#
        );
        assert!(dropped.is_empty());
    }

    #[test]
    fn embeds_and_galleries() {
        let (html, _) = run("[embed]https://video.example/v/1[/embed]");
        assert_eq!(
            html,
            r#"<figure><a href="https://video.example/v/1">https://video.example/v/1</a></figure>"#
        );
        let (html, _) = run(r#"[gallery ids="2,1,99"]"#);
        assert_eq!(
            html,
            r#"<figure><img src="https://x.example/b.jpg" alt="B"><img src="https://x.example/a.jpg" alt="A"></figure>"#
        );
        let (html, _) = run("[gallery]");
        assert!(html.contains("a.jpg") && html.contains("b.jpg"), "{html}");
        let (html, dropped) = run(r#"[gallery ids="99"]"#);
        assert_eq!((html.as_str(), dropped), ("", vec!["gallery".to_owned()]));
    }

    #[test]
    fn unknown_shortcodes_are_dropped_keeping_their_text() {
        let (html, dropped) = run(
            r#"Before [contact-form-7 id="12" title="Contact"] mid [su_note]Kept [b]bold[/b][/su_note] after [[literal]] [1] [sic and more"#,
        );
        assert_eq!(
            html,
            "Before  mid Kept bold after [literal] [1] [sic and more"
        );
        assert_eq!(dropped, vec!["contact-form-7", "b", "su_note"]);
    }
}
