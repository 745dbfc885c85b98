//! Writing the catalogue articles point at: sections (admins), tags, sources and author
//! profiles (editors and admins) — created, changed, moved, merged and deleted.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use dateline_domain::DeskAction;
use dateline_domain::input::{self, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS};
use dateline_domain::model;
use dateline_persistence::{
    AuthorChanges, NewAuthor, NewSection, NewSource, SectionChanges, SourceChanges, TagChanges,
};

use crate::error::ApiResult;
use crate::id::NodeKind;
use crate::mutation::payload::{Payload, payload};
use crate::mutation::refusal::{refuse, settle};
use crate::mutation::user_error::{Problems, UserError, UserErrorCode, clearable};
use crate::scalars::Url;
use crate::scope::scope;
use crate::types::{Author, Section, Source, Tag};

/// Section, tag, source and author profile mutations.
#[derive(Default)]
pub struct DeskMutation;

/// A new section.
#[derive(InputObject)]
pub struct CreateSectionInput {
    /// The name shown in navigation (1 to 120 characters).
    pub name: String,
    /// The URL name, unique across the whole tree; made from the name when left out. Words
    /// that name other pages of the site (`tag`, `author`, `source`, `search`…) are refused.
    pub slug: Option<String>,
    /// A sentence about what the section covers.
    pub description: Option<String>,
    /// The section to sit under (a `Section` id); a top-level section when left out.
    pub parent_id: Option<ID>,
    /// Its place among its siblings (0 or more); after them when left out.
    pub position: Option<i32>,
}

/// Changes to a section. Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateSectionInput {
    /// The section.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new slug; the old one keeps redirecting to the section.
    pub slug: Option<String>,
    /// A new description; `null` removes it.
    pub description: MaybeUndefined<String>,
    /// Moves the section under another one (a `Section` id), or to the top level with
    /// `null`. Unless `position` is given too, it goes after its new siblings.
    pub parent_id: MaybeUndefined<ID>,
    /// A new place among its siblings (0 or more).
    pub position: Option<i32>,
}

/// A new tag.
#[derive(InputObject)]
pub struct CreateTagInput {
    /// The tag as shown to readers (1 to 120 characters).
    pub name: String,
    /// The URL name of the tag page; made from the name when left out.
    pub slug: Option<String>,
}

/// Changes to a tag. Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTagInput {
    /// The tag.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new slug; the old tag page URL keeps redirecting to the tag.
    pub slug: Option<String>,
}

/// Two tags to make one.
#[derive(InputObject)]
pub struct MergeTagsInput {
    /// The tag that goes away; its articles move to `intoId`.
    pub id: ID,
    /// The tag that stays.
    pub into_id: ID,
}

/// A new source.
#[derive(InputObject)]
pub struct CreateSourceInput {
    /// The name printed with stories (1 to 120 characters).
    pub name: String,
    /// The URL name of the source page; made from the name when left out.
    pub slug: Option<String>,
    /// The source's own website, an `http://` or `https://` address.
    pub website: Option<Url>,
}

/// Changes to a source. Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateSourceInput {
    /// The source.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new slug; the old source page URL keeps redirecting to the source.
    pub slug: Option<String>,
    /// A new website; `null` removes it.
    pub website: MaybeUndefined<Url>,
}

/// A new author profile.
#[derive(InputObject)]
pub struct CreateAuthorInput {
    /// The name as printed in bylines (1 to 120 characters).
    pub name: String,
    /// The URL name of the author page; made from the name when left out.
    pub slug: Option<String>,
    /// A short biography for the author box (at most 2,000 characters).
    pub bio: Option<String>,
    /// The author's picture, an `http://` or `https://` address.
    pub avatar_url: Option<Url>,
}

/// Changes to an author profile. Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateAuthorInput {
    /// The author profile.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new slug; the old author page URL keeps redirecting to the author.
    pub slug: Option<String>,
    /// A new biography; `null` removes it.
    pub bio: MaybeUndefined<String>,
    /// A new picture; `null` removes it.
    pub avatar_url: MaybeUndefined<Url>,
}

/// Declares the input of a delete: the id of what goes.
macro_rules! delete_input {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(InputObject)]
        pub struct $name {
            /// Its id.
            pub id: ID,
        }
    };
}

delete_input! {
    /// The section to delete.
    DeleteSectionInput
}

delete_input! {
    /// The tag to delete.
    DeleteTagInput
}

delete_input! {
    /// The source to delete.
    DeleteSourceInput
}

delete_input! {
    /// The author profile to delete.
    DeleteAuthorInput
}

/// Declares the payload of a desk mutation that changes one `$object`.
macro_rules! desk_payload {
    ($(#[$meta:meta])* $name:ident { $(#[$field_meta:meta])* $field:ident: $object:ident($done:ty) }) => {
        payload! {
            $(#[$meta])*
            $name {
                $(#[$field_meta])*
                $field: $object($done);
                /// What was wrong with the input. When there is any, nothing was written.
                user_errors
            }
        }
    };
}

/// Declares the payload of a delete.
macro_rules! delete_payload {
    ($(#[$meta:meta])* $name:ident { $(#[$field_meta:meta])* $field:ident }) => {
        payload! {
            $(#[$meta])*
            $name {
                $(#[$field_meta])*
                $field: ID;
                /// What was wrong with the input, or what still uses the record. When there
                /// is any, nothing was deleted.
                user_errors
            }
        }
    };
}

desk_payload! {
    /// The outcome of `createSection`.
    CreateSectionPayload {
        /// The new section; null when nothing was created.
        section: Section(model::Section)
    }
}

desk_payload! {
    /// The outcome of `updateSection`.
    UpdateSectionPayload {
        /// The section as it now stands; null when nothing was changed.
        section: Section(model::Section)
    }
}

delete_payload! {
    /// The outcome of `deleteSection`.
    DeleteSectionPayload {
        /// The id of the deleted section; null when nothing was deleted.
        deleted_section_id
    }
}

desk_payload! {
    /// The outcome of `createTag`.
    CreateTagPayload {
        /// The new tag; null when nothing was created.
        tag: Tag(model::Tag)
    }
}

desk_payload! {
    /// The outcome of `updateTag`.
    UpdateTagPayload {
        /// The tag as it now stands; null when nothing was changed.
        tag: Tag(model::Tag)
    }
}

delete_payload! {
    /// The outcome of `deleteTag`.
    DeleteTagPayload {
        /// The id of the deleted tag; null when nothing was deleted.
        deleted_tag_id
    }
}

desk_payload! {
    /// The outcome of `mergeTags`.
    MergeTagsPayload {
        /// The tag that stays, as it now stands; null when nothing was merged.
        tag: Tag(model::Tag)
    }
}

desk_payload! {
    /// The outcome of `createSource`.
    CreateSourcePayload {
        /// The new source; null when nothing was created.
        source: Source(model::Source)
    }
}

desk_payload! {
    /// The outcome of `updateSource`.
    UpdateSourcePayload {
        /// The source as it now stands; null when nothing was changed.
        source: Source(model::Source)
    }
}

delete_payload! {
    /// The outcome of `deleteSource`.
    DeleteSourcePayload {
        /// The id of the deleted source; null when nothing was deleted.
        deleted_source_id
    }
}

desk_payload! {
    /// The outcome of `createAuthor`.
    CreateAuthorPayload {
        /// The new author profile; null when nothing was created.
        author: Author(model::Author)
    }
}

desk_payload! {
    /// The outcome of `updateAuthor`.
    UpdateAuthorPayload {
        /// The author profile as it now stands; null when nothing was changed.
        author: Author(model::Author)
    }
}

delete_payload! {
    /// The outcome of `deleteAuthor`.
    DeleteAuthorPayload {
        /// The id of the deleted author profile; null when nothing was deleted.
        deleted_author_id
    }
}

/// What a desk mutation works on.
#[derive(Clone, Copy)]
enum Subject {
    Section,
    Tag,
    Source,
    Author,
}

impl Subject {
    fn kind(self) -> NodeKind {
        match self {
            Self::Section => NodeKind::Section,
            Self::Tag => NodeKind::Tag,
            Self::Source => NodeKind::Source,
            Self::Author => NodeKind::Author,
        }
    }

    /// What the viewer's role must allow.
    fn action(self) -> DeskAction {
        match self {
            Self::Section => DeskAction::ManageSections,
            Self::Tag => DeskAction::ManageTags,
            Self::Source => DeskAction::ManageSources,
            Self::Author => DeskAction::ManageAuthors,
        }
    }
}

fn name(problems: &mut Problems, value: &str) -> Option<String> {
    problems.check("name", input::required_text(value, MAX_NAME_CHARS))
}

/// Short text, `Some(None)` when blank; `None` when refused (and noted).
fn text(problems: &mut Problems, field: &str, value: &str) -> Option<Option<String>> {
    problems.check(field, input::optional_text(value, MAX_SHORT_TEXT_CHARS))
}

fn position(problems: &mut Problems, value: Option<i32>) -> Option<i32> {
    match value {
        Some(p) if p < 0 => {
            problems.push(UserError::new(
                "position",
                UserErrorCode::Invalid,
                "`position` is 0 or more",
            ));
            None
        }
        value => value,
    }
}

#[Object]
impl DeskMutation {
    /// Creates a section (admins only).
    async fn create_section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new section.")] input: CreateSectionInput,
    ) -> ApiResult<Option<CreateSectionPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageSections)?;
        let mut problems = Problems::default();
        let name = name(&mut problems, &input.name);
        let slug = problems.new_slug(input.slug.as_deref(), name.as_deref(), "name");
        let description = input
            .description
            .as_deref()
            .and_then(|d| text(&mut problems, "description", d));
        let parent_id = input
            .parent_id
            .as_ref()
            .map(|g| problems.id("parentId", NodeKind::Section, g));
        let position = position(&mut problems, input.position);
        let (Some(name), Some(slug), true) = (name, slug, problems.is_empty()) else {
            return refuse(problems.0);
        };
        let new = NewSection {
            slug,
            name,
            description: description.flatten(),
            parent_id: parent_id.flatten(),
            position,
        };
        settle(scope.store.create_section(new).await)
    }

    /// Changes a section or moves it in the tree (admins only). A new slug leaves the old
    /// one redirecting to the section; a move may not put a section under itself or one of
    /// its subsections.
    async fn update_section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The section and its changes.")] input: UpdateSectionInput,
    ) -> ApiResult<Option<UpdateSectionPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageSections)?;
        let mut problems = Problems::default();
        let id = problems.id("id", NodeKind::Section, &input.id);
        let changes = SectionChanges {
            slug: input.slug.as_deref().and_then(|s| problems.slug(s)),
            name: input.name.as_deref().and_then(|n| name(&mut problems, n)),
            description: clearable(input.description, |d| {
                text(&mut problems, "description", &d)
            }),
            parent_id: clearable(input.parent_id, |g| {
                problems.id("parentId", NodeKind::Section, &g).map(Some)
            }),
            position: position(&mut problems, input.position),
        };
        let (Some(id), true) = (id, problems.is_empty()) else {
            return refuse(problems.0);
        };
        settle(scope.store.update_section(id, changes).await)
    }

    /// Deletes a section that no article (in the trash or not) and no subsection uses
    /// (admins only).
    async fn delete_section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The section to delete.")] input: DeleteSectionInput,
    ) -> ApiResult<Option<DeleteSectionPayload>> {
        delete(ctx, &input.id, Subject::Section).await
    }

    /// Creates a tag (editors and admins).
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new tag.")] input: CreateTagInput,
    ) -> ApiResult<Option<CreateTagPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageTags)?;
        let mut problems = Problems::default();
        let name = name(&mut problems, &input.name);
        let slug = problems.new_slug(input.slug.as_deref(), name.as_deref(), "name");
        let (Some(name), Some(slug), true) = (name, slug, problems.is_empty()) else {
            return refuse(problems.0);
        };
        settle(scope.store.create_tag(slug, name).await)
    }

    /// Changes a tag's name or slug (editors and admins).
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag and its changes.")] input: UpdateTagInput,
    ) -> ApiResult<Option<UpdateTagPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageTags)?;
        let mut problems = Problems::default();
        let id = problems.id("id", NodeKind::Tag, &input.id);
        let changes = TagChanges {
            slug: input.slug.as_deref().and_then(|s| problems.slug(s)),
            name: input.name.as_deref().and_then(|n| name(&mut problems, n)),
        };
        let (Some(id), true) = (id, problems.is_empty()) else {
            return refuse(problems.0);
        };
        settle(scope.store.update_tag(id, changes).await)
    }

    /// Deletes a tag no article carries (editors and admins); `mergeTags` retires a tag
    /// that is in use.
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag to delete.")] input: DeleteTagInput,
    ) -> ApiResult<Option<DeleteTagPayload>> {
        delete(ctx, &input.id, Subject::Tag).await
    }

    /// Moves every article of one tag to another and deletes the first (editors and
    /// admins). Articles that carried both keep the target once, where it was.
    async fn merge_tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag that goes and the tag that stays.")] input: MergeTagsInput,
    ) -> ApiResult<Option<MergeTagsPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageTags)?;
        let mut problems = Problems::default();
        let source = problems.id("id", NodeKind::Tag, &input.id);
        let target = problems.id("intoId", NodeKind::Tag, &input.into_id);
        let (Some(source), Some(target)) = (source, target) else {
            return refuse(problems.0);
        };
        settle(scope.store.merge_tags(source, target).await)
    }

    /// Creates a source (editors and admins).
    async fn create_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new source.")] input: CreateSourceInput,
    ) -> ApiResult<Option<CreateSourcePayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageSources)?;
        let mut problems = Problems::default();
        let name = name(&mut problems, &input.name);
        let slug = problems.new_slug(input.slug.as_deref(), name.as_deref(), "name");
        let url = input
            .website
            .as_deref()
            .and_then(|u| problems.check("website", input::web_url(u)));
        let (Some(name), Some(slug), true) = (name, slug, problems.is_empty()) else {
            return refuse(problems.0);
        };
        let new = NewSource {
            slug,
            name,
            url: url.flatten(),
        };
        settle(scope.store.create_source(new).await)
    }

    /// Changes a source's name, slug or website (editors and admins). A new slug leaves the
    /// old one redirecting to the source page.
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source and its changes.")] input: UpdateSourceInput,
    ) -> ApiResult<Option<UpdateSourcePayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageSources)?;
        let mut problems = Problems::default();
        let id = problems.id("id", NodeKind::Source, &input.id);
        let changes = SourceChanges {
            slug: input.slug.as_deref().and_then(|s| problems.slug(s)),
            name: input.name.as_deref().and_then(|n| name(&mut problems, n)),
            url: clearable(input.website, |u| {
                problems.check("website", input::web_url(&u))
            }),
        };
        let (Some(id), true) = (id, problems.is_empty()) else {
            return refuse(problems.0);
        };
        settle(scope.store.update_source(id, changes).await)
    }

    /// Deletes a source no article (in the trash or not) is credited to (editors and
    /// admins).
    async fn delete_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source to delete.")] input: DeleteSourceInput,
    ) -> ApiResult<Option<DeleteSourcePayload>> {
        delete(ctx, &input.id, Subject::Source).await
    }

    /// Creates an author profile (editors and admins).
    async fn create_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new author profile.")] input: CreateAuthorInput,
    ) -> ApiResult<Option<CreateAuthorPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageAuthors)?;
        let mut problems = Problems::default();
        let name = name(&mut problems, &input.name);
        let slug = problems.new_slug(input.slug.as_deref(), name.as_deref(), "name");
        let bio = input
            .bio
            .as_deref()
            .and_then(|b| text(&mut problems, "bio", b));
        let avatar_url = input
            .avatar_url
            .as_deref()
            .and_then(|u| problems.check("avatarUrl", input::web_url(u)));
        let (Some(name), Some(slug), true) = (name, slug, problems.is_empty()) else {
            return refuse(problems.0);
        };
        let new = NewAuthor {
            slug,
            name,
            bio: bio.flatten(),
            avatar_url: avatar_url.flatten(),
        };
        settle(scope.store.create_author(new).await)
    }

    /// Changes an author profile (editors and admins).
    async fn update_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author profile and its changes.")] input: UpdateAuthorInput,
    ) -> ApiResult<Option<UpdateAuthorPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageAuthors)?;
        let mut problems = Problems::default();
        let id = problems.id("id", NodeKind::Author, &input.id);
        let changes = AuthorChanges {
            slug: input.slug.as_deref().and_then(|s| problems.slug(s)),
            name: input.name.as_deref().and_then(|n| name(&mut problems, n)),
            bio: clearable(input.bio, |b| text(&mut problems, "bio", &b)),
            avatar_url: clearable(input.avatar_url, |u| {
                problems.check("avatarUrl", input::web_url(&u))
            }),
        };
        let (Some(id), true) = (id, problems.is_empty()) else {
            return refuse(problems.0);
        };
        settle(scope.store.update_author(id, changes).await)
    }

    /// Deletes an author profile that no article (in the trash or not) bylines, as author
    /// or co-author, and no staff account writes as (editors and admins).
    async fn delete_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author profile to delete.")] input: DeleteAuthorInput,
    ) -> ApiResult<Option<DeleteAuthorPayload>> {
        delete(ctx, &input.id, Subject::Author).await
    }
}

/// Deletes the `subject` that `input` names, if the viewer's role allows it.
async fn delete<P: Payload<Done = ID>>(
    ctx: &Context<'_>,
    global: &ID,
    subject: Subject,
) -> ApiResult<Option<P>> {
    let scope = scope(ctx)?;
    scope.require(subject.action())?;
    let mut problems = Problems::default();
    let Some(id) = problems.id("id", subject.kind(), global) else {
        return refuse(problems.0);
    };
    let store = &scope.store;
    let deleted = match subject {
        Subject::Section => store.delete_section(id).await,
        Subject::Tag => store.delete_tag(id).await,
        Subject::Source => store.delete_source(id).await,
        Subject::Author => store.delete_author(id).await,
    };
    settle(deleted.map(|()| global.clone()))
}
