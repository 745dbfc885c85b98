//! Serving a feed: which page its address names, which stories that page lists, and the
//! answer in RSS 2.0 or Atom.
//!
//! A feed costs a bounded number of statements whatever its length: the page's tag, author
//! or source (sections come from the section tree the server keeps), the latest stories
//! with their bylines, then their co-authors, tags and bodies, one statement each.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use chrono::Utc;
use dateline_domain::route::{self, RoutePath};
use dateline_persistence::{CatalogVisibility, Named, Narrowing, StoreError};

use super::render::{self, Channel, Format};
use super::{Listings, cached, failed, not_found};
use dateline_persistence::Store;

/// `GET <page path>/feed[/atom][/]`.
pub(super) async fn serve(State(listings): State<Listings>, uri: Uri) -> Response {
    let Some((page, format)) = parse(uri.path()) else {
        return not_found(&listings.http, "no such feed");
    };
    let answered = listings
        .read(|store| answer(store, &listings, page.clone(), format))
        .await;
    match answered.map(|(body, _)| body) {
        Ok(Some(body)) => cached(&listings.http, format.content_type(), body),
        Ok(None) => not_found(&listings.http, "no such feed"),
        Err(error) => failed(&error),
    }
}

/// The page a feed address names, and the feed's format.
fn parse(path: &str) -> Option<(RoutePath, Format)> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let (page, format) = match path.strip_suffix("/feed/atom") {
        Some(page) => (page, Format::Atom),
        None => (path.strip_suffix("/feed")?, Format::Rss),
    };
    let page = RoutePath::parse(if page.is_empty() { "/" } else { page })?;
    (!matches!(page, RoutePath::Article { .. })).then_some((page, format))
}

/// The feed of `page`, or `None` when the site has no such page.
async fn answer(
    store: Store,
    listings: &Listings,
    page: RoutePath,
    format: Format,
) -> Result<Option<Vec<u8>>, StoreError> {
    let store = &store;
    let site = &listings.site;
    let now = Utc::now();
    let in_use = CatalogVisibility::InUseAsOf(now);
    let sections = store.section_tree().await?;
    let (narrowing, page_name, description, path) = match page {
        RoutePath::Home => (
            Narrowing::default(),
            None,
            format!("The latest stories from {}", site.name),
            "/".to_owned(),
        ),
        RoutePath::Section(slug) => {
            let Some(section) = sections.by_slug(&slug) else {
                return Ok(None);
            };
            let narrowing = Narrowing {
                section_ids: Some(sections.subtree_ids(section.id)),
                ..Narrowing::default()
            };
            let description = section
                .description
                .clone()
                .unwrap_or_else(|| format!("The latest stories in {}", section.name));
            let path = route::section_uri(&section.slug);
            (narrowing, Some(section.name.clone()), description, path)
        }
        RoutePath::Tag(slug) => {
            let Some(tag) = store.listed_tag_by_slug(in_use, &slug).await? else {
                return Ok(None);
            };
            let narrowing = Narrowing {
                tags: Some(Named::id(tag.id)),
                ..Narrowing::default()
            };
            let description = format!("The latest stories tagged {}", tag.name);
            (
                narrowing,
                Some(tag.name),
                description,
                route::tag_uri(&slug),
            )
        }
        RoutePath::Author(slug) => {
            let Some(author) = store.listed_author_by_slug(in_use, &slug).await? else {
                return Ok(None);
            };
            // Bylines and co-authorships alike, as on the author's page.
            let narrowing = Narrowing {
                authors: Some(Named::id(author.id)),
                ..Narrowing::default()
            };
            let description = format!("The latest stories by {}", author.name);
            let path = route::author_uri(&slug);
            (narrowing, Some(author.name), description, path)
        }
        RoutePath::Source(slug) => {
            let Some(source) = store.listed_source_by_slug(in_use, &slug).await? else {
                return Ok(None);
            };
            let narrowing = Narrowing {
                sources: Some(Named::id(source.id)),
                ..Narrowing::default()
            };
            let description = format!("The latest stories from {}", source.name);
            let path = route::source_uri(&slug);
            (narrowing, Some(source.name), description, path)
        }
        RoutePath::Article { .. } => return Ok(None),
    };
    let full = listings.feeds.content == super::FeedContent::Full;
    let items = store
        .latest_for_feed(now, narrowing, u64::from(listings.feeds.items), full)
        .await?;
    let title = match page_name {
        Some(name) => format!("{} — {name}", site.name),
        None => site.name.clone(),
    };
    let feed_path = match (path.as_str(), format) {
        ("/", Format::Rss) => "/feed".to_owned(),
        ("/", Format::Atom) => "/feed/atom".to_owned(),
        (path, Format::Rss) => format!("{path}/feed"),
        (path, Format::Atom) => format!("{path}/feed/atom"),
    };
    let channel = Channel {
        site,
        sections: &sections,
        title,
        description,
        link: site.address(&path),
        self_link: site.address(&feed_path),
        items: &items,
    };
    Ok(Some(render::write(&channel, format)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_addresses_name_pages_and_formats() {
        assert_eq!(parse("/feed"), Some((RoutePath::Home, Format::Rss)));
        assert_eq!(parse("/feed/"), Some((RoutePath::Home, Format::Rss)));
        assert_eq!(parse("/feed/atom/"), Some((RoutePath::Home, Format::Atom)));
        assert_eq!(
            parse("/world/feed"),
            Some((RoutePath::Section("world".into()), Format::Rss))
        );
        assert_eq!(
            parse("/tag/diplomacy/feed/atom"),
            Some((RoutePath::Tag("diplomacy".into()), Format::Atom))
        );
        assert_eq!(
            parse("/author/admin/feed/"),
            Some((RoutePath::Author("admin".into()), Format::Rss))
        );
        assert_eq!(parse("/world/story/feed"), None);
        assert_eq!(parse("/world/atom"), None);
    }
}
