//! `updateSeo`: the title and description a page gives search engines and social previews,
//! when the derived ones will not do.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use dateline_domain::seo::{MAX_SEO_DESCRIPTION_CHARS, MAX_SEO_TITLE_CHARS, PageKind};
use dateline_domain::{ArticleAction, DeskAction, input};
use dateline_persistence::SeoChanges;

use super::articles::{article_for, pinned_revision};
use crate::error::ApiResult;
use crate::id::{self, NodeKind};
use crate::mutation::payload::payload;
use crate::mutation::refusal::{refuse, settle};
use crate::mutation::user_error::{Problems, UserError, UserErrorCode, clearable};
use crate::query::load_node;
use crate::scope::scope;
use crate::types::Node;

/// The SEO mutation.
#[derive(Default)]
pub struct SeoMutation;

/// What a page tells search engines, as editors set it. Fields left out stay as they are;
/// `null` or an empty text goes back to the derived value.
#[derive(InputObject)]
pub struct UpdateSeoInput {
    /// The page: an `Article`, `Section`, `Tag`, `Author` or `Source` id.
    pub id: ID,
    /// The SEO title (up to 200 characters; search engines show about 60).
    pub title: MaybeUndefined<String>,
    /// The meta description (up to 500 characters; search engines show about 160).
    pub description: MaybeUndefined<String>,
    /// For an article, the revision the editor started from: if someone changed the
    /// article since, nothing is written and a `CONFLICT` user error says so. Ignored for
    /// other pages.
    pub expected_revision: Option<i32>,
}

payload! {
    /// The outcome of `updateSeo`.
    UpdateSeoPayload {
        /// The page as it now stands, its `seo` included; null when nothing was changed.
        node: Node;
        /// What was wrong with the input. When there is any, nothing was written.
        user_errors
    }
}

#[Object]
impl SeoMutation {
    /// Sets or clears the title and description a page gives search engines and social
    /// previews (its `seo`). Articles: whoever may edit the article; sections: admins;
    /// tags, sources and author profiles: editors and admins.
    async fn update_seo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The page and its SEO title and description.")] input: UpdateSeoInput,
    ) -> ApiResult<Option<UpdateSeoPayload>> {
        let scope = scope(ctx)?;
        let not_a_page = || {
            UserError::new(
                "id",
                UserErrorCode::NotFound,
                "not the id of an article, section, tag, author or source",
            )
        };
        let Ok((node_kind, id)) = id::decode(&input.id) else {
            scope.staff()?;
            return refuse(vec![not_a_page()]);
        };
        // The article's permission is checked against the revision the write then claims:
        // a change that lands after someone else's is refused, not applied to a story the
        // viewer might no longer be allowed to edit.
        let (kind, expected) = match node_kind {
            NodeKind::Article => {
                let article = match article_for(scope, &input.id, ArticleAction::Edit).await? {
                    Ok(article) => article,
                    Err(error) => return refuse(vec![error]),
                };
                match pinned_revision(&article, input.expected_revision) {
                    Ok(revision) => (PageKind::Article, Some(revision)),
                    Err(error) => return refuse(vec![error]),
                }
            }
            NodeKind::Section => desk(scope, DeskAction::ManageSections, PageKind::Section)?,
            NodeKind::Tag => desk(scope, DeskAction::ManageTags, PageKind::Tag)?,
            NodeKind::Author => desk(scope, DeskAction::ManageAuthors, PageKind::Author)?,
            NodeKind::Source => desk(scope, DeskAction::ManageSources, PageKind::Source)?,
            _ => {
                scope.staff()?;
                return refuse(vec![not_a_page()]);
            }
        };
        let mut problems = Problems::default();
        let changes = SeoChanges {
            title: clearable(input.title, |v| {
                problems.check("title", input::optional_text(&v, MAX_SEO_TITLE_CHARS))
            }),
            description: clearable(input.description, |v| {
                problems.check(
                    "description",
                    input::optional_text(&v, MAX_SEO_DESCRIPTION_CHARS),
                )
            }),
        };
        if !problems.is_empty() {
            return refuse(problems.0);
        }
        if let Err(error) = scope.store.set_seo(kind, id, expected, changes).await {
            return settle(Err(error));
        }
        // The page was just found; a reader the change is not visible to (a section's
        // admin always sees it) gets the change made and no node.
        Ok(Some(UpdateSeoPayload {
            node: load_node(ctx, node_kind, id).await?,
            user_errors: Vec::new(),
        }))
    }
}

/// The kind of a catalogue page, once the viewer is found to be allowed `action` on it.
fn desk(
    scope: &crate::scope::RequestScope,
    action: DeskAction,
    kind: PageKind,
) -> ApiResult<(PageKind, Option<i32>)> {
    scope.require(action)?;
    Ok((kind, None))
}
