//! `article_revisions`: the full content of an article as each change left it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub article_id: i32,
    pub revision: i32,
    pub user_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub status: String,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub custom_excerpt: Option<String>,
    pub body_html: String,
    pub dateline_place: Option<String>,
    pub section_id: i32,
    pub source_id: Option<i32>,
    pub author_id: i32,
    /// Comma-separated tag ids, in order.
    pub tag_ids: String,
    /// Comma-separated co-author ids, in order.
    pub co_author_ids: String,
    pub featured: bool,
    pub featured_image_url: Option<String>,
    pub featured_image_alt: Option<String>,
    pub featured_image_caption: Option<String>,
    pub featured_image_credit: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
