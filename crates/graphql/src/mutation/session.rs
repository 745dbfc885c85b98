//! Signing in and out, staff accounts and the newsroom's settings.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use dateline_domain::model;
use dateline_domain::{DeskAction, Email, NewPassword, Policy, Role, input};
use dateline_persistence::{NewUser, UserChanges};

use crate::error::{ApiError, ApiResult};
use crate::id::NodeKind;
use crate::mutation::payload::payload;
use crate::mutation::refusal::{refuse, settle};
use crate::mutation::user_error::{Problems, UserError, UserErrorCode, clearable};
use crate::scope::{Viewer, scope};
use crate::sign_in::{AddressThrottle, SignInGuard};
use crate::types::{RoleValue, Settings, User};

/// Signing in and out, accounts and settings.
#[derive(Default)]
pub struct SessionMutation;

/// Credentials to sign in with.
#[derive(InputObject)]
pub struct LoginInput {
    /// The account's email address.
    pub email: String,
    /// The account's password.
    pub password: String,
}

/// The outcome of `login`.
#[derive(SimpleObject, Default)]
pub struct LoginPayload {
    /// The bearer token: send it as `Authorization: Bearer <token>` with every request.
    pub token: Option<String>,
    /// When the token stops working.
    pub expires_at: Option<crate::scalars::DateTime>,
    /// The signed-in account.
    pub viewer: Option<User>,
    /// Why signing in failed; one generic error for a wrong email or password alike.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Whether a session was ended.
    pub ended: bool,
    /// Problems with the request. Signing out cannot be refused today, so this is empty;
    /// it is here so that every payload has the same shape.
    pub user_errors: Vec<UserError>,
}

/// A new staff account.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The address the person signs in with.
    pub email: String,
    /// The person's name.
    pub name: String,
    /// At least 10 characters.
    pub password: String,
    /// What the person may do.
    pub role: RoleValue,
    /// The public author profile the person writes as (an `Author` id).
    pub author_id: Option<ID>,
}

payload! {
    /// The outcome of `createUser`.
    CreateUserPayload {
        /// The new account; null when nothing was created.
        user: User(model::User);
        /// What was wrong with the input. When there is any, nothing was written.
        user_errors
    }
}

payload! {
    /// The outcome of `updateUser`.
    UpdateUserPayload {
        /// The account as it now stands; null when nothing was changed.
        user: User(model::User);
        /// What was wrong with the input. When there is any, nothing was written.
        user_errors
    }
}

/// A new password for the signed-in person.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: String,
    /// The new one (at least 10 characters).
    pub new_password: String,
}

/// The outcome of `changePassword`.
#[derive(SimpleObject, Default)]
pub struct ChangePasswordPayload {
    /// A new bearer token: every session of the account, this one included, was ended.
    pub token: Option<String>,
    /// When the new token stops working.
    pub expires_at: Option<crate::scalars::DateTime>,
    /// What was wrong with the input.
    pub user_errors: Vec<UserError>,
}

/// Changes to a staff account; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The account.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new role. The account is signed out everywhere, so it takes effect at once.
    pub role: Option<RoleValue>,
    /// Another author profile to write as; `null` unlinks it.
    pub author_id: MaybeUndefined<ID>,
    /// A new password (at least 10 characters). The account is signed out everywhere.
    pub password: Option<String>,
}

/// The account to delete.
#[derive(InputObject)]
pub struct DeleteUserInput {
    /// The account.
    pub id: ID,
}

payload! {
    /// The outcome of `deleteUser`.
    DeleteUserPayload {
        /// The id of the deleted account; null when nothing was deleted.
        deleted_user_id: ID;
        /// What was wrong with the input. When there is any, nothing was deleted.
        user_errors
    }
}

/// New values for the newsroom's settings; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateSettingsInput {
    /// Whether authors may publish their own articles.
    pub authors_can_publish: Option<bool>,
}

/// The outcome of `updateSettings`.
#[derive(SimpleObject)]
pub struct UpdateSettingsPayload {
    /// The settings now.
    pub settings: Option<Settings>,
    /// Problems with the input. Every value of the settings is valid today, so this is
    /// empty; it is here so that every payload has the same shape.
    pub user_errors: Vec<UserError>,
}

#[Object]
impl SessionMutation {
    /// Signs in with email and password and returns a bearer token. A wrong email and a
    /// wrong password get the same error and take the same time. After 5 failures an
    /// account must wait (30 s, doubling with each further failure up to 15 min), and so
    /// must an address after 30 failures in 10 min: attempts meanwhile are refused with
    /// `RATE_LIMITED` and `extensions.retryAfter` (seconds). One request may sign in once.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email and password.")] input: LoginInput,
    ) -> ApiResult<Option<LoginPayload>> {
        let scope = scope(ctx)?;
        let guard = SignInGuard::begin(
            scope,
            ctx.data_opt::<Arc<AddressThrottle>>().map(Arc::as_ref),
            &input.email,
        )
        .await?;
        let user = if input.password.len() > input::MAX_PASSWORD_BYTES {
            None
        } else {
            scope
                .store
                .user_by_credentials(&input.email, &input.password)
                .await?
        };
        let Some(user) = user else {
            guard.failed();
            return Ok(Some(LoginPayload {
                user_errors: vec![UserError::general(
                    UserErrorCode::InvalidCredentials,
                    "The email or password is incorrect.",
                )],
                ..LoginPayload::default()
            }));
        };
        guard.succeeded().await?;
        scope.signed_in_as(user.id);
        let (token, expires_at) = scope.store.open_session(user.id).await?;
        Ok(Some(LoginPayload {
            token: Some(token),
            expires_at: Some(expires_at.into()),
            viewer: Some(User(user)),
            user_errors: Vec::new(),
        }))
    }

    /// Ends the session of the bearer token this request carries.
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<Option<LogoutPayload>> {
        let scope = scope(ctx)?;
        let Viewer::Staff(staff) = &scope.viewer else {
            return Err(ApiError::Unauthenticated(
                "there is no session to end: the request carries no bearer token".to_owned(),
            ));
        };
        scope.store.close_session(&staff.token).await?;
        Ok(Some(LogoutPayload {
            ended: true,
            user_errors: Vec::new(),
        }))
    }

    /// Changes the signed-in person's own password, given the current one. Every session
    /// of the account ends, and a new token is returned for this one. A wrong current
    /// password counts as a failed sign-in (see `login`).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current and the new password.")] input: ChangePasswordInput,
    ) -> ApiResult<Option<ChangePasswordPayload>> {
        let scope = scope(ctx)?;
        let user = scope.staff()?;
        let guard = SignInGuard::begin(
            scope,
            ctx.data_opt::<Arc<AddressThrottle>>().map(Arc::as_ref),
            &user.email,
        )
        .await?;
        let mut problems = Problems::default();
        let current_matches = input.current_password.len() <= input::MAX_PASSWORD_BYTES
            && scope
                .store
                .user_by_credentials(&user.email, &input.current_password)
                .await?
                .is_some_and(|found| found.id == user.id);
        if current_matches {
            guard.succeeded().await?;
        } else {
            guard.failed();
            problems.push(UserError::new(
                "currentPassword",
                UserErrorCode::InvalidCredentials,
                "the current password is incorrect",
            ));
        }
        let new = problems.check("newPassword", NewPassword::parse(&input.new_password));
        let (Some(new), true) = (new, problems.is_empty()) else {
            return Ok(Some(ChangePasswordPayload {
                user_errors: problems.0,
                ..ChangePasswordPayload::default()
            }));
        };
        let (token, expires_at) = match scope.store.replace_password(user.id, &new).await {
            Ok(session) => session,
            Err(e) if !e.is_refusal() => return Err(e.into()),
            Err(_) => {
                return Err(ApiError::Unauthenticated(
                    "this account no longer exists".to_owned(),
                ));
            }
        };
        Ok(Some(ChangePasswordPayload {
            token: Some(token),
            expires_at: Some(expires_at.into()),
            user_errors: Vec::new(),
        }))
    }

    /// Creates a staff account (admins only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: CreateUserInput,
    ) -> ApiResult<Option<CreateUserPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageStaff)?;
        let mut problems = Problems::default();
        let email = problems.check("email", Email::parse(&input.email));
        let name = problems.check(
            "name",
            input::required_text(&input.name, input::MAX_NAME_CHARS),
        );
        let password = problems.check("password", NewPassword::parse(&input.password));
        let author_id = input
            .author_id
            .as_ref()
            .and_then(|id| problems.id("authorId", NodeKind::Author, id));
        let (Some(email), Some(name), Some(password), true) =
            (email, name, password, problems.is_empty())
        else {
            return refuse(problems.0);
        };
        let created = scope
            .store
            .create_user(NewUser {
                email: &email,
                name: &name,
                password: &password,
                role: input.role.into(),
                author_id,
            })
            .await;
        settle(created)
    }

    /// Changes a staff account: name, role, author profile or password (admins only; an
    /// admin cannot take away their own admin role).
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and its changes.")] input: UpdateUserInput,
    ) -> ApiResult<Option<UpdateUserPayload>> {
        let scope = scope(ctx)?;
        let admin = scope.require(DeskAction::ManageStaff)?;
        let mut problems = Problems::default();
        let id = problems.id("id", NodeKind::User, &input.id);
        let name = input
            .name
            .as_deref()
            .and_then(|n| problems.check("name", input::required_text(n, input::MAX_NAME_CHARS)));
        let password = input
            .password
            .as_deref()
            .and_then(|p| problems.check("password", NewPassword::parse(p)));
        let author_id = clearable(input.author_id, |g| {
            problems.id("authorId", NodeKind::Author, &g).map(Some)
        });
        let role = input.role.map(Role::from);
        if id == Some(admin.id) && role.is_some_and(|r| r != Role::Admin) {
            problems.push(UserError::new(
                "role",
                UserErrorCode::Invalid,
                "an admin cannot take away their own admin role",
            ));
        }
        let (Some(id), true) = (id, problems.is_empty()) else {
            return refuse(problems.0);
        };
        let changes = UserChanges {
            name: name.as_deref(),
            role,
            author_id,
            password: password.as_ref(),
        };
        settle(scope.store.update_user(id, changes).await)
    }

    /// Deletes a staff account and signs it out (admins only; not their own). Its articles
    /// and revisions stay.
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to delete.")] input: DeleteUserInput,
    ) -> ApiResult<Option<DeleteUserPayload>> {
        let scope = scope(ctx)?;
        let admin = scope.require(DeskAction::ManageStaff)?;
        let mut problems = Problems::default();
        let id = problems.id("id", NodeKind::User, &input.id);
        if id == Some(admin.id) {
            problems.push(UserError::new(
                "id",
                UserErrorCode::Invalid,
                "an admin cannot delete their own account",
            ));
        }
        let (Some(id), true) = (id, problems.is_empty()) else {
            return refuse(problems.0);
        };
        settle(scope.store.delete_user(id).await.map(|()| input.id))
    }

    /// Changes the newsroom's settings (admins only).
    async fn update_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The settings to change.")] input: UpdateSettingsInput,
    ) -> ApiResult<Option<UpdateSettingsPayload>> {
        let scope = scope(ctx)?;
        scope.require(DeskAction::ManageStaff)?;
        let mut policy: Policy = scope.store.policy().await?;
        if let Some(allowed) = input.authors_can_publish {
            policy.authors_can_publish = allowed;
        }
        scope.store.set_policy(policy).await?;
        Ok(Some(UpdateSettingsPayload {
            settings: Some(policy.into()),
            user_errors: Vec::new(),
        }))
    }
}
