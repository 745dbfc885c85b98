//! The export's authors, categories and tags as Dateline's author profiles, sections and
//! tags. A record imported before is updated; one whose slug Dateline already has is taken
//! to be that record (a newsroom's "news" section, its "admin" profile); any other is
//! created.

use std::collections::{HashMap, HashSet};

use dateline_domain::Slug;
use dateline_domain::input::{MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS};
use dateline_wordpress::mapping::{
    at_most, author_name, author_path, category_path, plain_text, section_slug, slug_from,
    tag_path, with_suffix,
};
use dateline_wordpress::{Author, Category};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, QueryFilter, QuerySelect,
};

use super::WordpressImport;
use super::records::{Remembered, imported_of_kind, kind, remember};
use crate::catalogue::sections::next_position;
use crate::entity::{author, section, tag};
use crate::error::StoreResult;
use crate::slug_history::Slugged;

/// Text that is empty once trimmed is no text.
fn non_empty(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

/// What to do with one record: write it again, take the newsroom's record of its slug, or
/// create it with this slug.
enum Found {
    Imported(i32),
    SameSlug(i32),
    New(Slug),
}

impl WordpressImport<'_> {
    /// Where the record with WordPress `key` went: imported before (and still there), or
    /// the newsroom's record of `slug`, or nowhere yet. A slug a record of this import took
    /// already (two names that make one slug) gets `-2`, `-3`…, with a warning.
    async fn find<E: Slugged>(
        &mut self,
        before: &HashMap<String, (i32, Option<String>)>,
        keys: &[&str],
        (slug, generated): (&Slug, bool),
        this_run: &HashSet<i32>,
        what: &str,
    ) -> StoreResult<Found> {
        let (id_column, slug_column) = (E::ID, E::SLUG);
        let key = keys.first().copied().unwrap_or_default();
        if let Some((id, _)) = keys.iter().find_map(|k| before.get(*k)) {
            let exists: Option<i32> = E::find()
                .select_only()
                .column(id_column)
                .filter(id_column.eq(*id))
                .into_tuple()
                .one(&self.txn)
                .await?;
            if exists.is_some() {
                return Ok(Found::Imported(*id));
            }
        }
        let mut candidate = slug.clone();
        for n in 2.. {
            let holder: Option<i32> = E::find()
                .select_only()
                .column(id_column)
                .filter(slug_column.eq(candidate.as_str()))
                .into_tuple()
                .one(&self.txn)
                .await?;
            match holder {
                None => break,
                // A slug made up for a name in another script says nothing of what the
                // record is: it never joins one the newsroom has.
                Some(id) if !generated && !this_run.contains(&id) => {
                    return Ok(Found::SameSlug(id));
                }
                Some(_) => candidate = with_suffix(slug, n),
            }
        }
        if candidate != *slug {
            self.report.warn(format!(
                "{what} `{key}` makes the slug `{slug}` another one took: it is `{candidate}`"
            ));
        }
        Ok(Found::New(candidate))
    }

    /// Authors: every `wp:author`, and a profile made from the login of each post author
    /// the export does not describe.
    pub(super) async fn import_authors(&mut self) -> StoreResult<()> {
        let survey = self.survey;
        let before = imported_of_kind(&self.txn, &self.report.origin, kind::AUTHOR).await?;
        let missing = survey.missing_authors.iter().map(|login| Author {
            login: login.clone(),
            ..Author::default()
        });
        let mut remembered = Vec::new();
        let mut this_run = HashSet::new();
        for (index, (described, wp)) in survey
            .authors
            .iter()
            .cloned()
            .map(|a| (true, a))
            .chain(missing.map(|a| (false, a)))
            .enumerate()
        {
            if !described {
                self.report.warn(format!(
                    "post author `{}` is not among the export's authors: a profile was made from the login",
                    wp.login
                ));
            }
            let name = at_most(&author_name(&wp), MAX_NAME_CHARS);
            let number = wp.id.unwrap_or(index as u64 + 1);
            let (slug, generated) = fallback_slug(slug_from(&wp.login, &name), "author", number)?;
            let email = non_empty(wp.email.trim().to_owned()).filter(|e| e.contains('@'));
            let bio = non_empty(at_most(&plain_text(&wp.bio), MAX_SHORT_TEXT_CHARS));
            let found = self
                .find::<author::Entity>(
                    &before,
                    &[&wp.login],
                    (&slug, generated),
                    &this_run,
                    "author",
                )
                .await?;
            let id = match found {
                // A profile the newsroom made is its own: the import does not rewrite it.
                Found::SameSlug(id) => {
                    self.report.authors.unchanged += 1;
                    id
                }
                Found::Imported(id) => {
                    let row = author::Entity::find_by_id(id)
                        .one(&self.txn)
                        .await?
                        .ok_or(crate::StoreError::NotFound(crate::Record::Author))?;
                    let changed = row.name != name
                        || (email.is_some() && row.email != email)
                        || (bio.is_some() && row.bio != bio);
                    if changed && described {
                        let mut active = row.into_active_model();
                        active.name = Set(name);
                        if email.is_some() {
                            active.email = Set(email);
                        }
                        if bio.is_some() {
                            active.bio = Set(bio);
                        }
                        active.update(&self.txn).await?;
                        self.report.authors.updated += 1;
                    } else {
                        self.report.authors.unchanged += 1;
                    }
                    id
                }
                Found::New(slug) => {
                    let row = author::Entity::insert(author::ActiveModel {
                        id: NotSet,
                        slug: Set(slug.to_string()),
                        name: Set(name),
                        bio: Set(bio),
                        avatar_url: Set(None),
                        email: Set(email),
                        created_at: Set(self.now),
                    })
                    .exec_with_returning(&self.txn)
                    .await?;
                    self.report.authors.created += 1;
                    row.id
                }
            };
            this_run.insert(id);
            if let Some(path) = author_path(&wp.login) {
                self.paths.add(path, kind::AUTHOR, id);
            }
            self.authors.insert(wp.login.clone(), id);
            remembered.push(Remembered {
                kind: kind::AUTHOR,
                key: wp.login,
                local_id: id,
                fingerprint: None,
                guid: None,
            });
        }
        remember(&self.txn, &self.report.origin, remembered).await
    }

    /// Sections from categories, parents before children (`wp:category_parent` names the
    /// parent's nicename). A category whose parent is not in the export, or that is its own
    /// ancestor, goes to the top level.
    pub(super) async fn import_sections(&mut self) -> StoreResult<()> {
        let survey = self.survey;
        let before = imported_of_kind(&self.txn, &self.report.origin, kind::SECTION).await?;
        let by_nicename: HashMap<&str, &Category> = survey
            .categories
            .iter()
            .map(|c| (c.nicename.as_str(), c))
            .collect();
        let mut remembered = Vec::new();
        let mut this_run = HashSet::new();
        for (index, category) in parents_first(&survey.categories, &by_nicename)
            .into_iter()
            .enumerate()
        {
            let ancestors = ancestry(category, &by_nicename);
            let parent_id = match ancestors.len() {
                0 | 1 => None,
                n => self.sections.get(ancestors[n - 2]).copied(),
            };
            let name = at_most(
                &non_empty(plain_text(&category.name)).unwrap_or_else(|| category.nicename.clone()),
                MAX_NAME_CHARS,
            );
            let description = non_empty(at_most(
                &plain_text(&category.description),
                MAX_SHORT_TEXT_CHARS,
            ));
            let number = category.id.unwrap_or(index as u64 + 1);
            let (slug, generated) =
                fallback_slug(slug_from(&category.nicename, &name), "section", number)?;
            let (slug, renamed) = section_slug(slug);
            let key = term_key(category.id, &category.nicename);
            let found = self
                .find::<section::Entity>(
                    &before,
                    &[&key, &category.nicename],
                    (&slug, generated),
                    &this_run,
                    "category",
                )
                .await?;
            if renamed && !matches!(found, Found::Imported(_)) {
                self.report.warn(format!(
                    "category `{}` has a slug Dateline keeps for other pages: its section is `{slug}`",
                    category.nicename
                ));
            }
            let id = match found {
                Found::Imported(id) => {
                    let row = section::Entity::find_by_id(id)
                        .one(&self.txn)
                        .await?
                        .ok_or(crate::StoreError::NotFound(crate::Record::Section))?;
                    let parent_moves = row.parent_id != parent_id && Some(id) != parent_id;
                    if row.name != name || row.description != description || parent_moves {
                        let mut active = row.into_active_model();
                        active.name = Set(name);
                        active.description = Set(description);
                        if parent_moves {
                            active.parent_id = Set(parent_id);
                            active.position = Set(next_position(&self.txn, parent_id).await?);
                        }
                        active.update(&self.txn).await?;
                        self.report.sections.updated += 1;
                    } else {
                        self.report.sections.unchanged += 1;
                    }
                    id
                }
                Found::SameSlug(id) => {
                    self.report.sections.unchanged += 1;
                    id
                }
                Found::New(slug) => {
                    let position = next_position(&self.txn, parent_id).await?;
                    let row = section::Entity::insert(section::ActiveModel {
                        id: NotSet,
                        slug: Set(slug.to_string()),
                        name: Set(name),
                        description: Set(description),
                        parent_id: Set(parent_id),
                        position: Set(position),
                    })
                    .exec_with_returning(&self.txn)
                    .await?;
                    self.report.sections.created += 1;
                    row.id
                }
            };
            this_run.insert(id);
            if let Some(path) = category_path(&ancestors) {
                self.paths.add(path, kind::SECTION, id);
            }
            self.sections.insert(category.nicename.clone(), id);
            remembered.push(Remembered {
                kind: kind::SECTION,
                key,
                local_id: id,
                fingerprint: None,
                guid: None,
            });
        }
        remember(&self.txn, &self.report.origin, remembered).await
    }

    /// The section of posts filed under no category: the export's `uncategorized`
    /// category, else a section of that slug, made on first use.
    pub(super) async fn uncategorized(&mut self) -> StoreResult<i32> {
        const SLUG: &str = "uncategorized";
        if let Some(id) = self
            .uncategorized
            .or_else(|| self.sections.get(SLUG).copied())
        {
            return Ok(id);
        }
        let existing: Option<i32> = section::Entity::find()
            .select_only()
            .column(section::Column::Id)
            .filter(section::Column::Slug.eq(SLUG))
            .into_tuple()
            .one(&self.txn)
            .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                let position = next_position(&self.txn, None).await?;
                let row = section::Entity::insert(section::ActiveModel {
                    id: NotSet,
                    slug: Set(SLUG.to_owned()),
                    name: Set("Uncategorized".to_owned()),
                    description: Set(None),
                    parent_id: Set(None),
                    position: Set(position),
                })
                .exec_with_returning(&self.txn)
                .await?;
                self.report.sections.created += 1;
                row.id
            }
        };
        self.uncategorized = Some(id);
        Ok(id)
    }

    /// Tags, by their WordPress slug.
    pub(super) async fn import_tags(&mut self) -> StoreResult<()> {
        let survey = self.survey;
        let before = imported_of_kind(&self.txn, &self.report.origin, kind::TAG).await?;
        let mut remembered = Vec::new();
        let mut this_run = HashSet::new();
        for (index, wp) in survey.tags.iter().enumerate() {
            let name = at_most(
                &non_empty(plain_text(&wp.name)).unwrap_or_else(|| wp.slug.clone()),
                MAX_NAME_CHARS,
            );
            let number = wp.id.unwrap_or(index as u64 + 1);
            let (slug, generated) = fallback_slug(slug_from(&wp.slug, &name), "tag", number)?;
            let key = term_key(wp.id, &wp.slug);
            let found = self
                .find::<tag::Entity>(
                    &before,
                    &[&key, &wp.slug],
                    (&slug, generated),
                    &this_run,
                    "tag",
                )
                .await?;
            let id = match found {
                Found::Imported(id) => {
                    let row = tag::Entity::find_by_id(id)
                        .one(&self.txn)
                        .await?
                        .ok_or(crate::StoreError::NotFound(crate::Record::Tag))?;
                    if row.name == name {
                        self.report.tags.unchanged += 1;
                    } else {
                        let mut active = row.into_active_model();
                        active.name = Set(name);
                        active.update(&self.txn).await?;
                        self.report.tags.updated += 1;
                    }
                    id
                }
                Found::SameSlug(id) => {
                    self.report.tags.unchanged += 1;
                    id
                }
                Found::New(slug) => {
                    let row = tag::Entity::insert(tag::ActiveModel {
                        id: NotSet,
                        slug: Set(slug.to_string()),
                        name: Set(name),
                    })
                    .exec_with_returning(&self.txn)
                    .await?;
                    self.report.tags.created += 1;
                    row.id
                }
            };
            this_run.insert(id);
            if let Some(path) = tag_path(&wp.slug) {
                self.paths.add(path, kind::TAG, id);
            }
            self.tags.insert(wp.slug.clone(), id);
            remembered.push(Remembered {
                kind: kind::TAG,
                key,
                local_id: id,
                fingerprint: None,
                guid: None,
            });
        }
        remember(&self.txn, &self.report.origin, remembered).await
    }
}

/// `slug`, else `<kind>-<n>` for a name with no ASCII letter or digit in it (a site written
/// in another script), `n` being the record's WordPress id (its place in the export when it
/// has none), so that every export of the site gives it the same slug; and whether the slug
/// was made up so.
fn fallback_slug(slug: Option<Slug>, kind: &str, number: u64) -> StoreResult<(Slug, bool)> {
    match slug {
        Some(slug) => Ok((slug, false)),
        None => Slug::parse(&format!("{kind}-{number}"))
            .map(|slug| (slug, true))
            .map_err(|e| crate::StoreError::Corrupt(format!("{kind} slug: {e}"))),
    }
}

/// What an imported term is remembered by: its WordPress id (`wp:term_id`), which stays when
/// its slug is renamed, else (WXR 1.0) its slug.
fn term_key(id: Option<u64>, slug: &str) -> String {
    id.map_or_else(|| slug.to_owned(), |id| format!("term:{id}"))
}

/// The nicenames from the outermost ancestor of `category` down to itself; a loop is cut
/// where it closes.
fn ancestry<'c>(category: &'c Category, by_nicename: &HashMap<&str, &'c Category>) -> Vec<&'c str> {
    let mut chain = vec![category.nicename.as_str()];
    let mut seen: HashSet<&str> = chain.iter().copied().collect();
    let mut current = category;
    while let Some(parent) = by_nicename.get(current.parent.as_str()) {
        if !seen.insert(parent.nicename.as_str()) {
            break;
        }
        chain.push(parent.nicename.as_str());
        current = parent;
    }
    chain.reverse();
    chain
}

/// `categories` ordered so that each comes after its ancestors.
fn parents_first<'c>(
    categories: &'c [Category],
    by_nicename: &HashMap<&str, &'c Category>,
) -> Vec<&'c Category> {
    let mut ordered: Vec<(usize, &Category)> = categories
        .iter()
        .map(|c| (ancestry(c, by_nicename).len(), c))
        .collect();
    ordered.sort_by_key(|(depth, _)| *depth);
    ordered.into_iter().map(|(_, c)| c).collect()
}
