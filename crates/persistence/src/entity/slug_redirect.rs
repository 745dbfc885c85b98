//! `slug_redirects`: former slugs of articles, sections, tags, authors and sources, so old
//! URLs keep working.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slug_redirects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// What the slug named: `article`, `section`, `tag`, `author` or `source`.
    pub kind: String,
    pub old_slug: String,
    pub target_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
