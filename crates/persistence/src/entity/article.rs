//! `articles`: the stories, with the text derived from their body stored beside it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub custom_excerpt: Option<String>,
    pub word_count: i32,
    pub dateline_place: Option<String>,
    pub source_id: Option<i32>,
    pub author_id: i32,
    pub section_id: i32,
    pub status: String,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub featured: bool,
    pub featured_image_url: Option<String>,
    pub featured_image_alt: Option<String>,
    pub featured_image_caption: Option<String>,
    pub featured_image_credit: Option<String>,
    pub revision: i32,
    pub owner_id: Option<i32>,
    pub review_requested_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub status_changed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
