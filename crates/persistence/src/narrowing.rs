//! What readers narrow article lists and searches by — sections, tags, authors, sources,
//! stories to leave out, a publication window, featured or not — written once as a
//! condition for the list queries ([`Narrowing::narrow`]) and once as SQL text for the
//! search statements ([`Narrowing::write`]), with the same meaning.
//!
//! Each value list is "any of"; different fields must all hold. Every form keeps the list
//! queries on their indexes:
//!
//! - sections are ids (the caller expands a section to its subtree from the section tree it
//!   keeps), matched on the article row, which the section index leads with;
//! - tags, authors and sources named by slug are one subquery each, resolved by the
//!   database in the same statement (no statement of their own to look the slugs up); one
//!   source is read first, so that its own index serves the page (see `narrow`);
//! - one slug is written `slug = ?`, not `slug IN (?)`, and sections as before, so a page
//!   of one section, tag or author is the same statement as before filters took lists.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Value};

use crate::dialect::Sql;
use crate::entity::{article, article_co_author, article_tag, author, source, tag};
use crate::ids::unique;

/// Tags, authors or sources a filter names: by id when the caller holds them, by slug as
/// readers write them (an unknown slug matches nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Ids(Vec<i32>),
    Slugs(Vec<String>),
}

impl Named {
    /// Names by slug, repeats removed.
    pub fn slugs(slugs: impl IntoIterator<Item = String>) -> Self {
        let mut slugs: Vec<String> = slugs.into_iter().collect();
        slugs.sort_unstable();
        slugs.dedup();
        Self::Slugs(slugs)
    }

    /// One row by id.
    pub fn id(id: i32) -> Self {
        Self::Ids(vec![id])
    }
}

/// Narrows a list of articles or a search. Every field left `None` (or empty, for
/// `exclude_ids`) does not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Narrowing {
    /// Primary section is one of these (sections and their subsections, as ids).
    pub section_ids: Option<Vec<i32>>,
    /// Carries any of these tags.
    pub tags: Option<Named>,
    /// Written by any of these authors, as primary author or co-author.
    pub authors: Option<Named>,
    /// Credited to any of these sources.
    pub sources: Option<Named>,
    /// Not one of these articles.
    pub exclude_ids: Vec<i32>,
    /// Published at or after this instant.
    pub published_after: Option<DateTime<Utc>>,
    /// Published before this instant.
    pub published_before: Option<DateTime<Utc>>,
    /// Featured (or not featured) only.
    pub featured: Option<bool>,
}

/// `column = value` for one value, `column IN (values)` for several (or none).
fn any_of<C, V>(column: C, values: &[V]) -> Expr
where
    C: ColumnTrait,
    V: Into<Value> + Clone,
{
    match values {
        [one] => column.eq(one.clone()),
        _ => column.is_in(values.iter().cloned()),
    }
}

/// The ids of the rows of a catalogue table (`id_column` of `table`) with these slugs.
fn by_slug<T, C>(table: T, id_column: C, slug_column: C, slugs: &[String]) -> SelectStatement
where
    T: sea_orm::sea_query::IntoTableRef,
    C: ColumnTrait,
{
    Query::select()
        .column(id_column)
        .from(table)
        .and_where(any_of(slug_column, slugs))
        .take()
}

impl Narrowing {
    /// `condition` (an `all`) narrowed to the `articles` rows that pass.
    pub(crate) fn narrow(&self, mut condition: Condition) -> Condition {
        if let Some(ids) = &self.section_ids {
            condition = condition.add(article::Column::SectionId.is_in(unique(ids)));
        }
        if let Some(tags) = &self.tags {
            let tagged = Query::select()
                .column(article_tag::Column::ArticleId)
                .from(article_tag::Entity)
                .and_where(match tags {
                    Named::Ids(ids) => any_of(article_tag::Column::TagId, &unique(ids)),
                    Named::Slugs(slugs) => article_tag::Column::TagId.in_subquery(by_slug(
                        tag::Entity,
                        tag::Column::Id,
                        tag::Column::Slug,
                        slugs,
                    )),
                })
                .take();
            condition = condition.add(article::Column::Id.in_subquery(tagged));
        }
        if let Some(authors) = &self.authors {
            let author_ids = |column: article::Column| match authors {
                Named::Ids(ids) => any_of(column, &unique(ids)),
                Named::Slugs(slugs) => column.in_subquery(by_slug(
                    author::Entity,
                    author::Column::Id,
                    author::Column::Slug,
                    slugs,
                )),
            };
            let co_written = Query::select()
                .column(article_co_author::Column::ArticleId)
                .from(article_co_author::Entity)
                .and_where(match authors {
                    Named::Ids(ids) => any_of(article_co_author::Column::AuthorId, &unique(ids)),
                    Named::Slugs(slugs) => {
                        article_co_author::Column::AuthorId.in_subquery(by_slug(
                            author::Entity,
                            author::Column::Id,
                            author::Column::Slug,
                            slugs,
                        ))
                    }
                })
                .take();
            // One list of ids rather than `author_id = … OR id IN …`: an OR across two
            // columns makes both databases walk the whole latest-articles index (100 ms at
            // 100,000 articles on PostgreSQL, against 13 ms this way).
            let bylines = Query::select()
                .column(article::Column::Id)
                .from(article::Entity)
                .and_where(author_ids(article::Column::AuthorId))
                .union(UnionType::All, co_written)
                .take();
            condition = condition.add(article::Column::Id.in_subquery(bylines));
        }
        if let Some(sources) = &self.sources {
            let by_slug = |slugs| {
                by_slug(
                    source::Entity,
                    source::Column::Id,
                    source::Column::Slug,
                    slugs,
                )
            };
            condition = condition.add(match sources {
                Named::Ids(ids) => any_of(article::Column::SourceId, &unique(ids)),
                // One source, as a value the database reads first: the source's
                // latest-stories index then serves the page in order, whether the source
                // credits a handful of stories or nearly all of them. (Joined to the
                // sources instead, both databases walk the latest-articles index until the
                // page is full, which for a rare source is all of it: 100 ms at 100,000
                // articles on PostgreSQL, against 0.1 ms.)
                Named::Slugs(slugs) if slugs.len() == 1 => {
                    Expr::col((article::Entity, article::Column::SourceId))
                        .eq(Expr::SubQuery(None, Box::new(by_slug(slugs).into())))
                }
                // Several: the planner weighs walking that index against sorting what the
                // sources credit.
                Named::Slugs(slugs) => article::Column::SourceId.in_subquery(by_slug(slugs)),
            });
        }
        if !self.exclude_ids.is_empty() {
            condition = condition.add(article::Column::Id.is_not_in(unique(&self.exclude_ids)));
        }
        if let Some(after) = self.published_after {
            condition = condition.add(article::Column::PublishedAt.gte(after));
        }
        if let Some(before) = self.published_before {
            condition = condition.add(article::Column::PublishedAt.lt(before));
        }
        if let Some(featured) = self.featured {
            condition = condition.add(article::Column::Featured.eq(featured));
        }
        condition
    }

    /// The same narrowing as ` AND …` clauses on the articles aliased `a`, for the search
    /// statements.
    pub(crate) fn write(&self, sql: &mut Sql) {
        if let Some(ids) = &self.section_ids {
            sql.push(" AND a.section_id IN (").id_list(ids).push(")");
        }
        if let Some(tags) = &self.tags {
            match tags {
                Named::Ids(ids) => sql
                    .push(
                        " AND a.id IN (SELECT x.article_id FROM article_tags x WHERE x.tag_id IN (",
                    )
                    .id_list(&unique(ids))
                    .push("))"),
                Named::Slugs(slugs) => sql
                    .push(
                        " AND a.id IN (SELECT x.article_id FROM article_tags x \
                         JOIN tags t ON t.id = x.tag_id WHERE t.slug IN (",
                    )
                    .bind_list(slugs)
                    .push("))"),
            };
        }
        if let Some(authors) = &self.authors {
            match authors {
                Named::Ids(ids) => sql
                    .push(" AND (a.author_id IN (")
                    .id_list(&unique(ids))
                    .push(
                        ") OR a.id IN (SELECT c.article_id FROM article_co_authors c \
                         WHERE c.author_id IN (",
                    )
                    .id_list(&unique(ids))
                    .push(")))"),
                Named::Slugs(slugs) => sql
                    .push(" AND (a.author_id IN (SELECT id FROM authors WHERE slug IN (")
                    .bind_list(slugs)
                    .push(
                        ")) OR a.id IN (SELECT c.article_id FROM article_co_authors c \
                         JOIN authors au ON au.id = c.author_id WHERE au.slug IN (",
                    )
                    .bind_list(slugs)
                    .push(")))"),
            };
        }
        if let Some(sources) = &self.sources {
            match sources {
                Named::Ids(ids) => sql
                    .push(" AND a.source_id IN (")
                    .id_list(&unique(ids))
                    .push(")"),
                Named::Slugs(slugs) => sql
                    .push(" AND a.source_id IN (SELECT id FROM sources WHERE slug IN (")
                    .bind_list(slugs)
                    .push("))"),
            };
        }
        if !self.exclude_ids.is_empty() {
            sql.push(" AND a.id NOT IN (")
                .id_list(&unique(&self.exclude_ids))
                .push(")");
        }
        if let Some(after) = self.published_after {
            sql.push(" AND a.published_at >= ").bind(after);
        }
        if let Some(before) = self.published_before {
            sql.push(" AND a.published_at < ").bind(before);
        }
        if let Some(featured) = self.featured {
            sql.push(" AND a.featured = ").bind(featured);
        }
    }
}
