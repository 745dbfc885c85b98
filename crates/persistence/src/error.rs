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
