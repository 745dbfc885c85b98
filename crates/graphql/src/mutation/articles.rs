//! Writing articles: drafts, edits saved against a revision, the workflow, the trash,
//! revisions, corrections, editors' picks and preview links. Inputs and payloads are in
//! [`super::article_inputs`].

use async_graphql::{Context, ID, Object};
use chrono::Duration;
use dateline_domain::input::{
    self, MAX_CO_AUTHORS, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS, MAX_TAGS, MAX_TITLE_CHARS,
};
use dateline_domain::model;
use dateline_domain::{ArticleAction, Transition};
use dateline_persistence::{ArticleChanges, ArticleContent, Record, StoreError};

use crate::error::ApiResult;
use crate::id::{self, NodeKind};
use crate::mutation::article_inputs::{
    AddArticleCorrectionInput, AddArticleCorrectionPayload, ArchiveArticleInput,
    ArchiveArticlePayload, ArticleRef, CreateArticleInput, CreateArticlePayload,
    CreatePreviewLinkInput, CreatePreviewLinkPayload, DeleteArticleInput, DeleteArticlePayload,
    PublishArticleInput, PublishArticlePayload, RestoreArticleInput, RestoreArticlePayload,
    RestoreArticleRevisionInput, RestoreArticleRevisionPayload, SetRelatedArticlesInput,
    SetRelatedArticlesPayload, SubmitArticleForReviewInput, SubmitArticleForReviewPayload,
    UnpublishArticleInput, UnpublishArticlePayload, UpdateArticleInput, UpdateArticlePayload,
};
use crate::mutation::payload::Payload;
use crate::mutation::refusal::{conflict, refuse, settle, settle_in_lists};
use crate::mutation::user_error::{Problems, UserError, UserErrorCode, clearable};
use crate::scope::{RequestScope, forbidden, scope};

/// Article mutations.
#[derive(Default)]
pub struct ArticleMutation;

/// The most stories an editor may pin to one article.
pub const MAX_PINNED: usize = 10;

/// The article `global` names, if the viewer may do `action` to it. An id that names no
/// article is a user error; a role that does not allow the action is `FORBIDDEN`.
pub(super) async fn article_for(
    scope: &RequestScope,
    global: &ID,
    action: ArticleAction,
) -> ApiResult<Result<model::Article, UserError>> {
    let not_found = || UserError::new("id", UserErrorCode::NotFound, "there is no such article");
    let Ok(id) = id::decode_kind(global, NodeKind::Article) else {
        scope.staff()?;
        return Ok(Err(not_found()));
    };
    let Some(article) = scope.store.article_for_desk(id).await? else {
        scope.staff()?;
        return Ok(Err(not_found()));
    };
    scope.require_on_article(action, &article).await?;
    Ok(Ok(article))
}

/// The revision a change must apply to: the one the viewer's permissions were just checked
/// against. An editor who started from another gets `CONFLICT` here, before anything is
/// claimed, so no change lands on a version of the article other than the one checked.
pub(super) fn pinned_revision(
    article: &model::Article,
    expected: Option<i32>,
) -> Result<i32, UserError> {
    match expected {
        Some(expected) if expected != article.revision => Err(conflict(expected, article.revision)),
        _ => Ok(article.revision),
    }
}

/// Unwraps a check's value, or answers the mutation with its user error.
macro_rules! or_refuse {
    ($checked:expr) => {
        match $checked {
            Ok(value) => value,
            Err(error) => return refuse(vec![error]),
        }
    };
}

/// The byline a draft gets: the author profile asked for, else the viewer's own; `None`,
/// with the problem noted, when neither names one. Whether the viewer may give it is
/// [`require_bylines`]'s to say.
fn draft_byline(
    scope: &RequestScope,
    problems: &mut Problems,
    asked: Option<&ID>,
) -> ApiResult<Option<i32>> {
    let user = scope.staff()?;
    Ok(match (asked, user.author_id) {
        (Some(global), _) => problems.id("authorId", NodeKind::Author, global),
        (None, Some(own)) => Some(own),
        (None, None) => {
            problems.push(UserError::new(
                "authorId",
                UserErrorCode::Required,
                "this account has no author profile: name the byline with `authorId`",
            ));
            None
        }
    })
}

/// Refuses (`FORBIDDEN`) a change to an article's bylines that the viewer's role does not
/// allow: `byline` and `co_authors` are what the change asks for (`None` leaves them as they
/// are), `current` the article as it stands (`None` for a new draft). Creating, editing and
/// restoring a revision all go through here, so none of them is a way around the others.
async fn require_bylines(
    scope: &RequestScope,
    current: Option<&model::Article>,
    byline: Option<i32>,
    co_authors: Option<&[i32]>,
) -> ApiResult<()> {
    let user = scope.staff()?;
    let current_byline = current.map(|article| article.author_id);
    if let Some(byline) = byline
        && !user
            .role
            .may_give_byline(user.author_id, current_byline, byline)
    {
        return Err(forbidden(user.role));
    }
    // Without any byline the draft is refused with a user error anyway.
    let (Some(wanted), Some(kept_byline)) = (co_authors, byline.or(current_byline)) else {
        return Ok(());
    };
    let current_co_authors: Vec<i32> = match current {
        Some(article) => scope
            .loaders
            .co_authors
            .load_one(article.id)
            .await?
            .unwrap_or_default()
            .iter()
            .map(|author| author.id)
            .collect(),
        None => Vec::new(),
    };
    if user
        .role
        .may_set_co_authors(&current_co_authors, wanted, kept_byline)
    {
        Ok(())
    } else {
        Err(forbidden(user.role))
    }
}

fn optional(
    problems: &mut Problems,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    value
        .and_then(|v| problems.check(field, input::optional_text(v, max)))
        .flatten()
}

/// The co-author ids in `globals`, noting a malformed one or too many.
fn co_author_ids(problems: &mut Problems, globals: &[ID]) -> Vec<i32> {
    problems.check("coAuthorIds", input::at_most(globals, MAX_CO_AUTHORS));
    problems.ids("coAuthorIds", NodeKind::Author, globals)
}

/// The tag ids in `globals`, noting a malformed one or too many.
fn tag_ids(problems: &mut Problems, globals: &[ID]) -> Vec<i32> {
    problems.check("tagIds", input::at_most(globals, MAX_TAGS));
    problems.ids("tagIds", NodeKind::Tag, globals)
}

#[Object]
impl ArticleMutation {
    /// Starts a draft owned by the signed-in person, as revision 1. Any role may.
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new draft.")] input: CreateArticleInput,
    ) -> ApiResult<Option<CreateArticlePayload>> {
        let scope = scope(ctx)?;
        let user = scope.require_new_article().await?;
        let mut problems = Problems::default();
        let author_id = draft_byline(scope, &mut problems, input.author_id.as_ref())?;
        let title = problems.check("title", input::required_text(&input.title, MAX_TITLE_CHARS));
        let body = problems.check(
            "body",
            input::body_html(&input.body, input.body_format.into()),
        );
        let slug = problems.new_slug(input.slug.as_deref(), title.as_deref(), "title");
        let subtitle = optional(
            &mut problems,
            "subtitle",
            input.subtitle.as_deref(),
            MAX_TITLE_CHARS,
        );
        let excerpt = optional(
            &mut problems,
            "excerpt",
            input.excerpt.as_deref(),
            MAX_SHORT_TEXT_CHARS,
        );
        let dateline_place = optional(
            &mut problems,
            "datelinePlace",
            input.dateline_place.as_deref(),
            MAX_NAME_CHARS,
        );
        let section_id = problems.id("sectionId", NodeKind::Section, &input.section_id);
        let source_id = input
            .source_id
            .as_ref()
            .map(|g| problems.id("sourceId", NodeKind::Source, g));
        let tag_ids = tag_ids(&mut problems, &input.tag_ids);
        let co_author_ids = co_author_ids(&mut problems, &input.co_author_ids);
        require_bylines(scope, None, author_id, Some(&co_author_ids)).await?;
        let featured_image = input.featured_image.and_then(|i| i.parse(&mut problems));
        let (Some(title), Some(body), Some(slug), Some(section_id), Some(author_id), true) = (
            title,
            body,
            slug,
            section_id,
            author_id,
            problems.is_empty(),
        ) else {
            return refuse(problems.0);
        };
        let content = ArticleContent {
            slug,
            title,
            subtitle,
            body,
            excerpt,
            dateline_place,
            section_id,
            source_id: source_id.flatten(),
            author_id,
            co_author_ids,
            tag_ids,
            featured: input.featured,
            featured_image,
        };
        let (tags, co_authors) = (content.tag_ids.clone(), content.co_author_ids.clone());
        settle_in_lists(
            scope.store.create_article(content, user.id).await,
            &[("tagIds", &tags), ("coAuthorIds", &co_authors)],
        )
    }

    /// Saves changes to an article if nobody saved it since `expectedRevision`; otherwise
    /// `CONFLICT`, and nothing is written. Every save is kept as a revision.
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article, the revision the editor started from, and the changes.")]
        input: UpdateArticleInput,
    ) -> ApiResult<Option<UpdateArticlePayload>> {
        let scope = scope(ctx)?;
        let article = or_refuse!(article_for(scope, &input.id, ArticleAction::Edit).await?);
        let mut problems = Problems::default();
        let author_id = input
            .author_id
            .as_ref()
            .and_then(|g| problems.id("authorId", NodeKind::Author, g));
        let co_author_ids = input
            .co_author_ids
            .as_deref()
            .map(|g| co_author_ids(&mut problems, g));
        require_bylines(scope, Some(&article), author_id, co_author_ids.as_deref()).await?;
        let format = input.body_format.unwrap_or_default().into();
        let changes = ArticleChanges {
            slug: input.slug.as_deref().and_then(|s| problems.slug(s)),
            title: input
                .title
                .as_deref()
                .and_then(|t| problems.check("title", input::required_text(t, MAX_TITLE_CHARS))),
            subtitle: clearable(input.subtitle, |v| {
                problems.check("subtitle", input::optional_text(&v, MAX_TITLE_CHARS))
            }),
            body: input
                .body
                .as_deref()
                .and_then(|b| problems.check("body", input::body_html(b, format))),
            excerpt: clearable(input.excerpt, |v| {
                problems.check("excerpt", input::optional_text(&v, MAX_SHORT_TEXT_CHARS))
            }),
            dateline_place: clearable(input.dateline_place, |v| {
                problems.check("datelinePlace", input::optional_text(&v, MAX_NAME_CHARS))
            }),
            section_id: input
                .section_id
                .as_ref()
                .and_then(|g| problems.id("sectionId", NodeKind::Section, g)),
            source_id: clearable(input.source_id, |g| {
                problems.id("sourceId", NodeKind::Source, &g).map(Some)
            }),
            author_id,
            co_author_ids,
            tag_ids: input.tag_ids.as_deref().map(|g| tag_ids(&mut problems, g)),
            featured: input.featured,
            featured_image: clearable(input.featured_image, |i| i.parse(&mut problems).map(Some)),
        };
        if !problems.is_empty() {
            return refuse(problems.0);
        }
        let expected = or_refuse!(pinned_revision(&article, input.expected_revision));
        let editor = scope.staff()?.id;
        let tags = changes.tag_ids.clone().unwrap_or_default();
        let co_authors = changes.co_author_ids.clone().unwrap_or_default();
        settle_in_lists(
            scope
                .store
                .update_article(article.id, expected, changes, editor)
                .await,
            &[("tagIds", &tags), ("coAuthorIds", &co_authors)],
        )
    }

    /// Asks an editor to review a draft.
    async fn submit_article_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article, and optionally the revision the editor last saw.")]
        input: SubmitArticleForReviewInput,
    ) -> ApiResult<Option<SubmitArticleForReviewPayload>> {
        move_article(
            ctx,
            input.into(),
            ArticleAction::SubmitForReview,
            Transition::SubmitForReview,
        )
        .await
    }

    /// Publishes an article now, or schedules it for a time to come (editors and admins;
    /// authors when the newsroom allows it).
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article and when to publish it.")] input: PublishArticleInput,
    ) -> ApiResult<Option<PublishArticlePayload>> {
        let scope = scope(ctx)?;
        let article = or_refuse!(article_for(scope, &input.id, ArticleAction::Publish).await?);
        let transition = match input.at.map(chrono::DateTime::from) {
            None => Transition::Publish,
            Some(at) if at > scope.now => Transition::Schedule(at),
            Some(_) => {
                return refuse(vec![UserError::new(
                    "at",
                    UserErrorCode::InPast,
                    "a scheduled time must be in the future; leave `at` out to publish now",
                )]);
            }
        };
        let expected = or_refuse!(pinned_revision(&article, input.expected_revision));
        let editor = scope.staff()?.id;
        settle(
            scope
                .store
                .transition(article.id, expected, transition, editor)
                .await,
        )
    }

    /// Takes a published, scheduled or archived article back to draft.
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article, and optionally the revision the editor last saw.")]
        input: UnpublishArticleInput,
    ) -> ApiResult<Option<UnpublishArticlePayload>> {
        move_article(
            ctx,
            input.into(),
            ArticleAction::Publish,
            Transition::Unpublish,
        )
        .await
    }

    /// Takes an article down and keeps it for the record.
    async fn archive_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article, and optionally the revision the editor last saw.")]
        input: ArchiveArticleInput,
    ) -> ApiResult<Option<ArchiveArticlePayload>> {
        move_article(
            ctx,
            input.into(),
            ArticleAction::Publish,
            Transition::Archive,
        )
        .await
    }

    /// Moves an article to the trash (as a draft); `restoreArticle` brings it back.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article, and optionally the revision the editor last saw.")]
        input: DeleteArticleInput,
    ) -> ApiResult<Option<DeleteArticlePayload>> {
        move_article(ctx, input.into(), ArticleAction::Delete, Transition::Trash).await
    }

    /// Brings an article back from the trash, as a draft.
    async fn restore_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article, and optionally the revision the editor last saw.")]
        input: RestoreArticleInput,
    ) -> ApiResult<Option<RestoreArticlePayload>> {
        move_article(
            ctx,
            input.into(),
            ArticleAction::Delete,
            Transition::Restore,
        )
        .await
    }

    /// Brings back the content of an earlier revision, saved as a new revision. Bylines
    /// come back only as `updateArticle` could set them: another person's byline, or
    /// co-authors other than the current ones, need the right to assign bylines.
    async fn restore_article_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article and the revision to bring back.")]
        input: RestoreArticleRevisionInput,
    ) -> ApiResult<Option<RestoreArticleRevisionPayload>> {
        let scope = scope(ctx)?;
        let article = or_refuse!(article_for(scope, &input.id, ArticleAction::Edit).await?);
        let expected = or_refuse!(pinned_revision(&article, input.expected_revision));
        // Bringing back a revision's bylines is changing them, as an edit naming them would.
        // The store restores only onto `expected`, the revision checked here. A revision with
        // no row is either missing (the store refuses it) or the one the article is at but
        // had not recorded yet, whose bylines are the current ones.
        if let Some(old) = scope.store.revision(article.id, input.revision).await? {
            // Co-authors deleted since are not brought back, so their absence is no change.
            let existing = scope
                .loaders
                .authors
                .load_many(old.co_author_ids.iter().copied())
                .await?;
            let co_authors: Vec<i32> = old
                .co_author_ids
                .iter()
                .copied()
                .filter(|id| existing.contains_key(id))
                .collect();
            require_bylines(
                scope,
                Some(&article),
                Some(old.author_id),
                Some(&co_authors),
            )
            .await?;
        }
        let editor = scope.staff()?.id;
        let mut payload: Option<RestoreArticleRevisionPayload> = settle(
            scope
                .store
                .restore_revision(article.id, expected, input.revision, editor)
                .await,
        )?;
        // What the revision names is at fault, and the input names only the revision.
        for error in payload.iter_mut().flat_map(|p| p.user_errors.iter_mut()) {
            if error.code == UserErrorCode::NotFound {
                *error = error.clone().blame("revision");
            }
        }
        Ok(payload)
    }

    /// Pins stories to the top of an article's "Check Also" (`related`), in order, with the
    /// reason `EDITORS_PICK`; whoever may edit the article may.
    async fn set_related_articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article and the stories to pin.")] input: SetRelatedArticlesInput,
    ) -> ApiResult<Option<SetRelatedArticlesPayload>> {
        let scope = scope(ctx)?;
        let article = or_refuse!(article_for(scope, &input.id, ArticleAction::Edit).await?);
        let mut problems = Problems::default();
        if input.related_ids.len() > MAX_PINNED {
            problems.push(UserError::new(
                "relatedIds",
                UserErrorCode::TooLong,
                format!("at most {MAX_PINNED} stories may be pinned"),
            ));
        }
        let related = problems.ids("relatedIds", NodeKind::Article, &input.related_ids);
        if !problems.is_empty() {
            return refuse(problems.0);
        }
        let expected = or_refuse!(pinned_revision(&article, input.expected_revision));
        settle_in_lists(
            scope
                .store
                .set_related_pins(article.id, expected, &related)
                .await,
            &[("relatedIds", &related)],
        )
    }

    /// Adds a dated public correction to a published article.
    async fn add_article_correction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article and the correction note.")] input: AddArticleCorrectionInput,
    ) -> ApiResult<Option<AddArticleCorrectionPayload>> {
        let scope = scope(ctx)?;
        let article = or_refuse!(article_for(scope, &input.id, ArticleAction::Correct).await?);
        let mut problems = Problems::default();
        let Some(note) = problems.check(
            "note",
            input::required_text(&input.note, MAX_SHORT_TEXT_CHARS),
        ) else {
            return refuse(problems.0);
        };
        let expected = or_refuse!(pinned_revision(&article, input.expected_revision));
        let editor = scope.staff()?.id;
        if let Err(error) = scope
            .store
            .add_correction(article.id, expected, note, editor)
            .await
        {
            return settle(Err(error));
        }
        let corrected = scope.store.article_for_desk(article.id).await?;
        settle(corrected.ok_or(StoreError::NotFound(Record::Article)))
    }

    /// A link that shows an unpublished article to anyone holding it, until it expires or
    /// the article changes status.
    async fn create_preview_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article and how long the link works.")] input: CreatePreviewLinkInput,
    ) -> ApiResult<Option<CreatePreviewLinkPayload>> {
        let scope = scope(ctx)?;
        let article = match article_for(scope, &input.id, ArticleAction::Read).await? {
            Ok(article) => article,
            Err(error) => {
                return Ok(Some(CreatePreviewLinkPayload {
                    user_errors: vec![error],
                    ..CreatePreviewLinkPayload::default()
                }));
            }
        };
        if !(60..=2_592_000).contains(&input.expires_in) {
            return Ok(Some(CreatePreviewLinkPayload {
                user_errors: vec![UserError::new(
                    "expiresIn",
                    UserErrorCode::Invalid,
                    "`expiresIn` is between 60 seconds and 30 days",
                )],
                ..CreatePreviewLinkPayload::default()
            }));
        }
        let expires_at = scope.now + Duration::seconds(i64::from(input.expires_in));
        let token = scope.store.preview_token(&article, expires_at).await?;
        Ok(Some(CreatePreviewLinkPayload {
            token: Some(token),
            expires_at: Some(expires_at.into()),
            user_errors: Vec::new(),
        }))
    }
}

/// Moves the article `input` names through the workflow, if the viewer may.
async fn move_article<P: Payload<Done = model::Article>>(
    ctx: &Context<'_>,
    input: ArticleRef,
    action: ArticleAction,
    transition: Transition,
) -> ApiResult<Option<P>> {
    let scope = scope(ctx)?;
    let article = or_refuse!(article_for(scope, &input.id, action).await?);
    let expected = or_refuse!(pinned_revision(&article, input.expected_revision));
    let editor = scope.staff()?.id;
    settle(
        scope
            .store
            .transition(article.id, expected, transition, editor)
            .await,
    )
}
