"""Building one mart: a vocabulary lookup from Python, any other from its SQL, then described."""

from __future__ import annotations

import duckdb

from nk_pipeline.marts.catalog import MARTS_BY_NAME
from nk_pipeline.marts.vocabulary import LOOKUPS, write_lookup
from nk_pipeline.shared.sql import run_sql
from nk_pipeline.shared.tables import comment_tables


def build_mart(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """marts.<name>, built (a vocabulary lookup from Python, any other mart by its SQL) and described."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    if name in LOOKUPS:
        write_lookup(conn, name)
    else:
        run_sql(conn, name)
    comment_tables(conn, [MARTS_BY_NAME[name]])
