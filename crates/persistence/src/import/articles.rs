//! Posts as articles. New ones are written in batches through `articles::insert` (with
//! their revision 1, as a new draft has); one imported before is updated through
//! `articles::edit`, as an editor's save is, when WordPress has changed it since.

use crate::seo::import_seo;
use dateline_domain::input::{MAX_SHORT_TEXT_CHARS, MAX_TAGS, MAX_TITLE_CHARS, web_url};
use dateline_domain::model::FeaturedImage;
use dateline_domain::seo::{PageKind, SeoOverride};
use dateline_domain::{ArticleStatus, Slug};
use dateline_wordpress::Item;
use dateline_wordpress::content::convert;
use dateline_wordpress::mapping::{
    Fate, at_most, fate, plain_text, post_paths, published_at, seo_of, slug_from, with_suffix,
};
use dateline_wordpress::shortcode::Context;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use sha2::{Digest, Sha256};

use super::WordpressImport;
use super::records::{Remembered, kind, remember};
use crate::articles::ArticleChanges;
use crate::articles::change::{Trash, claim, set_tags_visibility, snapshot, snapshot_all};
use crate::articles::edit::apply;
use crate::articles::insert::{ArticleContent, NewArticle, insert_articles, visible_from};
use crate::entity::article;
use crate::error::{StoreError, StoreResult};
use crate::search::index::{Reindex, reindex};
use crate::store::stored_time;

/// New articles written per batch.
const BATCH: usize = 200;

/// A new article waiting for its batch, with what is remembered of it once it has an id.
pub(super) struct Pending {
    article: NewArticle,
    key: String,
    fingerprint: Option<String>,
    guid: Option<String>,
    seo: SeoOverride,
    paths: Vec<String>,
}

/// The GUID a post had in the WordPress site's feeds, which Dateline's feeds go on giving
/// it, so that readers subscribed before the move do not see every story again as new.
fn feed_guid(item: &Item) -> Option<String> {
    let guid = item.guid.trim();
    (!guid.is_empty() && guid.len() <= 2048).then(|| guid.to_owned())
}

/// What tells whether a post changed on WordPress since its last import: a digest of
/// everything the import reads of it (its modification time alone would miss exports that
/// leave it out, and status changes some plugins make without touching it).
fn fingerprint(item: &Item) -> String {
    let mut digest = Sha256::new();
    let fields = [
        &item.post_modified_gmt,
        &item.post_modified,
        &item.post_date_gmt,
        &item.post_date,
        &item.status,
        &item.title,
        &item.post_name,
        &item.creator,
        &item.content,
        &item.excerpt,
    ];
    for field in fields {
        digest.update(field.as_bytes());
        digest.update([0]);
    }
    digest.update([u8::from(item.is_sticky)]);
    for term in &item.terms {
        digest.update(term.domain.as_bytes());
        digest.update([1]);
        digest.update(term.nicename.as_bytes());
        digest.update([0]);
    }
    digest.update(item.meta("_thumbnail_id").unwrap_or_default().as_bytes());
    let seo = seo_of(item);
    for field in [seo.title, seo.description] {
        digest.update([2]);
        digest.update(field.unwrap_or_default().as_bytes());
    }
    digest.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An article as a post maps to it.
struct Mapped {
    content: ArticleContent,
    status: ArticleStatus,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl WordpressImport<'_> {
    /// Imports one item of the export: a post becomes an article (or updates the one it
    /// became before); anything else is counted as skipped.
    pub async fn import_item(&mut self, item: &Item) -> StoreResult<()> {
        self.report.comments += item.comments;
        let status = match fate(&item.post_type, &item.status) {
            // Dateline has no passwords on stories: a protected post must not become public.
            Fate::Article(_) if item.protected => {
                self.report.protected_as_drafts += 1;
                ArticleStatus::Draft
            }
            Fate::Article(status) => status,
            Fate::Skipped(why) => {
                self.report.skip(why);
                return Ok(());
            }
        };
        let Some(post_id) = item.post_id else {
            self.report.skip("posts without an id");
            return Ok(());
        };
        if !self.seen_posts.insert(post_id) {
            self.report.skip("posts repeated in the export");
            return Ok(());
        }
        if item.status == "private" {
            self.report.private_as_drafts += 1;
        }
        let key = post_id.to_string();
        let digest = Some(fingerprint(item));
        let before = self.imported_articles.remove(&key);
        let current = match before {
            Some((id, previous)) => article::Entity::find_by_id(id)
                .one(&self.txn)
                .await?
                .map(|row| (row, previous)),
            None => None,
        };
        match current {
            Some((row, previous)) if previous == digest => {
                self.claimed_slugs.insert(row.slug.clone());
                self.report.articles.unchanged += 1;
                self.add_paths(item, row.id);
            }
            Some((row, _)) if row.deleted_at.is_some() => {
                self.claimed_slugs.insert(row.slug.clone());
                self.report
                    .skip("posts whose article is in Dateline's trash");
            }
            Some((row, _)) => {
                let id = row.id;
                let mapped = self.map(item, post_id, status, Some(id)).await?;
                self.update(row, mapped).await?;
                import_seo(&self.txn, PageKind::Article, vec![(id, seo_of(item))]).await?;
                self.add_paths(item, id);
                let remembered = Remembered {
                    kind: kind::ARTICLE,
                    key,
                    local_id: id,
                    fingerprint: digest,
                    guid: feed_guid(item),
                };
                remember(&self.txn, &self.report.origin, vec![remembered]).await?;
                self.report.articles.updated += 1;
            }
            None => {
                let mapped = self.map(item, post_id, status, None).await?;
                self.pending.push(Pending {
                    article: NewArticle {
                        content: mapped.content,
                        status: mapped.status,
                        published_at: mapped.published_at,
                        owner_id: None,
                    },
                    key,
                    fingerprint: digest,
                    guid: feed_guid(item),
                    seo: seo_of(item),
                    paths: post_paths(item),
                });
                self.report.articles.created += 1;
                if self.pending.len() >= BATCH {
                    self.write_pending().await?;
                }
            }
        }
        if self.paths.full() {
            self.paths.write(&self.txn).await?;
        }
        Ok(())
    }

    /// Keeps the post's old addresses, leading to article `id`.
    fn add_paths(&mut self, item: &Item, id: i32) {
        for path in post_paths(item) {
            self.paths.add(path, kind::ARTICLE, id);
        }
    }

    /// The article a post maps to. `own` is the article it became before, whose slug it
    /// may keep.
    async fn map(
        &mut self,
        item: &Item,
        post_id: u64,
        status: ArticleStatus,
        own: Option<i32>,
    ) -> StoreResult<Mapped> {
        let mut title = at_most(&plain_text(&item.title), MAX_TITLE_CHARS);
        if title.is_empty() {
            title = format!("Untitled post {post_id}");
        }
        let slug = self.free_slug(item, &title, post_id, own).await?;
        let section_id = match item
            .terms
            .iter()
            .filter(|t| t.domain == "category")
            .find_map(|t| self.sections.get(&t.nicename).copied())
        {
            Some(id) => id,
            None => self.uncategorized().await?,
        };
        let author_id = self.author_of(item)?;
        let mut tag_ids: Vec<i32> = item
            .terms
            .iter()
            .filter(|t| t.domain == "post_tag" || t.domain == "tag")
            .filter_map(|t| self.tags.get(&t.nicename).copied())
            .collect();
        tag_ids.dedup();
        if tag_ids.len() > MAX_TAGS {
            tag_ids.truncate(MAX_TAGS);
            self.report.warn(format!(
                "posts with more than {MAX_TAGS} tags: the first {MAX_TAGS} kept"
            ));
        }
        let attachments = &self.survey.attachments;
        let converted = convert(
            &item.content,
            &Context {
                post_id: Some(post_id),
                attachments,
                site: &self.report.origin,
            },
        );
        for name in converted.dropped_shortcodes {
            self.report.warn(format!("shortcode [{name}] dropped"));
        }
        let excerpt = Some(at_most(&plain_text(&item.excerpt), MAX_SHORT_TEXT_CHARS))
            .filter(|e| !e.is_empty());
        let featured_image = self.featured_image(item);
        let date = published_at(item).map(stored_time);
        let (status, published_at) = match status {
            ArticleStatus::Published => (status, Some(date.unwrap_or(self.now))),
            ArticleStatus::Scheduled if date.is_none() => {
                self.report
                    .warn("scheduled posts without a date: imported as drafts");
                (ArticleStatus::Draft, None)
            }
            ArticleStatus::Draft => (status, None),
            _ => (status, date),
        };
        Ok(Mapped {
            content: ArticleContent {
                slug,
                title,
                subtitle: None,
                body: converted.body,
                excerpt,
                dateline_place: None,
                section_id,
                source_id: None,
                author_id,
                co_author_ids: Vec::new(),
                tag_ids,
                featured: item.is_sticky,
                featured_image,
            },
            status,
            published_at,
        })
    }

    /// The byline of a post: the profile of its `dc:creator` (every creator has one, made
    /// from the login when the export does not describe it).
    fn author_of(&self, item: &Item) -> StoreResult<i32> {
        self.authors
            .get(&item.creator)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("no author for login {:?}", item.creator)))
    }

    /// The featured image: the attachment postmeta `_thumbnail_id` names, with its alt text
    /// and caption.
    fn featured_image(&mut self, item: &Item) -> Option<FeaturedImage> {
        let id: u64 = item.meta("_thumbnail_id")?.trim().parse().ok()?;
        let Some(image) = self.survey.attachments.get(id) else {
            self.report
                .warn("featured images that are not in the export: left out");
            return None;
        };
        let Ok(Some(url)) = web_url(&image.url) else {
            self.report
                .warn("featured images without a web address: left out");
            return None;
        };
        let text =
            |t: &str| Some(at_most(&plain_text(t), MAX_SHORT_TEXT_CHARS)).filter(|t| !t.is_empty());
        Some(FeaturedImage {
            url,
            alt_text: text(&image.alt),
            caption: text(&image.caption),
            credit: None,
        })
    }

    /// The post's slug (from its name, else its title, else its id), with `-2`, `-3`… when
    /// another article has it (one not from this post) or an earlier post of this import
    /// took it.
    async fn free_slug(
        &mut self,
        item: &Item,
        title: &str,
        post_id: u64,
        own: Option<i32>,
    ) -> StoreResult<Slug> {
        let wanted = slug_from(&item.post_name, title)
            .or_else(|| Slug::parse(&format!("post-{post_id}")).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("no slug for post {post_id}")))?;
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                wanted.clone()
            } else {
                with_suffix(&wanted, n)
            };
            let taken = self.claimed_slugs.contains(candidate.as_str()) || {
                let holder: Option<i32> = article::Entity::find()
                    .select_only()
                    .column(article::Column::Id)
                    .filter(article::Column::Slug.eq(candidate.as_str()))
                    .into_tuple()
                    .one(&self.txn)
                    .await?;
                holder.is_some_and(|holder| Some(holder) != own)
            };
            if !taken {
                if n > 1 {
                    self.report.warn(format!(
                        "slug `{wanted}` used twice: post {post_id} is `{candidate}`"
                    ));
                }
                self.claimed_slugs.insert(candidate.to_string());
                return Ok(candidate);
            }
            n += 1;
        }
    }

    /// Writes the new articles waiting, with their revision 1, mappings and old addresses.
    pub(super) async fn write_pending(&mut self) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let (articles, rest): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .map(|p| (p.article, (p.key, p.fingerprint, p.guid, p.seo, p.paths)))
            .unzip();
        let ids = insert_articles(&self.txn, &articles, self.now).await?;
        let rows = article::Entity::find()
            .filter(article::Column::Id.is_in(ids.clone()))
            .all(&self.txn)
            .await?;
        snapshot_all(&self.txn, &rows, None, self.now).await?;
        let mut remembered = Vec::with_capacity(ids.len());
        let mut seo = Vec::new();
        for (id, (key, fingerprint, guid, set, paths)) in ids.into_iter().zip(rest) {
            seo.push((id, set));
            for path in paths {
                self.paths.add(path, kind::ARTICLE, id);
            }
            remembered.push(Remembered {
                kind: kind::ARTICLE,
                key,
                local_id: id,
                fingerprint,
                guid,
            });
        }
        import_seo(&self.txn, PageKind::Article, seo).await?;
        remember(&self.txn, &self.report.origin, remembered).await
    }

    /// Writes a post's new state over the article it became, as an editor's save would:
    /// the revision claimed and bumped, the change recorded as a revision, the search index
    /// rewritten. Its status and publication time follow WordPress's.
    async fn update(&mut self, row: article::Model, mapped: Mapped) -> StoreResult<()> {
        let id = row.id;
        let current = claim(&self.txn, id, row.revision, Trash::Outside, self.now).await?;
        let content = mapped.content;
        let changes = ArticleChanges {
            slug: Some(content.slug),
            title: Some(content.title),
            body: Some(content.body),
            excerpt: Some(content.excerpt),
            section_id: Some(content.section_id),
            author_id: Some(content.author_id),
            tag_ids: Some(content.tag_ids),
            featured: Some(content.featured),
            featured_image: Some(content.featured_image),
            ..ArticleChanges::default()
        };
        let mut row = apply(&self.txn, current, changes, self.now).await?;
        let status = mapped.status.as_str();
        if row.status != status || row.published_at != mapped.published_at {
            let mut active = row.into_active_model();
            active.status = Set(status.to_owned());
            active.published_at = Set(mapped.published_at);
            active.status_changed_at = Set(Some(self.now));
            row = active.update(&self.txn).await?;
            let visible = visible_from(mapped.status, mapped.published_at);
            set_tags_visibility(&self.txn, id, visible).await?;
        }
        snapshot(&self.txn, &row, None, self.now).await?;
        reindex(&self.txn, Reindex::Articles(&[id])).await?;
        Ok(())
    }
}
