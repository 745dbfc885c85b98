//! Read replicas, on a real PostgreSQL streaming replica (`.ci/replica`): the public's reads go
//! to it, the signed-in and every mutation to the primary; a replica that lags past its
//! bound or goes away leaves rotation without a client noticing, and comes back.
//!
//! Pausing replay holds the whole replica server still, so these tests take turns.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dateline_domain::Role;
use dateline_persistence::{ReplicaPools, ReplicaSettings, probe_pool};
use dateline_tests::{
    Settings, TestApp, fresh_database_url, on_postgres, pool_settings, replica_of, replica_server,
    serve, serving_store,
};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::faults::{FRONT_PAGE, Link, Outcome, Proxy, attempt, through};
use crate::fixtures::{draft, publish};

/// One replica test at a time: pausing replay pauses it for every database.
pub(crate) static TAKING_TURNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Replay on the replica server, paused until this is dropped.
struct Paused;

impl Paused {
    async fn replay() -> Self {
        replica_admin("SELECT pg_wal_replay_pause()").await;
        // Pausing is asked for, and takes effect a moment later.
        let db = Database::connect(replica_server())
            .await
            .expect("reach the replica server");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT pg_get_wal_replay_pause_state()",
                ))
                .await
                .expect("ask the replica");
            let state: String = row
                .and_then(|row| row.try_get_by_index(0).ok())
                .unwrap_or_default();
            if state == "paused" {
                break;
            }
            assert!(Instant::now() < deadline, "replay did not pause: {state}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        db.close().await.ok();
        Self
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        // Resumed even when the test fails, so the next one finds the replica replaying.
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(replica_admin("SELECT pg_wal_replay_resume()"));
        })
        .join()
        .ok();
    }
}

/// Runs `sql` on the replica server.
async fn replica_admin(sql: &str) {
    let db = Database::connect(replica_server())
        .await
        .expect("reach the replica server");
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql} on the replica: {e}"));
    db.close().await.ok();
}

/// A server on the database at `url` (holding the demo newsroom) whose public reads go to
/// the replica at `replica` within `max_lag`.
pub(crate) async fn with_replica(url: &str, replica: &str, max_lag: Duration) -> TestApp {
    let settings = Settings::default();
    let statements = Arc::default();
    let pools = ReplicaPools::connect("replica-1", replica, &pool_settings(&settings))
        .await
        .expect("pools on the replica");
    let primary = probe_pool(url).await.expect("a probe of the primary");
    let store = serving_store(url, &settings, &statements)
        .await
        .with_replicas(
            vec![pools],
            primary,
            ReplicaSettings {
                max_lag,
                probe_interval: Duration::from_millis(100),
            },
        );
    serve(store, url.to_owned(), statements, settings).await
}

/// A fresh database holding the demo newsroom.
pub(crate) async fn newsroom() -> String {
    let url = fresh_database_url().await;
    let store = dateline_persistence::Store::connect(&url)
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    store.load_demo().await.expect("demo");
    store.close().await;
    url
}

/// Waits up to `within` for `app`'s replica to be in rotation (`true`) or out of it.
pub(crate) async fn replica_serving(app: &TestApp, serving: bool, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if app.store.replica_status().first().map(|r| r.serving) == Some(serving) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const STORY: &str = "query($slug: String!) { article(slug: $slug) { title status } }";

/// The story `slug` as the public reads it on `app` (`null` when it finds none).
async fn public_story(app: &TestApp, slug: &str) -> Value {
    app.data(STORY, json!({ "slug": slug })).await["article"].clone()
}

/// Waits up to `within` for the public to find the story `slug` on `app`.
async fn story_appears(app: &TestApp, slug: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !public_story(app, slug).await.is_null() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn public_reads_go_to_the_replica_and_writers_read_their_writes_while_it_lags() {
    if !on_postgres() {
        return;
    }
    let _turn = TAKING_TURNS.lock().await;
    let url = newsroom().await;
    let replica = replica_of(&url);
    // Two servers on the same primary and replica: one tolerates a minute of lag, the other
    // a second.
    let patient = with_replica(&url, &replica, Duration::from_secs(60)).await;
    let strict = with_replica(&url, &replica, Duration::from_secs(1)).await;
    for app in [&patient, &strict] {
        assert!(
            replica_serving(app, true, Duration::from_secs(30)).await,
            "the replica comes into rotation once it has the database"
        );
    }

    let paused = Paused::replay().await;
    // Signing in is a mutation by the public: it writes a session, so it runs on the
    // primary (on the replica it could not write at all).
    let editor = patient.staff(Role::Editor).await;
    let story = draft(&patient, &editor, "Replica story from the valley").await;
    let story = publish(&patient, &editor, &story).await;
    let slug = story["slug"].as_str().expect("a slug").to_owned();
    assert_eq!(story["status"], "PUBLISHED");

    // The editor reads what they just wrote: signed in, on the primary.
    let theirs = patient
        .data_as(&editor, STORY, json!({ "slug": slug }))
        .await;
    assert_eq!(theirs["article"]["status"], "PUBLISHED", "{theirs}");
    // The public on the patient server reads the replica, which has not replayed it yet.
    assert_eq!(public_story(&patient, &slug).await, Value::Null);
    // A preview link is read on the primary: its holder sees the draft as just saved.
    let sneak = draft(&patient, &editor, "Sneak peek at the replica").await;
    let link = patient
        .data_as(
            &editor,
            "mutation($id: ID!) { createPreviewLink(input: { id: $id }) { token } }",
            json!({ "id": sneak["id"] }),
        )
        .await;
    let seen = patient
        .data(
            "query($token: String!) { preview(token: $token) { title } }",
            json!({ "token": link["createPreviewLink"]["token"] }),
        )
        .await;
    assert_eq!(
        seen["preview"]["title"], "Sneak peek at the replica",
        "{seen}"
    );
    let feed = patient.get("/feed").await.text().await.expect("the feed");
    assert!(feed.contains("<rss"), "{feed}");
    assert!(
        !feed.contains("Replica story from the valley"),
        "the feed is read on the replica too"
    );
    // The strict server takes the replica out of rotation once it lags past a second, and
    // its public reads find the story on the primary.
    assert!(
        story_appears(&strict, &slug, Duration::from_secs(10)).await,
        "a replica lagging past its bound leaves rotation"
    );
    assert!(replica_serving(&strict, false, Duration::ZERO).await);
    assert!(
        replica_serving(&patient, true, Duration::ZERO).await,
        "within a minute of lag the replica still serves the patient server"
    );

    drop(paused);
    assert!(
        story_appears(&patient, &slug, Duration::from_secs(20)).await,
        "once replay resumes the replica has the story"
    );
    assert!(
        replica_serving(&strict, true, Duration::from_secs(20)).await,
        "a replica that caught up comes back into rotation by itself"
    );
}

#[tokio::test]
async fn a_replica_going_away_under_load_costs_the_public_nothing() {
    if !on_postgres() {
        return;
    }
    let _turn = TAKING_TURNS.lock().await;
    let url = newsroom().await;
    let (_, upstream) = through(&replica_of(&url), "127.0.0.1:1".parse().expect("address"));
    let proxy = Proxy::start(upstream).await;
    let (proxied, _) = through(&replica_of(&url), proxy.address);
    let app = with_replica(&url, &proxied, Duration::from_secs(5)).await;
    assert!(replica_serving(&app, true, Duration::from_secs(30)).await);

    // Eight readers for six seconds; the replica is cut away from the second to the fourth.
    let started = Instant::now();
    let app = Arc::new(app);
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while started.elapsed() < Duration::from_secs(6) {
                    let (outcome, body) = attempt(&app, None, FRONT_PAGE, json!({}), started).await;
                    let read = body["data"]["articles"]["nodes"]
                        .as_array()
                        .is_some_and(|nodes| !nodes.is_empty());
                    outcomes.push((outcome, read));
                }
                outcomes
            })
        })
        .collect();
    // And a feed reader, whose feeds are read on the replica too.
    let feeds = {
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            while started.elapsed() < Duration::from_secs(6) {
                let response = app.get("/feed").await;
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                statuses.push((status, body.contains("<item>")));
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.set(Link::Cut);
    let left = replica_serving(&app, false, Duration::from_secs(3)).await;
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(started.elapsed())).await;
    proxy.set(Link::Open);
    let mut outcomes: Vec<(Outcome, bool)> = Vec::new();
    for reader in readers {
        outcomes.extend(reader.await.expect("a reader"));
    }
    let feeds = feeds.await.expect("the feed reader");
    assert!(
        feeds.len() > 5,
        "the feed reader kept reading: {}",
        feeds.len()
    );
    assert!(
        feeds.iter().all(|(status, items)| *status == 200 && *items),
        "every feed was served in full: {feeds:?}"
    );
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|(o, read)| !o.ok() || !read)
        .collect();
    let slowest = outcomes
        .iter()
        .map(|(o, _)| o.took)
        .max()
        .unwrap_or_default();
    eprintln!(
        "replica outage under load: {} reads, {} failed, slowest {slowest:?}",
        outcomes.len(),
        failed.len()
    );
    assert!(left, "a replica that went away leaves rotation");
    assert!(
        outcomes.len() > 50,
        "the readers kept reading: {}",
        outcomes.len()
    );
    assert!(
        failed.is_empty(),
        "every read was answered in full, from the replica or the primary: {:?}",
        failed.first()
    );
    assert!(
        slowest < Duration::from_secs(2),
        "no read waited on the vanished replica: {slowest:?}"
    );
    assert!(
        replica_serving(&app, true, Duration::from_secs(20)).await,
        "the replica comes back into rotation once it answers again"
    );
}

#[tokio::test]
async fn sqlite_has_no_replicas_and_says_so() {
    let database = dateline_server::ServingDatabase {
        replicas: vec!["postgres://postgres@127.0.0.1:5433/news".to_owned()],
        ..dateline_server::ServingDatabase::default()
    };
    let file = std::env::temp_dir().join(format!(
        "dateline-replica-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let refused = dateline_server::open_serving_store(&url, &database)
        .await
        .expect_err("a SQLite database with a replica is refused");
    assert!(format!("{refused:#}").contains("PostgreSQL"), "{refused:#}");
}
