//! The public site the API describes: where its pages are and whose publication it is, for
//! the absolute `url` fields and the search-engine metadata.

use async_graphql::Context;
use dateline_domain::route::PublicUrl;

use crate::Options;
use crate::error::{ApiError, ApiResult};
use crate::scalars::Url;

/// The public site, shared by every request.
#[derive(Clone, Debug)]
pub struct Site {
    public_url: PublicUrl,
    /// The publication's name.
    pub name: String,
    /// The language it writes in (BCP 47).
    pub language: String,
    /// Its logo, an absolute address.
    pub logo_url: Option<String>,
}

impl Site {
    /// The site `options` describe (at `http://localhost:8080` when they name no public
    /// URL: the schema printed by `dateline schema`; a server always configures its own).
    pub fn new(options: &Options) -> Self {
        Self {
            public_url: options.public_url.clone().unwrap_or_default(),
            name: options.site_name.clone(),
            language: options.site_language.clone(),
            logo_url: options.site_logo_url.clone(),
        }
    }

    /// The absolute URL of the page at `path`.
    pub fn url(&self, path: &str) -> Url {
        Url(self.address(path))
    }

    /// The absolute URL of the page at `path`, as text.
    pub fn address(&self, path: &str) -> String {
        self.public_url.join(path)
    }

    /// The site's address.
    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }
}

/// The site of the request `ctx` belongs to.
pub fn site<'a>(ctx: &Context<'a>) -> ApiResult<&'a Site> {
    ctx.data::<Site>()
        .map_err(|_| ApiError::inconsistent("request executed without a Site"))
}
