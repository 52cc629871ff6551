"""Building the marts: one mart (a vocabulary lookup from Python, any other from its SQL, then
described), and the stage's door, every mart in order with its checks."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

from nk_pipeline.marts.catalog import MARTS_BY_NAME, marts_in_build_order
from nk_pipeline.marts.sql_checks import check_queries, checks_of
from nk_pipeline.marts.vocabulary import LOOKUPS, frames, write_lookup
from nk_pipeline.shared.sql import read_sql, run_sql
from nk_pipeline.shared.tables import PREVIEW_ROWS, Table, comment_tables


def code_version(name: str) -> str:
    """What a mart is built from, as a short digest: its SQL (with the checks' SQL) or, for a
    lookup, its vocabulary, and its descriptions. Dagster's "code changed" follows it exactly."""
    table = MARTS_BY_NAME[name]
    built_from = frames()[name].to_csv(index=False) if name in LOOKUPS else read_sql(name)
    checks = "".join(check_queries()[check] for check, _ in checks_of(name))
    described = repr((table.description, sorted(table.columns.items())))
    return hashlib.sha256((built_from + checks + described).encode("utf-8")).hexdigest()[:12]


def build_mart(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """marts.<name>, built (a vocabulary lookup from Python, any other mart by its SQL) and described."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    if name in LOOKUPS:
        write_lookup(conn, name)
    else:
        run_sql(conn, name)
    comment_tables(conn, [MARTS_BY_NAME[name]])


@dataclass
class CheckOutcome:
    name: str
    blocking: bool
    offending: pd.DataFrame  # the rows that break the rule (marts/sql/checks.sql)

    @property
    def passed(self) -> bool:
        return self.offending.empty


@dataclass
class BuiltMart:
    table: Table
    rows: int
    head: pd.DataFrame  # its first rows, for a preview
    checks: list[CheckOutcome]

    @property
    def held(self) -> bool:
        """A blocking check failed: nothing that reads this mart may be built."""
        return any(c.blocking and not c.passed for c in self.checks)


class EmptyMart(RuntimeError):
    """A mart that may not be empty came out empty: the inputs or the SQL are broken."""


def build_marts(conn: duckdb.DuckDBPyConnection, names: Collection[str] | None = None) -> Iterator[BuiltMart]:
    """The door of the marts stage: every mart (or those named) built in dependency order, each
    followed by its checks; a blocking check that fails ends the build there. Consume it with
    `list(...)` where the marts are all that is wanted."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    for table in marts_in_build_order():
        if names is not None and table.name not in names:
            continue
        build_mart(conn, table.name)
        # a count and a few rows, not the mart in memory (a million rows at scale)
        rows = conn.execute(f"SELECT count(*) FROM {table.qualified}").fetchone()[0]
        if not rows and not table.may_be_empty:
            raise EmptyMart(f"{table.qualified} came out empty: the inputs or the SQL are broken")
        head = conn.execute(f"SELECT * FROM {table.qualified} LIMIT {PREVIEW_ROWS}").df()
        checks = [
            CheckOutcome(name, blocking, conn.execute(check_queries()[name]).df())
            for name, blocking in checks_of(table.name)
        ]
        built = BuiltMart(table, rows, head, checks)
        yield built
        if built.held:
            return
