//! The newsroom's records: what the API reads and the desk writes, built from the domain's
//! types ([`Slug`](crate::Slug), [`ArticleStatus`](crate::ArticleStatus), [`Role`](crate::Role)).
//! The persistence crate maps its rows to these and back; the GraphQL crate wraps them.

mod account;
mod article;
mod catalogue;
mod section_tree;

pub use account::User;
pub use article::{Article, ArticleBody, Correction, FeaturedImage, Revision};
pub use catalogue::{Author, Section, Source, Tag};
pub use section_tree::SectionTree;
