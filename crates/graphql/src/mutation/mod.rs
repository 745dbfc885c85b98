//! The mutation root: what the editorial desk writes. Each mutation's writes are one
//! transaction, and it answers with the changed object and `userErrors`. Who may call it is
//! checked through [`crate::scope::RequestScope`]'s `require*` methods before anything is
//! written.

mod article_inputs;
mod articles;
mod desk;
mod payload;
mod refusal;
mod seo;
mod session;
pub mod user_error;

use async_graphql::MergedObject;

pub use articles::ArticleMutation;
pub use desk::DeskMutation;
pub use seo::SeoMutation;
pub use session::SessionMutation;
pub use user_error::{UserError, UserErrorCode};

/// Everything the editorial desk can change.
#[derive(MergedObject, Default)]
pub struct Mutation(SessionMutation, ArticleMutation, DeskMutation, SeoMutation);
