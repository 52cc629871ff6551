"""Helpers shared by the tiers of test_publish_guard's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from nk_pipeline.shared.sql import run_sql
from nk_pipeline.warehouse import changes

ESTIMATE_COLUMNS = [
    "iso3",
    "country",
    "status",
    "workers_low",
    "workers_high",
    "workers_central",
    "reference_year",
    "label",
]


def estimate(iso3, country, low, high, central, year=2020):
    return [iso3, country, "estimate", low, high, central, year, f"{low:,}–{high:,} ({year})"]


def presence(iso3, country, year=2020):
    return [iso3, country, "present", None, None, None, year, "Workers reported, no reliable figure"]


def observation(iso3, line, low, high, source="src-a", year=2020):
    return [iso3, "raw/country_estimates.csv", source, line, "stock", low, high, year, year, "A source said so."]


def build_state(path: Path, estimates, evidence, reviews=()) -> duckdb.DuckDBPyConnection:
    """A working database holding just what the guard reads."""
    conn = duckdb.connect(str(path))
    conn.execute("CREATE SCHEMA marts")
    run_sql(conn, "method_parameters")
    frames = {
        "marts.country_estimates": pd.DataFrame(estimates, columns=ESTIMATE_COLUMNS).astype(
            {c: "Int64" for c in ("workers_low", "workers_high", "workers_central", "reference_year")}
        ),
        "marts.estimate_evidence": pd.DataFrame(evidence, columns=list(changes.EVIDENCE_COLUMNS)).astype(
            {c: "Int64" for c in ("source_line", "workers_low", "workers_high", "reference_year", "effective_year")}
        ),
        "staging.reviewed_changes": pd.DataFrame(
            [[line, *row] for line, row in enumerate(reviews, start=2)],
            columns=["source_line", "country", "iso3", "figure", "old_value", "new_value", "reason"],
        ).astype(
            {
                "source_line": "int64",
                **{c: "string" for c in ("country", "iso3", "figure", "old_value", "new_value", "reason")},
            }
        ),
        "staging.inputs": pd.DataFrame({"file": ["raw/country_estimates.csv"], "sha256": [str(len(estimates))]}),
    }
    for name, frame in frames.items():
        # only the columns the guard reads: written as they are, without the catalog's descriptions
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
        conn.register("_frame", frame)
        conn.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        conn.unregister("_frame")
    return conn


@pytest.fixture()
def published(tmp_path: Path) -> Path:
    """A published warehouse of three countries (publish 1)."""
    target = tmp_path / "published.duckdb"
    conn = build_state(
        tmp_path / "first.duckdb",
        [
            estimate("RUS", "Russia", 4000, 15000, 9500),
            estimate("CHN", "China", 50000, 80000, 65000),
            presence("SGP", "Singapore"),
        ],
        [
            observation("RUS", 2, 4000, 4000),
            observation("RUS", 3, 15000, 15000, "src-b"),
            observation("CHN", 4, 50000, 80000),
        ],
    )
    first = changes.review(conn, target)
    assert first.changes.first and first.jumps.empty, "the first publish has nothing to jump from"
    conn.close()
    shutil.copyfile(tmp_path / "first.duckdb", target)
    return target
