//! The first pass over an export: reads it whole to prove it is a well-formed WordPress
//! export before anything is written, and keeps what the second pass needs at hand — the
//! site it came from, its authors and terms, its images — and how many posts it has.
//! Post bodies are read and forgotten.

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::shortcode::{Attachments, Image};
use crate::wxr::{Author, Category, Channel, Malformed, Record, Tag, WxrReader};

/// Why an export cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}, line {line}: {problem}", path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        problem: String,
    },
}

/// What the first pass learnt of an export.
#[derive(Debug, Default)]
pub struct Survey {
    pub channel: Channel,
    /// Where the content came from: `wp:base_site_url`, else the channel's link, without a
    /// trailing slash. Imported records are remembered per origin.
    pub origin: String,
    pub authors: Vec<Author>,
    /// Every category, declared by the channel or only named by an item.
    pub categories: Vec<Category>,
    /// Every tag, declared by the channel or only named by an item.
    pub tags: Vec<Tag>,
    /// Logins that posts name as `dc:creator` but that no `wp:author` describes.
    pub missing_authors: Vec<String>,
    pub attachments: Attachments,
    /// Items of type `post`.
    pub posts: usize,
    /// Every item.
    pub items: usize,
}

/// Opens `path` for reading as a stream of records.
pub fn open(path: &Path) -> Result<WxrReader<BufReader<File>>, WxrError> {
    let file = File::open(path).map_err(|source| WxrError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(WxrReader::new(BufReader::with_capacity(256 * 1024, file)))
}

/// Reads the whole export at `path` (see the module documentation).
pub fn survey(path: &Path) -> Result<Survey, WxrError> {
    let reader = open(path)?;
    survey_records(reader).map_err(|malformed| located(path, malformed))
}

/// Turns a problem at a byte offset of `path` into one at a line, reading the file again
/// up to it (problems are rare; counting lines all along would slow every import).
pub fn located(path: &Path, malformed: Malformed) -> WxrError {
    let line = File::open(path)
        .and_then(|file| line_at(BufReader::new(file), malformed.offset))
        .unwrap_or(0);
    WxrError::Malformed {
        path: path.to_owned(),
        line,
        problem: malformed.problem,
    }
}

/// The 1-based line that byte `offset` of `source` is on.
pub fn line_at(source: impl Read, offset: u64) -> std::io::Result<u64> {
    let mut limited = BufReader::new(source.take(offset));
    let mut line = 1;
    loop {
        let buffer = limited.fill_buf()?;
        if buffer.is_empty() {
            return Ok(line);
        }
        line += buffer.iter().filter(|&&b| b == b'\n').count() as u64;
        let consumed = buffer.len();
        limited.consume(consumed);
    }
}

/// The survey of any stream of records.
pub fn survey_records<R: BufRead>(mut reader: WxrReader<R>) -> Result<Survey, Malformed> {
    let mut survey = Survey::default();
    let mut creators = BTreeSet::new();
    let mut named_categories = Vec::new();
    let mut named_tags = Vec::new();
    while let Some(record) = reader.next_record()? {
        match record {
            Record::Author(author) => survey.authors.push(author),
            Record::Category(category) => survey.categories.push(category),
            Record::Tag(tag) => survey.tags.push(tag),
            Record::Item(item) => {
                survey.items += 1;
                match item.post_type.as_str() {
                    "post" => {
                        survey.posts += 1;
                        creators.insert(item.creator.clone());
                        for term in item.terms {
                            match term.domain.as_str() {
                                "category" => named_categories.push(term),
                                // WXR 1.0 wrote `tag` where later versions write `post_tag`.
                                "post_tag" | "tag" => named_tags.push(term),
                                _ => {}
                            }
                        }
                    }
                    "attachment" => {
                        if let Some(id) = item.post_id {
                            let url = if item.attachment_url.is_empty() {
                                item.guid.clone()
                            } else {
                                item.attachment_url.clone()
                            };
                            let image = Image {
                                url,
                                alt: item
                                    .meta("_wp_attachment_image_alt")
                                    .unwrap_or_default()
                                    .trim()
                                    .to_owned(),
                                caption: item.excerpt.trim().to_owned(),
                            };
                            survey.attachments.insert(id, item.post_parent, image);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    survey.channel = reader.channel().clone();
    // The blog's own address first: on a multisite network every subsite's export has the
    // network's address as `base_site_url`.
    let origin = [
        &survey.channel.base_blog_url,
        &survey.channel.link,
        &survey.channel.base_site_url,
    ]
    .into_iter()
    .find(|url| !url.trim().is_empty())
    .map(|url| url.trim().trim_end_matches('/').to_ascii_lowercase())
    .unwrap_or_default();
    survey.origin = origin;
    let known: HashSet<&str> = survey.authors.iter().map(|a| a.login.as_str()).collect();
    survey.missing_authors = creators
        .iter()
        .filter(|login| !known.contains(login.as_str()))
        .cloned()
        .collect();
    let mut declared: HashSet<String> = survey
        .categories
        .iter()
        .map(|c| c.nicename.clone())
        .collect();
    for term in named_categories {
        if declared.insert(term.nicename.clone()) {
            survey.categories.push(Category {
                nicename: term.nicename,
                name: term.name,
                ..Category::default()
            });
        }
    }
    let mut declared: HashSet<String> = survey.tags.iter().map(|t| t.slug.clone()).collect();
    for term in named_tags {
        if declared.insert(term.nicename.clone()) {
            survey.tags.push(Tag {
                slug: term.nicename,
                name: term.name,
                ..Tag::default()
            });
        }
    }
    Ok(survey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_up_to_an_offset() {
        let text = "a\nb\nc\n";
        assert_eq!(line_at(text.as_bytes(), 0).ok(), Some(1));
        assert_eq!(line_at(text.as_bytes(), 2).ok(), Some(2));
        assert_eq!(line_at(text.as_bytes(), 99).ok(), Some(4));
    }

    #[test]
    fn surveys_authors_terms_images_and_posts() {
        let xml = crate::wxr::tests::SAMPLE.replace(
            "<dc:creator><![CDATA[jo]]></dc:creator>",
            "<dc:creator><![CDATA[ghost]]></dc:creator>",
        );
        let survey = survey_records(WxrReader::new(xml.as_bytes())).expect("well-formed");
        assert_eq!(survey.origin, "https://harbour.example");
        assert_eq!(survey.posts, 1);
        assert_eq!(survey.missing_authors, vec!["ghost"]);
        assert_eq!(survey.categories.len(), 1);
        assert_eq!(survey.tags.len(), 1);
    }
}
