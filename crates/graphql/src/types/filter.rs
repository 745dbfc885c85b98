//! `ArticleFilterInput` and `SearchFilterInput`: the same narrowing fields in both (one
//! struct, flattened into each), read into the store's [`Narrowing`] in one place.

use async_graphql::{Context, ID, InputObject};
use chrono::Utc;
use dateline_domain::{ArticleStatus, Slug};
use dateline_persistence::{ArticleFilter, Named, Narrowing};

use crate::error::{ApiError, ApiResult};
use crate::id::{self, NodeKind};
use crate::scalars::DateTime;
use crate::scope::scope;
use crate::types::ArticleStatusValue;

/// The most slugs one list of a filter (`sections`, `tags`, `authors`, `sources`) takes.
pub const MAX_FILTER_SLUGS: usize = 20;

/// The most articles `excludeIds` leaves out.
pub const MAX_EXCLUDED_IDS: usize = 100;

/// What article lists and search narrow by alike. Not a schema type of its own: its fields
/// are flattened into `ArticleFilterInput` and `SearchFilterInput`.
#[derive(InputObject, Default)]
pub struct NarrowingInput {
    /// Only articles filed under any of these sections (slugs), each with its subsections
    /// at any depth. At most 20 slugs; an unknown slug matches nothing, an empty list does
    /// not narrow.
    pub sections: Option<Vec<String>>,
    /// Only articles carrying any of these tags (slugs). At most 20 slugs; an unknown slug
    /// matches nothing, an empty list does not narrow.
    pub tags: Option<Vec<String>>,
    /// Only articles by any of these authors (slugs), as primary author or co-author. At
    /// most 20 slugs; an unknown slug matches nothing, an empty list does not narrow.
    pub authors: Option<Vec<String>>,
    /// Only articles credited to any of these sources (slugs). At most 20 slugs; an unknown
    /// slug matches nothing, an empty list does not narrow.
    pub sources: Option<Vec<String>>,
    /// Leave out these articles (`Article` ids, at most 100): the stories a page already
    /// shows, such as its lead story.
    pub exclude_ids: Option<Vec<ID>>,
    /// Only articles published at or after this instant.
    pub published_after: Option<DateTime>,
    /// Only articles published before this instant.
    pub published_before: Option<DateTime>,
    /// Only articles published in this year (UTC, 1 to 9998); combines with
    /// `publishedAfter` and `publishedBefore`.
    pub year: Option<i32>,
    /// Only featured articles (`true`) or only the others (`false`).
    pub featured: Option<bool>,
}

/// Narrows an article list. Every field left out does not filter.
#[derive(InputObject, Default)]
pub struct ArticleFilterInput {
    #[graphql(flatten)]
    pub narrowing: NarrowingInput,
    /// Only articles in this workflow status (published when left out). Other statuses are
    /// for signed-in staff: editors and admins see every article, authors and contributors
    /// their own. Drafts and archived articles are ordered by `UPDATED_AT` only.
    pub status: Option<ArticleStatusValue>,
    /// Only articles in the trash (staff only, ordered by `UPDATED_AT` only).
    #[graphql(default)]
    pub in_trash: bool,
    /// Only drafts submitted for review: an editor's queue (staff only, ordered by
    /// `UPDATED_AT` only).
    #[graphql(default)]
    pub awaiting_review: bool,
}

/// Narrows a search, its total and its facets alike. Every field left out does not filter.
#[derive(InputObject, Default)]
pub struct SearchFilterInput {
    #[graphql(flatten)]
    pub narrowing: NarrowingInput,
}

impl ArticleFilterInput {
    /// The store's filter.
    pub(crate) async fn resolve(self, ctx: &Context<'_>) -> ApiResult<ArticleFilter> {
        Ok(ArticleFilter {
            narrowing: self.narrowing.resolve(ctx).await?,
            status: self.status.map(ArticleStatus::from),
            in_trash: self.in_trash,
            awaiting_review: self.awaiting_review,
        })
    }
}

impl SearchFilterInput {
    /// The store's narrowing of a search.
    pub(crate) async fn resolve(self, ctx: &Context<'_>) -> ApiResult<Narrowing> {
        self.narrowing.resolve(ctx).await
    }
}

/// A list of slugs as given for `filter.<field>`: `None` when left out or empty, refused
/// when too long or when one is not a slug at all (no stored slug could match it).
fn slugs(field: &str, values: Option<Vec<String>>) -> ApiResult<Option<Vec<String>>> {
    let Some(values) = values.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if values.len() > MAX_FILTER_SLUGS {
        return Err(ApiError::bad_input(format!(
            "`filter.{field}` takes at most {MAX_FILTER_SLUGS} slugs, got {}",
            values.len()
        )));
    }
    for (i, value) in values.iter().enumerate() {
        if let Err(e) = Slug::parse(value) {
            return Err(ApiError::bad_input(format!("`filter.{field}[{i}]`: {e}")));
        }
    }
    Ok(Some(values))
}

/// The article ids of `filter.excludeIds`.
fn excluded(ids: Option<Vec<ID>>) -> ApiResult<Vec<i32>> {
    let ids = ids.unwrap_or_default();
    if ids.len() > MAX_EXCLUDED_IDS {
        return Err(ApiError::bad_input(format!(
            "`filter.excludeIds` takes at most {MAX_EXCLUDED_IDS} ids, got {}",
            ids.len()
        )));
    }
    ids.iter()
        .enumerate()
        .map(|(i, global)| {
            id::decode_kind(global, NodeKind::Article).map_err(|_| {
                ApiError::bad_input(format!(
                    "`filter.excludeIds[{i}]`: {:?} is not an `Article` id",
                    global.as_str()
                ))
            })
        })
        .collect()
}

/// `[from, to)`: the instants of `year`, UTC.
fn year_window(year: i32) -> ApiResult<(chrono::DateTime<Utc>, chrono::DateTime<Utc>)> {
    let start = |year: i32| {
        chrono::NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    };
    match (1..=9998)
        .contains(&year)
        .then(|| start(year).zip(start(year + 1)))
        .flatten()
    {
        Some(window) => Ok(window),
        None => Err(ApiError::bad_input(format!(
            "`filter.year` must be between 1 and 9998, got {year}"
        ))),
    }
}

impl NarrowingInput {
    /// The store's narrowing: section slugs become the ids of their subtrees (from the
    /// section tree the server keeps), tags, authors and sources stay slugs for the
    /// database to resolve in the list's own statement, and `year` becomes a window.
    pub(crate) async fn resolve(self, ctx: &Context<'_>) -> ApiResult<Narrowing> {
        let sections = slugs("sections", self.sections)?;
        let tags = slugs("tags", self.tags)?;
        let authors = slugs("authors", self.authors)?;
        let sources = slugs("sources", self.sources)?;
        let exclude_ids = excluded(self.exclude_ids)?;
        let mut published_after = self.published_after.map(chrono::DateTime::from);
        let mut published_before = self.published_before.map(chrono::DateTime::from);
        if let Some(year) = self.year {
            let (from, to) = year_window(year)?;
            published_after = Some(published_after.map_or(from, |t| t.max(from)));
            published_before = Some(published_before.map_or(to, |t| t.min(to)));
        }
        let section_ids = match sections {
            Some(slugs) => {
                let tree = scope(ctx)?.sections().await?;
                let mut ids: Vec<i32> = slugs
                    .iter()
                    .filter_map(|slug| tree.by_slug(slug))
                    .flat_map(|section| tree.subtree_ids(section.id))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                Some(ids)
            }
            None => None,
        };
        Ok(Narrowing {
            section_ids,
            tags: tags.map(Named::slugs),
            authors: authors.map(Named::slugs),
            sources: sources.map(Named::slugs),
            exclude_ids,
            published_after,
            published_before,
            featured: self.featured,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_lists_are_bounded_and_checked() {
        assert_eq!(slugs("tags", None).ok(), Some(None));
        assert_eq!(slugs("tags", Some(Vec::new())).ok(), Some(None));
        let many = (0..=MAX_FILTER_SLUGS).map(|i| format!("t{i}")).collect();
        assert!(slugs("tags", Some(many)).is_err());
        assert!(slugs("tags", Some(vec!["ok".into(), "Not OK".into()])).is_err());
    }

    #[test]
    fn a_year_is_a_window_of_whole_utc_days() {
        let (from, to) = year_window(2024).unwrap_or_default();
        assert_eq!(from.to_rfc3339(), "2024-01-01T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2025-01-01T00:00:00+00:00");
        assert!(year_window(0).is_err() && year_window(9999).is_err());
    }
}
