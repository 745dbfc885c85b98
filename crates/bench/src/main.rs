//! `dateline-bench`: measures Dateline under load on a seeded newsroom.
//!
//! It makes sure the database holds at least `--articles` seeded articles (seeding the rest),
//! starts the real server in this process on a loopback port (or uses `--target`), checks
//! that each operation answers correctly, then drives each one with `--concurrency` clients
//! for `--duration` seconds and prints requests/s and p50/p99 latency as a Markdown table.
//! The operations are the peer benchmark's (front page, article page, section page), the
//! front page with related stories under each article (`Q4`), then searches (`S1`–`S3`),
//! then,
//! on a server it starts itself, editors saving drafts (`W1`): each client signs in as an
//! editor and saves its own draft again and again, each time against the revision the last
//! save returned, as an editor's autosave does.
//!
//! With `--replica-url URL` (a PostgreSQL streaming replica of the database) every read is
//! measured twice in the same run: on the primary, and on a second server whose public
//! reads go to the replica.
//!
//! `--log-format json` and `--otlp-endpoint URL` set up logging and tracing as `dateline
//! serve` does, to measure what they cost (without them nothing is logged or traced).
//!
//! With `--soak DURATION` it runs a mixed workload of these for that long instead, and
//! reports errors and memory as it goes (see [`soak`]).
//!
//! `dateline-bench wxr --posts N` writes a synthetic WordPress export instead, for timing
//! `dateline import wordpress` (see [`wxr`]).

mod soak;
mod wxr;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use dateline_domain::{Email, NewPassword, Role};
use dateline_persistence::{NewUser, Store};
use dateline_server::cli::LogFormat;
use dateline_server::telemetry::{self, Traces};
use serde_json::{Value, json};

// The same allocator as the `dateline` binary, so the in-process server is measured as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Load-test Dateline on a seeded newsroom.
#[derive(Parser)]
#[command(name = "dateline-bench", about)]
struct Args {
    /// The database to seed and serve.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://bench.db?mode=rwc"
    )]
    database_url: String,
    /// The fewest seeded articles the database must hold; missing ones are seeded first.
    #[arg(long, default_value_t = 100_000)]
    articles: u64,
    /// Seconds of measurement per operation.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of warm-up per operation, not measured.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Concurrent clients (each keeps one request in flight).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measure an already running server at this GraphQL URL instead of starting one.
    #[arg(long)]
    target: Option<String>,
    /// Only run operations whose name contains this text.
    #[arg(long)]
    only: Option<String>,
    /// A PostgreSQL streaming replica of `--database-url`: every read is then measured
    /// twice in the same run, on a server reading the primary and on one whose public reads
    /// go to the replica.
    #[arg(long)]
    replica_url: Option<String>,
    /// Log as `dateline serve` does, in this format (`text` or `json`, to standard output
    /// among the table's lines),
    /// to measure what logging costs; without it nothing is logged.
    #[arg(long, value_enum)]
    log_format: Option<dateline_server::cli::LogFormat>,
    /// Send traces to this OTLP/HTTP collector as `dateline serve --otlp-endpoint` does, to
    /// measure what tracing costs (implies `--log-format text` unless one is given).
    #[arg(long)]
    otlp_endpoint: Option<String>,
    /// Instead of measuring each operation, run a mix of reads, searches and saves for this
    /// long (`90s`, `10m`, `1h`; a plain number is seconds), reporting errors and memory.
    #[arg(long, value_parser = soak::parse_duration)]
    soak: Option<Duration>,
    /// How often the soak prints a row of its report (`30s`, `1m`, …).
    #[arg(long, value_parser = soak::parse_duration, default_value = "60s")]
    soak_report_every: Duration,
    #[command(subcommand)]
    tool: Option<Tool>,
}

/// Something to do instead of measuring.
#[derive(clap::Subcommand)]
enum Tool {
    /// Write a synthetic WordPress export (WXR 1.2) for timing `dateline import wordpress`.
    Wxr(wxr::WxrArgs),
}

struct Operation {
    name: &'static str,
    query: &'static str,
    /// Each client goes through these in turn, starting at its own place; the first must
    /// pass `check`.
    variables: Vec<Value>,
    check: fn(&Value) -> bool,
}

const SEARCH: &str = "query Search($q: String!, $first: Int!) { search(query: $q, first: $first) { totalCount \
                      edges { cursor node { score article { id slug title publishedAt } highlights { field fragments } } } } }";

const SEARCH_FACETS: &str = "query Search($q: String!, $first: Int!) { search(query: $q, first: $first) { totalCount \
                      nodes { article { id slug title } } \
                      facets { sections { section { slug } count } tags { tag { slug } count } years { year count } } } }";

/// Searches for one seeded place name each, from the 50th to the 550th most mentioned (a
/// few hundred articles to a few dozen each, as a reader's search for a place or a person).
fn place_searches() -> Vec<Value> {
    (50..550)
        .step_by(10)
        .map(|rank| json!({ "q": dateline_persistence::seed::place_name(rank), "first": 10 }))
        .collect()
}

fn has_hits(d: &Value) -> bool {
    d["search"]["totalCount"].as_i64().is_some_and(|n| n > 0)
}

fn operations() -> Vec<Operation> {
    vec![
        Operation {
            name: "Q1 front page (20 articles, author, section, tags)",
            query: "query FrontPage($first: Int!) { articles(first: $first) { nodes { id slug title excerpt publishedAt \
                    author { name } section { name slug } tags { name slug } } } }",
            variables: vec![json!({ "first": 20 })],
            check: |d| {
                d["articles"]["nodes"]
                    .as_array()
                    .is_some_and(|n| n.len() == 20)
            },
        },
        Operation {
            name: "Q2 article page (body, author box, tags, 5 related)",
            query: "query ArticlePage($slug: String!) { article(slug: $slug) { id slug title excerpt body status \
                    publishedAt updatedAt author { name slug bio avatarUrl } section { name slug } tags { name slug } \
                    related(first: 5) { article { id slug title publishedAt } } } }",
            variables: vec![json!({ "slug": "article-54321" })],
            check: |d| {
                d["article"]["related"]
                    .as_array()
                    .is_some_and(|r| r.len() == 5)
            },
        },
        Operation {
            name: "Q3 section page (20 articles, author)",
            query: "query SectionPage($slug: String!, $first: Int!) { section(slug: $slug) { id name slug \
                    articles(first: $first) { nodes { id slug title excerpt publishedAt author { name } } } } }",
            variables: vec![json!({ "slug": "technology", "first": 20 })],
            check: |d| {
                d["section"]["articles"]["nodes"]
                    .as_array()
                    .is_some_and(|n| n.len() == 20)
            },
        },
        Operation {
            name: "Q4 front page with \"Check Also\" (20 articles, 5 related each)",
            query: "query FrontPageRelated($first: Int!) { articles(first: $first) { nodes { id slug title excerpt \
                    publishedAt author { name } section { name slug } \
                    related(first: 5) { article { title uri author { name } } } } } }",
            variables: vec![json!({ "first": 20 })],
            check: |d| {
                d["articles"]["nodes"].as_array().is_some_and(|n| {
                    n.len() == 20
                        && n.iter()
                            .all(|a| a["related"].as_array().is_some_and(|r| r.len() == 5))
                })
            },
        },
        Operation {
            name: "S1 search for a place (10 hits, highlights, total)",
            query: SEARCH,
            variables: place_searches(),
            check: has_hits,
        },
        Operation {
            name: "S2 search for a place, with facets",
            query: SEARCH_FACETS,
            variables: place_searches(),
            check: has_hits,
        },
        Operation {
            name: "S3 search for two common words (most articles match)",
            query: SEARCH,
            variables: vec![json!({ "q": "government minister", "first": 10 })],
            check: has_hits,
        },
    ]
}

const SAVE: &str = "mutation Save($input: UpdateArticleInput!) { updateArticle(input: $input) { \
                    article { revision } userErrors { code } } }";

/// The request that saves draft `id` against `revision`, with a body that names it.
fn save_request(id: &Value, revision: i64) -> Value {
    json!({ "query": SAVE, "variables": { "input": {
        "id": id,
        "expectedRevision": revision,
        "body": format!("<p>Saved at revision {revision}.</p>"),
    }}})
}

/// A draft one client keeps saving, and the revision its last save left it at.
struct Draft {
    id: Value,
    revision: Arc<AtomicI64>,
}

/// Signs in a fresh editor account and gives each of `clients` a draft of its own.
async fn prepare_saves(
    store: &Store,
    client: &reqwest::Client,
    url: &str,
    clients: usize,
) -> anyhow::Result<(String, Vec<Draft>)> {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let email = Email::parse(&format!("bench-{tag}@example.com"))?;
    let password = NewPassword::parse(&format!("bench password {tag}"))?;
    store
        .create_user(NewUser {
            email: &email,
            name: "Benchmark editor",
            password: &password,
            role: Role::Editor,
            author_id: None,
        })
        .await?;
    let post = |query: &str, variables: Value, token: Option<&str>| {
        let mut request = client
            .post(url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let login: Value = post(
        "mutation($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { token } }",
        json!({ "e": email.as_str(), "p": password.expose() }),
        None,
    )
    .await?
    .json()
    .await?;
    let token = login["data"]["login"]["token"]
        .as_str()
        .context("signing in the benchmark editor")?
        .to_owned();
    let section: Value = post(
        "{ section(slug: \"technology\") { id } authors(first: 1) { nodes { id } } }",
        json!({}),
        None,
    )
    .await?
    .json()
    .await?;
    let mut drafts = Vec::with_capacity(clients);
    for n in 0..clients {
        let created: Value = post(
            "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id revision } userErrors { message } } }",
            json!({ "input": {
                "title": format!("Benchmark draft {tag} {n}"),
                "body": "<p>A draft an editor keeps saving.</p>",
                "sectionId": section["data"]["section"]["id"],
                "authorId": section["data"]["authors"]["nodes"][0]["id"],
            }}),
            Some(&token),
        )
        .await?
        .json()
        .await?;
        let article = &created["data"]["createArticle"]["article"];
        let revision = article["revision"]
            .as_i64()
            .with_context(|| format!("creating a benchmark draft failed: {created}"))?;
        drafts.push(Draft {
            id: article["id"].clone(),
            revision: Arc::new(AtomicI64::new(revision)),
        });
    }
    Ok((token, drafts))
}

/// Each client saves its own draft for `run_for`, against the revision its last save
/// returned; a save answered with anything but the next revision counts as a failure.
async fn drive_saves(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    drafts: &[Draft],
    run_for: Duration,
) -> Measured {
    let started = Instant::now();
    let deadline = started + run_for;
    let mut tasks = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
        let id = draft.id.clone();
        let last = Arc::clone(&draft.revision);
        tasks.push(tokio::spawn(async move {
            let mut revision = last.load(Ordering::Relaxed);
            let mut latencies = Vec::new();
            let mut failures = 0;
            while Instant::now() < deadline {
                let body = save_request(&id, revision);
                let sent = Instant::now();
                let answer = match client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(response) => response.json::<Value>().await.ok(),
                    Err(_) => None,
                };
                let saved = answer
                    .as_ref()
                    .and_then(|a| a["data"]["updateArticle"]["article"]["revision"].as_i64());
                match saved {
                    Some(next) if next == revision + 1 => {
                        latencies.push(sent.elapsed());
                        revision = next;
                    }
                    _ => failures += 1,
                }
            }
            // The next run (after the warm-up, say) saves from here.
            last.store(revision, Ordering::Relaxed);
            (latencies, failures)
        }));
    }
    collect(tasks, started).await
}

struct Measured {
    requests: usize,
    failures: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn drive(
    client: &reqwest::Client,
    url: &str,
    bodies: &[String],
    clients: usize,
    run_for: Duration,
) -> Measured {
    let started = Instant::now();
    let deadline = started + run_for;
    let mut tasks = Vec::with_capacity(clients);
    for n in 0..clients {
        let (client, url, bodies) = (client.clone(), url.to_owned(), bodies.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            let mut next = n;
            while Instant::now() < deadline {
                let body = bodies[next % bodies.len()].clone();
                next += 1;
                let sent = Instant::now();
                let ok = match client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(response) if response.status().is_success() => {
                        response.bytes().await.is_ok()
                    }
                    _ => false,
                };
                if ok {
                    latencies.push(sent.elapsed());
                } else {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    collect(tasks, started).await
}

type Outcomes = tokio::task::JoinHandle<(Vec<Duration>, usize)>;

async fn collect(tasks: Vec<Outcomes>, started: Instant) -> Measured {
    let mut measured = Measured {
        requests: 0,
        failures: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        if let Ok((latencies, failures)) = task.await {
            measured.requests += latencies.len();
            measured.failures += failures;
            measured.latencies.extend(latencies);
        }
    }
    measured.elapsed = started.elapsed();
    measured.latencies.sort_unstable();
    measured
}

fn report(name: &str, m: &Measured) {
    println!(
        "| {} | {:.0} | {:.2} | {:.2} | {} |",
        name,
        m.requests as f64 / m.elapsed.as_secs_f64(),
        percentile(&m.latencies, 0.50),
        percentile(&m.latencies, 0.99),
        m.failures
    );
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM:` for the peak,
/// `VmRSS:` for now), in MiB; `None` where there is no such file.
fn memory_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Makes sure the database holds `--articles` seeded articles, then starts the server over
/// it on a loopback port; returns its GraphQL URL and the store.
async fn serve_seeded_newsroom(args: &Args) -> anyhow::Result<(String, Store)> {
    let store = Store::connect(&args.database_url)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("migrating")?;
    let have = store.count_seeded_articles().await?;
    if have < args.articles {
        let missing = usize::try_from(args.articles - have)?;
        eprintln!("seeding {missing} articles…");
        let started = Instant::now();
        store.seed(missing, |_| {}).await.context("seeding")?;
        eprintln!("seeded in {:.1}s", started.elapsed().as_secs_f64());
    }
    store
        .analyze(false)
        .await
        .context("refreshing planner statistics")?;
    let url = spawn_server(&store).await?;
    Ok((url, store))
}

/// Starts the server over `store` on a loopback port, for as long as the benchmark runs;
/// returns its GraphQL URL.
async fn spawn_server(store: &Store) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(dateline_server::run(
        listener,
        store.clone(),
        dateline_server::Settings::default(),
        std::future::pending(),
    ));
    Ok(format!("http://{address}/graphql"))
}

/// Starts a second server over `store` (on the database at `primary`) whose public reads go
/// to the replica at `replica`, once the replica is in rotation; returns its GraphQL URL.
async fn serve_through_replica(
    store: &Store,
    primary: &str,
    replica: &str,
) -> anyhow::Result<String> {
    let settings = dateline_persistence::PoolSettings::default();
    let pools =
        dateline_persistence::ReplicaPools::connect("replica-1", replica, &settings).await?;
    let primary = dateline_persistence::probe_pool(primary).await?;
    let store = store.clone().with_replicas(
        vec![pools],
        primary,
        dateline_persistence::ReplicaSettings::default(),
    );
    let url = spawn_server(&store).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !store.replica_status().iter().any(|r| r.serving) {
        ensure!(
            Instant::now() < deadline,
            "the replica did not come into rotation within a minute: {:?}",
            store.replica_status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(url)
}

/// Runs `run` for the warm-up, unmeasured, then for the measurement, and returns that.
async fn warm_up_then_measure<Run, Runs>(args: &Args, run: Run) -> Measured
where
    Run: Fn(Duration) -> Runs,
    Runs: std::future::Future<Output = Measured>,
{
    run(Duration::from_secs(args.warmup)).await;
    run(Duration::from_secs(args.duration)).await
}

/// The request bodies of `op`, one per entry of its variables.
fn request_bodies(op: &Operation) -> Vec<String> {
    op.variables
        .iter()
        .map(|variables| json!({ "query": op.query, "variables": variables }).to_string())
        .collect()
}

/// Sends `body`, one of `op`'s requests, and fails unless the answer passes `op`'s check.
async fn check_answer(
    client: &reqwest::Client,
    url: &str,
    op: &Operation,
    body: &str,
) -> anyhow::Result<()> {
    let response: Value = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await?
        .json()
        .await?;
    if response.get("errors").is_some() || !(op.check)(&response["data"]) {
        bail!(
            "{} answered wrongly (a database seeded before the seed named places must be seeded again): {response}",
            op.name
        );
    }
    Ok(())
}

/// Checks that `op` answers correctly, then measures it and prints its row.
async fn measure_operation(
    args: &Args,
    client: &reqwest::Client,
    url: &str,
    op: &Operation,
) -> anyhow::Result<()> {
    let bodies = request_bodies(op);
    check_answer(client, url, op, &bodies[0]).await?;
    let m = warm_up_then_measure(args, |run_for| {
        drive(client, url, &bodies, args.concurrency, run_for)
    })
    .await;
    ensure!(m.requests > 0, "{}: no request succeeded", op.name);
    report(op.name, &m);
    Ok(())
}

/// Measures editors saving drafts (`W1`) under `name` and prints its row.
async fn measure_saves(
    args: &Args,
    store: &Store,
    client: &reqwest::Client,
    url: &str,
    name: &str,
) -> anyhow::Result<()> {
    let (token, drafts) = prepare_saves(store, client, url, args.concurrency).await?;
    let m = warm_up_then_measure(args, |run_for| {
        drive_saves(client, url, &token, &drafts, run_for)
    })
    .await;
    ensure!(m.requests > 0, "{name}: no save succeeded");
    report(name, &m);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(Tool::Wxr(wxr)) = &args.tool {
        return wxr::write(wxr);
    }
    let traces = args.otlp_endpoint.as_ref().map(|endpoint| Traces {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        service_name: "dateline-bench".to_owned(),
        database: Traces::database_kind(&args.database_url),
    });
    let telemetry = match (args.log_format, &traces) {
        (None, None) => None,
        (format, traces) => Some(telemetry::init(
            format.unwrap_or(LogFormat::Text),
            traces.as_ref(),
        )?),
    };
    let measured = measure(&args).await;
    if let Some(telemetry) = telemetry {
        telemetry.shutdown().await;
    }
    measured
}

/// Measures what `args` ask for and prints the table (or runs the soak).
async fn measure(args: &Args) -> anyhow::Result<()> {
    let (url, store) = match &args.target {
        Some(target) => (target.clone(), None),
        None => {
            let (url, store) = serve_seeded_newsroom(args).await?;
            (url, Some(store))
        }
    };
    let through_replica = match (&args.replica_url, &store) {
        (Some(replica), Some(store)) => {
            Some(serve_through_replica(store, &args.database_url, replica).await?)
        }
        (Some(_), None) => {
            bail!("--replica-url needs a server this benchmark starts (no --target)")
        }
        _ => None,
    };
    if let Some(duration) = args.soak {
        return soak::run(args, &url, store.as_ref(), duration).await;
    }

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let backend = args.database_url.split(':').next().unwrap_or_default();
    println!(
        "Dateline, {backend}, {} seeded articles, {} clients, {}s per operation after {}s warm-up\n",
        args.articles, args.concurrency, args.duration, args.warmup
    );
    println!("| operation | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for op in operations() {
        if args
            .only
            .as_deref()
            .is_some_and(|only| !op.name.contains(only))
        {
            continue;
        }
        measure_operation(args, &client, &url, &op).await?;
        if let Some(replica) = &through_replica {
            let op = Operation {
                name: Box::leak(format!("{} via replica", op.name).into_boxed_str()),
                ..op
            };
            measure_operation(args, &client, replica, &op).await?;
        }
    }
    let saves = "W1 editors saving drafts (updateArticle, one draft per client)";
    if let Some(store) = &store
        && args.only.as_deref().is_none_or(|only| saves.contains(only))
    {
        measure_saves(args, store, &client, &url, saves).await?;
    }
    if args.target.is_none()
        && let Some(rss) = memory_mib("VmHWM:")
    {
        println!("\npeak memory of server and load generator together: {rss:.0} MiB");
    }
    Ok(())
}
