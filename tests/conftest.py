"""Shared fixtures and helpers of every tier, and the tiers themselves.

The folder a test lives in sets its tier:
- tests/unit/: one stage's code through its door (or a library function), no Dagster run;
- tests/graph/: the definitions, jobs, sensors and schedules, no full build;
- tests/build/: read the one in-process build of the shipped data that the session shares;
- tests/system/: everything that builds on its own, in a subprocess, a browser, a PostgreSQL
  server or through a crash. Marked `slow`: `uv run pytest -m "not slow"` runs the first three.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import struct
import urllib.request
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from nk_pipeline.marts.build import build_marts
from nk_pipeline.marts.catalog import marts_in_build_order
from nk_pipeline.raw import countries
from nk_pipeline.shared.settings import PROJECT_ROOT, RAW_DIR_ENV, WAREHOUSE_DIR_ENV, Paths
from nk_pipeline.staging.stage import stage_raw

SHIPPED_RAW = PROJECT_ROOT / "raw"
# hand-made inputs whose answers the tests work out by hand (tests/handmade/README.md)
TESTS = Path(__file__).parent
HANDMADE = TESTS / "handmade"
# hand-made series (tests/handmade_years/README.md) and present-day cases (tests/handmade_present/README.md)
HANDMADE_YEARS = TESTS / "handmade_years"
HANDMADE_PRESENT = TESTS / "handmade_present"
# one malformed input per case, each with the problems it must be refused for (tests/malformed/)
MALFORMED = TESTS / "malformed"
SLOW_TIERS = ("system",)
# helpers and fixtures that tests of more than one tier share, one module per subject
pytest_plugins = [f"tests.support.{module.stem}" for module in sorted((TESTS / "support").glob("[!_]*.py"))]

# Browser tests drive Debian's Chromium (apt-get install chromium), never a downloaded build.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The marks of every module that drives Chromium.
BROWSER_TESTS = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tier is the folder: tests/system/ is the slow tier."""
    for item in items:
        if Path(item.fspath).parent.name in SLOW_TIERS:
            item.add_marker(pytest.mark.slow)


@contextmanager
def chromium():
    """Debian's headless Chromium through Playwright. Start it after any in-process build: the
    sync API keeps an event loop on this thread, which Dagster's in-process run should not share."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def post_graphql(url: str, query: str, variables: dict | None = None) -> dict:
    """One query to a Dagster webserver's /graphql; fails on any GraphQL error."""
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert "errors" not in body, body
    return body["data"]


# Screenshots the browser tests save for a person to look at (git-ignored).
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@dataclass
class Build:
    paths: Paths
    result: dg.ExecuteInProcessResult

    @property
    def success(self) -> bool:
        return self.result.success


def run_build(raw_dir: Path, warehouse_dir: Path, instance: dg.DagsterInstance | None = None) -> Build:
    """Materialize the project's real Definitions in-process against the given folders."""
    from nk_pipeline.definitions import defs
    from nk_pipeline.orchestration import REFRESH_JOB

    saved = {k: os.environ.get(k) for k in (RAW_DIR_ENV, WAREHOUSE_DIR_ENV)}
    os.environ[RAW_DIR_ENV] = str(raw_dir)
    os.environ[WAREHOUSE_DIR_ENV] = str(warehouse_dir)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dg.BetaWarning)
            job = defs().resolve_job_def(REFRESH_JOB)
            result = job.execute_in_process(instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Build(Paths.create(raw_dir, warehouse_dir), result)


def drop_one_country(raw: Path) -> None:
    """Remove one country named once, only in country_estimates.csv: the mart loses a row."""
    estimates = raw / "country_estimates.csv"
    with estimates.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    named_elsewhere = set()
    for other in ("restaurants.csv", "policy_events.csv"):
        with (raw / other).open(encoding="utf-8", newline="") as handle:
            named_elsewhere |= {r["country"] for r in csv.DictReader(handle)}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["country"]] = counts.get(row["country"], 0) + 1
    victim = sorted(c for c, n in counts.items() if n == 1 and c not in named_elsewhere)[0]
    # the status it is published with, as the method gives it (not guessed from the row)
    with reconcile(raw) as conn:
        (status,) = conn.execute(
            "SELECT status FROM marts.country_estimates WHERE iso3 = ?", [countries.to_iso3(victim)]
        ).fetchone()
    with estimates.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if r["country"] != victim)
    # a country that disappears holds the publish unless the change is reviewed
    with (raw / "reviewed_changes.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            [victim, "status", status, "absent", "test: the row was removed"]
        )


def copy_raw(target: Path) -> Path:
    shutil.copytree(SHIPPED_RAW, target)
    return target


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One build of the shipped raw/ into a temporary warehouse, shared by read-only tests."""
    root = tmp_path_factory.mktemp("shipped")
    build = run_build(SHIPPED_RAW, root / "warehouse")
    assert build.success, "the shipped data must build"
    return build


@pytest.fixture()
def raw_copy(tmp_path: Path) -> Path:
    """A private copy of raw/ a test may break."""
    return copy_raw(tmp_path / "raw")


SERIES_MARTS = ("method_parameters", "statuses", "measures", "estimate_evidence", "country_years", "country_estimates")


def reconcile(raw_dir: Path, marts: tuple[str, ...] = SERIES_MARTS) -> duckdb.DuckDBPyConnection:
    """The raw folder staged and the series marts built (with their checks) through the stages'
    doors, in memory: the fast way to test the method's rules without a Dagster run."""
    conn = duckdb.connect(":memory:")
    staged = stage_raw(conn, raw_dir)
    assert not staged.failed, [f.issues for f in staged.failed]
    built = list(build_marts(conn, marts))
    assert [b.table.name for b in built] == [m for m in (t.name for t in marts_in_build_order()) if m in marts], (
        "a check held"
    )
    return conn


def make_raw(target: Path) -> Path:
    """A raw folder of the hand-made inputs, with the shipped boundaries."""
    shutil.copytree(HANDMADE, target, ignore=shutil.ignore_patterns("README.md"))
    shutil.copytree(SHIPPED_RAW / "reference", target / "reference")
    return target


def png_chunks(data: bytes) -> list[bytes]:
    """The chunk types of a PNG file, in order."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return chunks
