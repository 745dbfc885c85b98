//! The persistence layer's one error type: a refusal the caller can act on (nothing was
//! written), or a failure of the database or of the data it holds.
//!
//! Constraint violations are mapped to refusals here, once ([`StoreError::from_write`]).

use std::sync::Arc;

use dateline_domain::{Slug, WorkflowError};

/// A kind of record, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Article,
    Section,
    Tag,
    Source,
    Author,
    Account,
}

/// What a write refers to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// An article's primary section.
    Section,
    Source,
    /// An article's byline.
    Author,
    CoAuthor,
    Tag,
    /// A story pinned to another's "Check Also".
    Related,
    /// The section a section is filed under.
    Parent,
    /// The tag merged away.
    MergedTag,
    /// The tag merged into.
    MergeTarget,
    /// The author profile a staff account speaks as.
    AccountAuthor,
}

/// Why a store operation did not happen. Refusals leave nothing written; failures roll back
/// their transaction. Its text is for logs, never for API responses: a failure's text ends
/// with its cause's, which is also its `source()`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("no such {0:?}")]
    NotFound(Record),
    #[error("the article has changed since revision {expected}: it is at revision {current}")]
    Conflict { expected: i32, current: i32 },
    #[error("the article is in the trash")]
    InTrash,
    #[error("the article is not in the trash")]
    NotInTrash,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error("another {0:?} has this slug")]
    SlugTaken(Record),
    #[error("the slug {0} belongs to another page of the site")]
    Reserved(Slug),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("there is no {reference:?} with id {id}")]
    Unknown { reference: Reference, id: i32 },
    #[error("something the change refers to was deleted meanwhile")]
    ReferenceGone,
    #[error("no revision {0} of this article")]
    UnknownRevision(i32),
    #[error("an article cannot be related to itself")]
    RelatedToItself,
    #[error("a section cannot move under itself or one of its subsections")]
    Cycle,
    #[error("a tag cannot be merged into itself")]
    SameTag,
    /// `articles` counts every article, in the trash or not; `dependents` the other records
    /// in the way: subsections of a section, staff accounts of an author profile.
    #[error("this {record:?} is still used by {articles} articles and {dependents} other records")]
    InUse {
        record: Record,
        articles: u64,
        dependents: u64,
    },
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("an event could not be encoded: {0}")]
    Event(#[source] Arc<serde_json::Error>),
    #[error("password hashing failed: {0}")]
    Hashing(argon2::password_hash::Error),
    #[error("the password hashing queue is closed")]
    HashingClosed,
    #[error("a background task failed: {0}")]
    Task(#[source] Arc<tokio::task::JoinError>),
    #[error("the preview key is unusable: {0}")]
    PreviewKey(#[source] hmac::digest::InvalidLength),
    #[error("the sample newsroom is malformed: {0}")]
    SampleData(String),
    /// Asked of a database, or with an argument, it cannot do.
    #[error("{0}")]
    Unsupported(&'static str),
}

impl StoreError {
    /// Whether this is a refusal the caller should report to the person who asked, rather
    /// than a failure.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::Db(_)
                | Self::Corrupt(_)
                | Self::Event(_)
                | Self::Hashing(_)
                | Self::HashingClosed
                | Self::Task(_)
                | Self::PreviewKey(_)
                | Self::SampleData(_)
                | Self::Unsupported(_)
        )
    }

    /// Whether the database could not be reached or dropped the connection (a restart, a
    /// failover, a network cut, every connection busy for too long): a failure the caller
    /// may retry in a moment, unlike a bug.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Db(sea_orm::DbErr::ConnectionAcquire(_)) => true,
            Self::Db(
                sea_orm::DbErr::Conn(cause)
                | sea_orm::DbErr::Exec(cause)
                | sea_orm::DbErr::Query(cause),
            ) => match cause {
                sea_orm::RuntimeErr::SqlxError(error) => is_unreachable(error),
                sea_orm::RuntimeErr::Internal(_) => false,
            },
            _ => false,
        }
    }

    /// A write's failure, with the constraints that refuse it mapped to what they mean: a
    /// unique violation is `taken` (a slug or email claimed meanwhile), a foreign key
    /// violation a reference deleted meanwhile.
    pub(crate) fn from_write(error: sea_orm::DbErr, taken: Self) -> Self {
        match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken,
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => Self::ReferenceGone,
            _ => Self::Db(error),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        Self::Event(Arc::new(error))
    }
}

impl From<tokio::task::JoinError> for StoreError {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Task(Arc::new(error))
    }
}

/// Whether a driver error means the database is out of reach rather than that it refused
/// the statement: the connection failed or closed, the pool had none to give in time, or
/// PostgreSQL is shutting down, starting up or out of connections (SQLSTATE class `08`,
/// `57P01`–`57P03`, `53300`).
fn is_unreachable(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// Results of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Whether `error` is a unique constraint refusing a duplicate.
pub(crate) fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Whether `error` is a foreign key refusing a row that points at nothing.
pub(crate) fn is_foreign_key_violation(error: &sea_orm::DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
    )
}
