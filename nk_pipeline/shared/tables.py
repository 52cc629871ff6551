"""A warehouse table and its descriptions, and writing them to DuckDB: the catalog (marts) and the
history (warehouse) describe their tables with these, staging writes its frames with them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb
import pandas as pd

# rows of a table shown as its preview (Dagster metadata) and kept of it by the stages' doors
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)
    reads: tuple[str, ...] = ()  # for a mart: the tables its SQL reads (its asset's dependencies)
    # what identifies a row, and column → the mart whose key of the same name it points to
    # (docs/consumers.md lists them; datapackage.json declares them)
    primary_key: tuple[str, ...] = ()
    foreign_keys: dict[str, str] = field(default_factory=dict)
    may_be_empty: bool = False  # a mart with no rows is a result, not a sign of broken inputs
    kind: str = "TABLE"  # or VIEW: what COMMENT ON names
    # what the table is, for a person downloading its file from the page: the description where
    # it names no table, file or repository path, else its own words
    readers: str = ""

    @property
    def for_readers(self) -> str:
        return self.readers or self.description

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def comment_tables(conn: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> None:
    statements = []
    for table in tables:
        statements.append(f"COMMENT ON {table.kind} {table.qualified} IS {quote(table.description)}")
        statements += [f"COMMENT ON COLUMN {table.qualified}.{c} IS {quote(text)}" for c, text in table.columns.items()]
    # one transaction: committed one by one, the comments cost a write to disk each
    conn.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def write_frame(conn: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> None:
    """`frame` as the table, described (a column the table does not describe fails here)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {table.schema}")
    conn.register("_frame", frame)
    try:
        conn.execute(f"CREATE OR REPLACE TABLE {table.qualified} AS SELECT * FROM _frame")
    finally:
        conn.unregister("_frame")
    undescribed = [c for c in frame.columns if c not in table.columns]
    if undescribed:
        raise ValueError(f"{table.qualified}: no description for column(s) {', '.join(undescribed)}")
    comment_tables(conn, [table])


def inputs_digest(input_hashes: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(sorted(input_hashes.items())), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
