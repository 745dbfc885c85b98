//! The public URL layout of a news site, and parsing a path back into what it names.
//!
//! | page    | path                        |
//! | ------- | --------------------------- |
//! | home    | `/`                         |
//! | section | `/<section-slug>`           |
//! | article | `/<section-slug>/<slug>`    |
//! | tag     | `/tag/<slug>`               |
//! | author  | `/author/<slug>`            |
//! | source  | `/source/<slug>`            |
//!
//! Section slugs are unique across the whole tree, so a section's path does not repeat its
//! ancestors, and an article's path changes only when its slug or primary section does.

/// The first path segments that belong to other pages, so no section may take them as slug.
pub const RESERVED_SECTION_SLUGS: [&str; 10] = [
    "tag", "author", "source", "search", "graphql", "graphiql", "healthz", "readyz", "metrics",
    "section",
];

/// The longest path `RoutePath::parse` looks at.
pub const MAX_PATH_LEN: usize = 2048;

/// The path of an article page.
pub fn article_uri(section_slug: &str, slug: &str) -> String {
    format!("/{section_slug}/{slug}")
}

/// The path of a section page.
pub fn section_uri(slug: &str) -> String {
    format!("/{slug}")
}

/// The path of a tag page.
pub fn tag_uri(slug: &str) -> String {
    format!("/tag/{slug}")
}

/// The path of an author page.
pub fn author_uri(slug: &str) -> String {
    format!("/author/{slug}")
}

/// The path of a source page.
pub fn source_uri(slug: &str) -> String {
    format!("/source/{slug}")
}

/// A path as the old addresses of imported content are kept and looked up (see
/// `route(path:)`): lowercase, without a trailing slash (`/` stays `/`) or fragment, and of
/// the query only a numeric `p` (`/?p=123`, WordPress's address of a post by id). `None` for
/// a path longer than [`MAX_PATH_LEN`] or one that does not start with `/`.
pub fn normalize_legacy_path(path: &str) -> Option<String> {
    let path = path.trim();
    if path.len() > MAX_PATH_LEN || !path.starts_with('/') {
        return None;
    }
    let path = path.split('#').next().unwrap_or_default();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut normal = path.trim_end_matches('/').to_lowercase();
    if normal.is_empty() {
        normal.push('/');
    }
    let post = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("p="))
        .find(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    if let Some(id) = post {
        normal.push_str("?p=");
        normal.push_str(id);
    }
    Some(normal)
}

/// Whether `path` asks for a post by id (`?p=123`), which only an imported address can name.
pub fn asks_for_post_id(path: &str) -> bool {
    normalize_legacy_path(path).is_some_and(|p| p.contains("?p="))
}

/// What a URL path names, before anything is looked up. Segments are lowercased, so a
/// path in the wrong case still resolves (as a redirect to the canonical one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutePath {
    /// `/`
    Home,
    /// `/<slug>`
    Section(String),
    /// `/<section>/<slug>`: the article is found by its slug; the section part only has to
    /// match for the path to be canonical.
    Article { section: String, slug: String },
    /// `/tag/<slug>`
    Tag(String),
    /// `/author/<slug>`
    Author(String),
    /// `/source/<slug>`
    Source(String),
}

impl RoutePath {
    /// Parses the path of a URL (a query string or fragment is ignored). Returns `None` for
    /// paths that cannot name any page.
    pub fn parse(path: &str) -> Option<Self> {
        if path.len() > MAX_PATH_LEN {
            return None;
        }
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        if segments.iter().any(|s| crate::Slug::parse(s).is_err()) {
            return None;
        }
        match segments.as_slice() {
            [] => Some(Self::Home),
            [section] => Some(Self::Section(section.clone())),
            [kind, slug] if kind == "tag" => Some(Self::Tag(slug.clone())),
            [kind, slug] if kind == "author" => Some(Self::Author(slug.clone())),
            [kind, slug] if kind == "source" => Some(Self::Source(slug.clone())),
            [section, slug] => Some(Self::Article {
                section: section.clone(),
                slug: slug.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_of_page() {
        assert_eq!(RoutePath::parse("/"), Some(RoutePath::Home));
        assert_eq!(
            RoutePath::parse("/world/"),
            Some(RoutePath::Section("world".into()))
        );
        assert_eq!(
            RoutePath::parse("/Latest-Updates/peace-mission?utm=x"),
            Some(RoutePath::Article {
                section: "latest-updates".into(),
                slug: "peace-mission".into()
            })
        );
        assert_eq!(
            RoutePath::parse("/tag/diplomacy"),
            Some(RoutePath::Tag("diplomacy".into()))
        );
        assert_eq!(
            RoutePath::parse("/author/admin"),
            Some(RoutePath::Author("admin".into()))
        );
        assert_eq!(
            RoutePath::parse("/source/courier-desk"),
            Some(RoutePath::Source("courier-desk".into()))
        );
    }

    #[test]
    fn rejects_paths_no_page_can_have() {
        assert_eq!(RoutePath::parse("/a/b/c"), None);
        assert_eq!(RoutePath::parse("/%27;drop"), None);
        assert_eq!(RoutePath::parse(&"/a".repeat(2000)), None);
    }

    #[test]
    fn normalises_old_addresses() {
        let n = |p| normalize_legacy_path(p);
        assert_eq!(
            n("/2019/05/Ferry-Tide/").as_deref(),
            Some("/2019/05/ferry-tide")
        );
        assert_eq!(n("/?p=123&utm=x").as_deref(), Some("/?p=123"));
        assert_eq!(n("/news/?utm=x#top").as_deref(), Some("/news"));
        assert_eq!(n("//").as_deref(), Some("/"));
        assert_eq!(n("relative"), None);
        assert!(asks_for_post_id("/?p=7"));
        assert!(!asks_for_post_id("/?page_id=7"));
    }

    #[test]
    fn builds_canonical_paths() {
        assert_eq!(article_uri("latest-updates", "x"), "/latest-updates/x");
        assert_eq!(section_uri("world"), "/world");
        assert_eq!(tag_uri("t"), "/tag/t");
        assert_eq!(author_uri("a"), "/author/a");
        assert_eq!(source_uri("s"), "/source/s");
    }
}
