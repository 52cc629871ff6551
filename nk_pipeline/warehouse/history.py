"""Publish history: the published warehouse's history carried into a build, and each publish recorded."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from nk_pipeline.marts.catalog import MARTS_BY_NAME
from nk_pipeline.shared.settings import DUCKDB_STORAGE_VERSION
from nk_pipeline.warehouse.build_lock import PublishedWarehouseInUse
from nk_pipeline.shared.sql import run_sql
from nk_pipeline.shared.tables import Table, comment_tables, inputs_digest, quote
from nk_pipeline.staging.catalog import COLUMN_TEXT

HISTORY_TABLES = (
    Table(
        "history",
        "publishes",
        "One row per successful publish of this warehouse.",
        {
            "publish_id": "Increasing number of the publish.",
            "published_at": "When it was published.",
            "inputs_digest": "sha256 over the inputs' sha256s: equal digests mean equal inputs.",
            "inputs_sha256": "JSON object: raw file → sha256.",
            "n_countries": "Rows in marts.country_estimates at that publish.",
            "duckdb_version": "DuckDB library that wrote the file.",
            "storage_version": "DuckDB storage compatibility version of the file (readers from this version on can open it).",
        },
    ),
    Table(
        "history",
        "country_estimates",
        "marts.country_estimates as it was at every publish (ask: what was the estimate as of publish N?).",
        # its columns are the mart's (history.sql copies them), with the mart's meanings
        {"publish_id": "The publish the row belongs to (history.publishes).", **MARTS_BY_NAME["country_estimates"].columns},
    ),
    Table(
        "history",
        "evidence_changes",
        "The raw lines each publish changed against the one before it: observations of marts.estimate_evidence "
        "added, removed or altered, compared by what they say (a line that only moved is no change).",
        {
            "publish_id": "The publish (history.publishes).",
            "iso3": COLUMN_TEXT["iso3"],
            "change": "added, removed, or altered (same file, country and source, something else said).",
            "raw_file": "The raw file of the observation.",
            "source_id": MARTS_BY_NAME["estimate_evidence"].columns["source_id"],
            "old_source_line": "Its line in the raw file of the previous publish; NULL when added.",
            "new_source_line": "Its line in the raw file of this publish; NULL when removed.",
            "old_measure": "What the figure counted before.",
            "new_measure": "What it counts now.",
            "old_workers_low": "Low figure before.",
            "new_workers_low": "Low figure now.",
            "old_workers_high": "High figure before.",
            "new_workers_high": "High figure now.",
            "old_reference_year": "Reference year before.",
            "new_reference_year": "Reference year now.",
            "old_effective_year": "Effective year (reference year, else publication year) before.",
            "new_effective_year": "Effective year now.",
            "evidence": "The observation's evidence (as it reads now; as it read, when removed).",
        },
    ),
    Table(
        "history",
        "reviewed_changes",
        "The reviewed changes (raw/reviewed_changes.csv) that let a held change of a country's figures "
        "through a publish.",
        {
            "publish_id": "The publish the change went out with (history.publishes).",
            "iso3": COLUMN_TEXT["iso3"],
            "country": "The country as the curator wrote it.",
            **{c: COLUMN_TEXT[c] for c in ("old_value", "new_value", "reason")},
            "figure": COLUMN_TEXT["reviewed_figure"],
            "raw_file": "raw/reviewed_changes.csv.",
            "source_line": "Its line in that file.",
        },
    ),
)


_ESTIMATE = MARTS_BY_NAME["country_estimates"].columns
# history_views.sql: each publish against the one before it, per country
HISTORY_VIEWS = (
    Table(
        "history",
        "country_estimate_changes",
        "What changed per country between each publish and the one before it: a country added or removed, "
        "or its status, figures or reference year changed, with the factor of each figure's change.",
        {
            "publish_id": "The publish (history.publishes).",
            "previous_publish_id": "The publish before it.",
            "iso3": COLUMN_TEXT["iso3"],
            "change": "added, removed, or changed.",
            **{
                f"{when}_{c}": f"{_ESTIMATE[c]} ({'before' if when == 'old' else 'now'})"
                for c in ("status", "workers_low", "workers_high", "workers_central", "label")
                for when in ("old", "new")
            },
            "country": COLUMN_TEXT["country"],
            "central_factor": "New central figure divided by the old (NULL when the old is NULL or 0), to 4 decimals.",
            "high_factor": "New high figure divided by the old, likewise.",
            "low_factor": "New low figure divided by the old, likewise.",
        },
        kind="VIEW",
    ),
)


def _as_built(conn: duckdb.DuckDBPyConnection, table: Table) -> Table:
    """The table's descriptions of the columns it has: history.country_estimates copies whatever
    columns the mart has (the contract test holds the warehouse to describing every one)."""
    present = {
        c
        for (c,) in conn.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [table.schema, table.name],
        ).fetchall()
    }
    return dataclasses.replace(table, columns={c: t for c, t in table.columns.items() if c in present})


@contextmanager
def attached_previous(conn: duckdb.DuckDBPyConnection, published_db: Path) -> Iterator[None]:
    """The published warehouse attached read-only as `previous` for the block, then detached.
    PublishedWarehouseInUse when another process holds it open read-write."""
    try:
        conn.execute(f"ATTACH {quote(str(published_db))} AS previous (READ_ONLY)")
    except duckdb.IOException as error:
        if PublishedWarehouseInUse.is_lock_error(error):
            raise PublishedWarehouseInUse(published_db, error) from None
        raise
    try:
        yield
    finally:
        conn.execute("DETACH previous")


def carry_history(conn: duckdb.DuckDBPyConnection, published_db: Path) -> int:
    """Bring the published warehouse's history into the build so it survives the replace.

    Returns the number of earlier publishes found.
    """
    conn.execute("DROP SCHEMA IF EXISTS history CASCADE")
    run_sql(conn, "history")
    if not published_db.exists():
        return 0
    with attached_previous(conn, published_db):
        present = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' AND schema_name = 'history'"
            ).fetchall()
        }
        if {"publishes", "country_estimates"} <= present:
            # BY NAME: columns added since then are NULL in older rows; tables added since
            # then start empty
            for table in HISTORY_TABLES:
                if table.name in present:
                    conn.execute(f"INSERT INTO {table.qualified} BY NAME SELECT * FROM previous.{table.qualified}")
    return conn.execute("SELECT count(*) FROM history.publishes").fetchone()[0]


def record_snapshot(conn: duckdb.DuckDBPyConnection, input_hashes: Mapping[str, str]) -> int:
    publish_id = conn.execute("SELECT coalesce(max(publish_id), 0) + 1 FROM history.publishes").fetchone()[0]
    conn.execute(
        """
        INSERT INTO history.publishes
        SELECT ?, now(), ?, ?, (SELECT count(*) FROM marts.country_estimates), ?, ?
        """,
        [
            publish_id,
            inputs_digest(input_hashes),
            json.dumps(dict(sorted(input_hashes.items()))),
            duckdb.__version__,
            DUCKDB_STORAGE_VERSION,
        ],
    )
    conn.execute(
        "INSERT INTO history.country_estimates BY NAME SELECT ? AS publish_id, * FROM marts.country_estimates",
        [publish_id],
    )
    run_sql(conn, "history_views")
    comment_tables(conn, [_as_built(conn, t) for t in HISTORY_TABLES + HISTORY_VIEWS])
    return publish_id

