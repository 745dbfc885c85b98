//! A scrape: the process's recorder, then what this server is at the moment, read from its
//! own state.

use std::fmt::{Display, Write};
use std::sync::atomic::Ordering;

use dateline_persistence::Store;

use crate::supervise::Restarts;

/// The media type of the text format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The text of `/metrics` for the server of `store`, with `websockets` open and its
/// background tasks restarted as `restarts` says.
pub(crate) fn scrape(store: &Store, websockets: usize, restarts: &Restarts) -> String {
    let mut text = Text(super::install().render());
    let events = store.events();
    text.family(
        "dateline_subscriptions",
        "gauge",
        "Live GraphQL subscriptions on this server.",
    );
    text.sample("dateline_subscriptions", &[], events.subscribers());
    text.family(
        "dateline_websockets",
        "gauge",
        "Open websocket connections on this server.",
    );
    text.sample("dateline_websockets", &[], websockets);
    text.family(
        "dateline_event_relay_up",
        "gauge",
        "Whether events published through other servers reach this one.",
    );
    text.sample("dateline_event_relay_up", &[], u8::from(events.relaying()));
    text.family(
        "dateline_task_restarts_total",
        "counter",
        "Background tasks restarted after a panic.",
    );
    for (task, count) in [
        ("scheduler", &restarts.scheduler),
        ("event_relay", &restarts.relay),
        ("housekeeping", &restarts.housekeeping),
        ("replica_watch", &restarts.replica_watch),
    ] {
        let count = count.load(Ordering::Relaxed);
        text.sample("dateline_task_restarts_total", &[("task", task)], count);
    }
    pools(&mut text, store);
    replicas(&mut text, store);
    text.0
}

/// Each pool's connections. How many requests wait for one is not told: sqlx does not
/// say; `dateline_db_unavailable_total` counts those that waited in vain.
fn pools(text: &mut Text, store: &Store) {
    let pools = store.pool_usage();
    text.family(
        "dateline_db_pool_connections",
        "gauge",
        "Connections of each database pool of this server, in use or idle.",
    );
    for pool in &pools {
        for (state, count) in [("in_use", pool.in_use), ("idle", pool.idle)] {
            let labels = [("database", pool.database.as_str()), ("state", state)];
            text.sample("dateline_db_pool_connections", &labels, count);
        }
    }
    text.family(
        "dateline_db_pool_max_connections",
        "gauge",
        "The most connections each database pool of this server opens.",
    );
    for pool in &pools {
        let labels = [("database", pool.database.as_str())];
        text.sample("dateline_db_pool_max_connections", &labels, pool.max);
    }
}

/// Each replica's state; the families are there, empty, without replicas.
fn replicas(text: &mut Text, store: &Store) {
    let replicas = store.replica_status();
    text.family(
        "dateline_db_replica_up",
        "gauge",
        "Whether each read replica takes reads: it answers and keeps up.",
    );
    for replica in &replicas {
        let labels = [("replica", replica.name.as_str())];
        text.sample("dateline_db_replica_up", &labels, u8::from(replica.serving));
    }
    text.family(
        "dateline_db_replica_lag_seconds",
        "gauge",
        "How far each read replica was behind the primary at its last probe (none when it \
         did not answer).",
    );
    for replica in &replicas {
        if let Some(lag) = replica.lag {
            let labels = [("replica", replica.name.as_str())];
            text.sample(
                "dateline_db_replica_lag_seconds",
                &labels,
                lag.as_secs_f64(),
            );
        }
    }
}

/// Prometheus text, written as it goes.
struct Text(String);

impl Text {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        // Writing to a String cannot fail.
        let _ = write!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (key, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{key}=\"{}\"", escaped(value));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }
}

/// A label value as the text format has it: `\`, `"` and newlines escaped.
fn escaped(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_written_in_the_text_format() {
        let mut text = Text(String::new());
        text.family("x_total", "counter", "Xs.");
        text.sample("x_total", &[], 3);
        text.sample("x_total", &[("a", "b\"c"), ("d", "e")], 1.5);
        assert_eq!(
            text.0,
            "# HELP x_total Xs.\n# TYPE x_total counter\nx_total 3\n\
             x_total{a=\"b\\\"c\",d=\"e\"} 1.5\n"
        );
    }
}
