//! Helpers for the end-to-end suites: start the real server on a fresh database, speak
//! GraphQL to it over HTTP, and count the SQL statements each request costs.
//!
//! The database is a new SQLite file per test, or — when `DATABASE_URL` names a PostgreSQL
//! server — a new PostgreSQL database per test, created on that server. When `DATABASE_URL`
//! asks for PostgreSQL and the server cannot be reached, tests fail; they never fall back.

pub mod websocket;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dateline_domain::{Email, NewPassword, Role};
use dateline_persistence::{BACKGROUND_MARK, NewUser, PoolSettings, Store};
pub use dateline_server::Settings;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A running Dateline server with the demo newsroom loaded.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    /// The server's store, for arranging data a test needs.
    pub store: Store,
    /// The database this server runs on.
    pub database_url: String,
    /// How this server was set up.
    pub settings: Settings,
    statements: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The database URL a test should use: a fresh, empty one every call.
pub async fn fresh_database_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            let admin = sea_orm::Database::connect(&server)
                .await
                .unwrap_or_else(|e| {
                    panic!("DATABASE_URL names PostgreSQL, but it cannot be reached: {e}")
                });
            let name = format!("dateline_test_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
            admin.close().await.ok();
            let (base, _) = server.rsplit_once('/').unwrap_or((&server, ""));
            format!("{base}/{name}")
        }
        _ => {
            let file = std::env::temp_dir().join(format!(
                "dateline-test-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            format!("sqlite://{}?mode=rwc", file.display())
        }
    }
}

/// Starts a server on `127.0.0.1:0` over a fresh database holding the demo newsroom.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

/// Like [`spawn_app`], with `settings`; on PostgreSQL no statement outlives its request
/// (the pool's `statement_timeout` ends just after the request deadline), as in `dateline
/// serve`.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let url = fresh_database_url().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let store = serving_store(&url, &settings, &statements).await;
    store.migrate().await.expect("migrate the test database");
    store.load_demo().await.expect("load the demo newsroom");
    serve(store, url, statements, settings).await
}

/// A store on `url` as `dateline serve` opens it — a request pool whose statements end
/// with the request deadline, and a pool of its own for live updates — with every
/// statement either runs (but the background ones) counted in `statements`.
pub async fn serving_store(url: &str, settings: &Settings, statements: &Arc<AtomicUsize>) -> Store {
    let pool = pool_settings(settings);
    let live = PoolSettings {
        max_connections: Some(4),
        ..pool.clone()
    };
    let db = counted(url, &pool, statements).await;
    Store::new(db).with_live_pool(counted(url, &live, statements).await)
}

/// The pool settings `dateline serve` uses by default with `settings`.
pub fn pool_settings(settings: &Settings) -> PoolSettings {
    PoolSettings {
        statement_timeout: Some(settings.http.statement_timeout()),
        acquire_timeout: std::time::Duration::from_millis(800),
        max_connections: None,
    }
}

/// A pool on `url` counting its statements (but the background ones) in `statements`.
async fn counted(
    url: &str,
    pool: &PoolSettings,
    statements: &Arc<AtomicUsize>,
) -> sea_orm::DatabaseConnection {
    let mut db = dateline_persistence::connect_with(url, pool)
        .await
        .expect("connect to the test database");
    let counter = Arc::clone(statements);
    let count = move |info: &sea_orm::metric::Info<'_>| {
        // The scheduler polls every second whatever the requests: not theirs to count.
        if !info.statement.sql.ends_with(BACKGROUND_MARK) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    };
    dateline_persistence::observe::watch(&mut db, "primary", Some(Box::new(count)));
    db
}

/// Like [`spawn_app`], a server whose copy of the section tree is current, as it is once it
/// has served a request and (on PostgreSQL) listens for changes from other servers.
pub async fn spawn_warm_app() -> TestApp {
    let app = spawn_app().await;
    for _ in 0..100 {
        if app.metrics().await.contains("dateline_event_relay_up 1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.data("{ sections { slug } }", json!({})).await;
    app
}

/// Starts another server over the same database as `app`, as a second instance behind a
/// load balancer would be, or as the same server after a restart.
pub async fn spawn_instance(app: &TestApp) -> TestApp {
    let url = app.database_url.clone();
    serve(
        app.store.clone(),
        url,
        Arc::clone(&app.statements),
        app.settings.clone(),
    )
    .await
}

/// Starts another server over the same database as `app` with nothing in common with it
/// but the database — its own connection pool, its own subscribers — as a server on
/// another machine would be.
pub async fn spawn_peer(app: &TestApp) -> TestApp {
    let store = Store::connect(&app.database_url)
        .await
        .expect("connect to the test database");
    serve(
        store,
        app.database_url.clone(),
        Arc::default(),
        app.settings.clone(),
    )
    .await
}

/// The database at `database_url` on the streaming replica the replica tests use
/// (`DATELINE_TEST_REPLICA_URL`, a database URL on the replica server, as `.ci/replica`
/// makes it). Tests on PostgreSQL that need a replica fail without one: they never skip.
pub fn replica_of(database_url: &str) -> String {
    let server = std::env::var("DATELINE_TEST_REPLICA_URL").unwrap_or_else(|_| {
        panic!(
            "the replica tests need a streaming replica of the PostgreSQL server: run \
             `.ci/replica` and set DATELINE_TEST_REPLICA_URL=postgres://postgres@127.0.0.1:5433/postgres"
        )
    });
    let (base, _) = server.rsplit_once('/').unwrap_or((&server, ""));
    let (_, name) = database_url.rsplit_once('/').expect("a database name");
    format!("{base}/{name}")
}

/// The replica server's own administrative URL (`DATELINE_TEST_REPLICA_URL`).
pub fn replica_server() -> String {
    replica_of("/postgres")
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"))
}

/// Serves `store`, on the database at `database_url`, as a test server; `statements` is
/// what its statements are counted in.
pub async fn serve(
    store: Store,
    database_url: String,
    statements: Arc<AtomicUsize>,
    settings: Settings,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server_store = store.clone();
    let server_settings = settings.clone();
    let server = tokio::spawn(async move {
        dateline_server::run(listener, server_store, server_settings, async {
            stopped.await.ok();
        })
        .await
        .expect("server runs");
    });
    TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        database_url,
        settings,
        statements,
        shutdown: Some(shutdown),
        server: Some(server),
    }
}

impl TestApp {
    /// Stops the server (its scheduler too) and waits until it has; the database stays.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), server)
                .await
                .expect("the server stops within 10 s")
                .expect("the server task ends cleanly");
        }
    }

    /// GETs `path` (`/healthz`, say) from this server.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The text of this server's `/metrics`.
    pub async fn metrics(&self) -> String {
        self.get("/metrics")
            .await
            .text()
            .await
            .expect("metrics text")
    }

    /// POSTs a GraphQL document with variables and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(None, query, variables).await
    }

    /// Like [`TestApp::graphql`], signed in with `token` when there is one.
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request reaches the server");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("a JSON response")
    }

    /// Like [`TestApp::graphql`], but fails the test if the response has errors, and returns
    /// its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// How many SQL statements the server has run so far.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Runs a request and returns its data and how many SQL statements it cost.
    pub async fn data_counting_statements(&self, query: &str, variables: Value) -> (Value, usize) {
        let before = self.statements.load(Ordering::SeqCst);
        let data = self.data(query, variables).await;
        (data, self.statements.load(Ordering::SeqCst) - before)
    }

    /// The database id of the article with this slug, whatever its status.
    pub async fn article_id(&self, slug: &str) -> i32 {
        let db = self.store.connection();
        let sql = match db.get_database_backend() {
            DbBackend::Postgres => "SELECT id FROM articles WHERE slug = $1",
            _ => "SELECT id FROM articles WHERE slug = ?",
        };
        let statement =
            Statement::from_sql_and_values(db.get_database_backend(), sql, [slug.into()]);
        let row = db
            .query_one_raw(statement)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no article {slug}"));
        row.try_get_by_index(0).expect("an id")
    }

    /// Publishes an article as of `published_at` (which may lie in the future).
    pub async fn publish_at(&self, slug: &str, published_at: chrono::DateTime<chrono::Utc>) {
        let id = self.article_id(slug).await;
        self.store
            .set_publication(
                id,
                dateline_domain::ArticleStatus::Published,
                Some(published_at),
            )
            .await
            .expect("set the publication time");
    }
}

/// A signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    pub email: String,
    pub password: String,
    /// Their bearer token.
    pub token: String,
    /// The global id of the author profile they write as.
    pub author_id: String,
}

impl TestApp {
    /// Creates a staff account with `role` and its own author profile, signs it in through
    /// `login`, and returns it.
    pub async fn staff(&self, role: Role) -> Staff {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let slug = format!("{role}-{}", &tag[..8]);
        let db = self.store.connection();
        let backend = db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "INSERT INTO authors (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id"
            }
            _ => "INSERT INTO authors (slug, name, created_at) VALUES (?, ?, ?) RETURNING id",
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [
                    slug.clone().into(),
                    format!("Test {role}").into(),
                    chrono::Utc::now().into(),
                ],
            ))
            .await
            .expect("insert an author")
            .expect("the new author's id");
        let author_id: i32 = row.try_get_by_index(0).expect("an id");
        let email = format!("{slug}@example.com");
        let password = format!("correct horse {tag}");
        self.store
            .create_user(NewUser {
                email: &Email::parse(&email).expect("valid email"),
                name: &format!("Test {role}"),
                password: &NewPassword::parse(&password).expect("valid password"),
                role,
                author_id: Some(author_id),
            })
            .await
            .expect("create the account");
        let token = self.login(&email, &password).await;
        // Signed in: the public does not find a profile that has published nothing yet.
        let response = self
            .graphql_as(
                Some(&token),
                "query($slug: String!) { author(slug: $slug) { id } }",
                json!({ "slug": slug }),
            )
            .await;
        Staff {
            email,
            password,
            token,
            author_id: response["data"]["author"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("the new author profile: {response}"))
                .to_owned(),
        }
    }

    /// Signs in through the `login` mutation and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .data(
                "mutation($input: LoginInput!) { login(input: $input) { token userErrors { code } } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        data["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {data}"))
            .to_owned()
    }

    /// Runs a request as `staff` and fails the test if it has errors; returns its `data`.
    pub async fn data_as(&self, staff: &Staff, query: &str, variables: Value) -> Value {
        let response = self.graphql_as(Some(&staff.token), query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// The global id of the section with this slug.
    pub async fn section_id(&self, slug: &str) -> String {
        let data = self
            .data(
                "query($slug: String!) { section(slug: $slug) { id } }",
                json!({ "slug": slug }),
            )
            .await;
        data["section"]["id"]
            .as_str()
            .expect("a section")
            .to_owned()
    }

    /// The global ids of the first `n` tags by name.
    pub async fn tag_ids(&self, n: usize) -> Vec<String> {
        let data = self
            .data(
                "query($n: Int!) { tags(first: $n) { nodes { id } } }",
                json!({ "n": n }),
            )
            .await;
        data["tags"]["nodes"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["id"].as_str().expect("tag id").to_owned())
            .collect()
    }
}

/// The JSON text of `objects` with each one's `fields` written in that order, as a server that
/// keeps the order a query asks for writes them.
pub fn in_field_order(objects: &[Value], fields: &[&str]) -> String {
    let objects: Vec<String> = objects
        .iter()
        .map(|object| {
            let fields: Vec<String> = fields
                .iter()
                .map(|field| format!("{}:{}", Value::from(*field), object[*field]))
                .collect();
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    format!("[{}]", objects.join(","))
}

/// The codes of the `userErrors` a mutation answered with, for a request that ran one
/// mutation; empty when it answered none (or no payload at all).
pub fn user_error_codes(response: &Value) -> Vec<String> {
    response["data"]
        .as_object()
        .and_then(|data| data.values().next())
        .and_then(|payload| payload["userErrors"].as_array())
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["code"].as_str().unwrap_or("<none>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The error codes of a response's errors, in order.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}
