"""The SQL lives beside the stage that runs it (nk_pipeline/<stage>/sql/*.sql); this finds and reads it.

A file that calls one of the shared macros (shared/sql/macros.sql) is read with their definitions
in front, so every caller runs it as it is, and a mart's code version changes with the macros it uses.
"""

from __future__ import annotations

import re
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


MACROS = "macros"


@cache
def macro_names() -> tuple[str, ...]:
    return tuple(re.findall(r"CREATE OR REPLACE TEMP MACRO (\w+)\(", _text(MACROS)))


@cache
def read_sql(name: str) -> str:
    text = _text(name)
    if name != MACROS and any(re.search(rf"\b{macro}\(", text) for macro in macro_names()):
        return f"{_text(MACROS)}\n{text}"
    return text


def _text(name: str) -> str:
    return sql_files()[name].read_text(encoding="utf-8")


def run_sql(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    conn.execute(read_sql(name))
