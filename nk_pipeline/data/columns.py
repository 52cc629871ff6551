"""A mart's columns in table order, selected in the order of its key: how every published copy of a
mart (CSV, Parquet, a spreadsheet sheet) lists its rows, so that equal marts give equal files."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from nk_pipeline.shared.spreadsheet_text import neutralise
from nk_pipeline.shared.tables import Table

# The SQL name of shared.spreadsheet_text.neutralise while the CSV files are written.
SAFE_TEXT_FUNCTION = "spreadsheet_safe_text"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_of(conn: duckdb.DuckDBPyConnection, table: Table) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a mart, in table order."""
    return conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [table.schema, table.name],
    ).fetchall()


def ordered_select(conn: duckdb.DuckDBPyConnection, table: Table, safe_text: bool = False) -> str:
    """SELECT of every column of the mart, ordered by its primary key (text made formula-safe if asked)."""
    columns = [
        f"{SAFE_TEXT_FUNCTION}({ident(c)}) AS {ident(c)}" if safe_text and t == "VARCHAR" else ident(c)
        for c, t in columns_of(conn, table)
    ]
    # by the key; a mart whose key is not declared yet (tests/test_release_unit.py flags it) by every
    # column, which is as reproducible
    keys = table.primary_key or [c for c, _ in columns_of(conn, table)]
    order = ", ".join(f"{ident(c)} NULLS FIRST" for c in keys)
    return f"SELECT {', '.join(columns)} FROM {table.qualified} ORDER BY {order}"


@contextlib.contextmanager
def formula_safe_text(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Make `neutralise` callable from SQL for the duration of the block."""
    with contextlib.suppress(duckdb.Error):
        conn.remove_function(SAFE_TEXT_FUNCTION)  # left by a step that died half-way in this process
    conn.create_function(SAFE_TEXT_FUNCTION, neutralise, ["VARCHAR"], "VARCHAR")
    try:
        yield
    finally:
        conn.remove_function(SAFE_TEXT_FUNCTION)
