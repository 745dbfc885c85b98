//! SQL text assembled from typed parts, with its bound values.
//!
//! [`Sql`] takes text only as `&'static str` (fixed when the crate is compiled: the
//! dialect's fragments, column names, keywords), numbers only as integers, and everything
//! else — anything a user or a stored row could have chosen — as a bound value behind a
//! placeholder in the dialect's style. No string made at run time can reach the text.

use std::fmt::Write as _;

use sea_orm::{Statement, Value};

use super::Dialect;

/// SQL text with its bound values, numbered as the dialect wants them.
#[derive(Debug)]
pub(crate) struct Sql {
    dialect: Dialect,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: String::with_capacity(512),
            values: Vec::new(),
        }
    }

    /// The dialect the text is written in.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Appends text fixed at compile time.
    pub(crate) fn push(&mut self, text: &'static str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the integer `n` as a literal.
    pub(crate) fn int(&mut self, n: impl Into<i128>) -> &mut Self {
        // Only an integer is written: it cannot carry SQL.
        let _ = write!(self.text, "{}", n.into());
        self
    }

    /// Appends `ids` as a comma-separated list of literals, for inside `IN (…)`. An empty
    /// list is written `NULL`, which matches nothing, as `IN ()` would if SQL allowed it.
    pub(crate) fn id_list(&mut self, ids: &[i32]) -> &mut Self {
        if ids.is_empty() {
            return self.push("NULL");
        }
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.int(*id);
        }
        self
    }

    /// Appends a placeholder for each of `values`, comma-separated, for inside `IN (…)`. An
    /// empty list is written `NULL`, as in [`Sql::id_list`].
    pub(crate) fn bind_list<V: Into<Value> + Clone>(&mut self, values: &[V]) -> &mut Self {
        if values.is_empty() {
            return self.push("NULL");
        }
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value.clone());
        }
        self
    }

    /// Appends a placeholder for `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self.dialect
            .push_placeholder(&mut self.text, self.values.len());
        self
    }

    /// The statement, ready to run.
    pub(crate) fn statement(self) -> Statement {
        let backend = self.dialect.backend();
        if self.values.is_empty() {
            Statement::from_string(backend, self.text)
        } else {
            Statement::from_sql_and_values(backend, self.text, self.values)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect() {
        for (dialect, expected) in [
            (
                Dialect::Sqlite,
                "x = ? AND y IN (1, -2) AND z IN (NULL) AND w = ? AND v IN (?, ?)",
            ),
            (
                Dialect::Postgres,
                "x = $1 AND y IN (1, -2) AND z IN (NULL) AND w = $2 AND v IN ($3, $4)",
            ),
        ] {
            let mut sql = Sql::new(dialect);
            sql.push("x = ")
                .bind("a")
                .push(" AND y IN (")
                .id_list(&[1, -2])
                .push(") AND z IN (")
                .id_list(&[])
                .push(") AND w = ")
                .bind(7)
                .push(" AND v IN (")
                .bind_list(&["b", "c"])
                .push(")");
            let statement = sql.statement();
            assert_eq!(statement.sql, expected);
            assert_eq!(statement.values.map(|v| v.0.len()), Some(4));
        }
    }
}
