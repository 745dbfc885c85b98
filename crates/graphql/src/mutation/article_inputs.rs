//! The inputs and payloads of the article mutations.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use dateline_domain::BodyFormat;
use dateline_domain::input::{self, MAX_SHORT_TEXT_CHARS};
use dateline_domain::model;

use crate::mutation::payload::payload;
use crate::mutation::user_error::{Problems, UserError, UserErrorCode};
use crate::types::Article;

/// The markup a body is written in.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(name = "BodyFormat")]
pub enum BodyFormatValue {
    /// HTML; scripts, event handlers, styles and unsafe URLs are removed.
    #[default]
    Html,
    /// CommonMark Markdown, rendered to HTML and then cleaned like HTML.
    Markdown,
}

impl From<BodyFormatValue> for BodyFormat {
    fn from(format: BodyFormatValue) -> Self {
        match format {
            BodyFormatValue::Html => Self::Html,
            BodyFormatValue::Markdown => Self::Markdown,
        }
    }
}

/// The lead picture of a story.
#[derive(InputObject)]
pub struct FeaturedImageInput {
    /// Where the image is served from (http or https).
    pub url: crate::scalars::Url,
    /// Text for readers who cannot see the image.
    pub alt_text: Option<String>,
    /// The caption printed under the image.
    pub caption: Option<String>,
    /// Who took or owns the image.
    pub credit: Option<String>,
}

impl FeaturedImageInput {
    /// The image, or `None` with its problems noted.
    pub(super) fn parse(self, problems: &mut Problems) -> Option<model::FeaturedImage> {
        let url = problems.check("featuredImage.url", input::web_url(&self.url));
        let mut text = |field: &str, value: Option<String>| {
            value
                .and_then(|v| problems.check(field, input::optional_text(&v, MAX_SHORT_TEXT_CHARS)))
                .flatten()
        };
        let alt_text = text("featuredImage.altText", self.alt_text);
        let caption = text("featuredImage.caption", self.caption);
        let credit = text("featuredImage.credit", self.credit);
        match url {
            Some(Some(url)) => Some(model::FeaturedImage {
                url,
                alt_text,
                caption,
                credit,
            }),
            Some(None) => {
                problems.push(UserError::new(
                    "featuredImage.url",
                    UserErrorCode::Required,
                    "an image needs a `url`; set `featuredImage` to null to remove it",
                ));
                None
            }
            None => None,
        }
    }
}

/// A new draft.
#[derive(InputObject)]
pub struct CreateArticleInput {
    /// The headline (1 to 300 characters).
    pub title: String,
    /// The standfirst under the headline.
    pub subtitle: Option<String>,
    /// The body, in `bodyFormat` (at most 200,000 bytes).
    pub body: String,
    /// The markup of `body`.
    #[graphql(default)]
    pub body_format: BodyFormatValue,
    /// The URL name; made from the title when left out.
    pub slug: Option<String>,
    /// A hand-written summary; derived from the body when left out.
    pub excerpt: Option<String>,
    /// The primary section (a `Section` id).
    pub section_id: ID,
    /// Tags, in order (at most 20 `Tag` ids).
    #[graphql(default)]
    pub tag_ids: Vec<ID>,
    /// The source the story is credited to (a `Source` id).
    pub source_id: Option<ID>,
    /// The byline (an `Author` id); the signed-in person's own profile when left out.
    /// Authors and contributors may only name their own.
    pub author_id: Option<ID>,
    /// Further bylines, in order (at most 10 `Author` ids; editors and admins).
    #[graphql(default)]
    pub co_author_ids: Vec<ID>,
    /// The place the story was filed from ("KABUL").
    pub dateline_place: Option<String>,
    /// Whether the story is featured.
    #[graphql(default)]
    pub featured: bool,
    /// The lead picture.
    pub featured_image: Option<FeaturedImageInput>,
}

/// Changes to an article, saved only if it is still at `expectedRevision`. Fields left out
/// stay as they are; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateArticleInput {
    /// The article.
    pub id: ID,
    /// The `revision` the editor started from. Editors' forms should always send it: the
    /// save is then refused with a `CONFLICT` user error if anyone saved in between, and
    /// nobody's work is overwritten. Left out, the save applies to the revision the server
    /// reads.
    pub expected_revision: Option<i32>,
    /// A new headline.
    pub title: Option<String>,
    /// A new standfirst.
    pub subtitle: MaybeUndefined<String>,
    /// A new body, in `bodyFormat`.
    pub body: Option<String>,
    /// The markup of `body` (HTML when left out).
    pub body_format: Option<BodyFormatValue>,
    /// A new slug; the old one keeps redirecting to the article.
    pub slug: Option<String>,
    /// A new hand-written summary; `null` derives it from the body again.
    pub excerpt: MaybeUndefined<String>,
    /// A new primary section.
    pub section_id: Option<ID>,
    /// New tags, in order, replacing the old ones (at most 20).
    pub tag_ids: Option<Vec<ID>>,
    /// A new source; `null` credits none.
    pub source_id: MaybeUndefined<ID>,
    /// A new byline.
    pub author_id: Option<ID>,
    /// New further bylines, in order, replacing the old ones (at most 10; editors and
    /// admins).
    pub co_author_ids: Option<Vec<ID>>,
    /// A new dateline place; `null` removes the dateline.
    pub dateline_place: MaybeUndefined<String>,
    /// Whether the story is featured.
    pub featured: Option<bool>,
    /// A new lead picture; `null` removes it.
    pub featured_image: MaybeUndefined<FeaturedImageInput>,
}

/// Declares the input of a mutation that moves an article through the workflow: the
/// article and, optionally, the revision the editor last saw.
macro_rules! article_ref_input {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(InputObject)]
        pub struct $name {
            /// The article.
            pub id: ID,
            /// The `revision` the editor last saw. When given, the change is refused with a
            /// `CONFLICT` user error if the article is at another revision. Left out, the
            /// change applies to the revision the server reads, and is still refused if
            /// someone changes the article in the instant between.
            pub expected_revision: Option<i32>,
        }

        impl From<$name> for ArticleRef {
            fn from(input: $name) -> Self {
                Self {
                    id: input.id,
                    expected_revision: input.expected_revision,
                }
            }
        }
    };
}

/// What every workflow move names: the article and the revision the editor last saw.
pub struct ArticleRef {
    pub id: ID,
    pub expected_revision: Option<i32>,
}

article_ref_input! {
    /// The draft to send to an editor for review.
    SubmitArticleForReviewInput
}

article_ref_input! {
    /// The article to take back to draft.
    UnpublishArticleInput
}

article_ref_input! {
    /// The article to take down.
    ArchiveArticleInput
}

article_ref_input! {
    /// The article to move to the trash.
    DeleteArticleInput
}

article_ref_input! {
    /// The article to bring back from the trash.
    RestoreArticleInput
}

/// Publishing now or later.
#[derive(InputObject)]
pub struct PublishArticleInput {
    /// The article.
    pub id: ID,
    /// When to publish: left out, now; a time to come schedules the article, which then
    /// publishes itself. A time in the past is refused.
    pub at: Option<crate::scalars::DateTime>,
    /// The `revision` the editor last saw. When given, the change is refused with a
    /// `CONFLICT` user error if the article is at another revision.
    pub expected_revision: Option<i32>,
}

/// Bringing back an earlier version.
#[derive(InputObject)]
pub struct RestoreArticleRevisionInput {
    /// The article.
    pub id: ID,
    /// The revision number to bring back (see `Article.revisions`).
    pub revision: i32,
    /// The `revision` the editor last saw. When given, the change is refused with a
    /// `CONFLICT` user error if the article is at another revision.
    pub expected_revision: Option<i32>,
}

/// The stories to pin to an article's "Check Also".
#[derive(InputObject)]
pub struct SetRelatedArticlesInput {
    /// The article.
    pub id: ID,
    /// Up to 10 articles, in the order to show them, before the ranked ones; an empty list
    /// removes every pick. Unpublished stories may be pinned: they show once they are public.
    pub related_ids: Vec<ID>,
    /// The `revision` the editor last saw. When given, the change is refused with a
    /// `CONFLICT` user error if the article is at another revision. Pins and corrections
    /// do not make a new revision: this guards against saves and workflow moves made
    /// meanwhile, not against another editor's pins.
    pub expected_revision: Option<i32>,
}

/// A public correction.
#[derive(InputObject)]
pub struct AddArticleCorrectionInput {
    /// The published article.
    pub id: ID,
    /// What was wrong and what is right now (1 to 2,000 characters).
    pub note: String,
    /// The `revision` the editor last saw. When given, the correction is refused with a
    /// `CONFLICT` user error if the article is at another revision (a correction does not
    /// make a new one).
    pub expected_revision: Option<i32>,
}

/// A preview link for an unpublished article.
#[derive(InputObject)]
pub struct CreatePreviewLinkInput {
    /// The article.
    pub id: ID,
    /// How long the link works, in seconds (60 to 2,592,000; a day when left out).
    #[graphql(default = 86400)]
    pub expires_in: i32,
}

/// Declares the payload of an article mutation: the article as it now stands, and
/// `userErrors`.
macro_rules! article_payload {
    ($(#[$meta:meta])* $name:ident) => {
        payload! {
            $(#[$meta])*
            $name {
                /// The article as it now stands; null when nothing was changed.
                article: Article(model::Article);
                /// What was wrong with the input. When there is any, nothing was written.
                user_errors
            }
        }
    };
}

article_payload! {
    /// The outcome of `createArticle`.
    CreateArticlePayload
}

article_payload! {
    /// The outcome of `updateArticle`.
    UpdateArticlePayload
}

article_payload! {
    /// The outcome of `submitArticleForReview`.
    SubmitArticleForReviewPayload
}

article_payload! {
    /// The outcome of `publishArticle`.
    PublishArticlePayload
}

article_payload! {
    /// The outcome of `unpublishArticle`.
    UnpublishArticlePayload
}

article_payload! {
    /// The outcome of `archiveArticle`.
    ArchiveArticlePayload
}

article_payload! {
    /// The outcome of `deleteArticle`.
    DeleteArticlePayload
}

article_payload! {
    /// The outcome of `restoreArticle`.
    RestoreArticlePayload
}

article_payload! {
    /// The outcome of `restoreArticleRevision`.
    RestoreArticleRevisionPayload
}

article_payload! {
    /// The outcome of `setRelatedArticles`.
    SetRelatedArticlesPayload
}

article_payload! {
    /// The outcome of `addArticleCorrection`.
    AddArticleCorrectionPayload
}

/// The outcome of `createPreviewLink`.
#[derive(SimpleObject, Default)]
pub struct CreatePreviewLinkPayload {
    /// Pass it to `preview(token:)`, e.g. from a frontend's `/preview?token=…` page.
    pub token: Option<String>,
    /// When the link stops working. It also stops when the article changes status.
    pub expires_at: Option<crate::scalars::DateTime>,
    /// What was wrong with the input.
    pub user_errors: Vec<UserError>,
}
