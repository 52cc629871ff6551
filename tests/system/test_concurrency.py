"""Readers in another process, querying the published warehouse while it is refreshed again and again.

A consumer opens warehouse/nk.duckdb read-only whenever it likes, so a refresh must never make
it fail or show it a mix of two publishes. The refreshes alternate two versions of the inputs
(one country fewer in the second), so a torn read would show up as counts that disagree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from nk_pipeline.shared.settings import PROJECT_ROOT
from tests.conftest import copy_raw, drop_one_country, run_build

# builds in a loop with a reader in another process: not in the fast tier

REFRESHES = 10

READER_DEADLINE = 120

READER = r'''
import csv, hashlib, json, sys, time
from pathlib import Path

import duckdb

from nk_pipeline.shared.tables import inputs_digest

warehouse, stop, out, progress = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
db = warehouse / "nk.duckdb"
QUERY = """
WITH latest AS (SELECT * FROM history.publishes ORDER BY publish_id DESC LIMIT 1)
SELECT
    l.publish_id,
    l.n_countries,
    l.inputs_digest,
    (SELECT count(*) FROM marts.country_estimates) AS mart_rows,
    (SELECT count(*) FROM history.country_estimates h WHERE h.publish_id = l.publish_id) AS snapshot_rows,
    (SELECT count(*) FROM (
        SELECT * EXCLUDE (publish_id) FROM history.country_estimates WHERE publish_id = l.publish_id
        EXCEPT SELECT * FROM marts.country_estimates)) AS snapshot_not_in_mart,
    (SELECT count(*) FROM history.publishes) AS publishes,
    (SELECT count(*) FROM history.publishes p
      WHERE p.n_countries <> (SELECT count(*) FROM history.country_estimates h WHERE h.publish_id = p.publish_id)
    ) AS publishes_with_wrong_counts
FROM latest l
"""
reads, errors, problems, seen, map_reads = 0, [], [], [], 0
while not db.exists() and not stop.exists():
    time.sleep(0.01)
while not stop.exists():
    try:
        with duckdb.connect(str(db), read_only=True, config={"threads": 1}) as con:
            row = con.execute(QUERY).fetchone()
            inputs = dict(con.execute("SELECT file, sha256 FROM staging.inputs").fetchall())
        publish_id, n, digest, mart_rows, snapshot_rows, not_in_mart, publishes, wrong = row
        if not (n == mart_rows == snapshot_rows) or not_in_mart or wrong or publishes != publish_id:
            problems.append(row)
        if inputs_digest(inputs) != digest:
            problems.append(("inputs of staging differ from the publish's digest", publish_id))
        seen.append(publish_id)
        reads += 1
        progress.write_text(str(publish_id))
        text = (warehouse / "map" / "map.csv").read_text(encoding="utf-8")
        rows = list(csv.DictReader(text.splitlines()))
        if not text.endswith("\n") or not rows or "iso3" not in rows[0]:
            problems.append(("incomplete map.csv", len(text)))
        json.loads((warehouse / "map" / "points.geojson").read_text(encoding="utf-8"))
        map_reads += 1
    except Exception as error:  # every failure is the finding, whatever its type
        errors.append(f"{type(error).__name__}: {error}")
    # a consumer polling several times a second (an open costs ~30 ms of CPU), leaving the
    # builder most of a two-core machine; how often it reads does not matter to the test
    time.sleep(0.1)
out.write_text(json.dumps({"reads": reads, "errors": errors[:20], "n_errors": len(errors),
                           "problems": [list(map(str, p)) for p in problems[:20]],
                           "n_problems": len(problems), "seen": seen, "map_reads": map_reads}))
'''


def wait_until_seen(progress: Path, publish_id: int, reader: subprocess.Popen) -> None:
    """Poll (with a deadline) until the reader has read this publish: every publish is then read."""
    deadline = time.monotonic() + READER_DEADLINE
    while time.monotonic() < deadline and reader.poll() is None:
        if progress.exists() and progress.read_text() == str(publish_id):
            return
        time.sleep(0.05)
    raise AssertionError(f"the reader did not read publish {publish_id} within {READER_DEADLINE}s")


def test_readers_see_only_whole_publishes_during_back_to_back_refreshes(tmp_path):
    raw_a = copy_raw(tmp_path / "raw_a")
    raw_b = copy_raw(tmp_path / "raw_b")
    drop_one_country(raw_b)
    warehouse = tmp_path / "warehouse"
    stop, out, progress = tmp_path / "stop", tmp_path / "reader.json", tmp_path / "progress"
    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")

    first = run_build(raw_a, warehouse)
    assert first.success
    reader = subprocess.Popen(
        [sys.executable, str(script), str(warehouse), str(stop), str(out), str(progress)], cwd=PROJECT_ROOT
    )
    try:
        wait_until_seen(progress, 1, reader)
        for i in range(REFRESHES):
            build = run_build(raw_b if i % 2 == 0 else raw_a, warehouse)
            assert build.success, f"refresh {i + 1} failed"
            # the next refresh starts only once the reader has read this one, so the reader
            # reads during every refresh and sees every publish, however fast the machine is
            wait_until_seen(progress, i + 2, reader)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    report = json.loads(out.read_text())

    assert report["n_errors"] == 0, report["errors"]
    assert report["n_problems"] == 0, report["problems"]
    seen = report["seen"]
    assert seen == sorted(seen), "a reader went back to an older publish"
    assert set(seen) == set(range(1, REFRESHES + 2)), f"the reader missed publishes: {sorted(set(seen))}"
    assert report["map_reads"] == report["reads"], "every read of the database came with whole map files"
