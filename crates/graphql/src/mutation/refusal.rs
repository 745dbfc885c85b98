//! The one place the store's refusals become what a client sees: `userErrors` with the
//! path of the input field to blame (a revision conflict included), or — for failures — a
//! GraphQL error.

use dateline_persistence::{Record, Reference, StoreError, StoreResult};

use super::payload::Payload;
use super::user_error::{UserError, UserErrorCode};
use crate::error::ApiResult;

/// The payload for what the store did: the changed object, or the refusal as user errors.
pub(crate) fn settle<P: Payload>(result: StoreResult<P::Done>) -> ApiResult<Option<P>> {
    match result {
        Ok(value) => Ok(Some(P::done(value))),
        Err(error) => refuse(vec![user_error(error)?]),
    }
}

/// [`settle`], with an id the store could not find pointed at its place in the input's
/// lists: `lists` holds each list's field and its ids in the order the input gave them.
pub(crate) fn settle_in_lists<P: Payload>(
    result: StoreResult<P::Done>,
    lists: &[(&str, &[i32])],
) -> ApiResult<Option<P>> {
    let mut payload = settle::<P>(result)?;
    if let Some(payload) = &mut payload {
        for error in payload.user_errors_mut() {
            for (field, ids) in lists {
                error.locate(field, ids);
            }
        }
    }
    Ok(payload)
}

/// The payload of a change refused for `errors`; nothing was written.
pub(crate) fn refuse<P: Payload>(errors: Vec<UserError>) -> ApiResult<Option<P>> {
    Ok(Some(P::refused(errors)))
}

/// `CONFLICT`: the article moved on from the revision the editor started from.
pub(crate) fn conflict(expected: i32, current: i32) -> UserError {
    UserError::new(
        "expectedRevision",
        UserErrorCode::Conflict,
        format!(
            "the article was changed by someone else: it is at revision {current}, not \
             {expected}; reload it and apply your changes again"
        ),
    )
}

/// What a refusal tells the person who asked. Anything that is not a refusal is an error
/// instead.
fn user_error(error: StoreError) -> ApiResult<UserError> {
    use UserErrorCode::{Cycle, InUse, Invalid, InvalidTransition, NotFound, Taken};
    Ok(match error {
        StoreError::NotFound(record) => {
            UserError::new("id", NotFound, format!("there is no such {}", noun(record)))
        }
        StoreError::Conflict { expected, current } => conflict(expected, current),
        StoreError::InTrash => UserError::general(
            InvalidTransition,
            "the article is in the trash: restore it first",
        ),
        StoreError::NotInTrash => {
            UserError::general(InvalidTransition, "the article is not in the trash")
        }
        StoreError::Workflow(refusal) => UserError::general(InvalidTransition, refusal.to_string()),
        StoreError::SlugTaken(record) => UserError::new(
            "slug",
            Taken,
            format!("another {} already has this slug", noun(record)),
        ),
        StoreError::Reserved(slug) => UserError::new(
            "slug",
            Invalid,
            format!("`{slug}` is the address of another page of the site: choose another slug"),
        ),
        StoreError::EmailTaken => {
            UserError::new("email", Taken, "an account with this email already exists")
        }
        StoreError::Unknown { reference, id } => unknown(reference, id),
        StoreError::ReferenceGone => UserError::general(
            NotFound,
            "a section, source, author or tag it names was deleted meanwhile: reload and retry",
        ),
        StoreError::UnknownRevision(number) => UserError::new(
            "revision",
            NotFound,
            format!("the article has no revision {number}"),
        ),
        StoreError::RelatedToItself => UserError::new(
            "relatedIds",
            Invalid,
            "an article cannot be related to itself",
        ),
        StoreError::Cycle => UserError::new(
            "parentId",
            Cycle,
            "a section cannot move under itself or one of its subsections",
        ),
        StoreError::SameTag => {
            UserError::new("intoId", Invalid, "a tag cannot be merged into itself")
        }
        StoreError::InUse {
            record,
            articles,
            dependents,
        } => UserError::new("id", InUse, in_use(record, articles, dependents)),
        failure => return Err(failure.into()),
    })
}

/// What a refusal calls a kind of record.
fn noun(record: Record) -> &'static str {
    match record {
        Record::Article => "article",
        Record::Section => "section",
        Record::Tag => "tag",
        Record::Source => "source",
        Record::Author => "author profile",
        Record::Account => "account",
    }
}

/// An id that names nothing, blamed on the input field that holds it.
fn unknown(reference: Reference, id: i32) -> UserError {
    let (field, what) = match reference {
        Reference::Section => ("sectionId", None),
        Reference::Source => ("sourceId", None),
        Reference::Author => ("authorId", None),
        Reference::CoAuthor => ("coAuthorIds", None),
        Reference::Tag => ("tagIds", None),
        Reference::Related => ("relatedIds", None),
        Reference::Parent => ("parentId", Some("section")),
        Reference::MergedTag => ("id", Some("tag")),
        Reference::MergeTarget => ("intoId", Some("tag")),
        Reference::AccountAuthor => {
            return UserError::new(
                "authorId",
                UserErrorCode::NotFound,
                "there is no such author profile",
            );
        }
    };
    let message = match what {
        Some(what) => format!("`{field}` names no {what}"),
        None => format!("`{field}` names nothing (id {id})"),
    };
    UserError {
        culprit: Some(id),
        ..UserError::new(field, UserErrorCode::NotFound, message)
    }
}

/// Why a record cannot be deleted yet.
fn in_use(record: Record, articles: u64, dependents: u64) -> String {
    match record {
        Record::Section => format!(
            "{articles} article(s), in the trash or not, and {dependents} subsection(s) are \
             filed under this section: move them elsewhere first"
        ),
        Record::Tag => format!(
            "{articles} article(s) carry this tag: remove it from them, or merge it into \
             another tag with `mergeTags`"
        ),
        Record::Author => format!(
            "{articles} article(s), in the trash or not, and {dependents} staff account(s) use \
             this author profile"
        ),
        record => format!(
            "{articles} article(s), in the trash or not, are credited to this {}",
            noun(record)
        ),
    }
}
