//! What a WordPress record becomes in Dateline: an item's fate by post type and status, its
//! dates, slugs made from WordPress names, and the old permalinks kept as redirects.

use chrono::{DateTime, NaiveDateTime, Utc};
use dateline_domain::html::SafeHtml;
use dateline_domain::route::{RESERVED_SECTION_SLUGS, normalize_legacy_path};
use dateline_domain::seo::{MAX_SEO_DESCRIPTION_CHARS, MAX_SEO_TITLE_CHARS, SeoOverride};
use dateline_domain::{ArticleStatus, Slug};

use crate::wxr::{Author, Item};

/// What becomes of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// An article with this status.
    Article(ArticleStatus),
    /// Not imported, for this reason.
    Skipped(&'static str),
}

/// What becomes of an item of `post_type` with WordPress status `status`.
///
/// - `publish` → published, `future` → scheduled (at its `post_date_gmt`);
/// - `draft`, `pending`, `auto-draft` → draft;
/// - `private` → draft: Dateline has no "public to signed-in readers", and a private post
///   must never become public;
/// - `trash` → archived: kept for the record, never public, and a post trashed on WordPress
///   since an earlier import is taken down by the next one;
/// - any other status → draft.
///
/// Only posts become articles: pages, attachments (read for their images), menu items,
/// revisions and custom post types are skipped.
pub fn fate(post_type: &str, status: &str) -> Fate {
    match post_type {
        "post" => {}
        "page" => return Fate::Skipped("pages (Dateline has articles only)"),
        "attachment" => return Fate::Skipped("attachments (used as images)"),
        "nav_menu_item" => return Fate::Skipped("menu items"),
        "revision" => return Fate::Skipped("revisions (the latest text is imported)"),
        "wp_block"
        | "wp_template"
        | "wp_template_part"
        | "wp_navigation"
        | "wp_global_styles"
        | "custom_css"
        | "customize_changeset"
        | "oembed_cache"
        | "user_request"
        | "wp_font_face"
        | "wp_font_family" => {
            return Fate::Skipped("site design and settings");
        }
        _ => return Fate::Skipped("custom post types"),
    }
    Fate::Article(match status {
        "publish" => ArticleStatus::Published,
        "future" => ArticleStatus::Scheduled,
        "trash" => ArticleStatus::Archived,
        _ => ArticleStatus::Draft,
    })
}

/// A WordPress date (`2019-05-01 08:00:00`) as UTC; `None` for the zero date WordPress
/// writes for drafts (`0000-00-00 00:00:00`) and anything unreadable.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|naive| naive.and_utc())
}

/// When an item was published (or is scheduled to be): `post_date_gmt`, else `post_date`
/// read as UTC (the export does not say the site's time zone).
pub fn published_at(item: &Item) -> Option<DateTime<Utc>> {
    parse_date(&item.post_date_gmt).or_else(|| parse_date(&item.post_date))
}

/// Decodes `%xx` escapes (WordPress percent-encodes non-ASCII slugs); bytes that do not
/// form UTF-8 are replaced.
pub fn percent_decode(text: &str) -> String {
    dateline_domain::route::percent_decode(text, b"")
}

/// A slug from a WordPress name (a post name, nicename or login), else from the text of
/// `fallback` (a title or display name). `None` when neither has any ASCII letter or digit.
pub fn slug_from(name: &str, fallback: &str) -> Option<Slug> {
    // WordPress renames the posts it puts in the trash `<slug>__trashed`.
    let name = name
        .trim()
        .trim_end_matches("__trashed")
        .to_ascii_lowercase();
    Slug::parse(&name)
        .ok()
        .or_else(|| Slug::from_text(&percent_decode(&name)))
        .or_else(|| Slug::from_text(fallback))
}

/// `slug`, or `slug-2`, `slug-3`… the first that `taken` refuses not, cut to stay a slug.
pub fn with_suffix(slug: &Slug, n: usize) -> Slug {
    let suffix = format!("-{n}");
    let room = dateline_domain::slug::MAX_SLUG_LEN - suffix.len();
    let mut base = slug.as_str();
    if base.len() > room {
        base = base[..room].trim_end_matches('-');
    }
    Slug::parse(&format!("{base}{suffix}")).unwrap_or_else(|_| slug.clone())
}

/// A section slug that no other page's path starts with: a reserved word gets `-2`.
pub fn section_slug(slug: Slug) -> (Slug, bool) {
    if RESERVED_SECTION_SLUGS.contains(&slug.as_str()) {
        (with_suffix(&slug, 2), true)
    } else {
        (slug, false)
    }
}

/// Text WordPress keeps HTML-escaped, or with markup (titles, term and user names,
/// excerpts), as plain text on one line.
pub fn plain_text(text: &str) -> String {
    let text = if text.contains(['&', '<']) {
        SafeHtml::sanitize(text).plain_text()
    } else {
        text.to_owned()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` characters.
pub fn at_most(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

/// The SEO title and description an SEO plugin kept for a post (Yoast SEO, Rank Math, All
/// in One SEO), as plain text cut to what Dateline takes. A value built from the plugin's
/// variables (`%%title%% %%sep%% %%sitename%%`, `%title%`, `#post_title`) is left out: it
/// says "the default", which Dateline derives itself.
pub fn seo_of(item: &Item) -> SeoOverride {
    let first = |keys: &[&str], max: usize| {
        keys.iter()
            .filter_map(|key| item.meta(key))
            .map(plain_text)
            .find(|value| !value.is_empty())
            .filter(|value| !has_plugin_variable(value))
            .map(|value| at_most(&value, max))
    };
    SeoOverride {
        title: first(
            &["_yoast_wpseo_title", "rank_math_title", "_aioseo_title"],
            MAX_SEO_TITLE_CHARS,
        ),
        description: first(
            &[
                "_yoast_wpseo_metadesc",
                "rank_math_description",
                "_aioseo_description",
            ],
            MAX_SEO_DESCRIPTION_CHARS,
        ),
    }
}

/// Whether `value` holds an SEO plugin's variable: `%%title%%` (Yoast), `%title%` (Rank
/// Math) or `#post_title` (All in One SEO).
fn has_plugin_variable(value: &str) -> bool {
    let percent = value.split('%').skip(1).step_by(2).any(|between| {
        !between.is_empty()
            && between
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let hash = value.split('#').skip(1).any(|after| {
        [
            "post_",
            "site_",
            "separator",
            "author_",
            "taxonomy_",
            "category",
            "tagline",
        ]
        .iter()
        .any(|name| after.starts_with(name))
    });
    percent || value.contains("%%") || hash
}

/// The byline name of a WordPress user: the display name, else first and last name, else
/// the login.
pub fn author_name(author: &Author) -> String {
    let full = format!("{} {}", author.first_name, author.last_name);
    [&author.display_name, &full, &author.login]
        .into_iter()
        .map(|name| plain_text(name))
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "WordPress author".to_owned())
}

/// The path of a URL as imported paths are kept (see [`normalize_legacy_path`]).
pub fn path_of_url(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"));
    let path = match rest {
        Some(rest) => match rest.find(['/', '?']) {
            Some(start) => &rest[start..],
            None => "/",
        },
        None if url.starts_with('/') => url,
        None => return None,
    };
    normalize_legacy_path(path)
}

/// The old addresses of a post: its `<link>` (whatever the permalink structure was) and
/// `/?p=<id>`.
pub fn post_paths(item: &Item) -> Vec<String> {
    let mut paths = Vec::with_capacity(3);
    paths.extend(path_of_url(&item.link));
    if let Some(id) = item.post_id {
        paths.extend(normalize_legacy_path(&format!("/?p={id}")));
    }
    paths.extend(path_of_url(&item.guid).filter(|p| p.contains("?p=")));
    paths.sort();
    paths.dedup();
    // The front page is never a post's old address, whatever the export says.
    paths.retain(|p| p != "/");
    paths
}

/// A category's old address: `/category/<ancestors>/<nicename>`, from the nicenames of the
/// category and its ancestors, outermost first.
pub fn category_path(nicenames: &[&str]) -> Option<String> {
    normalize_legacy_path(&format!("/category/{}", nicenames.join("/")))
}

/// A tag's old address.
pub fn tag_path(slug: &str) -> Option<String> {
    normalize_legacy_path(&format!("/tag/{slug}"))
}

/// An author's old address: `/author/<nicename>`, the nicename being WordPress's slug of
/// the login.
pub fn author_path(login: &str) -> Option<String> {
    let nicename: String = login
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c == ' ' || c == '.' || c == '@' {
                '-'
            } else {
                c
            }
        })
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    normalize_legacy_path(&format!("/author/{nicename}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seo_plugin_fields_are_kept_unless_they_are_the_plugins_defaults() {
        let mut item = Item {
            meta: vec![
                (
                    "_yoast_wpseo_title".into(),
                    "Ferry &amp; tide: what changes".into(),
                ),
                (
                    "_yoast_wpseo_metadesc".into(),
                    " The new timetable,\n explained. ".into(),
                ),
            ],
            ..Item::default()
        };
        let seo = seo_of(&item);
        assert_eq!(seo.title.as_deref(), Some("Ferry & tide: what changes"));
        assert_eq!(
            seo.description.as_deref(),
            Some("The new timetable, explained.")
        );
        for default in [
            "%%title%% %%sep%% %%sitename%%",
            "%title% | %sitename%",
            "#post_title #separator_sa #site_title",
        ] {
            item.meta = vec![
                ("_yoast_wpseo_title".into(), default.into()),
                ("rank_math_title".into(), default.into()),
            ];
            assert_eq!(seo_of(&item).title, None, "{default}");
        }
        item.meta = vec![(
            "rank_math_title".into(),
            "Top #5 harbours, 100% rebuilt".into(),
        )];
        assert_eq!(
            seo_of(&item).title.as_deref(),
            Some("Top #5 harbours, 100% rebuilt")
        );
    }

    #[test]
    fn statuses_map_to_the_workflow() {
        assert_eq!(
            fate("post", "publish"),
            Fate::Article(ArticleStatus::Published)
        );
        assert_eq!(
            fate("post", "future"),
            Fate::Article(ArticleStatus::Scheduled)
        );
        for draft in ["draft", "pending", "auto-draft", "private", "odd"] {
            assert_eq!(fate("post", draft), Fate::Article(ArticleStatus::Draft));
        }
        assert_eq!(
            fate("post", "trash"),
            Fate::Article(ArticleStatus::Archived)
        );
        assert!(matches!(fate("page", "publish"), Fate::Skipped(_)));
        assert!(matches!(fate("product", "publish"), Fate::Skipped(_)));
        assert!(matches!(fate("attachment", "inherit"), Fate::Skipped(_)));
    }

    #[test]
    fn dates_prefer_gmt_and_skip_the_zero_date() {
        let item = Item {
            post_date: "2019-05-01 10:00:00".into(),
            post_date_gmt: "0000-00-00 00:00:00".into(),
            ..Item::default()
        };
        assert_eq!(
            published_at(&item).map(|d| d.to_rfc3339()),
            Some("2019-05-01T10:00:00+00:00".into())
        );
        let item = Item {
            post_date_gmt: "2019-05-01 08:00:00".into(),
            ..item
        };
        assert_eq!(
            published_at(&item).map(|d| d.to_rfc3339()),
            Some("2019-05-01T08:00:00+00:00".into())
        );
        assert_eq!(published_at(&Item::default()), None);
    }

    #[test]
    fn slugs_come_from_names_then_titles() {
        let slug = |name, title| slug_from(name, title).map(|s| s.to_string());
        assert_eq!(slug("ferry-tide", "x"), Some("ferry-tide".into()));
        assert_eq!(slug("old__trashed", "x"), Some("old".into()));
        assert_eq!(slug("", "Harbour Reopens!"), Some("harbour-reopens".into()));
        assert_eq!(slug("Caf%C3%A9-news", ""), Some("caf-news".into()));
        assert_eq!(slug("%d0%bf%d1%80", "Ночь"), None);
        let long = Slug::from_text(&"word ".repeat(20)).expect("slug");
        assert!(with_suffix(&long, 2).as_str().ends_with("-2"));
        assert_eq!(
            section_slug(Slug::parse("tag").expect("slug")),
            (Slug::parse("tag-2").expect("slug"), true)
        );
    }

    #[test]
    fn names_are_plain_text() {
        assert_eq!(plain_text("Ports &amp; <b>Docks</b>\n"), "Ports & Docks");
        assert_eq!(at_most("abcdef", 3), "abc");
        let author = Author {
            login: "jo".into(),
            first_name: "Jo".into(),
            last_name: "Reed".into(),
            ..Author::default()
        };
        assert_eq!(author_name(&author), "Jo Reed");
    }

    #[test]
    fn old_addresses_are_normalised() {
        let item = Item {
            link: "https://harbour.example/2019/05/Ferry-Tide/".into(),
            guid: "https://harbour.example/?p=10".into(),
            post_id: Some(10),
            ..Item::default()
        };
        assert_eq!(post_paths(&item), vec!["/2019/05/ferry-tide", "/?p=10"]);
        assert_eq!(
            category_path(&["news", "ports"]).as_deref(),
            Some("/category/news/ports")
        );
        assert_eq!(author_path("Jo Reed").as_deref(), Some("/author/jo-reed"));
        assert_eq!(
            path_of_url("https://x.example").as_deref(),
            Some("/"),
            "a bare host is the front page"
        );
    }
}
