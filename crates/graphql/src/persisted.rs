//! Automatic persisted queries, in Apollo's protocol: a client sends only the SHA-256 of its
//! document in `extensions.persistedQuery.sha256Hash`; a server that has not seen it answers
//! `PERSISTED_QUERY_NOT_FOUND`, and the client sends the document once with its hash. GET
//! URLs stay short, so a CDN can cache them.
//!
//! The cache belongs to this process alone and is bounded by the bytes it holds (each
//! document and a fixed cost per entry), least recently used first out. A document is
//! stored under its hash only after the hash is checked against it and the document has
//! passed the limits and validation, so no client can make another client's hash run a
//! different document, or fill the cache with documents that do not run.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{Request, Value};
use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::limits::Refusal;

/// The bytes the cache holds by default.
pub const DEFAULT_CAPACITY_BYTES: usize = 16 * 1024 * 1024;
/// What an entry costs beyond its document (its hash, the map's and the list's links), so
/// that many tiny documents cannot outgrow the budget.
const ENTRY_OVERHEAD_BYTES: usize = 128;

/// The message and `extensions.code` Apollo clients look for to send the document.
pub const NOT_FOUND: &str = "PersistedQueryNotFound";

/// A bounded cache of documents by their SHA-256.
pub struct PersistedQueries {
    capacity_bytes: usize,
    cache: Mutex<Cache>,
}

struct Cache {
    documents: LruCache<[u8; 32], Arc<str>>,
    bytes: usize,
}

/// What a request's `persistedQuery` extension asked for.
pub enum Persisted {
    /// The request carries no persisted query.
    No,
    /// The document came from the cache.
    Found,
    /// The request carries the document and its checked hash: store it once it has passed
    /// the limits.
    ToStore([u8; 32]),
    /// The cache does not hold this hash: the client should send the document.
    NotFound,
}

impl PersistedQueries {
    /// A cache of at most `capacity_bytes` of documents.
    pub fn new(capacity_bytes: usize) -> Self {
        Self {
            capacity_bytes,
            cache: Mutex::new(Cache {
                documents: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    /// Reads the `persistedQuery` extension of `request`: fills in the document from the
    /// cache, or checks the hash of the document it carries.
    pub fn resolve(&self, request: &mut Request) -> Result<Persisted, Refusal> {
        let Some(extension) = request.extensions.remove("persistedQuery") else {
            return Ok(Persisted::No);
        };
        let hash = parse_extension(&extension)?;
        if request.query.is_empty() {
            let mut cache = self.lock();
            return Ok(match cache.documents.get(&hash) {
                Some(document) => {
                    request.query = document.to_string();
                    metrics::counter!("dateline_persisted_queries_total", "result" => "hit")
                        .increment(1);
                    Persisted::Found
                }
                None => {
                    metrics::counter!("dateline_persisted_queries_total", "result" => "miss")
                        .increment(1);
                    Persisted::NotFound
                }
            });
        }
        let actual: [u8; 32] = Sha256::digest(request.query.as_bytes()).into();
        if actual != hash {
            return Err(Refusal::BadInput(
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query".to_owned(),
            ));
        }
        Ok(Persisted::ToStore(hash))
    }

    /// Keeps `document` under `hash`, making room by dropping the least recently used.
    pub fn store(&self, hash: [u8; 32], document: &str) {
        let cost = document.len() + ENTRY_OVERHEAD_BYTES;
        if cost > self.capacity_bytes {
            return;
        }
        let mut cache = self.lock();
        if cache.documents.contains(&hash) {
            cache.documents.promote(&hash);
            return;
        }
        while cache.bytes + cost > self.capacity_bytes {
            match cache.documents.pop_lru() {
                Some((_, dropped)) => cache.bytes -= dropped.len() + ENTRY_OVERHEAD_BYTES,
                None => break,
            }
        }
        cache.bytes += cost;
        cache.documents.put(hash, Arc::from(document));
        metrics::counter!("dateline_persisted_queries_total", "result" => "stored").increment(1);
    }

    /// How many documents the cache holds.
    pub fn len(&self) -> usize {
        self.lock().documents.len()
    }

    /// Whether the cache holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds nothing a panic could leave half-changed that matters: keep going.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY_BYTES)
    }
}

/// The hash in `{ "version": 1, "sha256Hash": "<64 hex digits>" }`.
fn parse_extension(extension: &Value) -> Result<[u8; 32], Refusal> {
    let malformed = || {
        Refusal::BadInput(
            "extensions.persistedQuery must be { version: 1, sha256Hash: \"<64 hex digits>\" }"
                .to_owned(),
        )
    };
    let Value::Object(fields) = extension else {
        return Err(malformed());
    };
    let version = fields.get("version").and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        _ => None,
    });
    if version != Some(1) {
        return Err(malformed());
    }
    let Some(Value::String(hex)) = fields.get("sha256Hash") else {
        return Err(malformed());
    };
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return Err(malformed());
    }
    let mut hash = [0u8; 32];
    for (byte, pair) in hash.iter_mut().zip(hex.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16).ok_or_else(malformed);
        // Two hex digits always fit a byte.
        *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).map_err(|_| malformed())?;
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(document: &str) -> String {
        format!("{:x}", Sha256::digest(document.as_bytes()))
    }

    fn request(query: &str, hash: &str) -> Request {
        let mut request = Request::new(query);
        request.extensions.insert(
            "persistedQuery".to_owned(),
            Value::from_json(serde_json::json!({ "version": 1, "sha256Hash": hash }))
                .expect("a value"),
        );
        request
    }

    #[test]
    fn an_unknown_hash_is_not_found_then_found_once_stored() {
        let cache = PersistedQueries::default();
        let document = "{ sections { slug } }";
        let mut first = request("", &hex(document));
        assert!(matches!(cache.resolve(&mut first), Ok(Persisted::NotFound)));

        let mut full = request(document, &hex(document));
        let Ok(Persisted::ToStore(hash)) = cache.resolve(&mut full) else {
            panic!("the hash of the document is checked and kept");
        };
        cache.store(hash, document);

        let mut again = request("", &hex(document).to_uppercase());
        assert!(matches!(cache.resolve(&mut again), Ok(Persisted::Found)));
        assert_eq!(again.query, document);
    }

    #[test]
    fn a_hash_that_is_not_the_documents_is_refused() {
        let cache = PersistedQueries::default();
        let mut forged = request("{ a }", &hex("{ b }"));
        assert!(matches!(
            cache.resolve(&mut forged),
            Err(Refusal::BadInput(_))
        ));
        for bad in ["", "xyz", &"g".repeat(64)] {
            let mut malformed = request("", bad);
            assert!(matches!(
                cache.resolve(&mut malformed),
                Err(Refusal::BadInput(_))
            ));
        }
    }

    #[test]
    fn the_cache_keeps_to_its_byte_budget() {
        let cache = PersistedQueries::new(1_000);
        for i in 0..50 {
            let document = format!("{{ field{i:04} }}");
            cache.store(Sha256::digest(document.as_bytes()).into(), &document);
        }
        // Each entry costs its 13 bytes and 128 more: seven fit in 1,000.
        assert_eq!(cache.len(), 7);
        let newest = "{ field0049 }";
        let mut found = request("", &hex(newest));
        assert!(matches!(cache.resolve(&mut found), Ok(Persisted::Found)));
        let oldest = "{ field0000 }";
        let mut gone = request("", &hex(oldest));
        assert!(matches!(cache.resolve(&mut gone), Ok(Persisted::NotFound)));
    }
}
