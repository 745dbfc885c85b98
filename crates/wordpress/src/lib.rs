//! WordPress exports (WXR 1.0–1.2) read and mapped to Dateline's newsroom, as pure code: no
//! database, no async. `dateline import wordpress` reads an export twice with it — once to
//! check it whole ([`survey`]), once to import it item by item — and the persistence crate
//! writes what it maps.
//!
//! - [`wxr`]: the streaming reader (quick-xml over a buffered file): records one at a time.
//! - [`survey`]: the first pass: validation, authors, terms, images, counts.
//! - [`mapping`]: what each record becomes — fates by post type and status, dates, slugs,
//!   old addresses.
//! - [`content`]: post bodies — block comments, paragraphs, sanitising; [`shortcode`]:
//!   captions, embeds, galleries, and the shortcodes left out.
//! - [`report`]: the summary of an import.

pub mod content;
pub mod mapping;
pub mod report;
pub mod shortcode;
pub mod survey;
pub mod wxr;

pub use report::{Counts, Report};
pub use shortcode::{Attachments, Image};
pub use survey::{Survey, WxrError, survey};
pub use wxr::{Author, Category, Item, Record, Tag, WxrReader};
