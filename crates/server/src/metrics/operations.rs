//! GraphQL operations as metrics see them: by name, with a bounded number of names.
//!
//! Operation names come from clients, and every name is a series of its own in every
//! metric it labels: a client sending a new name with each request would grow this
//! process's memory and the monitoring's without end. So a name counts under itself only
//! if it is a valid GraphQL name of at most [`MAX_NAME_LENGTH`] characters and one of the
//! first [`MAX_NAMES`] this process has seen; any other is `other`, and a request that
//! names no operation is `anonymous`.
//!
//! Each name keeps its label and the handles of its series, made when first used, so that
//! counting a request takes no allocation and no lookup in the recorder.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock, RwLock};

use async_graphql::parser::types::OperationType;
use metrics::{Counter, Histogram, SharedString};

/// The most operation names counted under their own name in one process.
pub const MAX_NAMES: usize = 200;
/// The longest operation name counted under itself.
pub const MAX_NAME_LENGTH: usize = 64;

/// What unnamed operations are counted as.
pub const ANONYMOUS: &str = "anonymous";
/// What operations are counted as once [`MAX_NAMES`] are taken, or whose name is no GraphQL
/// name.
pub const OTHER: &str = "other";

/// The type of an operation, as labelled; `none` when the request's operation could not be
/// told (it did not parse, or named no operation of its document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Query,
    Mutation,
    Subscription,
    None,
}

impl Kind {
    const ALL: [Self; 4] = [Self::Query, Self::Mutation, Self::Subscription, Self::None];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutation => "mutation",
            Self::Subscription => "subscription",
            Self::None => "none",
        }
    }
}

impl From<Option<OperationType>> for Kind {
    fn from(operation: Option<OperationType>) -> Self {
        match operation {
            Some(OperationType::Query) => Self::Query,
            Some(OperationType::Mutation) => Self::Mutation,
            Some(OperationType::Subscription) => Self::Subscription,
            None => Self::None,
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It ran and answered without errors.
    Ok,
    /// It ran and some of it failed, or the server failed it (a deadline, the database out
    /// of reach, an internal error).
    Error,
    /// It was refused before it ran: malformed, invalid, over a limit, not signed in.
    Refused,
}

impl Outcome {
    const ALL: [Self; 3] = [Self::Ok, Self::Error, Self::Refused];

    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Refused => "refused",
        }
    }
}

/// Which database answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Database {
    Primary,
    Replica,
}

impl Database {
    const ALL: [Self; 2] = [Self::Primary, Self::Replica];

    fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Replica => "replica",
        }
    }
}

const SERIES: usize = Kind::ALL.len() * Outcome::ALL.len() * Database::ALL.len();

/// Where the requests counter of `kind`, `outcome` and `database` is kept.
fn series(kind: Kind, outcome: Outcome, database: Database) -> usize {
    (kind as usize * Outcome::ALL.len() + outcome as usize) * Database::ALL.len()
        + database as usize
}

/// One operation name's label and series.
pub(crate) struct Operation {
    label: SharedString,
    requests: [OnceLock<Counter>; SERIES],
    durations: [OnceLock<Histogram>; Kind::ALL.len()],
}

impl Operation {
    fn new(label: SharedString) -> Self {
        Self {
            label,
            requests: [const { OnceLock::new() }; SERIES],
            durations: [const { OnceLock::new() }; Kind::ALL.len()],
        }
    }

    /// The label this operation is counted under.
    #[cfg(test)]
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// `dateline_graphql_requests_total` of this operation.
    pub(crate) fn requests(&self, kind: Kind, outcome: Outcome, database: Database) -> &Counter {
        self.requests[series(kind, outcome, database)].get_or_init(|| {
            metrics::counter!(
                "dateline_graphql_requests_total",
                "operation" => self.label.clone(),
                "type" => kind.as_str(),
                "outcome" => outcome.as_str(),
                "database" => database.as_str(),
            )
        })
    }

    /// `dateline_graphql_request_duration_seconds` of this operation.
    pub(crate) fn duration(&self, kind: Kind) -> &Histogram {
        self.durations[kind as usize].get_or_init(|| {
            metrics::histogram!(
                "dateline_graphql_request_duration_seconds",
                "operation" => self.label.clone(),
                "type" => kind.as_str(),
            )
        })
    }
}

/// The operation names a process counts under their own name.
pub(crate) struct Names {
    cap: usize,
    known: RwLock<HashMap<Box<str>, Arc<Operation>>>,
    anonymous: Arc<Operation>,
    other: Arc<Operation>,
}

impl Names {
    /// Room for `cap` names.
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            known: RwLock::default(),
            anonymous: Arc::new(Operation::new(SharedString::const_str(ANONYMOUS))),
            other: Arc::new(Operation::new(SharedString::const_str(OTHER))),
        }
    }

    /// What an operation named `name` (`None`: unnamed) is counted as.
    pub(crate) fn get(&self, name: Option<&str>) -> Arc<Operation> {
        let Some(name) = name else {
            return Arc::clone(&self.anonymous);
        };
        if !is_countable(name) {
            return Arc::clone(&self.other);
        }
        if let Some(known) = self.read().get(name) {
            return Arc::clone(known);
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if let Some(operation) = known.get(name) {
            return Arc::clone(operation);
        }
        if known.len() >= self.cap {
            return Arc::clone(&self.other);
        }
        let operation = Arc::new(Operation::new(SharedString::from_shared(Arc::from(name))));
        known.insert(name.into(), Arc::clone(&operation));
        operation
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Box<str>, Arc<Operation>>> {
        // The map only grows by whole entries: what a panicking writer left is sound.
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether `name` is a GraphQL name of at most [`MAX_NAME_LENGTH`] characters.
fn is_countable(name: &str) -> bool {
    is_graphql_name(name, MAX_NAME_LENGTH)
}

/// Whether `name` is a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`) of at most `longest`
/// characters.
pub(crate) fn is_graphql_name(name: &str, longest: usize) -> bool {
    let bytes = name.as_bytes();
    bytes.len() <= longest
        && bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// What an operation named `name` is counted as in this process (see the module
/// documentation).
pub(crate) fn operation(name: Option<&str>) -> Arc<Operation> {
    static NAMES: LazyLock<Names> = LazyLock::new(|| Names::new(MAX_NAMES));
    NAMES.get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_counted_under_themselves_up_to_the_cap_then_as_other() {
        let names = Names::new(3);
        assert_eq!(names.get(None).label(), ANONYMOUS);
        assert_eq!(names.get(Some("FrontPage")).label(), "FrontPage");
        assert_eq!(names.get(Some("_article2")).label(), "_article2");
        assert_eq!(names.get(Some("FrontPage")).label(), "FrontPage");
        assert_eq!(names.get(Some("Search")).label(), "Search");
        // The cap is reached: new names are `other`, known ones stay themselves.
        assert_eq!(names.get(Some("Sitemap")).label(), OTHER);
        assert_eq!(names.get(Some("Search")).label(), "Search");
        // The same name is the same operation, series and all.
        assert!(Arc::ptr_eq(
            &names.get(Some("Search")),
            &names.get(Some("Search"))
        ));
    }

    #[test]
    fn what_is_no_graphql_name_is_other_and_takes_no_room() {
        let names = Names::new(1);
        let long = "A".repeat(MAX_NAME_LENGTH + 1);
        for name in [
            "",
            "2fast",
            "front page",
            "Front-Page",
            "Ünïcode",
            "a\"b",
            &long,
        ] {
            assert_eq!(names.get(Some(name)).label(), OTHER, "{name:?}");
        }
        let longest = "A".repeat(MAX_NAME_LENGTH);
        assert_eq!(names.get(Some(&longest)).label(), longest);
    }

    #[test]
    fn series_are_told_apart_by_kind_outcome_and_database() {
        let mut seen = std::collections::HashSet::new();
        for kind in Kind::ALL {
            for outcome in Outcome::ALL {
                for database in Database::ALL {
                    let index = series(kind, outcome, database);
                    assert!(index < SERIES && seen.insert(index));
                }
            }
        }
    }
}
