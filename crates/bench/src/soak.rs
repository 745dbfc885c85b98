//! Soak mode (`--soak DURATION`): a mixed workload for a long time, to find the errors and
//! the memory growth that a few seconds per operation do not show.
//!
//! Of the `--concurrency` clients, one in eight (at least one, at most four) saves its own
//! draft as `W1` does, when the bench started the server itself; the others go through a
//! rotation of seven reader's pages (`Q1`–`Q3`, the article page over the newest published
//! articles) to three searches (`S1`–`S3`). Every `--soak-report-every`, and at the end, a
//! row gives that interval's requests and errors by kind and the process's memory: the
//! server runs in this process, so that is the server's, with the load generator's. It shows
//! resident memory (RSS), and the heap (`RssAnon`: RSS without mapped files, such as
//! SQLite's memory-mapped database, whose pages come and go with the page cache). The soak
//! fails when any request failed or when the heap grew by more than [`MAX_RSS_GROWTH`]
//! percent from the first row to the last.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use dateline_persistence::Store;
use serde_json::{Value, json};

use crate::{Args, Draft};

/// How much the heap may grow, in percent, from the first row to the last.
const MAX_RSS_GROWTH: f64 = 10.0;

/// A request that takes longer than this counts as failed (the server's own deadline is
/// shorter, so this only catches a server that stopped answering).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A client whose request failed waits this long before its next one, so that a server
/// that is down is not hammered and the counts stay those of requests a server could answer.
const PAUSE_AFTER_ERROR: Duration = Duration::from_millis(100);

/// How many of the newest published articles the article page goes through.
const ARTICLE_PAGES: usize = 500;

/// The readers' rotation, by operation: seven pages to three searches, the costliest search
/// (`S3`, most articles match) once.
const ROTATION: [&str; 10] = ["Q1", "Q2", "Q3", "Q2", "S1", "Q1", "Q2", "Q3", "S2", "S3"];

/// Parses a duration: `90s`, `10m`, `1h`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let wrong = || format!("{text:?} is not a duration such as 90s, 10m or 1h");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(wrong()),
    };
    let seconds = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_seconds))
        .ok_or_else(wrong)?;
    if seconds == 0 {
        return Err(format!("{text:?}: a duration must be longer than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

/// What a soak request does; each kind is counted on its own.
#[derive(Clone, Copy)]
enum Kind {
    Read,
    Search,
    Save,
}

const KINDS: usize = 3;

/// Requests and errors by kind (indexed by [`Kind`]).
#[derive(Clone, Copy, Default)]
struct Counts {
    requests: [u64; KINDS],
    errors: [u64; KINDS],
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        for kind in 0..KINDS {
            self.requests[kind] += other.requests[kind];
            self.errors[kind] += other.errors[kind];
        }
    }

    fn requests(&self) -> u64 {
        self.requests.iter().sum()
    }

    fn errors(&self) -> u64 {
        self.errors.iter().sum()
    }
}

/// What the clients have done since the last row; every row takes it and starts it afresh.
#[derive(Default)]
struct Tally {
    requests: [AtomicU64; KINDS],
    errors: [AtomicU64; KINDS],
}

impl Tally {
    fn count(&self, kind: Kind, succeeded: bool) {
        if !succeeded {
            self.errors[kind as usize].fetch_add(1, Ordering::Relaxed);
        }
        self.requests[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn take(&self) -> Counts {
        let mut counts = Counts::default();
        for kind in 0..KINDS {
            counts.requests[kind] = self.requests[kind].swap(0, Ordering::Relaxed);
            counts.errors[kind] = self.errors[kind].swap(0, Ordering::Relaxed);
        }
        counts
    }
}

/// One step of the readers' rotation: what it counts as, and the requests it goes through.
struct Step {
    kind: Kind,
    bodies: Vec<String>,
}

/// The answer to a request if it succeeded: status 200 and a JSON body without `errors`.
/// A transport failure, another status, a body that is not JSON or a GraphQL error is `None`.
async fn succeeded(sent: reqwest::Result<reqwest::Response>) -> Option<Value> {
    let response = sent.ok()?;
    if response.status() != reqwest::StatusCode::OK {
        return None;
    }
    let answer: Value = response.json().await.ok()?;
    answer.get("errors").is_none().then_some(answer)
}

/// The slugs of the newest published articles, up to [`ARTICLE_PAGES`]; the seed spreads
/// publication times at random, so they are spread over the whole seed.
async fn published_slugs(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<String>> {
    let query = "query($after: String) { articles(first: 100, after: $after) { \
                 nodes { slug } pageInfo { hasNextPage endCursor } } }";
    let mut slugs = Vec::new();
    let mut after = Value::Null;
    while slugs.len() < ARTICLE_PAGES {
        let page: Value = client
            .post(url)
            .json(&json!({ "query": query, "variables": { "after": after } }))
            .send()
            .await?
            .json()
            .await?;
        let articles = &page["data"]["articles"];
        let nodes = articles["nodes"]
            .as_array()
            .with_context(|| format!("listing the published articles failed: {page}"))?;
        slugs.extend(
            nodes
                .iter()
                .filter_map(|n| n["slug"].as_str().map(str::to_owned)),
        );
        if articles["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = articles["pageInfo"]["endCursor"].clone();
    }
    ensure!(!slugs.is_empty(), "there is no published article to read");
    Ok(slugs)
}

/// The readers' rotation, [`ROTATION`] made of the bench's operations, the article page
/// going through `slugs`; each operation's first answer is checked before the soak starts.
async fn rotation(
    client: &reqwest::Client,
    url: &str,
    slugs: &[String],
) -> anyhow::Result<Vec<Step>> {
    let mut used = Vec::new();
    for mut op in crate::operations() {
        let name = op.name.split_whitespace().next().unwrap_or_default();
        if !ROTATION.contains(&name) {
            continue;
        }
        if name == "Q2" {
            op.variables = slugs.iter().map(|slug| json!({ "slug": slug })).collect();
        }
        let bodies = crate::request_bodies(&op);
        crate::check_answer(client, url, &op, &bodies[0]).await?;
        let kind = if name.starts_with('S') {
            Kind::Search
        } else {
            Kind::Read
        };
        used.push((name, Step { kind, bodies }));
    }
    ROTATION
        .iter()
        .map(|wanted| {
            let (_, step) = used
                .iter()
                .find(|(name, _)| name == wanted)
                .with_context(|| format!("the bench has no operation {wanted}"))?;
            Ok(Step {
                kind: step.kind,
                bodies: step.bodies.clone(),
            })
        })
        .collect()
}

/// What every client shares: how to reach the server, when to stop and where to count.
#[derive(Clone)]
struct Shared {
    client: reqwest::Client,
    url: Arc<str>,
    deadline: Instant,
    tally: Arc<Tally>,
}

impl Shared {
    /// Counts a request of `kind`, pausing after a failure.
    async fn count(&self, kind: Kind, succeeded: bool) {
        self.tally.count(kind, succeeded);
        if !succeeded {
            tokio::time::sleep(PAUSE_AFTER_ERROR).await;
        }
    }
}

/// One reader: goes through `steps` from `start`, each step's requests in turn.
async fn read(shared: Shared, steps: Arc<Vec<Step>>, start: usize) {
    let mut turn = start;
    while Instant::now() < shared.deadline {
        let step = &steps[turn % steps.len()];
        let body = &step.bodies[(turn / steps.len()) % step.bodies.len()];
        turn += 1;
        let sent = shared
            .client
            .post(&*shared.url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let answered = succeeded(sent).await.is_some();
        shared.count(step.kind, answered).await;
    }
}

/// One writer: saves `draft` against the revision its last save returned; anything but the
/// next revision counts as an error.
async fn save(shared: Shared, token: String, draft: Draft) {
    let mut revision = draft.revision.load(Ordering::Relaxed);
    while Instant::now() < shared.deadline {
        let sent = shared
            .client
            .post(&*shared.url)
            .bearer_auth(&token)
            .json(&crate::save_request(&draft.id, revision))
            .send()
            .await;
        let saved = succeeded(sent)
            .await
            .and_then(|a| a["data"]["updateArticle"]["article"]["revision"].as_i64());
        let next = saved == Some(revision + 1);
        if next {
            revision += 1;
        }
        shared.count(Kind::Save, next).await;
    }
}

/// The soak's clients, ready to start: readers going through `steps`, a writer per draft.
struct Clients {
    readers: usize,
    steps: Arc<Vec<Step>>,
    token: String,
    drafts: Vec<Draft>,
}

impl Clients {
    /// Splits `args.concurrency` into readers and writers (writers only when `store` is the
    /// server's), finds the articles to read, checks the rotation's answers and gives each
    /// writer a draft.
    async fn prepare(
        args: &Args,
        client: &reqwest::Client,
        url: &str,
        store: Option<&Store>,
    ) -> anyhow::Result<Self> {
        ensure!(args.concurrency > 0, "a soak needs at least one client");
        let writers = match store {
            Some(_) => (args.concurrency / 8).clamp(1, 4).min(args.concurrency - 1),
            None => 0,
        };
        let slugs = published_slugs(client, url).await?;
        let steps = Arc::new(rotation(client, url, &slugs).await?);
        let (token, drafts) = match store {
            Some(store) if writers > 0 => crate::prepare_saves(store, client, url, writers).await?,
            _ => (String::new(), Vec::new()),
        };
        Ok(Self {
            readers: args.concurrency - writers,
            steps,
            token,
            drafts,
        })
    }

    /// Starts every client.
    fn spawn(self, shared: &Shared) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::with_capacity(self.readers + self.drafts.len());
        for n in 0..self.readers {
            // Each reader starts at its own step and at its own place in that step's requests.
            let start = n * (self.steps.len() + 1);
            let steps = Arc::clone(&self.steps);
            tasks.push(tokio::spawn(read(shared.clone(), steps, start)));
        }
        for draft in self.drafts {
            let token = self.token.clone();
            tasks.push(tokio::spawn(save(shared.clone(), token, draft)));
        }
        tasks
    }
}

/// One row of the report: what an interval did, and the memory at its end.
struct Row {
    elapsed: Duration,
    interval: Duration,
    counts: Counts,
    rss_mib: Option<f64>,
    /// Anonymous memory (`RssAnon`): the heap and stacks, without the pages of files
    /// mapped in, such as SQLite's memory-mapped database, which come and go with the
    /// kernel's page cache. A leak shows here.
    heap_mib: Option<f64>,
}

impl Row {
    fn print(&self) {
        let seconds = self.elapsed.as_secs();
        let rate = self.counts.requests() as f64 / self.interval.as_secs_f64();
        let mib = |value: Option<f64>| value.map_or("?".to_owned(), |mib| format!("{mib:.1}"));
        let (rss, heap) = (mib(self.rss_mib), mib(self.heap_mib));
        let [reads, searches, saves] = self.counts.requests;
        let [read_errors, search_errors, save_errors] = self.counts.errors;
        println!(
            "| {}m{:02}s | {rate:.0} | {reads} | {searches} | {saves} | {read_errors} | {search_errors} | {save_errors} | {rss} | {heap} |",
            seconds / 60,
            seconds % 60,
        );
    }
}

/// Takes the rows: each one what the clients did since the one before.
struct Report {
    started: Instant,
    previous: Instant,
    tally: Arc<Tally>,
    rows: Vec<Row>,
}

impl Report {
    /// Prints the table's head and starts the clock.
    fn start(tally: Arc<Tally>) -> Self {
        println!(
            "| elapsed | req/s | reads | searches | saves | read errors | search errors | save errors | RSS MiB | heap MiB |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let started = Instant::now();
        Self {
            started,
            previous: started,
            tally,
            rows: Vec::new(),
        }
    }

    fn row(&mut self) {
        let now = Instant::now();
        let row = Row {
            elapsed: now - self.started,
            interval: now - self.previous,
            counts: self.tally.take(),
            rss_mib: crate::memory_mib("VmRSS:"),
            heap_mib: crate::memory_mib("RssAnon:"),
        };
        row.print();
        self.rows.push(row);
        self.previous = now;
    }

    /// Takes a row every `every` while a whole interval still fits before `deadline`.
    async fn every(&mut self, every: Duration, deadline: Instant) {
        let mut next = self.started + every;
        while next < deadline {
            tokio::time::sleep_until(next.into()).await;
            self.row();
            next += every;
        }
    }
}

/// Prints the totals and the change in memory; fails on any error, or on memory growth past
/// [`MAX_RSS_GROWTH`].
fn summarize(rows: &[Row]) -> anyhow::Result<()> {
    let mut total = Counts::default();
    for row in rows {
        total.add(&row.counts);
    }
    let [reads, searches, saves] = total.requests;
    println!(
        "\n{} requests ({reads} reads, {searches} searches, {saves} saves), {} errors",
        total.requests(),
        total.errors()
    );
    let change = |of: fn(&Row) -> Option<f64>, name: &str| {
        let (first, last) = (rows.first().and_then(of)?, rows.last().and_then(of)?);
        let growth = (last - first) / first * 100.0;
        println!(
            "{name} {first:.1} MiB after the first interval, {last:.1} MiB at the end: {growth:+.1} %"
        );
        (rows.len() > 1).then_some(growth)
    };
    let rss = change(|row| row.rss_mib, "RSS");
    // What decides is the heap: RSS also counts the database's mapped pages.
    let growth = change(|row| row.heap_mib, "heap (RssAnon)")
        .or(rss)
        .unwrap_or_else(|| {
            println!("memory growth not measured (one row only, or no /proc/self/status)");
            0.0
        });
    let mut failures = Vec::new();
    if total.errors() > 0 {
        failures.push(format!("{} requests failed", total.errors()));
    }
    if growth > MAX_RSS_GROWTH {
        failures.push(format!(
            "memory grew by {growth:.1} %, more than {MAX_RSS_GROWTH} %"
        ));
    }
    if !failures.is_empty() {
        bail!("soak failed: {}", failures.join("; "));
    }
    println!("soak passed: no errors, memory grew by no more than {MAX_RSS_GROWTH} %");
    Ok(())
}

/// Runs the soak against `url` for `duration`, saves included when `store` is the server's;
/// fails when a request failed or memory grew too much.
pub async fn run(
    args: &Args,
    url: &str,
    store: Option<&Store>,
    duration: Duration,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let clients = Clients::prepare(args, &client, url, store).await?;
    let backend = args.database_url.split(':').next().unwrap_or_default();
    println!(
        "Dateline soak, {backend}, {} seeded articles, {} clients reading and searching, \
         {} saving, {}s, a row every {}s (RSS: this process, server and clients)\n",
        args.articles,
        clients.readers,
        clients.drafts.len(),
        duration.as_secs(),
        args.soak_report_every.as_secs()
    );
    let tally = Arc::new(Tally::default());
    let mut report = Report::start(Arc::clone(&tally));
    let deadline = report.started + duration;
    let shared = Shared {
        client,
        url: url.into(),
        deadline,
        tally,
    };
    let tasks = clients.spawn(&shared);
    report.every(args.soak_report_every, deadline).await;
    for task in tasks {
        task.await.context("a soak client failed")?;
    }
    report.row();
    summarize(&report.rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_or_hours() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
    }

    #[test]
    fn durations_refuse_zero_and_other_units() {
        for wrong in ["", "0", "0m", "10d", "m", "1.5h", "-1s", "10 m"] {
            assert!(parse_duration(wrong).is_err(), "{wrong:?} was accepted");
        }
    }
}
