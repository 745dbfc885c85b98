//! What the server does with every SQL statement it runs: the process has one statement
//! hook ([`dateline_persistence::observe::on_statement`]), and this is the only place that
//! sets it. It always counts the statement in the metrics; whoever also wants to see each
//! statement (traces, say) passes its function to [`install_hook`].

use dateline_persistence::observe::{self, Statement};

/// A function told of every statement, beside the metrics.
pub type Also = Box<dyn Fn(&Statement<'_>) + Send + Sync>;

/// Sets the process's statement hook: every statement is counted in the metrics, and told
/// to `tracing` when given. Only the first call in a process takes effect (the server calls
/// it with `None` when it starts, so call it before [`crate::run`] to pass a function); it
/// says whether this one did.
pub fn install_hook(tracing: Option<Also>) -> bool {
    observe::on_statement(Box::new(move |statement| {
        crate::metrics::statement(statement);
        if let Some(tracing) = &tracing {
            tracing(statement);
        }
    }))
    .is_ok()
}
