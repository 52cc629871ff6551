"""The SQL lives beside the stage that runs it (nk_pipeline/<stage>/sql/*.sql); this finds and reads it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

PACKAGE = Path(__file__).resolve().parent.parent


@cache
def sql_files() -> dict[str, Path]:
    """Every SQL file of the package by its name, which is unique across the stages."""
    files: dict[str, Path] = {}
    for path in sorted(PACKAGE.glob("*/sql/*.sql")):
        if path.stem in files:
            raise RuntimeError(f"two SQL files are named {path.stem}: {files[path.stem]} and {path}")
        files[path.stem] = path
    return files


@cache
def read_sql(name: str) -> str:
    return sql_files()[name].read_text(encoding="utf-8")


def run_sql(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    conn.execute(read_sql(name))
