//! `dateline`: serve, migrate, print the schema, seed a benchmark newsroom, or import a
//! WordPress site.

use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use dateline_persistence::Store;
use dateline_persistence::demo::DemoOutcome;
use dateline_server::cli::{
    BackupArgs, Cli, Command, CreateUserArgs, DatabaseUrl, ImportCommand, SeedArgs, ServeArgs,
    UserCommand, WordpressArgs,
};
use dateline_server::telemetry::{self, Traces};
use dateline_server::{ServingDatabase, staff};
use indicatif::{ProgressBar, ProgressStyle};

// A GraphQL response is built from many small allocations; mimalloc serves them far more
// cheaply than the system allocator under concurrent load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack of each runtime thread. Requests are refused long before anything in them
/// nests deep enough to need more than the default 2 MiB; this is a margin on top.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
        .context("starting the runtime")?
        .block_on(run())
}

/// Reads the command line, sets up logging (and tracing) as it says and runs the
/// subcommand it names.
async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let traces = match &cli.command {
        Command::Serve(args) => args
            .otlp_endpoint
            .as_ref()
            .filter(|endpoint| !endpoint.is_empty())
            .map(|endpoint| Traces {
                endpoint: endpoint.clone(),
                service_name: args.otel_service_name.clone(),
                database: Traces::database_kind(cli.database_url.expose()),
            }),
        _ => None,
    };
    let telemetry = telemetry::init(cli.log_format, traces.as_ref())?;
    log_panics();
    let outcome = command(cli).await;
    telemetry.shutdown().await;
    outcome
}

/// Runs the subcommand `cli` names.
async fn command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schema => print_schema(),
        Command::Migrate => migrate(&cli.database_url).await,
        Command::Serve(args) => serve(&cli.database_url, &args).await,
        Command::User(UserCommand::Create(args)) => create_user(&cli.database_url, &args).await,
        Command::Seed(args) => seed(&cli.database_url, &args).await,
        Command::Backup(args) => backup(&cli.database_url, &args).await,
        Command::Import(ImportCommand::Wordpress(args)) => {
            import_wordpress(&cli.database_url, &args).await
        }
    }
}

/// A panic is logged like any other failure; the request or task it happened in is
/// answered or restarted by whoever catches it.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(
            panic = dateline_graphql::panic_message(info.payload()),
            %location,
            "panic"
        );
    }));
}

/// `dateline schema`: prints the GraphQL schema (SDL) to standard output.
fn print_schema() -> anyhow::Result<()> {
    print!("{}", dateline_graphql::sdl());
    Ok(())
}

/// `dateline migrate`: applies pending migrations and exits.
async fn migrate(url: &DatabaseUrl) -> anyhow::Result<()> {
    let store = open(url).await?;
    tracing::info!(database = %url, "migrations applied");
    drop(store);
    Ok(())
}

/// `dateline serve`: opens the database (loading the demo newsroom if asked), then serves
/// until Ctrl-C or SIGTERM.
async fn serve(url: &DatabaseUrl, args: &ServeArgs) -> anyhow::Result<()> {
    let settings = dateline_server::Settings::from(args);
    let database = ServingDatabase::from_args(args, url.expose(), &settings);
    let store = dateline_server::open_serving_store(url.expose(), &database)
        .await
        .with_context(|| format!("opening {url}"))?;
    if args.demo {
        load_demo(&store).await?;
    }
    store
        .analyze(false)
        .await
        .context("refreshing planner statistics")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = %url, "Dateline is serving: GraphQL at http://{address}/graphql, GraphiQL at http://{address}/graphiql");
    dateline_server::run(listener, store, settings, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Loads the demo newsroom into a database that has no articles yet, and says whether it
/// did.
async fn load_demo(store: &Store) -> anyhow::Result<()> {
    match store
        .load_demo()
        .await
        .context("loading the demo newsroom")?
    {
        DemoOutcome::Loaded { articles } => {
            tracing::info!(articles, "demo newsroom loaded")
        }
        DemoOutcome::NotEmpty => {
            tracing::info!("database already has articles; demo not loaded")
        }
    }
    Ok(())
}

/// `dateline user create`: adds a staff account.
async fn create_user(url: &DatabaseUrl, args: &CreateUserArgs) -> anyhow::Result<()> {
    let store = open(url).await?;
    let password = new_password(&args.email)?;
    let user = staff::create_user(&store, args, &password).await?;
    println!("created {} ({}) as {}", user.email, user.name, user.role);
    Ok(())
}

/// `dateline seed`: adds synthetic articles, showing progress.
async fn seed(url: &DatabaseUrl, args: &SeedArgs) -> anyhow::Result<()> {
    let store = open(url).await?;
    let bar = ProgressBar::new(args.articles as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    store
        .seed(args.articles, |done| bar.set_position(done as u64))
        .await
        .context("seeding")?;
    bar.finish();
    println!(
        "seeded {} articles in {:.1}s",
        args.articles,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `dateline import wordpress`: checks the export whole (writing nothing if it is not a
/// WordPress export), then imports it in one transaction, showing progress, and prints a
/// summary.
async fn import_wordpress(url: &DatabaseUrl, args: &WordpressArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let checking = ProgressBar::new_spinner();
    checking.set_message(format!("checking {}", args.file.display()));
    checking.enable_steady_tick(std::time::Duration::from_millis(120));
    let path = args.file.clone();
    let survey = tokio::task::spawn_blocking(move || dateline_server::import::survey(&path))
        .await
        .context("checking the export")??;
    checking.finish_and_clear();
    println!(
        "{}: WordPress export (WXR {}) of {}: {} posts among {} items, {} authors, {} categories, {} tags, {} images",
        args.file.display(),
        survey.channel.wxr_version,
        survey.origin,
        survey.posts,
        survey.items,
        survey.authors.len(),
        survey.categories.len(),
        survey.tags.len(),
        survey.attachments.len(),
    );
    let store = open(url).await?;
    let bar = ProgressBar::new(survey.posts as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} posts  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let importing = Instant::now();
    let report = dateline_server::import::import_wordpress(&store, &args.file, &survey, |done| {
        bar.set_position(done as u64)
    })
    .await?;
    bar.finish();
    let seconds = importing.elapsed().as_secs_f64();
    print!("{report}");
    println!(
        "Done in {:.1}s: {} posts in {seconds:.1}s ({:.0} posts/minute)",
        started.elapsed().as_secs_f64(),
        survey.posts,
        survey.posts as f64 * 60.0 / seconds.max(0.001),
    );
    Ok(())
}

/// `dateline backup`: copies a SQLite database to a new file, online.
async fn backup(url: &DatabaseUrl, args: &BackupArgs) -> anyhow::Result<()> {
    let store = Store::connect(url.expose())
        .await
        .with_context(|| format!("opening {url}"))?;
    let started = Instant::now();
    store
        .backup_to(&args.to)
        .await
        .with_context(|| format!("backing up to {}", args.to.display()))?;
    let bytes = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up to {} ({bytes} bytes) in {:.1}s",
        args.to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The password for `dateline user create`: from `DATELINE_PASSWORD`, or a prompt that does
/// not echo; never from a flag (flags end up in shell history and process lists).
fn new_password(email: &str) -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("DATELINE_PASSWORD") {
        return Ok(password);
    }
    let first = rpassword::prompt_password(format!("Password for {email}: "))?;
    let again = rpassword::prompt_password("Again: ")?;
    anyhow::ensure!(first == again, "the passwords differ");
    Ok(first)
}

/// Opens and migrates the database.
async fn open(url: &DatabaseUrl) -> anyhow::Result<Store> {
    dateline_server::open_store(url.expose())
        .await
        .with_context(|| format!("opening {url}"))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
