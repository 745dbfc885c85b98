//! What editors set for search engines and social previews on a page: a title and a
//! description that replace the derived ones. One table for every kind of page, so pages
//! without any (nearly all) cost nothing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("seo_overrides")
                    // `article`, `section`, `tag`, `author` or `source`, as in
                    // `slug_redirects`.
                    .col(string_len("kind", 16))
                    .col(integer("target_id"))
                    .col(text_null("title"))
                    .col(text_null("description"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("kind").col("target_id"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("seo_overrides").take())
            .await
    }
}
