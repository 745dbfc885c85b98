//! The editor's side: GraphQL over HTTP to one server, and the writes it acknowledged.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::server::Server;
use crate::{EMAIL, PASSWORD};

/// The article fields every write below answers with.
const ARTICLE: &str = "id slug title revision status publishedAt";

/// An editor's client, talking to one server.
#[derive(Clone)]
pub(crate) struct Desk {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

/// What became of a write.
pub(crate) enum Outcome {
    /// Answered: the article as the write left it.
    Done(Value),
    /// Refused with `CONFLICT`: the article is at this revision now.
    Conflict(i32),
    /// No answer: the server died. The request was sent at this instant.
    Cut(Instant),
}

impl Outcome {
    /// The article, for a write that cannot have been cut or refused.
    pub(crate) fn done(self) -> Value {
        match self {
            Self::Done(article) => article,
            Self::Conflict(current) => panic!("unexpected CONFLICT at revision {current}"),
            Self::Cut(_) => panic!("the server did not answer"),
        }
    }
}

impl Desk {
    pub(crate) fn anonymous(server: &Server) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
            url: format!("{}/graphql", server.url),
            token: None,
        }
    }

    pub(crate) fn signed_in(server: &Server, token: &str) -> Self {
        Self {
            token: Some(token.to_owned()),
            ..Self::anonymous(server)
        }
    }

    /// Signs in through `login` and returns the bearer token.
    pub(crate) async fn login(&self) -> String {
        let data = self
            .read(
                "mutation($input: LoginInput!) { login(input: $input) { token } }",
                json!({ "input": { "email": EMAIL, "password": PASSWORD } }),
            )
            .await;
        data["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {data}"))
            .to_owned()
    }

    /// Sends a document and returns the response, or the transport error.
    async fn send(&self, query: &str, variables: Value) -> reqwest::Result<Value> {
        let mut request = self
            .client
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        assert!(response.status().is_success(), "HTTP {}", response.status());
        let bytes = response.bytes().await?;
        Ok(serde_json::from_slice(&bytes).expect("a JSON response"))
    }

    /// Runs a query that must succeed and returns its data.
    pub(crate) async fn read(&self, query: &str, variables: Value) -> Value {
        let response = self
            .send(query, variables)
            .await
            .unwrap_or_else(|e| panic!("no answer: {e}"));
        assert!(response.get("errors").is_none(), "errors: {response:#}");
        response["data"].clone()
    }

    /// Runs article mutation `name` (`createArticle`, `updateArticle`, `publishArticle`) with
    /// `input`. Anything but an answer, a conflict or a cut is a failure.
    pub(crate) async fn write(&self, name: &str, input: Value) -> Outcome {
        let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
        let document = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ \
             article {{ {ARTICLE} }} userErrors {{ path code message }} }} }}"
        );
        let sent = Instant::now();
        let Ok(response) = self.send(&document, json!({ "input": input })).await else {
            return Outcome::Cut(sent);
        };
        assert!(
            response.get("errors").is_none(),
            "{name} failed: {response:#}"
        );
        let payload = &response["data"][name];
        if payload["userErrors"][0]["code"] == "CONFLICT" {
            // The article moved on: read the revision it is at now.
            let Ok(now) = self
                .send(
                    "query($id: ID!) { node(id: $id) { ... on Article { revision } } }",
                    json!({ "id": input["id"] }),
                )
                .await
            else {
                return Outcome::Cut(sent);
            };
            let current = now["data"]["node"]["revision"]
                .as_i64()
                .and_then(|r| i32::try_from(r).ok())
                .unwrap_or_else(|| panic!("no revision after a CONFLICT: {now:#}"));
            return Outcome::Conflict(current);
        }
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "{name} refused: {response}"
        );
        Outcome::Done(payload["article"].clone())
    }
}

/// The input of a new draft in `section`.
pub(crate) fn new_draft(title: &str, section: &Value) -> Value {
    json!({ "title": title, "body": body(title), "sectionId": section })
}

/// The body a desk saves with `title`: simple enough to be stored as it is sent.
pub(crate) fn body(title: &str) -> String {
    format!("<p>{title}: the desk keeps typing while the server falls over.</p>")
}

/// A write the server acknowledged, as it answered it.
#[derive(Debug, Clone)]
pub(crate) enum Ack {
    /// A new draft (revision 1) or a save: the revision it made and the text it saved.
    Saved {
        slug: String,
        revision: i32,
        title: String,
        body: String,
    },
    /// Published now, as this revision.
    Published { slug: String, revision: i32 },
    /// Scheduled for `at`, as this revision.
    Scheduled {
        slug: String,
        revision: i32,
        at: DateTime<Utc>,
    },
}

impl Ack {
    pub(crate) fn saved(article: &Value, title: &str, body: &str) -> Self {
        assert_eq!(
            article["title"], title,
            "the answer shows the saved headline"
        );
        Self::Saved {
            slug: slug(article),
            revision: revision(article),
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    /// A publication or a schedule, as `article` answers it.
    pub(crate) fn moved(article: &Value) -> Self {
        match article["status"].as_str() {
            Some("PUBLISHED") => Self::Published {
                slug: slug(article),
                revision: revision(article),
            },
            Some("SCHEDULED") => Self::Scheduled {
                slug: slug(article),
                revision: revision(article),
                at: article["publishedAt"]
                    .as_str()
                    .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                    .expect("a scheduled time")
                    .with_timezone(&Utc),
            },
            _ => panic!("neither published nor scheduled: {article}"),
        }
    }

    pub(crate) fn slug(&self) -> &str {
        match self {
            Self::Saved { slug, .. }
            | Self::Published { slug, .. }
            | Self::Scheduled { slug, .. } => slug,
        }
    }
}

fn slug(article: &Value) -> String {
    article["slug"].as_str().expect("a slug").to_owned()
}

pub(crate) fn revision(article: &Value) -> i32 {
    article["revision"]
        .as_i64()
        .and_then(|r| i32::try_from(r).ok())
        .expect("a revision")
}
