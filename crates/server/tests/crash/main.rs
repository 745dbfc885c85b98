//! The real `dateline` binary killed with SIGKILL in the middle of a burst of writes, three
//! times over, on one database. A crash must lose nothing the server acknowledged and leave
//! nothing half-written, so after each restart:
//!
//! - every article's history is its revisions 1 to its `revision`, none missing, and the
//!   last one is what the article shows;
//! - every acknowledged save, publication and schedule is in that history as answered;
//! - the search index holds exactly the published stories, with their current text;
//! - every scheduled story whose time has passed is public, published by the scheduler
//!   exactly once, at the time the desk chose; none is left behind;
//! - the desk is still signed in and reads each story as stored; the public sees it when
//!   it is published.
//!
//! Each burst runs eight desks at once: autosaves of new drafts, drafts published and then
//! edited, drafts scheduled and then edited (racing the scheduler), and two desks saving one
//! demo story against each other. The kill comes while their requests are in flight.
//!
//! It lives with the abuse tests because only the tests of the package that builds
//! `dateline` can run it (`CARGO_BIN_EXE_dateline`, always the current build).
//! `server`: the child process; `desk`: the editor's client and what it got acknowledged;
//! `stored`: the database read back, and every check above.

#![cfg(unix)]

mod desk;
mod server;
mod stored;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use dateline_server::scheduler::POLL_INTERVAL;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use desk::{Ack, Desk, Outcome, body, new_draft, revision};
use server::{Server, create_desk_account};
use stored::{Stored, check_reads, wait_for_schedule};

/// Each burst: how long its desks write before the kill, and whether the server then stays
/// down until every story scheduled so far is overdue by a few polls, as after a crash
/// nobody noticed at once, instead of coming back at once.
const BURSTS: [(Duration, bool); 3] = [
    (Duration::from_millis(300), false),
    (Duration::from_millis(450), true),
    (Duration::from_millis(600), false),
];

/// Acknowledged writes a burst waits for before its kill, however slow the machine.
const MIN_ACKS: usize = 16;

/// How far ahead the scheduling desks schedule their stories.
const SCHEDULE_AHEAD: [Duration; 2] = [Duration::from_millis(300), Duration::from_millis(1200)];

const EMAIL: &str = "desk@example.com";
const PASSWORD: &str = "a long desk password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_write_loses_nothing_it_acknowledged() {
    let database_url = dateline_tests::fresh_database_url().await;
    let mut server = Server::start(&database_url, true).await;
    create_desk_account(&database_url).await;
    let token = Desk::anonymous(&server).login().await;
    let db = sea_orm::Database::connect(&database_url)
        .await
        .expect("connect to the test database");

    let desk = Desk::signed_in(&server, &token);
    let section = desk
        .read(r#"{ section(slug: "world") { id } }"#, json!({}))
        .await["section"]["id"]
        .clone();
    let demo = desk
        .read(
            "{ articles(first: 3) { nodes { id slug revision } } }",
            json!({}),
        )
        .await["articles"]["nodes"]
        .as_array()
        .expect("demo stories")
        .clone();
    assert_eq!(
        demo.len(),
        BURSTS.len(),
        "one demo story to fight over per burst"
    );

    // Stories scheduled a second or two ahead before any burst: they come due around the
    // first kill and restart.
    let mut ledger = Vec::new();
    let mut due_by = Utc::now();
    for (n, ahead_ms) in [1000, 1500, 2000].into_iter().enumerate() {
        let at = Utc::now() + chrono::Duration::milliseconds(ahead_ms);
        let title = format!("Crash scheduled early {n}");
        ledger.extend(schedule_new_draft(&desk, &title, &section, at).await);
        due_by = due_by.max(at);
    }

    for (cycle, (write_for, stay_down)) in BURSTS.into_iter().enumerate() {
        let burst = burst_then_kill(server, &token, cycle, &section, &demo[cycle], write_for).await;
        println!(
            "burst {cycle}: killed after {:?}, {} writes acknowledged, {} cut in flight",
            burst.wrote_for,
            burst.acks.len(),
            burst.cut_in_flight
        );
        ledger.extend(burst.acks);
        due_by = due_by.max(burst.killed_at + SCHEDULE_AHEAD[1]);
        if stay_down {
            let back_at = due_by + POLL_INTERVAL * 3;
            if let Ok(down) = (back_at - Utc::now()).to_std() {
                tokio::time::sleep(down).await;
            }
        }
        server = Server::start(&database_url, false).await;
        wait_for_schedule(&db, due_by).await;
        check_after_restart(&server, &token, &db, &ledger).await;
    }
    db.close().await.ok();
}

/// Creates a draft titled `title` and schedules it for `at`, and returns both writes'
/// acknowledgements.
async fn schedule_new_draft(
    desk: &Desk,
    title: &str,
    section: &Value,
    at: DateTime<Utc>,
) -> [Ack; 2] {
    let article = desk
        .write("createArticle", new_draft(title, section))
        .await
        .done();
    let input = json!({ "id": article["id"], "at": at.to_rfc3339(), "expectedRevision": 1 });
    let scheduled = desk.write("publishArticle", input).await.done();
    [
        Ack::saved(&article, title, &body(title)),
        Ack::moved(&scheduled),
    ]
}

/// Everything a crash must not break, checked on the restarted `server` and in the
/// database: see the top of this file.
async fn check_after_restart(
    server: &Server,
    token: &str,
    db: &DatabaseConnection,
    ledger: &[Ack],
) {
    let desk = Desk::signed_in(server, token);
    assert_eq!(
        desk.read("{ viewer { email } }", json!({})).await["viewer"]["email"],
        EMAIL,
        "the desk is still signed in after the crash"
    );
    let stored = Stored::read(db).await;
    stored.check_histories();
    stored.check_acknowledged(ledger);
    stored.check_search_index();
    stored.check_scheduled_publications();
    check_reads(server, &desk, &stored, ledger).await;
}

/// What a desk does in a burst once its story is open.
#[derive(Clone, Copy)]
enum Plan {
    /// Saves again and again, as autosave does.
    Autosave,
    /// Saves, publishes the story now, and goes on saving.
    Publish,
    /// Saves, schedules the story this far ahead, and goes on saving.
    Schedule(Duration),
}

/// The story a desk works on: a new draft with this title, or an existing article.
enum Story {
    New { title: String, section: Value },
    Existing(Value),
}

/// What one desk got acknowledged before the server died under it.
struct Work {
    acks: Vec<Ack>,
    /// When it sent the write that got no answer.
    cut: Instant,
}

/// One desk's session: opens its story, then writes without pause until the server stops
/// answering. A conflict is met as the desk meets it: with the current revision, and again.
async fn work(
    desk: Desk,
    label: String,
    story: Story,
    plan: Plan,
    acked: Arc<AtomicUsize>,
) -> Work {
    let mut acks = Vec::new();
    let (id, mut current) = match story {
        Story::Existing(article) => (article["id"].clone(), revision(&article)),
        Story::New { title, section } => {
            match desk
                .write("createArticle", new_draft(&title, &section))
                .await
            {
                Outcome::Done(article) => {
                    acks.push(Ack::saved(&article, &title, &body(&title)));
                    acked.fetch_add(1, Ordering::SeqCst);
                    (article["id"].clone(), revision(&article))
                }
                Outcome::Cut(cut) => return Work { acks, cut },
                Outcome::Conflict(_) => panic!("a new draft cannot conflict"),
            }
        }
    };
    let mut moved = matches!(plan, Plan::Autosave);
    let mut step = 0;
    loop {
        step += 1;
        let (outcome, saved) = if step >= 3 && !moved {
            let input = match plan {
                Plan::Schedule(ahead) => {
                    let at = Utc::now() + ahead;
                    json!({ "id": id, "at": at.to_rfc3339(), "expectedRevision": current })
                }
                _ => json!({ "id": id, "expectedRevision": current }),
            };
            (desk.write("publishArticle", input).await, None)
        } else {
            let title = format!("{label} save {step}");
            let input = json!({
                "id": id, "expectedRevision": current, "title": title, "body": body(&title),
            });
            (desk.write("updateArticle", input).await, Some(title))
        };
        match outcome {
            Outcome::Done(article) => {
                current = revision(&article);
                acks.push(match &saved {
                    Some(title) => Ack::saved(&article, title, &body(title)),
                    None => {
                        moved = true;
                        Ack::moved(&article)
                    }
                });
                acked.fetch_add(1, Ordering::SeqCst);
            }
            Outcome::Conflict(now_at) => current = now_at,
            Outcome::Cut(cut) => return Work { acks, cut },
        }
    }
}

/// What a burst left.
struct Burst {
    acks: Vec<Ack>,
    /// How long the desks wrote before the kill.
    wrote_for: Duration,
    /// How many desks had a write in flight at the kill.
    cut_in_flight: usize,
    killed_at: DateTime<Utc>,
}

/// Runs eight desks on `server` for `write_for` (and until [`MIN_ACKS`] writes were
/// acknowledged), then kills it with SIGKILL while they write.
async fn burst_then_kill(
    server: Server,
    token: &str,
    cycle: usize,
    section: &Value,
    contended: &Value,
    write_for: Duration,
) -> Burst {
    let desk = Desk::signed_in(&server, token);
    let story = |n: usize| Story::New {
        title: format!("Crash {cycle}.{n} draft"),
        section: section.clone(),
    };
    let desks = [
        (story(1), Plan::Autosave),
        (story(2), Plan::Autosave),
        (story(3), Plan::Publish),
        (story(4), Plan::Publish),
        (story(5), Plan::Schedule(SCHEDULE_AHEAD[0])),
        (story(6), Plan::Schedule(SCHEDULE_AHEAD[1])),
        (Story::Existing(contended.clone()), Plan::Autosave),
        (Story::Existing(contended.clone()), Plan::Autosave),
    ];
    let acked = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = desks
        .into_iter()
        .enumerate()
        .map(|(n, (story, plan))| {
            let label = format!("Crash {cycle}.{}", n + 1);
            tokio::spawn(work(desk.clone(), label, story, plan, Arc::clone(&acked)))
        })
        .collect();
    let deadline = started + Duration::from_secs(20);
    while started.elapsed() < write_for || acked.load(Ordering::SeqCst) < MIN_ACKS {
        assert!(
            Instant::now() < deadline,
            "only {} writes acknowledged in 20 s:\n{}",
            acked.load(Ordering::SeqCst),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed_at = Utc::now();
    let killed = Instant::now();
    server.kill();
    let mut burst = Burst {
        acks: Vec::new(),
        wrote_for: killed - started,
        cut_in_flight: 0,
        killed_at,
    };
    for task in tasks {
        let work = task
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        burst.acks.extend(work.acks);
        burst.cut_in_flight += usize::from(work.cut < killed);
    }
    assert!(
        burst.cut_in_flight > 0,
        "the kill came between writes, not in the middle of one"
    );
    burst
}
