//! `userErrors`: what was wrong with a mutation's input, field by field, in terms an
//! editor's form can show next to the field.

use async_graphql::{Enum, MaybeUndefined, SimpleObject};
use dateline_domain::{InputError, Slug};

use crate::error::ApiError;
use crate::id::{self, NodeKind};

/// Why a value was refused.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum UserErrorCode {
    /// A value is required here.
    Required,
    /// The value is too long.
    TooLong,
    /// The value is too short.
    TooShort,
    /// The value is larger than allowed.
    TooLarge,
    /// The value is malformed.
    Invalid,
    /// Something else already uses this value (a slug or an email).
    Taken,
    /// The id names nothing.
    NotFound,
    /// The time is in the past.
    InPast,
    /// It cannot be deleted while articles or other records use it.
    InUse,
    /// The move would make something its own ancestor.
    Cycle,
    /// The workflow does not allow this from where the article stands.
    InvalidTransition,
    /// The email or password is wrong.
    InvalidCredentials,
    /// Someone changed the article since the revision the change was made from
    /// (`expectedRevision`): reload it and apply the change again.
    Conflict,
}

/// One problem with a mutation's input. Nothing of the mutation was written.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Where the problem is, from the mutation's arguments down: `["input", "title"]`,
    /// `["input", "featuredImage", "url"]`, `["input", "tagIds", "3"]` for the fourth tag.
    /// Null when it is the input as a whole.
    pub path: Option<Vec<String>>,
    /// What kind of problem it is.
    pub code: UserErrorCode,
    /// A sentence to show the user.
    pub message: String,
    /// The database id a `NotFound` from the store names, until [`UserError::locate`] turns
    /// it into a place in a list of the input.
    #[graphql(skip)]
    pub(crate) culprit: Option<i32>,
}

/// The path of an input field written the way messages name it: `featuredImage.url`,
/// `tagIds.3`.
fn input_path(field: &str) -> Vec<String> {
    std::iter::once("input")
        .chain(field.split('.'))
        .map(str::to_owned)
        .collect()
}

impl UserError {
    /// A problem with `field` of the input (`title`, `featuredImage.url`, `tagIds.3`).
    pub fn new(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            path: Some(input_path(field)),
            code,
            message: message.into(),
            culprit: None,
        }
    }

    /// A problem with the input as a whole.
    pub fn general(code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            path: None,
            code,
            message: message.into(),
            culprit: None,
        }
    }

    /// A value of `field` the domain refused.
    pub fn input(field: &str, error: &InputError) -> Self {
        let code = match error {
            InputError::Empty => UserErrorCode::Required,
            InputError::TooLong(_) | InputError::TooMany(_) => UserErrorCode::TooLong,
            InputError::TooLarge(_) => UserErrorCode::TooLarge,
            InputError::TooShort(_) => UserErrorCode::TooShort,
            InputError::NotAnEmail | InputError::NotAWebAddress => UserErrorCode::Invalid,
        };
        let name = field.split('.').next_back().unwrap_or(field);
        Self::new(field, code, format!("`{name}` {error}"))
    }

    /// The same problem blamed on `field` instead.
    pub fn blame(mut self, field: &str) -> Self {
        self.path = Some(input_path(field));
        self
    }

    /// Points a problem the store found with one id of the list `field` at that id's
    /// place in `ids`, the list as the input gave it.
    pub fn locate(&mut self, field: &str, ids: &[i32]) {
        let Some(culprit) = self.culprit else {
            return;
        };
        if self.path.as_deref() == Some(&input_path(field)[..])
            && let Some(at) = ids.iter().position(|id| *id == culprit)
        {
            self.path = Some(input_path(&format!("{field}.{at}")));
        }
    }
}

/// Collects the problems of one input while its fields are checked, so an editor sees all
/// of them at once.
#[derive(Default)]
pub struct Problems(pub Vec<UserError>);

impl Problems {
    /// `parsed`'s value, or `None` with its problem noted against `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, InputError>) -> Option<T> {
        parsed
            .map_err(|e| self.0.push(UserError::input(field, &e)))
            .ok()
    }

    /// Notes a problem.
    pub fn push(&mut self, error: UserError) {
        self.0.push(error);
    }

    /// The database ids in the global ids of `kind` of the list `field`, each problem noted
    /// at its place in the list.
    pub fn ids(&mut self, field: &str, kind: NodeKind, globals: &[async_graphql::ID]) -> Vec<i32> {
        globals
            .iter()
            .enumerate()
            .filter_map(|(at, global)| self.id(&format!("{field}.{at}"), kind, global))
            .collect()
    }

    /// The database id in a global id of `kind`, or `None` with a problem noted.
    pub fn id(&mut self, field: &str, kind: NodeKind, global: &async_graphql::ID) -> Option<i32> {
        match id::decode_kind(global, kind) {
            Ok(id) => Some(id),
            Err(ApiError::BadUserInput(message)) => {
                self.push(UserError::new(field, UserErrorCode::NotFound, message));
                None
            }
            Err(_) => None,
        }
    }

    /// `value` as a slug, or `None` with its problem noted against `slug`.
    pub fn slug(&mut self, value: &str) -> Option<Slug> {
        match Slug::parse(value) {
            Ok(slug) => Some(slug),
            Err(e) => {
                self.push(UserError::new(
                    "slug",
                    UserErrorCode::Invalid,
                    e.to_string(),
                ));
                None
            }
        }
    }

    /// The slug given, or one made from `text` (a title or name, called `what` in the
    /// message) when none is.
    pub fn new_slug(
        &mut self,
        given: Option<&str>,
        text: Option<&str>,
        what: &str,
    ) -> Option<Slug> {
        match (given, text) {
            (Some(given), _) => self.slug(given),
            (None, Some(text)) => Slug::from_text(text).or_else(|| {
                self.push(UserError::new(
                    "slug",
                    UserErrorCode::Required,
                    format!("the {what} has no letters or digits to make a slug of: give `slug`"),
                ));
                None
            }),
            (None, None) => None,
        }
    }

    /// Whether nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A cleared field (`null`), a new value, or nothing to change. `parse` gives `None` for a
/// value it refused (and noted), `Some(None)` for one that clears the field.
pub fn clearable<T, U>(
    value: MaybeUndefined<T>,
    parse: impl FnOnce(T) -> Option<Option<U>>,
) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => parse(v),
    }
}
