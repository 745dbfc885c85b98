//! GraphiQL at `/graphiql`, served from inside the binary (the pinned, vendored files in
//! `assets/graphiql`, with their licences and provenance in its README).
//!
//! Nothing is fetched from another host, so it works with no network at all. The page is
//! never cached (it names the current assets); the assets are served under names that carry
//! a hash of their content, so browsers keep them for good. A Content-Security-Policy lets
//! the page load and connect to its own origin only: a bearer token pasted into the Headers
//! tab cannot leave for anywhere else.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Only this origin, for everything. The three style hashes allow the few fixed inline
/// styles GraphiQL's dialogs set (see the assets' README); fonts and icons are `data:` URLs
/// inside the stylesheet.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-hashes' 'sha256-nzTgYzXYDNe6BAHiiI7NNlfK8n/auuOAhh2t92YvuXo=' \
    'sha256-H22cvujYHDQPJvzf4ie16OHKC3HsNj7RmRT3jO07Y/U=' \
    'sha256-Eaamrrh0b5a/naRsV/zg7s6+kGvexMXZQARWP6ukkg4='; img-src 'self' data:; \
    font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'none'";

/// Where the assets are served.
const ASSETS: &str = "/graphiql/assets/";

/// One embedded file.
struct Asset {
    /// Its name in `assets/graphiql`, as the page's placeholders name it.
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// An [`Asset`] for a file in `assets/graphiql`, embedded in the binary.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../assets/graphiql/", $name)),
        }
    };
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

const FILES: [Asset; 5] = [
    asset!("graphiql.css", "text/css; charset=utf-8"),
    asset!("react.js", JAVASCRIPT),
    asset!("react-dom.js", JAVASCRIPT),
    asset!("graphiql.js", JAVASCRIPT),
    asset!("init.js", JAVASCRIPT),
];

const TEMPLATE: &str = include_str!("../assets/graphiql/index.html");

/// The assets under their hashed names, and the page that names them; made once.
struct Site {
    /// (hashed name, asset)
    assets: Vec<(String, &'static Asset)>,
    page: String,
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let assets: Vec<(String, &'static Asset)> = FILES
        .iter()
        .map(|asset| (hashed_name(asset), asset))
        .collect();
    let mut page = TEMPLATE.to_owned();
    for (hashed, asset) in &assets {
        page = page.replace(
            &format!("{{{{{}}}}}", asset.name),
            &format!("{ASSETS}{hashed}"),
        );
    }
    Site { assets, page }
});

/// `graphiql.js` → `graphiql.<16 hex digits of its SHA-256>.js`.
fn hashed_name(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match asset.name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{}.{hash}", asset.name),
    }
}

/// `GET /graphiql`.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        SITE.page.clone(),
    )
        .into_response()
}

/// `GET /graphiql/assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some((_, asset)) = SITE.assets.iter().find(|(hashed, _)| *hashed == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_by_its_hash_and_nothing_else() {
        let site = &*SITE;
        assert!(!site.page.contains("{{"), "a placeholder is left");
        for (hashed, asset) in &site.assets {
            assert!(
                site.page.contains(&format!("{ASSETS}{hashed}")),
                "{}",
                asset.name
            );
        }
        assert!(
            !site.page.contains("http"),
            "the page loads nothing from elsewhere"
        );
    }

    #[test]
    fn hashed_names_change_with_the_content() {
        let a = Asset {
            name: "a.js",
            content_type: "",
            bytes: b"one",
        };
        let b = Asset {
            name: "a.js",
            content_type: "",
            bytes: b"two",
        };
        assert_ne!(hashed_name(&a), hashed_name(&b));
        assert!(hashed_name(&a).starts_with("a.") && hashed_name(&a).ends_with(".js"));
    }
}
