//! Helpers for the end-to-end suites: start the real server on a fresh database, speak
//! GraphQL to it over HTTP, and count the SQL statements each request costs.
//!
//! The database is a new SQLite file per test, or — when `DATABASE_URL` names a PostgreSQL
//! server — a new PostgreSQL database per test, created on that server. When `DATABASE_URL`
//! asks for PostgreSQL and the server cannot be reached, tests fail; they never fall back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dateline_persistence::Store;
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
    statements: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The database URL a test should use: a fresh one every call.
async fn fresh_database_url() -> String {
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
    let url = fresh_database_url().await;
    let mut db = dateline_persistence::connect(&url)
        .await
        .expect("connect to the test database");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&statements);
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let store = Store::new(db);
    store.migrate().await.expect("migrate the test database");
    store.load_demo().await.expect("load the demo newsroom");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server_store = store.clone();
    tokio::spawn(async move {
        dateline_server::run(listener, server_store, async {
            stopped.await.ok();
        })
        .await
        .expect("server runs");
    });
    TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        statements,
        shutdown: Some(shutdown),
    }
}

impl TestApp {
    /// POSTs a GraphQL document with variables and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request reaches the server");
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
