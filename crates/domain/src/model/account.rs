//! Staff accounts: who may sign in to the desk, and as which role.

use chrono::{DateTime, Utc};

use crate::Role;

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The public author profile this person writes as.
    pub author_id: Option<i32>,
    pub created_at: DateTime<Utc>,
}
