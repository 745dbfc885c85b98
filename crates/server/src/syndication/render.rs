//! Writing a feed as RSS 2.0 (with `content:encoded`, `dc:creator` and `atom:link
//! rel="self"`, as WordPress writes them) or Atom 1.0, with the rust-syndication crates.
//!
//! An item's GUID (and Atom id) is a `tag:` URI, `tag:<host>,2026:article:<id>`, not a
//! permalink: it stays the same when the story's slug or section changes, so readers do not
//! show it again as new, and it cannot be taken for an old WordPress `?p=` address. A story
//! imported from WordPress keeps the GUID it had in that site's feeds.
//! Dates come from the stories alone (the feed's own date is its newest change), so the same
//! stories always make the same bytes and the same `ETag`.

use std::collections::BTreeMap;

use atom_syndication as atom;
use chrono::{DateTime, FixedOffset, Utc};
use dateline_domain::model::{Article, Author, SectionTree};
use dateline_domain::route;
use dateline_persistence::FeedItems;
use rss::extension::atom::{AtomExtension, Link as AtomLink};
use rss::extension::dublincore::DublinCoreExtension;

use super::Site;

/// The two feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Rss,
    Atom,
}

impl Format {
    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
        }
    }
}

/// A feed to write: the page it follows and its stories.
pub(super) struct Channel<'a> {
    pub(super) site: &'a Site,
    pub(super) sections: &'a SectionTree,
    pub(super) title: String,
    pub(super) description: String,
    /// The page's absolute URL.
    pub(super) link: String,
    /// The feed's own absolute URL.
    pub(super) self_link: String,
    pub(super) items: &'a FeedItems,
}

/// One story as a feed shows it.
struct Story<'a> {
    article: &'a Article,
    link: String,
    guid: String,
    /// The byline, then the co-authors.
    authors: Vec<&'a Author>,
    /// The primary section's name, then the tags'.
    categories: Vec<&'a str>,
    body: Option<&'a str>,
}

impl Channel<'_> {
    fn stories(&self) -> impl Iterator<Item = Story<'_>> {
        let items = self.items;
        items.articles.iter().filter_map(move |article| {
            let section = self.sections.get(article.section_id)?;
            let authors = items
                .authors
                .get(&article.author_id)
                .into_iter()
                .chain(items.co_authors.get(&article.id).into_iter().flatten())
                .collect();
            let categories = std::iter::once(section.name.as_str())
                .chain(
                    items
                        .tags
                        .get(&article.id)
                        .into_iter()
                        .flatten()
                        .map(|t| t.name.as_str()),
                )
                .collect();
            Some(Story {
                article,
                link: self
                    .site
                    .address(&route::article_uri(&section.slug, &article.slug)),
                guid: items
                    .guids
                    .get(&article.id)
                    .cloned()
                    .unwrap_or_else(|| self.site.public_url().tag_uri("article", article.id)),
                authors,
                categories,
                body: items.bodies.get(&article.id).map(|b| b.html.as_str()),
            })
        })
    }

    /// When the newest change to a listed story was made: the feed's own date. An empty
    /// feed has none and says the epoch, which keeps its bytes the same until it has one.
    fn updated(&self) -> DateTime<Utc> {
        self.items
            .articles
            .iter()
            .map(|a| a.updated_at)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }
}

/// The feed in `format`, as UTF-8 XML.
pub(super) fn write(channel: &Channel<'_>, format: Format) -> Vec<u8> {
    let written = match format {
        Format::Rss => rss_channel(channel)
            .write_to(Vec::new())
            .map_err(|e| e.to_string()),
        Format::Atom => atom_feed(channel)
            .write_to(Vec::new())
            .map_err(|e| e.to_string()),
    };
    // Writing into memory fails only on a bug in the writer; an empty feed is still XML a
    // reader accepts less than a 500, but neither should happen.
    let written = written.unwrap_or_else(|error| {
        tracing::error!(%error, "writing a feed failed");
        Vec::new()
    });
    xml_chars_only(written)
}

/// `xml` without the characters XML 1.0 does not allow anywhere, even escaped (controls
/// such as the vertical tab a word processor pastes for a line break): one would make the
/// whole feed unreadable to every reader.
fn xml_chars_only(xml: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(xml) {
        Ok(text) if text.chars().all(super::is_xml_char) => text.into_bytes(),
        Ok(text) => text
            .chars()
            .filter(|c| super::is_xml_char(*c))
            .collect::<String>()
            .into_bytes(),
        Err(error) => error.into_bytes(),
    }
}

fn rss_channel(channel: &Channel<'_>) -> rss::Channel {
    let items = channel
        .stories()
        .map(|story| {
            let published = story
                .article
                .published_at
                .unwrap_or(story.article.created_at);
            rss::Item {
                title: Some(story.article.title.clone()),
                link: Some(story.link),
                description: Some(story.article.excerpt.clone()),
                content: story.body.map(str::to_owned),
                guid: Some(rss::Guid {
                    value: story.guid,
                    permalink: false,
                }),
                pub_date: Some(published.to_rfc2822()),
                categories: story
                    .categories
                    .iter()
                    .map(|name| rss::Category {
                        name: (*name).to_owned(),
                        domain: None,
                    })
                    .collect(),
                dublin_core_ext: Some(DublinCoreExtension {
                    creators: story.authors.iter().map(|a| a.name.clone()).collect(),
                    ..DublinCoreExtension::default()
                }),
                ..rss::Item::default()
            }
        })
        .collect();
    let image = channel.site.logo_url.as_ref().map(|url| rss::Image {
        url: url.clone(),
        title: channel.title.clone(),
        link: channel.link.clone(),
        ..rss::Image::default()
    });
    rss::Channel {
        title: channel.title.clone(),
        link: channel.link.clone(),
        description: channel.description.clone(),
        language: Some(channel.site.language.clone()),
        last_build_date: Some(channel.updated().to_rfc2822()),
        generator: Some(GENERATOR.to_owned()),
        image,
        atom_ext: Some(AtomExtension {
            links: vec![AtomLink {
                href: channel.self_link.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..AtomLink::default()
            }],
        }),
        items,
        ..rss::Channel::default()
    }
}

fn atom_feed(channel: &Channel<'_>) -> atom::Feed {
    let fixed = |at: DateTime<Utc>| -> DateTime<FixedOffset> { at.fixed_offset() };
    let person = |author: &Author| atom::Person {
        name: author.name.clone(),
        uri: Some(channel.site.address(&route::author_uri(&author.slug))),
        ..atom::Person::default()
    };
    let scheme = channel.site.address("/");
    let entries = channel
        .stories()
        .map(|story| {
            let published = story
                .article
                .published_at
                .unwrap_or(story.article.created_at);
            atom::Entry {
                title: atom::Text::plain(story.article.title.clone()),
                id: story.guid,
                updated: fixed(story.article.updated_at),
                published: Some(fixed(published)),
                authors: story.authors.iter().map(|a| person(a)).collect(),
                categories: story
                    .categories
                    .iter()
                    .map(|name| atom::Category {
                        term: (*name).to_owned(),
                        scheme: Some(scheme.clone()),
                        label: None,
                    })
                    .collect(),
                links: vec![atom::Link {
                    href: story.link,
                    rel: "alternate".to_owned(),
                    mime_type: Some("text/html".to_owned()),
                    ..atom::Link::default()
                }],
                summary: Some(atom::Text::plain(story.article.excerpt.clone())),
                content: story.body.map(|html| atom::Content {
                    value: Some(html.to_owned()),
                    content_type: Some("html".to_owned()),
                    ..atom::Content::default()
                }),
                ..atom::Entry::default()
            }
        })
        .collect();
    atom::Feed {
        title: atom::Text::plain(channel.title.clone()),
        id: channel.self_link.clone(),
        updated: fixed(channel.updated()),
        subtitle: Some(atom::Text::plain(channel.description.clone())),
        lang: Some(channel.site.language.clone()),
        logo: channel.site.logo_url.clone(),
        generator: Some(atom::Generator {
            value: GENERATOR.to_owned(),
            ..atom::Generator::default()
        }),
        links: vec![
            atom::Link {
                href: channel.link.clone(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..atom::Link::default()
            },
            atom::Link {
                href: channel.self_link.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..atom::Link::default()
            },
        ],
        entries,
        namespaces: BTreeMap::new(),
        ..atom::Feed::default()
    }
}

const GENERATOR: &str = "Dateline";
