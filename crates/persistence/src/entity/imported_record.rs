//! `imported_records`: what each record of an imported WordPress site became, so that the
//! next import of the same site updates instead of duplicating.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imported_records")]
pub struct Model {
    /// The site's address (`wp:base_site_url`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub origin: String,
    /// `author`, `section`, `tag` or `article`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The login, nicename, slug or post id on WordPress.
    #[sea_orm(primary_key, auto_increment = false)]
    pub wp_key: String,
    pub local_id: i32,
    /// A digest of the post as it was imported: a post whose digest is the same is left
    /// alone by the next import.
    pub fingerprint: Option<String>,
    /// The post's GUID in the WordPress site's feeds, which Dateline's feeds keep giving
    /// it (articles only).
    pub guid: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
