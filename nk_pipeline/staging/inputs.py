"""Which version of each raw file a build read: staging.inputs, published with the snapshot."""

from __future__ import annotations

import duckdb

from nk_pipeline.shared.tables import comment_tables
from nk_pipeline.staging.catalog import STAGING_BY_NAME


def record_input(conn: duckdb.DuckDBPyConnection, file: str, sha256: str, size_bytes: int) -> None:
    """Remember which version of a raw file this build read (published with the snapshot)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS staging")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS staging.inputs (file VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, size_bytes BIGINT)"
    )
    conn.execute("INSERT OR REPLACE INTO staging.inputs VALUES (?, ?, ?)", [file, sha256, size_bytes])
    comment_tables(conn, [STAGING_BY_NAME["inputs"]])
