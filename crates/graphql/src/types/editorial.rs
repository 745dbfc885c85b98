//! What the editorial desk sees beyond the public page: staff accounts, revisions,
//! corrections and the newsroom's settings.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use dateline_domain::model;
use dateline_domain::{Policy, Role};

use crate::error::ApiResult;
use crate::id::{NodeKind, encode};
use crate::scalars::{DateTime, Html};
use crate::scope::scope;
use crate::types::{ArticleStatusValue, Author};

/// What a member of staff may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleValue {
    /// Everything, including staff accounts, sections and settings.
    Admin,
    /// Any article (edit, publish, schedule, archive), and tags, sources and author profiles.
    Editor,
    /// Their own articles: create, edit, submit for review; publish only if the newsroom's
    /// settings allow it.
    Author,
    /// Their own drafts only.
    Contributor,
}

impl From<Role> for RoleValue {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => Self::Admin,
            Role::Editor => Self::Editor,
            Role::Author => Self::Author,
            Role::Contributor => Self::Contributor,
        }
    }
}

impl From<RoleValue> for Role {
    fn from(role: RoleValue) -> Self {
        match role {
            RoleValue::Admin => Self::Admin,
            RoleValue::Editor => Self::Editor,
            RoleValue::Author => Self::Author,
            RoleValue::Contributor => Self::Contributor,
        }
    }
}

/// A member of staff who signs in to the editorial desk.
pub struct User(pub(crate) model::User);

/// A member of staff who signs in to the editorial desk.
#[Object]
impl User {
    /// The account's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::User, self.0.id)
    }

    /// The address the account signs in with: shown to admins and to the person themself
    /// (signed in with their own token, or in the answer to their `login`); null for anyone
    /// else.
    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        Ok(scope(ctx)?
            .sees_account_details(self.0.id)
            .then_some(self.0.email.as_str()))
    }

    /// The person's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the person may do. Staff see each other's roles, to know who edits.
    async fn role(&self) -> RoleValue {
        self.0.role.into()
    }

    /// The public author profile the person writes as, if any.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<Author>> {
        let Some(id) = self.0.author_id else {
            return Ok(None);
        };
        Ok(scope(ctx)?.loaders.authors.load_one(id).await?.map(Author))
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A dated public note correcting a published article, shown with it.
pub struct Correction(pub(crate) model::Correction);

/// A dated public note correcting a published article, shown with it.
#[Object]
impl Correction {
    /// The correction's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Correction, self.0.id)
    }

    /// What was wrong and what is right now.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// When the correction was made.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// An article as one change left it. Restore any revision with `restoreArticleRevision`.
pub struct ArticleRevision(pub(crate) model::Revision);

/// An article as one change left it. Restore any revision with `restoreArticleRevision`.
#[Object]
impl ArticleRevision {
    /// The revision's global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::ArticleRevision, self.0.id)
    }

    /// The revision number: 1 for the first draft, one more for every change since.
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// When the change was made.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// Who made the change; null for scheduled publishing or a deleted account.
    async fn editor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.0.user_id else {
            return Ok(None);
        };
        Ok(scope(ctx)?.loaders.users.load_one(id).await?.map(User))
    }

    /// The workflow status after the change.
    async fn status(&self) -> ArticleStatusValue {
        self.0.status.into()
    }

    /// The slug then.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The headline then.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The standfirst then.
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }

    /// The hand-written excerpt then, if there was one.
    async fn excerpt(&self) -> Option<&str> {
        self.0.custom_excerpt.as_deref()
    }

    /// The body then, as sanitised HTML.
    async fn body(&self) -> Html {
        Html(self.0.body_html.clone())
    }

    /// The dateline place then.
    async fn dateline_place(&self) -> Option<&str> {
        self.0.dateline_place.as_deref()
    }
}

/// The newsroom's settings.
#[derive(SimpleObject)]
pub struct Settings {
    /// Whether authors may publish, schedule, unpublish and archive their own articles
    /// (otherwise an editor does it for them).
    pub authors_can_publish: bool,
}

impl From<Policy> for Settings {
    fn from(policy: Policy) -> Self {
        Self {
            authors_can_publish: policy.authors_can_publish,
        }
    }
}
