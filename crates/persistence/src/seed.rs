//! Synthetic newsrooms for benchmarks: `dateline seed --articles N`.
//!
//! The shape follows the peer benchmark's news schema: 200 authors, 30 sections, 1,000 tags,
//! three to seven tags per article (five on average) and bodies of about 3 KB. Article
//! `article-N` is the N-th seeded one, and one section is `technology`, so the same queries
//! run against Dateline and its peers. The generated text, tags and authors depend only on
//! how many articles exist already; publication times are spread over the two years before
//! the run.
//!
//! Besides a small vocabulary of common words, every article names two places drawn from
//! [`PLACES`] made-up place names, the first in its title: popular ones appear in thousands
//! of articles and rare ones in a handful, as names do in real news, so that searches for
//! them behave as readers' searches do (see [`place_name`]).

use chrono::{Duration, Utc};
use dateline_domain::html::SafeHtml;
use dateline_domain::{ArticleStatus, Slug};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, TransactionTrait,
};

use crate::articles::insert::{ArticleContent, NewArticle, insert_articles};
use crate::entity::{article, author, section, source, tag};
use crate::error::{StoreError, StoreResult};
use crate::store::Store;

/// Seeded authors.
pub const AUTHORS: usize = 200;
/// Seeded sections (6 top-level sections with 4 subsections each).
pub const SECTIONS: usize = 30;
/// Seeded tags.
pub const TAGS: usize = 1000;
/// The source seeded articles are credited to.
const SEED_SOURCE: &str = "Seed Wire";
/// Its slug.
const SEED_SOURCE_SLUG: &str = "seed-wire";
/// Articles written per transaction.
const CHUNK: usize = 2000;

const TOP_SECTIONS: [&str; 6] = [
    "news",
    "business",
    "technology",
    "sport",
    "culture",
    "opinion",
];

const WORDS: [&str; 48] = [
    "government",
    "minister",
    "talks",
    "report",
    "city",
    "council",
    "market",
    "economy",
    "season",
    "players",
    "court",
    "ruling",
    "election",
    "voters",
    "parliament",
    "budget",
    "energy",
    "climate",
    "river",
    "flood",
    "hospital",
    "doctors",
    "school",
    "teachers",
    "festival",
    "museum",
    "research",
    "scientists",
    "company",
    "shares",
    "profits",
    "workers",
    "union",
    "strike",
    "border",
    "trade",
    "agreement",
    "officials",
    "said",
    "on",
    "the",
    "of",
    "and",
    "in",
    "after",
    "new",
    "week",
    "plans",
];

/// How many made-up place names the seeded articles mention.
pub const PLACES: usize = 4096;

const SYLLABLES: [&str; 16] = [
    "kar", "vel", "lo", "mon", "dri", "sta", "bel", "tor", "nis", "ra", "quen", "fa", "lu", "zor",
    "pel", "din",
];

/// The seed's place name of popularity `rank` (0 is the most mentioned): two or three
/// syllables, capitalised, the same for a rank on every run.
pub fn place_name(rank: usize) -> String {
    let rank = rank % PLACES;
    let syllables = if rank < 256 { 2 } else { 3 };
    let mut name = String::with_capacity(12);
    let mut digits = rank;
    for _ in 0..syllables {
        name.push_str(SYLLABLES[digits % SYLLABLES.len()]);
        digits /= SYLLABLES.len();
    }
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    name
}

/// A place rank drawn so that rank r is mentioned about 1/(r+1) as often as the first.
fn place_rank(rng: &mut fastrand::Rng) -> usize {
    let harmonic = (PLACES as f64).ln();
    let rank = (rng.f64() * harmonic).exp() - 1.0;
    (rank as usize).min(PLACES - 1)
}

fn sentence(rng: &mut fastrand::Rng, words: std::ops::Range<usize>) -> String {
    let words = rng.usize(words);
    let mut s = String::with_capacity(words * 8);
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.usize(..WORDS.len())]);
    }
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s.push('.');
    s
}

/// About 3 KB of paragraphs naming `places`. The markup is generated here, so it is safe
/// by construction.
fn body(rng: &mut fastrand::Rng, places: [&str; 2]) -> SafeHtml {
    let mut html = String::with_capacity(3400);
    html.push_str(&format!(
        "<p>Officials in {} said talks with {} would go on.</p>",
        places[0], places[1]
    ));
    while html.len() < 3000 {
        html.push_str("<p>");
        for i in 0..4 {
            if i > 0 {
                html.push(' ');
            }
            html.push_str(&sentence(rng, 10..22));
        }
        html.push_str("</p>");
    }
    SafeHtml::from_trusted(html)
}

fn parse_slug(value: String) -> StoreResult<Slug> {
    Slug::parse(&value).map_err(|e| StoreError::SampleData(format!("seed slug {value:?}: {e}")))
}

impl Store {
    /// Adds `count` synthetic articles (creating the seed's authors, sections and tags on first
    /// use), calling `progress` with the number written so far after each chunk.
    pub async fn seed(&self, count: usize, progress: impl Fn(usize)) -> StoreResult<()> {
        let db = self.connection();
        let (author_ids, section_ids, tag_ids, source_id) = self.seed_catalog().await?;
        self.events.content_changed();
        let existing = usize::try_from(self.count_seeded_articles().await?).unwrap_or_default();
        let now = Utc::now();
        let mut rng = fastrand::Rng::with_seed(existing as u64 + 1);
        let mut written = 0;
        while written < count {
            let n = CHUNK.min(count - written);
            let mut batch = Vec::with_capacity(n);
            for i in 0..n {
                let number = existing + written + i + 1;
                let status = match rng.u8(..100) {
                    0..=1 => ArticleStatus::Draft,
                    2 => ArticleStatus::Scheduled,
                    _ => ArticleStatus::Published,
                };
                let published_at = match status {
                    ArticleStatus::Draft => None,
                    ArticleStatus::Scheduled => Some(now + Duration::hours(rng.i64(1..240))),
                    _ => Some(now - Duration::seconds(rng.i64(60..2 * 365 * 86_400))),
                };
                let wanted = rng.usize(3..=7);
                let mut tags: Vec<i32> = Vec::with_capacity(wanted);
                while tags.len() < wanted {
                    let tag = tag_ids[rng.usize(..tag_ids.len())];
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
                let places = [
                    place_name(place_rank(&mut rng)),
                    place_name(place_rank(&mut rng)),
                ];
                batch.push(NewArticle {
                    content: ArticleContent {
                        slug: parse_slug(format!("article-{number}"))?,
                        title: format!(
                            "{}: {} {number}",
                            places[0],
                            sentence(&mut rng, 4..9).trim_end_matches('.')
                        ),
                        subtitle: None,
                        body: body(&mut rng, [&places[0], &places[1]]),
                        excerpt: None,
                        dateline_place: Some("LONDON".to_owned()),
                        source_id: Some(source_id),
                        author_id: author_ids[rng.usize(..author_ids.len())],
                        co_author_ids: Vec::new(),
                        section_id: section_ids[rng.usize(..section_ids.len())],
                        tag_ids: tags,
                        featured: rng.u8(..100) < 3,
                        featured_image: None,
                    },
                    status,
                    published_at,
                    owner_id: None,
                });
            }
            let txn = db.begin().await?;
            insert_articles(&txn, &batch, now).await?;
            txn.commit().await?;
            written += n;
            progress(written);
        }
        self.analyze(true).await
    }

    /// How many seeded articles (`article-N`) the database holds.
    pub async fn count_seeded_articles(&self) -> StoreResult<u64> {
        let seeded = article::Entity::find().filter(article::Column::Slug.starts_with("article-"));
        Ok(seeded.count(self.connection()).await?)
    }

    /// The seed's authors, sections, tags and source, created the first time.
    async fn seed_catalog(&self) -> StoreResult<(Vec<i32>, Vec<i32>, Vec<i32>, i32)> {
        let db = self.connection();
        let txn = db.begin().await?;
        let author_ids = match author::Entity::find()
            .filter(author::Column::Slug.starts_with("seed-author-"))
            .all(&txn)
            .await?
        {
            rows if !rows.is_empty() => rows.into_iter().map(|r| r.id).collect(),
            _ => {
                let rows = (1..=AUTHORS).map(|i| author::ActiveModel {
                    id: NotSet,
                    slug: Set(format!("seed-author-{i}")),
                    name: Set(format!("Seed Author {i}")),
                    bio: Set(Some(format!("Seed Author {i} covers the synthetic beat."))),
                    avatar_url: Set(Some(format!("https://images.example/authors/{i}.jpg"))),
                    email: Set(None),
                    created_at: Set(Utc::now()),
                });
                author::Entity::insert_many(rows)
                    .exec_with_returning_keys(&txn)
                    .await?
            }
        };
        let mut section_ids = Vec::with_capacity(SECTIONS);
        for (position, top) in TOP_SECTIONS.iter().enumerate() {
            let title = top[..1].to_ascii_uppercase() + &top[1..];
            let parent = section_id(&txn, top, &title, None, position).await?;
            section_ids.push(parent);
            for child in 1..=4 {
                let slug = format!("{top}-{child}");
                section_ids.push(
                    section_id(
                        &txn,
                        &slug,
                        &format!("{title} {child}"),
                        Some(parent),
                        child,
                    )
                    .await?,
                );
            }
        }
        let tag_ids = match tag::Entity::find()
            .filter(tag::Column::Slug.starts_with("topic-"))
            .all(&txn)
            .await?
        {
            rows if !rows.is_empty() => rows.into_iter().map(|r| r.id).collect(),
            _ => {
                let rows = (1..=TAGS).map(|i| tag::ActiveModel {
                    id: NotSet,
                    slug: Set(format!("topic-{i}")),
                    name: Set(format!("Topic {i}")),
                });
                tag::Entity::insert_many(rows)
                    .exec_with_returning_keys(&txn)
                    .await?
            }
        };
        let source_id = match source::Entity::find()
            .filter(source::Column::Name.eq(SEED_SOURCE))
            .one(&txn)
            .await?
        {
            Some(source) => source.id,
            None => {
                let row = source::ActiveModel {
                    id: NotSet,
                    slug: Set(SEED_SOURCE_SLUG.to_owned()),
                    name: Set(SEED_SOURCE.to_owned()),
                    url: Set(None),
                };
                source::Entity::insert(row).exec(&txn).await?.last_insert_id
            }
        };
        txn.commit().await?;
        Ok((author_ids, section_ids, tag_ids, source_id))
    }
}

/// The id of the section with `slug`, created (under `parent_id`) if it does not exist yet,
/// so that seeding also works on a database that already has sections, such as the demo's.
async fn section_id<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    name: &str,
    parent_id: Option<i32>,
    position: usize,
) -> StoreResult<i32> {
    if let Some(section) = section::Entity::find()
        .filter(section::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        return Ok(section.id);
    }
    let row = section::ActiveModel {
        id: NotSet,
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        description: Set(None),
        parent_id: Set(parent_id),
        position: Set(i32::try_from(position).unwrap_or_default()),
    };
    Ok(section::Entity::insert(row).exec(db).await?.last_insert_id)
}
