//! What an import remembers: the local record each WordPress record became
//! (`imported_records`), and the old addresses that lead to them (`imported_paths`), which
//! `route(path:)` looks up when a path names nothing else.

use std::collections::HashMap;

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::{imported_path, imported_record};
use crate::error::StoreResult;
use crate::store::Store;

/// The kinds of imported record, as `imported_records.kind` and `imported_paths.kind` say.
pub mod kind {
    pub const AUTHOR: &str = "author";
    pub const SECTION: &str = "section";
    pub const TAG: &str = "tag";
    pub const ARTICLE: &str = "article";
}

/// Every record of `kind` imported from `origin`, by WordPress key.
pub(super) async fn imported_of_kind<C: ConnectionTrait>(
    db: &C,
    origin: &str,
    kind: &str,
) -> StoreResult<HashMap<String, (i32, Option<String>)>> {
    let rows = imported_record::Entity::find()
        .filter(imported_record::Column::Origin.eq(origin))
        .filter(imported_record::Column::Kind.eq(kind))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.wp_key, (r.local_id, r.fingerprint)))
        .collect())
}

/// One record's mapping, as it is written.
pub(super) struct Remembered {
    pub kind: &'static str,
    pub key: String,
    pub local_id: i32,
    pub fingerprint: Option<String>,
    /// The post's GUID in the WordPress site's feeds (articles only).
    pub guid: Option<String>,
}

/// Rows per statement when writing mappings and paths.
const ROWS: usize = 500;

/// Writes (or rewrites) the mappings of `records` from `origin`.
pub(super) async fn remember<C: ConnectionTrait>(
    db: &C,
    origin: &str,
    records: Vec<Remembered>,
) -> StoreResult<()> {
    let rows: Vec<_> = records
        .into_iter()
        .map(|r| imported_record::ActiveModel {
            origin: Set(origin.to_owned()),
            kind: Set(r.kind.to_owned()),
            wp_key: Set(r.key),
            local_id: Set(r.local_id),
            fingerprint: Set(r.fingerprint),
            guid: Set(r.guid),
        })
        .collect();
    for chunk in rows.chunks(ROWS) {
        imported_record::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    imported_record::Column::Origin,
                    imported_record::Column::Kind,
                    imported_record::Column::WpKey,
                ])
                .update_columns([
                    imported_record::Column::LocalId,
                    imported_record::Column::Fingerprint,
                    imported_record::Column::Guid,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Old addresses waiting to be written, each once (the last word wins).
#[derive(Debug, Default)]
pub(super) struct Paths(HashMap<String, (&'static str, i32)>);

impl Paths {
    /// Adds `path`, leading to the record of `kind` with `id`.
    pub fn add(&mut self, path: String, kind: &'static str, id: i32) {
        self.0.insert(path, (kind, id));
    }

    /// Whether enough are waiting to be worth a statement.
    pub fn full(&self) -> bool {
        self.0.len() >= ROWS
    }

    /// Writes those waiting; an address already kept is pointed at its new target.
    pub async fn write<C: ConnectionTrait>(&mut self, db: &C) -> StoreResult<()> {
        let rows: Vec<_> = self
            .0
            .drain()
            .map(|(path, (kind, id))| imported_path::ActiveModel {
                path: Set(path),
                kind: Set(kind.to_owned()),
                target_id: Set(id),
            })
            .collect();
        for chunk in rows.chunks(ROWS) {
            imported_path::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(imported_path::Column::Path)
                        .update_columns([
                            imported_path::Column::Kind,
                            imported_path::Column::TargetId,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// What the old address `path` (normalised, see
    /// [`dateline_domain::route::normalize_legacy_path`]) of imported content leads to: its
    /// kind (see [`kind`]) and id.
    pub async fn imported_path_target(&self, path: &str) -> StoreResult<Option<(String, i32)>> {
        let row = imported_path::Entity::find_by_id(path.to_owned())
            .one(self.connection())
            .await?;
        Ok(row.map(|r| (r.kind, r.target_id)))
    }
}
