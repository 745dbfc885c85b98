//! The command line: every option is also an environment variable, and `--help` documents
//! both.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use clap::{Parser, Subcommand};

use crate::syndication::FeedContent;

/// Dateline: a GraphQL backend for news sites.
#[derive(Parser)]
#[command(name = "dateline", version)]
pub struct Cli {
    /// Where the newsroom is stored: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://dateline.db?mode=rwc",
        global = true
    )]
    pub database_url: DatabaseUrl,

    /// How log lines are written to standard output: `text` for people, or `json`, one
    /// object per line (with the request's `request_id` at the top level) for a log
    /// collector.
    #[arg(
        long,
        env = "DATELINE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for people to read.
    Text,
    /// One JSON object per line.
    Json,
}

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (migrating the database first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Add synthetic articles for benchmarks (authors, sections and tags are created once).
    Seed(SeedArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import another system's content.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Copy a SQLite database to a new file while it serves: a consistent snapshot that
    /// opens as any database file. (On PostgreSQL, use `pg_dump`.)
    Backup(BackupArgs),
}

/// Options of `dateline backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist yet.
    #[arg(long, value_name = "FILE")]
    pub to: std::path::PathBuf,
}

/// What to import.
#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a WordPress export (Tools → Export → All content: a WXR file). The file is
    /// checked whole before anything is written, then imported in one transaction. Importing
    /// it (or a later export of the same site) again updates what was imported.
    Wordpress(WordpressArgs),
}

/// Options of `dateline import wordpress`.
#[derive(clap::Args)]
pub struct WordpressArgs {
    /// The export file (WXR 1.1 or 1.2, as WordPress writes it).
    #[arg(value_name = "EXPORT.xml")]
    pub file: std::path::PathBuf,
}

/// What to do with staff accounts.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a staff account (migrating the database first). The password is read from
    /// `DATELINE_PASSWORD` when it is set, else prompted for; it is never a flag.
    Create(CreateUserArgs),
}

/// Options of `dateline user create`.
#[derive(clap::Args)]
pub struct CreateUserArgs {
    /// The address the person signs in with.
    #[arg(long)]
    pub email: String,
    /// What the person may do: admin, editor, author or contributor.
    #[arg(long)]
    pub role: dateline_domain::Role,
    /// The person's name (the part of the email before `@` when left out).
    #[arg(long)]
    pub name: Option<String>,
    /// The slug of the public author profile the person writes as.
    #[arg(long)]
    pub author: Option<String>,
}

/// Options of `dateline serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "DATELINE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The address readers reach the public site at (`https://news.example.org`): the
    /// absolute `url` fields, feeds, sitemaps and search-engine metadata are written
    /// with it. The server's own address when left out.
    #[arg(long, env = "DATELINE_PUBLIC_URL")]
    pub public_url: Option<dateline_domain::route::PublicUrl>,

    /// The publication's name, as feeds, the Google News sitemap and the publisher in
    /// search-engine metadata give it.
    #[arg(long, env = "DATELINE_SITE_NAME", default_value = "Dateline")]
    pub site_name: String,

    /// The language the publication writes in (a BCP 47 tag such as `en` or `fa-AF`), for
    /// feeds, the Google News sitemap and metadata.
    #[arg(long, env = "DATELINE_SITE_LANGUAGE", default_value = "en")]
    pub site_language: String,

    /// The publication's logo, an absolute `https://` address: the publisher's logo in
    /// search-engine metadata and the feeds' image.
    #[arg(long, env = "DATELINE_SITE_LOGO_URL", value_parser = parse_web_url)]
    pub site_logo_url: Option<String>,

    /// How many of the latest stories each RSS and Atom feed lists (1 to 100).
    #[arg(long, env = "DATELINE_FEED_ITEMS", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=i64::from(crate::syndication::MAX_FEED_ITEMS)))]
    pub feed_items: u16,

    /// What a feed item carries: `full`, the story's whole (sanitised) body with its excerpt
    /// as summary, or `excerpt`, the excerpt alone.
    #[arg(long, env = "DATELINE_FEED_CONTENT", value_enum, default_value_t = FeedContent::Full)]
    pub feed_content: FeedContent,

    /// Load the demo newsroom when the database has no articles yet.
    #[arg(long, env = "DATELINE_DEMO")]
    pub demo: bool,

    /// Do not serve GraphiQL at `/graphiql` (for production).
    #[arg(long, env = "DATELINE_NO_GRAPHIQL")]
    pub no_graphiql: bool,

    /// Refuse introspection (`__schema`, `__type`) to readers who are not signed in.
    #[arg(long, env = "DATELINE_NO_ANONYMOUS_INTROSPECTION")]
    pub no_anonymous_introspection: bool,

    /// A proxy or load balancer whose `X-Forwarded-For` header is believed, as an address
    /// or a network (`10.0.0.0/8`); repeat it, or separate them with commas. Sign-ins are
    /// throttled by the client address this gives.
    #[arg(
        long = "trusted-proxy",
        env = "DATELINE_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "ADDRESS_OR_NETWORK",
        value_parser = parse_network
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Seconds a CDN or browser may keep a public GET response (`Cache-Control: max-age`).
    #[arg(long, env = "DATELINE_CACHE_MAX_AGE", default_value_t = 30)]
    pub cache_max_age: u32,

    /// Seconds a cache may go on serving a public GET response while it fetches a fresh one
    /// (`stale-while-revalidate`).
    #[arg(
        long,
        env = "DATELINE_CACHE_STALE_WHILE_REVALIDATE",
        default_value_t = 120
    )]
    pub cache_stale_while_revalidate: u32,

    /// Seconds a request may take before it is answered with 408 (on PostgreSQL, also the
    /// longest any one SQL statement may run).
    #[arg(long, env = "DATELINE_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,

    /// The largest response body, in bytes; a bigger answer is refused with
    /// `LIMIT_EXCEEDED`.
    #[arg(long, env = "DATELINE_MAX_RESPONSE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_response_bytes: usize,

    /// Serve without applying migrations, for a role that may not change the schema: a
    /// database that needs migrations is refused (run `dateline migrate` first).
    #[arg(long, env = "DATELINE_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Milliseconds a request waits for a database connection before it is answered `503`
    /// with `UNAVAILABLE` (the database is down, or every connection busy).
    #[arg(long, env = "DATELINE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 800, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub db_acquire_timeout_ms: u64,

    /// The most connections the request pool opens (PostgreSQL; SQLite uses 8 at most).
    #[arg(long, env = "DATELINE_DB_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_connections: u32,

    /// A PostgreSQL streaming replica of the database (`postgres://USER@HOST/DB`) to send
    /// the public's reads to; repeat it, or separate them with commas. Anything signed in,
    /// every mutation and live updates stay on the primary.
    #[arg(
        long = "replica-url",
        env = "DATELINE_REPLICA_URLS",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "URL"
    )]
    pub replica_urls: Vec<DatabaseUrl>,

    /// Milliseconds a replica may be behind the primary and still take reads; one further
    /// behind, or not answering, is out of rotation until it is back within this.
    #[arg(long, env = "DATELINE_REPLICA_MAX_LAG_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub replica_max_lag_ms: u64,

    /// The database connections live updates (websocket subscriptions) may use, apart from
    /// the request pool.
    #[arg(long, env = "DATELINE_LIVE_CONNECTIONS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub live_connections: u32,

    /// The most websockets one client address may hold open at once.
    #[arg(long, env = "DATELINE_MAX_WEBSOCKETS_PER_CLIENT", default_value_t = 16)]
    pub max_websockets_per_client: usize,

    /// Milliseconds past which a GraphQL request is logged as slow (a warning with its
    /// operation, statements and database time); 0 logs none.
    #[arg(long, env = "DATELINE_SLOW_REQUEST_MS", default_value_t = 1000)]
    pub slow_request_ms: u64,

    /// Where to send traces over OTLP/HTTP (`http://collector:4318`; they go to its
    /// `/v1/traces`): requests, GraphQL operations, dataloader batches and SQL statements
    /// (their text, never their values). No traces are made without it (or with it empty).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", value_name = "URL", value_parser = parse_otlp_endpoint)]
    pub otlp_endpoint: Option<String>,

    /// The service the traces are of.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = "dateline")]
    pub otel_service_name: String,
}

/// An `http(s)://` address of an OpenTelemetry collector, as `--otlp-endpoint` takes it;
/// empty (as an environment may set `OTEL_EXPORTER_OTLP_ENDPOINT`) for none.
pub fn parse_otlp_endpoint(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let uri: axum::http::Uri = text
        .parse()
        .map_err(|_| format!("`{text}` is not an address"))?;
    let web = matches!(uri.scheme_str(), Some("http" | "https")) && uri.authority().is_some();
    if web && uri.query().is_none() {
        Ok(text.trim_end_matches('/').to_owned())
    } else {
        Err(format!("`{text}` is not an http:// or https:// address"))
    }
}

/// An absolute `http(s)://` address, as `--site-logo-url` takes it.
pub fn parse_web_url(text: &str) -> Result<String, String> {
    match dateline_domain::input::web_url(text) {
        Ok(Some(url)) => Ok(url),
        _ => Err(format!(
            "`{text}` is not an absolute http:// or https:// address"
        )),
    }
}

/// An address or a network, as `--trusted-proxy` takes it.
pub fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is neither an address nor a network"))
}

/// Options of `dateline seed`.
#[derive(clap::Args)]
pub struct SeedArgs {
    /// How many articles to add.
    #[arg(long, env = "DATELINE_SEED_ARTICLES", default_value_t = 100_000)]
    pub articles: usize,
}

/// A database URL, which may hold a password: its `Debug` and `Display` show the scheme only.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The full URL, for opening the connection only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("sqlite:")
            || s.starts_with("postgres://")
            || s.starts_with("postgresql://")
        {
            Ok(Self(s.to_owned()))
        } else {
            Err("expected a sqlite: or postgres:// URL".to_owned())
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.0.split(':').next().unwrap_or_default();
        write!(f, "{scheme}://…")
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_never_print_their_password() {
        let url: DatabaseUrl = "postgres://app:s3cret@db/news".parse().expect("valid url");
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert_eq!(url.expose(), "postgres://app:s3cret@db/news");
    }

    #[test]
    fn help_never_shows_the_database_url_from_the_environment() {
        use clap::CommandFactory;
        let arg = Cli::command()
            .get_arguments()
            .find(|a| a.get_id() == "database_url")
            .cloned();
        assert!(arg.is_some_and(|a| a.is_hide_env_values_set()));
    }

    #[test]
    fn rejects_unknown_databases() {
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn import_wordpress_takes_one_file_and_no_unknown_option() {
        let parsed = Cli::try_parse_from(["dateline", "import", "wordpress", "site.xml"]);
        assert!(matches!(
            parsed.map(|cli| cli.command),
            Ok(Command::Import(ImportCommand::Wordpress(args))) if args.file.ends_with("site.xml")
        ));
        let unknown = Cli::try_parse_from(["dateline", "import", "wordpress", "--drafts", "x.xml"]);
        assert!(unknown.is_err());
        assert!(Cli::try_parse_from(["dateline", "import", "wordpress"]).is_err());
    }

    #[test]
    fn the_log_format_goes_before_or_after_the_command() {
        for args in [
            &["dateline", "--log-format", "json", "migrate"][..],
            &["dateline", "serve", "--log-format", "json"][..],
        ] {
            let cli = Cli::try_parse_from(args).map(|cli| cli.log_format);
            assert!(matches!(cli, Ok(LogFormat::Json)), "{args:?}");
        }
        assert!(Cli::try_parse_from(["dateline", "--log-format", "xml", "migrate"]).is_err());
    }

    #[test]
    fn an_otlp_endpoint_is_a_web_address() {
        assert_eq!(
            parse_otlp_endpoint("http://collector:4318/").as_deref(),
            Ok("http://collector:4318")
        );
        assert!(parse_otlp_endpoint("https://otel.example.org/base").is_ok());
        assert_eq!(parse_otlp_endpoint("").as_deref(), Ok(""), "none");
        for wrong in [
            "collector:4318",
            "grpc://collector:4317",
            "http://",
            "http://c/?x=1",
        ] {
            assert!(parse_otlp_endpoint(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
