"""The release's edition: its version and date, computed from the inputs, never from the clock.

datapackage.json, the spreadsheet, the map page, the PNGs and CITATION.cff all name a release by
this (data/about.Edition): identical inputs give an identical edition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb

from nk_pipeline.data import about
from nk_pipeline.shared.tables import inputs_digest

VERSION_LENGTH = 12  # hex digits of the inputs' sha256 that name a release


def release_date(conn: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The newest source's publication date (its first day when only a year or month is given).

    The spreadsheet's 'created' property: a date that changes with the inputs and not with the clock.
    """
    (published,) = conn.execute(
        "SELECT max(CASE length(published) WHEN 4 THEN published || '-01-01' WHEN 7 THEN published || '-01' "
        "ELSE published END) FROM marts.sources"
    ).fetchone()
    return dt.datetime.fromisoformat(published) if published else dt.datetime(2000, 1, 1)


def input_hashes(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """raw file → sha256 of the version this build read (staging.inputs)."""
    return dict(conn.execute("SELECT file, sha256 FROM staging.inputs ORDER BY file").fetchall())


def edition(conn: duckdb.DuckDBPyConnection, hashes: Mapping[str, str] | None = None) -> about.Edition:
    """The release's version (the start of the inputs' sha256) and date, from `hashes` or staging.inputs."""
    digest = inputs_digest(input_hashes(conn) if hashes is None else hashes)
    return about.Edition(digest[:VERSION_LENGTH], release_date(conn).date())
