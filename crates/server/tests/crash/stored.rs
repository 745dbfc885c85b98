//! What the database holds after a restart, read with SQL, and the invariants a crash must
//! not break; and what the restarted server answers about it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement};
use serde_json::{Value, json};

use crate::desk::{Ack, Desk};
use crate::server::Server;

/// Waits until every scheduled time up to `due_by` has passed and the scheduler has
/// published every story whose time has come.
pub(crate) async fn wait_for_schedule(db: &DatabaseConnection, due_by: DateTime<Utc>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = Utc::now();
        let overdue: Vec<String> = rows(
            db,
            "SELECT slug, published_at FROM articles WHERE status = 'scheduled'",
        )
        .await
        .iter()
        .filter(|row| get::<DateTime<Utc>>(row, 1) <= now)
        .map(|row| get(row, 0))
        .collect();
        if now > due_by && overdue.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still scheduled past their time: {overdue:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An article as stored.
#[derive(Debug)]
struct StoredArticle {
    id: i32,
    title: String,
    status: String,
    revision: i32,
    published_at: Option<DateTime<Utc>>,
    in_trash: bool,
    body_html: String,
    body_text: String,
}

/// A revision as stored.
#[derive(Debug)]
struct StoredRevision {
    status: String,
    title: String,
    body_html: String,
    /// Made with no editor: by the scheduler, or the record of a demo story's original.
    by_nobody: bool,
}

/// The tables a crash could leave half-written, read after the restart.
pub(crate) struct Stored {
    /// By slug.
    articles: BTreeMap<String, StoredArticle>,
    /// By article id and revision number.
    revisions: BTreeMap<(i32, i32), StoredRevision>,
    /// The search index: article id to indexed title and body.
    index: BTreeMap<i32, (String, String)>,
}

impl Stored {
    pub(crate) async fn read(db: &DatabaseConnection) -> Self {
        let articles = rows(
            db,
            "SELECT a.slug, a.id, a.title, a.status, a.revision, a.published_at, \
             CASE WHEN a.deleted_at IS NULL THEN 0 ELSE 1 END, b.body_html, b.body_text \
             FROM articles a JOIN article_bodies b ON b.article_id = a.id",
        )
        .await
        .iter()
        .map(|row| {
            let article = StoredArticle {
                id: get(row, 1),
                title: get(row, 2),
                status: get(row, 3),
                revision: get(row, 4),
                published_at: get(row, 5),
                in_trash: get::<i32>(row, 6) == 1,
                body_html: get(row, 7),
                body_text: get(row, 8),
            };
            (get(row, 0), article)
        })
        .collect();
        let revisions = rows(
            db,
            "SELECT article_id, revision, status, title, body_html, \
             CASE WHEN user_id IS NULL THEN 1 ELSE 0 END FROM article_revisions",
        )
        .await
        .iter()
        .map(|row| {
            let revision = StoredRevision {
                status: get(row, 2),
                title: get(row, 3),
                body_html: get(row, 4),
                by_nobody: get::<i32>(row, 5) == 1,
            };
            ((get(row, 0), get(row, 1)), revision)
        })
        .collect();
        let key = match db.get_database_backend() {
            DbBackend::Sqlite => "rowid",
            _ => "article_id",
        };
        let index = rows(
            db,
            &format!("SELECT {key}, title, body FROM article_search"),
        )
        .await
        .iter()
        .map(|row| (get(row, 0), (get(row, 1), get(row, 2))))
        .collect();
        Self {
            articles,
            revisions,
            index,
        }
    }

    /// The revisions of article `id`, oldest first.
    fn history(&self, id: i32) -> impl Iterator<Item = (i32, &StoredRevision)> {
        self.revisions
            .range((id, i32::MIN)..=(id, i32::MAX))
            .map(|(&(_, number), revision)| (number, revision))
    }

    /// Every article's history is revisions 1 to its `revision`, and the last one is what
    /// the article shows. A demo story never edited has no history yet.
    pub(crate) fn check_histories(&self) {
        for (slug, article) in &self.articles {
            let numbers: Vec<i32> = self.history(article.id).map(|(n, _)| n).collect();
            if numbers.is_empty() {
                assert_eq!(article.revision, 1, "{slug} changed but has no history");
                continue;
            }
            assert_eq!(
                numbers,
                (1..=article.revision).collect::<Vec<_>>(),
                "{slug} is at revision {} but its history holds these",
                article.revision
            );
            let last = &self.revisions[&(article.id, article.revision)];
            assert_eq!(
                (&last.title, &last.status, &last.body_html),
                (&article.title, &article.status, &article.body_html),
                "{slug}: its latest revision is not what the article shows"
            );
        }
    }

    /// Every acknowledged write is in its article's history, as the server answered it.
    pub(crate) fn check_acknowledged(&self, ledger: &[Ack]) {
        for ack in ledger {
            let article = self
                .articles
                .get(ack.slug())
                .unwrap_or_else(|| panic!("acknowledged {ack:?}, but the article is gone"));
            let kept = |revision: i32| {
                self.revisions
                    .get(&(article.id, revision))
                    .unwrap_or_else(|| panic!("acknowledged {ack:?}, but the revision is lost"))
            };
            match ack {
                Ack::Saved {
                    revision,
                    title,
                    body,
                    ..
                } => {
                    let kept = kept(*revision);
                    assert_eq!(
                        (&kept.title, &kept.body_html),
                        (title, body),
                        "acknowledged {ack:?}, but another text is kept as that revision"
                    );
                }
                Ack::Published { revision, .. } => {
                    assert_eq!(kept(*revision).status, "published", "{ack:?}");
                }
                Ack::Scheduled { revision, at, .. } => {
                    assert_eq!(kept(*revision).status, "scheduled", "{ack:?}");
                    assert_eq!(
                        article.published_at,
                        Some(*at),
                        "{ack:?}: the story is not dated at the time the desk chose"
                    );
                }
            }
        }
    }

    /// The search index holds exactly the published stories outside the trash, each with
    /// its current headline and text.
    pub(crate) fn check_search_index(&self) {
        let expected: BTreeMap<i32, (String, String)> = self
            .articles
            .values()
            .filter(|a| a.status == "published" && !a.in_trash)
            .map(|a| (a.id, (a.title.clone(), a.body_text.clone())))
            .collect();
        let slug_of = |id: i32| {
            self.articles
                .iter()
                .find(|(_, a)| a.id == id)
                .map_or_else(|| format!("article {id}"), |(slug, _)| slug.clone())
        };
        let missing: Vec<String> = expected
            .keys()
            .filter(|id| !self.index.contains_key(id))
            .map(|&id| slug_of(id))
            .collect();
        let extra: Vec<String> = self
            .index
            .keys()
            .filter(|id| !expected.contains_key(id))
            .map(|&id| slug_of(id))
            .collect();
        let stale: Vec<String> = expected
            .iter()
            .filter(|(id, text)| self.index.get(id).is_some_and(|indexed| indexed != *text))
            .map(|(&id, _)| slug_of(id))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty() && stale.is_empty(),
            "the search index is not the published set: missing {missing:?}, \
             not published {extra:?}, with old text {stale:?}"
        );
    }

    /// Every story that was ever scheduled (all their times have passed) is published, by
    /// the scheduler, exactly once; no other story was published by it.
    pub(crate) fn check_scheduled_publications(&self) {
        for (slug, article) in &self.articles {
            let history: Vec<_> = self.history(article.id).collect();
            let scheduled = history.iter().any(|(_, r)| r.status == "scheduled");
            // Revisions made with no editor are the scheduler's, but for the first: the record
            // of a demo story's original text, kept when it is first edited.
            let publications = history
                .iter()
                .skip(1)
                .filter(|(_, r)| r.by_nobody && r.status == "published")
                .count();
            assert_eq!(
                publications,
                usize::from(scheduled),
                "{slug} was published by the scheduler {publications} times"
            );
            if scheduled {
                assert_eq!(
                    article.status, "published",
                    "{slug} was scheduled, its time has passed, and it is not published"
                );
            }
        }
    }
}

/// The desk reads every story it wrote as stored; the public reads the published ones.
pub(crate) async fn check_reads(server: &Server, desk: &Desk, stored: &Stored, ledger: &[Ack]) {
    let slugs: Vec<&str> = ledger
        .iter()
        .map(Ack::slug)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let variables: serde_json::Map<String, Value> = slugs
        .iter()
        .enumerate()
        .map(|(n, slug)| (format!("s{n}"), json!(slug)))
        .collect();
    let document = |fields: &str| {
        let parameters: Vec<String> = (0..slugs.len())
            .map(|n| format!("$s{n}: String!"))
            .collect();
        let lookups: Vec<String> = (0..slugs.len())
            .map(|n| format!("a{n}: article(slug: $s{n}) {{ {fields} }}"))
            .collect();
        format!(
            "query({}) {{ {} }}",
            parameters.join(", "),
            lookups.join(" ")
        )
    };
    let staff = desk
        .read(
            &document("revision title status"),
            Value::Object(variables.clone()),
        )
        .await;
    let public = Desk::anonymous(server)
        .read(&document("title"), Value::Object(variables))
        .await;
    let now = Utc::now();
    for (n, slug) in slugs.iter().enumerate() {
        let article = &stored.articles[*slug];
        assert_eq!(
            staff[format!("a{n}")],
            json!({
                "revision": article.revision,
                "title": article.title,
                "status": article.status.to_uppercase(),
            }),
            "the desk does not read {slug} as stored"
        );
        let is_public = article.status == "published"
            && !article.in_trash
            && article.published_at.is_some_and(|at| at <= now);
        let expected = if is_public {
            json!({ "title": article.title })
        } else {
            Value::Null
        };
        assert_eq!(
            public[format!("a{n}")],
            expected,
            "the public does not read {slug} as its status says"
        );
    }
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: usize) -> T {
    row.try_get_by_index(column)
        .unwrap_or_else(|e| panic!("column {column}: {e:?}"))
}
