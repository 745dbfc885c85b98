//! Statement builders the migrations share. Landed migrations call them, so what one of
//! these produces must never change: a new need gets a new helper.

use sea_orm_migration::prelude::*;

/// A foreign key from `from` (table, column) to `to`'s `id`, named `fk_<table>_<column>`.
pub(crate) fn fk(
    from: (&'static str, &'static str),
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{}_{}", from.0, from.1))
        .from(from.0, from.1)
        .to(to, "id")
        .on_delete(on_delete)
        .take()
}

/// An index on `columns` of `table`, named `ix_<table>_<name>`.
pub(crate) fn index(
    table: &'static str,
    name: &str,
    columns: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(format!("ix_{table}_{name}")).table(table);
    for column in columns {
        index.col(*column);
    }
    index.take()
}
