//! Reading a WordPress eXtended RSS (WXR) export as a stream of records: the channel's
//! authors, categories and tags, then its items (posts, pages, attachments, …), one at a
//! time. Nothing but the record being read is held in memory, so an export of any size
//! reads in the memory of its largest post.
//!
//! Elements are matched by namespace, not by prefix: WXR 1.0, 1.1 and 1.2 bind `wp:` to
//! `http://wordpress.org/export/<version>/`, and `excerpt:` to a namespace under it.

use std::io::BufRead;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The namespaces WXR elements live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// No namespace: RSS's own elements (`title`, `link`, `item`, `category`, …).
    Rss,
    Wp,
    Content,
    Excerpt,
    Dc,
    Other,
}

impl Ns {
    fn of(resolved: &ResolveResult<'_>) -> Self {
        match resolved {
            ResolveResult::Unbound => Self::Rss,
            ResolveResult::Bound(ns) => {
                let uri = ns.0;
                if uri.starts_with("http://wordpress.org/export/") {
                    if uri.trim_end_matches('/').ends_with("/excerpt") {
                        Self::Excerpt
                    } else {
                        Self::Wp
                    }
                } else if uri == "http://purl.org/rss/1.0/modules/content/" {
                    Self::Content
                } else if uri == "http://purl.org/dc/elements/1.1/" {
                    Self::Dc
                } else {
                    Self::Other
                }
            }
            ResolveResult::Unknown(_) => Self::Other,
        }
    }
}

/// The channel's own description of the site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    pub title: String,
    pub link: String,
    /// `wp:base_site_url`: the site's address, which says where content came from.
    pub base_site_url: String,
    /// `wp:base_blog_url`.
    pub base_blog_url: String,
    /// `wp:wxr_version`: 1.0, 1.1 or 1.2.
    pub wxr_version: String,
}

/// `wp:author`: a user of the site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub id: Option<u64>,
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    /// Not in WordPress's own exports; some plugins add `wp:author_description`.
    pub bio: String,
}

/// `wp:category`, or a `wp:term` of the `category` taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Category {
    pub id: Option<u64>,
    pub nicename: String,
    /// The parent's nicename; empty at the top level.
    pub parent: String,
    pub name: String,
    pub description: String,
}

/// `wp:tag`, or a `wp:term` of the `post_tag` taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    pub id: Option<u64>,
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// An item's `<category domain="…" nicename="…">name</category>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermRef {
    /// `category`, `post_tag`, `post_format`, or a custom taxonomy.
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

/// An `<item>`: a post, page, attachment, menu item, revision or custom post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub title: String,
    pub link: String,
    pub guid: String,
    /// `dc:creator`: the author's login.
    pub creator: String,
    /// `content:encoded`.
    pub content: String,
    /// `excerpt:encoded`; for attachments, the image's caption.
    pub excerpt: String,
    pub post_id: Option<u64>,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_modified: String,
    pub post_modified_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_parent: Option<u64>,
    pub post_type: String,
    pub is_sticky: bool,
    /// Whether the post is password-protected (`wp:post_password`; the password itself is
    /// not kept).
    pub protected: bool,
    pub attachment_url: String,
    pub terms: Vec<TermRef>,
    /// `wp:postmeta` pairs, in order.
    pub meta: Vec<(String, String)>,
    /// How many `wp:comment` it carries.
    pub comments: usize,
}

impl Item {
    /// The first value of postmeta `key`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One thing the export says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Author(Author),
    Category(Category),
    Tag(Tag),
    Item(Box<Item>),
}

/// Why a file cannot be read as a WordPress export, and the byte offset where that shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} (at byte {offset})")]
pub struct Malformed {
    pub offset: u64,
    pub problem: String,
}

/// An element that is open, by namespace and local name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Open {
    ns: Ns,
    name: String,
}

/// What one XML event amounts to here.
enum Step {
    Open(Open, Option<TermRef>),
    Empty(Open, Option<TermRef>),
    Close,
    Text(String),
    Skip,
    Eof,
}

/// The record being assembled.
enum Building {
    None,
    Author(Author),
    Category(Category),
    Tag(Tag),
    Term { taxonomy: String, fields: Category },
    Item(Box<Item>),
}

/// A pull parser over a WXR document: [`WxrReader::next_record`] until `None`.
pub struct WxrReader<R> {
    xml: NsReader<R>,
    buf: Vec<u8>,
    open: Vec<Open>,
    text: String,
    building: Building,
    /// The postmeta pair of the item being read.
    meta: (String, String),
    /// The `<category>` of the item being read.
    term: Option<TermRef>,
    channel: Channel,
    seen_root: bool,
    seen_wp: bool,
    done: bool,
}

impl<R: BufRead> WxrReader<R> {
    /// Reads from `source`, which should be buffered (a `BufReader<File>`).
    pub fn new(source: R) -> Self {
        let mut xml = NsReader::from_reader(source);
        xml.config_mut().check_end_names = true;
        Self {
            xml,
            buf: Vec::with_capacity(64 * 1024),
            open: Vec::new(),
            text: String::new(),
            building: Building::None,
            meta: Default::default(),
            term: None,
            channel: Channel::default(),
            seen_root: false,
            seen_wp: false,
            done: false,
        }
    }

    /// What the channel has said about the site so far (it says it before its first item).
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// How far into the input the reader is, in bytes.
    pub fn position(&self) -> u64 {
        self.xml.buffer_position()
    }

    fn malformed(&self, offset: u64, problem: impl Into<String>) -> Malformed {
        Malformed {
            offset,
            problem: problem.into(),
        }
    }

    /// The next record; `None` at the end of a well-formed export.
    pub fn next_record(&mut self) -> Result<Option<Record>, Malformed> {
        if self.done {
            return Ok(None);
        }
        loop {
            match self.step()? {
                Step::Open(open, term) => self.open(open, term)?,
                Step::Empty(open, term) => {
                    self.open(open, term)?;
                    if let Some(record) = self.close() {
                        return Ok(Some(record));
                    }
                }
                Step::Close => {
                    if let Some(record) = self.close() {
                        return Ok(Some(record));
                    }
                    if self.open.is_empty() {
                        return self.finish().map(|()| None);
                    }
                }
                Step::Text(text) => {
                    if self.open.is_empty() {
                        if !text.trim().is_empty() {
                            return Err(self.malformed(
                                self.xml.buffer_position(),
                                "not XML: text outside any element",
                            ));
                        }
                    } else {
                        self.text.push_str(&text);
                    }
                }
                Step::Skip => {}
                Step::Eof => {
                    let offset = self.xml.buffer_position();
                    return match self.open.last() {
                        Some(open) => Err(self.malformed(
                            offset,
                            format!("the file ends inside <{}>: it is truncated", open.name),
                        )),
                        None if !self.seen_root => {
                            Err(self.malformed(offset, "not XML: the file has no root element"))
                        }
                        None => self.finish().map(|()| None),
                    };
                }
            }
        }
    }

    /// Checks, once the root element has closed, that it was a WordPress export.
    fn finish(&mut self) -> Result<(), Malformed> {
        self.done = true;
        if !self.seen_wp {
            return Err(self.malformed(
                self.xml.buffer_position(),
                "an RSS feed without WordPress (wp:) elements, not a WordPress export",
            ));
        }
        Ok(())
    }

    /// Reads one XML event.
    fn step(&mut self) -> Result<Step, Malformed> {
        self.buf.clear();
        let read = self.xml.read_resolved_event_into(&mut self.buf);
        let (ns, event) = match read {
            Ok((ns, event)) => (Ns::of(&ns), event),
            Err(error) => {
                let offset = self.xml.error_position();
                let problem = match error {
                    quick_xml::Error::Encoding(_) => "not UTF-8 text".to_owned(),
                    error if error.to_string().contains("end of input") => {
                        format!("the file ends inside a tag: it is truncated ({error})")
                    }
                    error => format!("not well-formed XML: {error}"),
                };
                return Err(self.malformed(offset, problem));
            }
        };
        Ok(match event {
            Event::Start(start) => Step::Open(element(ns, &start), term_of(ns, &start)),
            Event::Empty(start) => Step::Empty(element(ns, &start), term_of(ns, &start)),
            Event::End(_) => Step::Close,
            Event::Text(text) => Step::Text(text.xml10_content().into_owned()),
            Event::CData(data) => Step::Text(data.xml10_content().into_owned()),
            Event::GeneralRef(reference) => {
                let text = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&reference) {
                        Some(text) => text.to_owned(),
                        // An entity XML does not define: kept as written, which HTML reads.
                        None => format!("&{};", &*reference),
                    },
                    Err(_) => String::new(),
                };
                Step::Text(text)
            }
            Event::Eof => Step::Eof,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => Step::Skip,
        })
    }

    /// An element starts.
    fn open(&mut self, open: Open, term: Option<TermRef>) -> Result<(), Malformed> {
        self.text.clear();
        if !self.seen_root {
            if open.ns != Ns::Rss || open.name != "rss" {
                return Err(self.malformed(
                    self.xml.buffer_position(),
                    format!("the root element is <{}>, not an RSS <rss>", open.name),
                ));
            }
            self.seen_root = true;
        }
        if open.ns == Ns::Wp {
            self.seen_wp = true;
        }
        let depth = self.open.len();
        let in_channel = depth == 2;
        match (&self.building, open.ns, open.name.as_str()) {
            (Building::None, Ns::Rss, "item") if in_channel => {
                self.building = Building::Item(Box::default());
            }
            (Building::None, Ns::Wp, "author") if in_channel => {
                self.building = Building::Author(Author::default());
            }
            (Building::None, Ns::Wp, "category") if in_channel => {
                self.building = Building::Category(Category::default());
            }
            (Building::None, Ns::Wp, "tag") if in_channel => {
                self.building = Building::Tag(Tag::default());
            }
            (Building::None, Ns::Wp, "term") if in_channel => {
                self.building = Building::Term {
                    taxonomy: String::new(),
                    fields: Category::default(),
                };
            }
            (Building::Item(_), Ns::Rss, "category") if depth == 3 => self.term = term,
            (Building::Item(_), Ns::Wp, "postmeta") if depth == 3 => {
                self.meta = Default::default();
            }
            _ => {}
        }
        self.open.push(open);
        Ok(())
    }

    /// The innermost element ends: its text goes where its name says, and a record that it
    /// completes is returned.
    fn close(&mut self) -> Option<Record> {
        let closed = self.open.pop()?;
        let depth = self.open.len();
        let text = std::mem::take(&mut self.text);
        let name = closed.name.as_str();
        match (&mut self.building, closed.ns) {
            (Building::None, ns) if depth == 2 => {
                let channel = &mut self.channel;
                match (ns, name) {
                    (Ns::Rss, "title") => channel.title = text,
                    (Ns::Rss, "link") => channel.link = text.trim().to_owned(),
                    (Ns::Wp, "base_site_url") => channel.base_site_url = text.trim().to_owned(),
                    (Ns::Wp, "base_blog_url") => channel.base_blog_url = text.trim().to_owned(),
                    (Ns::Wp, "wxr_version") => channel.wxr_version = text.trim().to_owned(),
                    _ => {}
                }
            }
            (Building::Item(item), ns) if depth == 3 => match (ns, name) {
                (Ns::Rss, "title") => item.title = text,
                (Ns::Rss, "link") => item.link = text.trim().to_owned(),
                (Ns::Rss, "guid") => item.guid = text.trim().to_owned(),
                (Ns::Dc, "creator") => item.creator = text.trim().to_owned(),
                (Ns::Content, "encoded") => item.content = text,
                (Ns::Excerpt, "encoded") => item.excerpt = text,
                (Ns::Wp, "post_id") => item.post_id = text.trim().parse().ok(),
                (Ns::Wp, "post_date") => item.post_date = text.trim().to_owned(),
                (Ns::Wp, "post_date_gmt") => item.post_date_gmt = text.trim().to_owned(),
                (Ns::Wp, "post_modified") => item.post_modified = text.trim().to_owned(),
                (Ns::Wp, "post_modified_gmt") => {
                    item.post_modified_gmt = text.trim().to_owned();
                }
                (Ns::Wp, "post_name") => item.post_name = text.trim().to_owned(),
                (Ns::Wp, "status") => item.status = text.trim().to_owned(),
                (Ns::Wp, "post_parent") => {
                    item.post_parent = text.trim().parse().ok().filter(|&id| id != 0);
                }
                (Ns::Wp, "post_type") => item.post_type = text.trim().to_owned(),
                (Ns::Wp, "is_sticky") => item.is_sticky = text.trim() == "1",
                (Ns::Wp, "post_password") => item.protected = !text.trim().is_empty(),
                (Ns::Wp, "attachment_url") => item.attachment_url = text.trim().to_owned(),
                (Ns::Wp, "postmeta") => item.meta.push(std::mem::take(&mut self.meta)),
                (Ns::Wp, "comment") => item.comments += 1,
                (Ns::Rss, "category") => {
                    if let Some(mut term) = self.term.take() {
                        term.name = text.trim().to_owned();
                        item.terms.push(term);
                    }
                }
                _ => {}
            },
            (Building::Item(_), Ns::Wp) if depth == 4 => match name {
                "meta_key" => self.meta.0 = text.trim().to_owned(),
                "meta_value" => self.meta.1 = text,
                _ => {}
            },
            (Building::Author(author), Ns::Wp) if depth == 3 => {
                let text = text.trim().to_owned();
                match name {
                    "author_id" => author.id = text.parse().ok(),
                    "author_login" => author.login = text,
                    "author_email" => author.email = text,
                    "author_display_name" => author.display_name = text,
                    "author_first_name" => author.first_name = text,
                    "author_last_name" => author.last_name = text,
                    "author_description" | "author_bio" => author.bio = text,
                    _ => {}
                }
            }
            (Building::Category(category), Ns::Wp) if depth == 3 => {
                let text = text.trim().to_owned();
                match name {
                    "term_id" => category.id = text.parse().ok(),
                    "category_nicename" => category.nicename = text,
                    "category_parent" => category.parent = text,
                    "cat_name" => category.name = text,
                    "category_description" => category.description = text,
                    _ => {}
                }
            }
            (Building::Tag(tag), Ns::Wp) if depth == 3 => {
                let text = text.trim().to_owned();
                match name {
                    "term_id" => tag.id = text.parse().ok(),
                    "tag_slug" => tag.slug = text,
                    "tag_name" => tag.name = text,
                    "tag_description" => tag.description = text,
                    _ => {}
                }
            }
            (Building::Term { taxonomy, fields }, Ns::Wp) if depth == 3 => {
                let text = text.trim().to_owned();
                match name {
                    "term_id" => fields.id = text.parse().ok(),
                    "term_taxonomy" => *taxonomy = text,
                    "term_slug" => fields.nicename = text,
                    "term_parent" => fields.parent = text,
                    "term_name" => fields.name = text,
                    "term_description" => fields.description = text,
                    _ => {}
                }
            }
            _ => {}
        }
        if depth != 2 {
            return None;
        }
        match std::mem::replace(&mut self.building, Building::None) {
            Building::None => None,
            Building::Author(author) => Some(Record::Author(author)),
            Building::Category(category) => Some(Record::Category(category)),
            Building::Tag(tag) => Some(Record::Tag(tag)),
            Building::Item(item) => Some(Record::Item(item)),
            Building::Term { taxonomy, fields } => match taxonomy.as_str() {
                "category" => Some(Record::Category(fields)),
                "post_tag" => Some(Record::Tag(Tag {
                    id: fields.id,
                    slug: fields.nicename,
                    name: fields.name,
                    description: fields.description,
                })),
                // Menus, post formats and custom taxonomies have no place in a newsroom.
                _ => None,
            },
        }
    }
}

fn element(ns: Ns, start: &BytesStart<'_>) -> Open {
    Open {
        ns,
        name: start.local_name().as_ref().to_owned(),
    }
}

/// The `domain` and `nicename` of an item's `<category>`.
fn term_of(ns: Ns, start: &BytesStart<'_>) -> Option<TermRef> {
    if ns != Ns::Rss || start.local_name().as_ref() != "category" {
        return None;
    }
    let mut term = TermRef::default();
    for attribute in start.attributes().flatten() {
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default();
        match attribute.key.local_name().as_ref() {
            "domain" => term.domain = value,
            "nicename" => term.nicename = value,
            _ => {}
        }
    }
    Some(term)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Harbour Times</title>
	<link>https://harbour.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://harbour.example</wp:base_site_url>
	<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[jo]]></wp:author_login><wp:author_email><![CDATA[jo@harbour.example]]></wp:author_email><wp:author_display_name><![CDATA[Jo Reed]]></wp:author_display_name><wp:author_first_name><![CDATA[Jo]]></wp:author_first_name><wp:author_last_name><![CDATA[Reed]]></wp:author_last_name></wp:author>
	<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[ports]]></wp:category_nicename><wp:category_parent><![CDATA[news]]></wp:category_parent><wp:cat_name><![CDATA[Ports &amp; Docks]]></wp:cat_name></wp:category>
	<wp:tag><wp:term_id>9</wp:term_id><wp:tag_slug><![CDATA[ferries]]></wp:tag_slug><wp:tag_name><![CDATA[Ferries]]></wp:tag_name></wp:tag>
	<wp:term><wp:term_id>12</wp:term_id><wp:term_taxonomy><![CDATA[nav_menu]]></wp:term_taxonomy><wp:term_slug><![CDATA[main]]></wp:term_slug><wp:term_name><![CDATA[Main]]></wp:term_name></wp:term>
	<item>
		<title>Ferry &amp; tide</title>
		<link>https://harbour.example/2019/05/ferry-tide/</link>
		<dc:creator><![CDATA[jo]]></dc:creator>
		<guid isPermaLink="false">https://harbour.example/?p=10</guid>
		<content:encoded><![CDATA[<p>Body</p>]]></content:encoded>
		<excerpt:encoded><![CDATA[Short]]></excerpt:encoded>
		<wp:post_id>10</wp:post_id>
		<wp:post_date><![CDATA[2019-05-01 10:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2019-05-01 08:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[ferry-tide]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:is_sticky>1</wp:is_sticky>
		<category domain="category" nicename="ports"><![CDATA[Ports &amp; Docks]]></category>
		<category domain="post_tag" nicename="ferries"><![CDATA[Ferries]]></category>
		<wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[11]]></wp:meta_value></wp:postmeta>
		<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content><![CDATA[Nice]]></wp:comment_content></wp:comment>
		<wp:comment><wp:comment_id>2</wp:comment_id></wp:comment>
	</item>
</channel>
</rss>
"#;

    fn records(xml: &str) -> Result<Vec<Record>, Malformed> {
        let mut reader = WxrReader::new(xml.as_bytes());
        let mut records = Vec::new();
        while let Some(record) = reader.next_record()? {
            records.push(record);
        }
        Ok(records)
    }

    #[test]
    fn reads_authors_terms_and_items() {
        let mut reader = WxrReader::new(SAMPLE.as_bytes());
        let mut records = Vec::new();
        while let Some(record) = reader.next_record().expect("well-formed") {
            records.push(record);
        }
        assert_eq!(reader.channel().base_site_url, "https://harbour.example");
        assert_eq!(reader.channel().wxr_version, "1.2");
        assert_eq!(records.len(), 4, "the nav_menu term is left out");
        let Record::Author(author) = &records[0] else {
            panic!("an author first")
        };
        assert_eq!(
            (author.login.as_str(), author.display_name.as_str()),
            ("jo", "Jo Reed")
        );
        let Record::Category(category) = &records[1] else {
            panic!("a category")
        };
        assert_eq!(category.name, "Ports &amp; Docks", "as WordPress stores it");
        assert_eq!(category.parent, "news");
        let Record::Item(item) = &records[3] else {
            panic!("an item")
        };
        assert_eq!(item.title, "Ferry & tide");
        assert_eq!(item.post_id, Some(10));
        assert_eq!(item.post_parent, None);
        assert!(item.is_sticky);
        assert_eq!(item.comments, 2);
        assert_eq!(item.meta("_thumbnail_id"), Some("11"));
        assert_eq!(item.terms.len(), 2);
        assert_eq!(item.terms[1].domain, "post_tag");
        assert_eq!(item.excerpt, "Short");
        assert_eq!(item.content, "<p>Body</p>");
    }

    #[test]
    fn reads_wxr_1_1() {
        let older = SAMPLE.replace("export/1.2/", "export/1.1/");
        let records = records(&older).expect("WXR 1.1");
        assert!(matches!(&records[3], Record::Item(item) if item.post_name == "ferry-tide"));
    }

    #[test]
    fn refuses_what_is_not_a_wordpress_export() {
        let truncated = &SAMPLE[..SAMPLE.len() / 2];
        let error = records(truncated).expect_err("truncated");
        assert!(error.problem.contains("truncated"), "{error}");

        let error = records("{\"not\": \"xml\"}").expect_err("json");
        assert!(error.problem.contains("not XML"), "{error}");

        let error = records("<html><body></body></html>").expect_err("html");
        assert!(error.problem.contains("<html>"), "{error}");

        let feed = "<rss><channel><title>x</title><item><title>y</title></item></channel></rss>";
        let error = records(feed).expect_err("plain RSS");
        assert!(error.problem.contains("wp:"), "{error}");

        let mismatched = SAMPLE.replace("</channel>", "</chanel>");
        let error = records(&mismatched).expect_err("mismatched");
        assert!(error.problem.contains("well-formed"), "{error}");

        assert!(records("").is_err());
    }
}
