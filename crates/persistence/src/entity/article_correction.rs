//! `article_corrections`: dated public notes correcting a published article.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_corrections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub article_id: i32,
    pub note: String,
    pub user_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
