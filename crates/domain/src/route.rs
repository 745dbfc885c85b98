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

/// The first path segments that belong to other pages, so no section may take them as slug
/// (`feed` and `sitemaps` are the front page's feeds and the sitemaps).
pub const RESERVED_SECTION_SLUGS: [&str; 12] = [
    "tag", "author", "source", "search", "graphql", "graphiql", "healthz", "readyz", "metrics",
    "section", "feed", "sitemaps",
];

/// The longest path `RoutePath::parse` looks at.
pub const MAX_PATH_LEN: usize = 2048;

/// The address the public site is served at (`https://news.example.org`, or with a path
/// prefix such as `https://example.org/news`): a page's absolute URL is this followed by
/// its path. Parsed once, at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

/// Why a public URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected an absolute http:// or https:// address without a query or fragment, such as https://news.example.org"
)]
pub struct NotAPublicUrl;

impl PublicUrl {
    /// Parses `http(s)://host[:port][/prefix]` (a bracketed IPv6 address for a host); a
    /// trailing slash is dropped, the scheme and host are written in lower case.
    pub fn parse(text: &str) -> Result<Self, NotAPublicUrl> {
        let text = text.trim();
        let (scheme, rest) = text.split_once("://").ok_or(NotAPublicUrl)?;
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https") || text.len() > 512 {
            return Err(NotAPublicUrl);
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let bad_char = |c: char| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '?' | '#' | '"' | '<' | '>' | '\\' | '@')
        };
        if !valid_authority(authority) || path.chars().any(bad_char) {
            return Err(NotAPublicUrl);
        }
        Ok(Self(format!(
            "{scheme}://{}{}",
            authority.to_ascii_lowercase(),
            path.trim_end_matches('/')
        )))
    }

    /// The absolute URL of the page at `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        if path == "/" {
            format!("{}/", self.0)
        } else {
            format!("{}{path}", self.0)
        }
    }

    /// A name for record `id` of `kind` that never changes while the site keeps its host:
    /// a `tag:` URI (RFC 4151), `tag:news.example.org,2026:article:42`, for feed GUIDs and
    /// Atom ids.
    pub fn tag_uri(&self, kind: &str, id: i32) -> String {
        let authority = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let authority = authority.split('/').next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        };
        format!("tag:{host},2026:{kind}:{id}")
    }

    /// The address itself, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for PublicUrl {
    /// A server on this machine's port 8080.
    fn default() -> Self {
        Self("http://localhost:8080".to_owned())
    }
}

impl std::str::FromStr for PublicUrl {
    type Err = NotAPublicUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `authority` is `host[:port]`: a DNS name or IPv4 address, or an IPv6 address in
/// brackets, and a port from 1 to 65535.
fn valid_authority(authority: &str) -> bool {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let Some((address, after)) = inner.split_once(']') else {
            return false;
        };
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", Some(port)),
                None => return false,
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    let host_ok = authority.starts_with('[')
        || (!host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }));
    port_ok && host_ok
}

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
/// `route(path:)`): percent-escapes decoded, lowercase, without a trailing slash (`/` stays `/`) or fragment, and of
/// the query only a numeric `p` (`/?p=123`, WordPress's address of a post by id). `None` for
/// a path longer than [`MAX_PATH_LEN`] or one that does not start with `/`.
pub fn normalize_legacy_path(path: &str) -> Option<String> {
    let path = path.trim();
    if path.len() > MAX_PATH_LEN || !path.starts_with('/') {
        return None;
    }
    let path = path.split('#').next().unwrap_or_default();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    // Decoded, so that an address of non-Latin words is found whether a frontend passes
    // it as the browser sent it (`/%D9%86…`) or decoded (`/ن…`); an escaped `/`, `?` or `#`
    // stays escaped, as it is not one of those.
    let decoded = percent_decode(path, b"/?#%");
    let mut normal = decoded.trim_end_matches('/').to_lowercase();
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

/// Decodes `%xx` escapes but those of the bytes in `keep`, which stay as written; bytes that
/// do not form UTF-8 are replaced.
pub fn percent_decode(text: &str, keep: &[u8]) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
            && let Ok(byte) = u8::try_from(hi * 16 + lo)
            && !keep.contains(&byte)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn joins_paths_to_the_public_url() {
        let site = PublicUrl::parse("https://News.Example.org/").expect("valid");
        assert_eq!(site.join("/world/x"), "https://news.example.org/world/x");
        assert_eq!(site.join("/"), "https://news.example.org/");
        let prefixed = PublicUrl::parse("http://example.org:8080/News").expect("valid");
        assert_eq!(
            prefixed.join("/tag/t"),
            "http://example.org:8080/News/tag/t"
        );
        for bad in [
            "news.example.org",
            "ftp://x.org",
            "https://",
            "https://x.org/?a",
            "https://a@b.org",
            "https://x y.org",
            "https://x.org:abc",
            "https://:80",
            "http://::1",
            "https://x.org:0",
            "https://x..org",
        ] {
            assert_eq!(PublicUrl::parse(bad), Err(NotAPublicUrl), "{bad}");
        }
        let upper = PublicUrl::parse("HTTPS://[::1]:8443/").expect("valid");
        assert_eq!(upper.join("/x"), "https://[::1]:8443/x");
        assert_eq!(
            prefixed.tag_uri("article", 7),
            "tag:example.org,2026:article:7"
        );
        assert_eq!(upper.tag_uri("article", 7), "tag:::1,2026:article:7");
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
        assert_eq!(
            n("/2019/05/%D9%86%D8%B4%D8%B3%D8%AA/").as_deref(),
            Some("/2019/05/نشست")
        );
        assert_eq!(n("/2019/05/نشست").as_deref(), Some("/2019/05/نشست"));
        assert_eq!(n("/a%2Fb/%41").as_deref(), Some("/a%2fb/a"));
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
