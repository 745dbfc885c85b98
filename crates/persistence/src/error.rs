//! The persistence layer's error: the database failed, or it holds something it should not.

/// A failure reading or writing the store. Its text is for logs, never for API responses.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
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
