//! SeaORM entities: one per table, private to the persistence crate's callers in spirit —
//! the API works with the types in `crate::model`, not with these rows.

pub mod article;
pub mod article_body;
pub mod article_co_author;
pub mod article_correction;
pub mod article_revision;
pub mod article_tag;
pub mod author;
pub mod imported_path;
pub mod imported_record;
pub mod related_pin;
pub mod section;
pub mod seo_override;
pub mod session;
pub mod setting;
pub mod sign_in_failure;
pub mod slug_redirect;
pub mod source;
pub mod tag;
pub mod user;
