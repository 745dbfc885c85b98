//! What `dateline import wordpress` keeps so that importing again updates instead of
//! duplicating, and so that the site's old addresses keep working:
//!
//! - `imported_records`: (origin site, kind, WordPress key) → the local id it became, with
//!   a fingerprint of the post as it was imported (so an unchanged post is left alone). The
//!   key is the post id for articles, the login for authors and the nicename (slug) for
//!   sections and tags.
//!   For articles it also keeps the post's `<guid>`, which Dateline's feeds go on giving
//!   the story, so feed readers subscribed before the move do not see it again as new.
//! - `imported_paths`: an old address, normalised (lowercase, no trailing slash, of the
//!   query only `?p=<id>`) → what it names now, for `route(path:)`. Looked up only when a
//!   path names nothing else.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("imported_records")
                    .col(string_len("origin", 512))
                    .col(string_len("kind", 16))
                    .col(string_len("wp_key", 255))
                    .col(integer("local_id"))
                    .col(string_len_null("fingerprint", 32))
                    // The post's GUID in the old site's feeds, kept by Dateline's feeds.
                    .col(text_null("guid"))
                    .primary_key(Index::create().col("origin").col("kind").col("wp_key"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("imported_paths")
                    .col(string_len("path", 2048).primary_key())
                    .col(string_len("kind", 16))
                    .col(integer("target_id"))
                    .take(),
            )
            .await?;
        // A feed looks up the GUIDs of the stories it lists.
        manager
            .create_index(index("imported_records", "local", &["kind", "local_id"]))
            .await?;
        // Deleting what an old address names drops the address with it.
        manager
            .create_index(index("imported_paths", "target", &["kind", "target_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("imported_paths").take())
            .await?;
        manager
            .drop_table(Table::drop().table("imported_records").take())
            .await
    }
}
