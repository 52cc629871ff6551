"""A refresh killed at any moment (SIGKILL: no clean-up code runs) loses nothing and wedges nothing.

After each kill the published warehouse must be the last good one, whole and readable; the next
refresh must succeed without anyone deleting temporaries or scratch files by hand.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from nk_pipeline.resources import BROKEN_SUFFIX, WorkDuckDBResource
from nk_pipeline.shared.publishing import TMP_MARKER, remove_stale_tmp_files
from nk_pipeline.shared.settings import PROJECT_ROOT, Paths
from tests.conftest import drop_one_country

# builds in subprocesses or drives a browser: not in the fast tier

CLI = [sys.executable, "-m", "nk_pipeline.cli", "build"]

BUILD_TIMEOUT = 300

# one kill in each stage of a refresh: validation, reconciliation, the map files
KILL_AT_STEPS = ("staging_tables", "marts", "map_files")


def _env(raw: Path, warehouse: Path, home: Path) -> dict[str, str]:
    env = {**os.environ, "NK_RAW_DIR": str(raw), "NK_WAREHOUSE_DIR": str(warehouse), "DAGSTER_HOME": str(home)}
    env.pop("NK_BUILD_DIR", None)
    return env


def start_build(raw: Path, warehouse: Path, home: Path, log: Path) -> subprocess.Popen:
    # its own process group, so that the kill reaches anything the build started
    return subprocess.Popen(
        CLI,
        env=_env(raw, warehouse, home),
        cwd=PROJECT_ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def build(raw: Path, warehouse: Path, home: Path, log: Path) -> None:
    process = start_build(raw, warehouse, home, log)
    try:
        assert process.wait(timeout=BUILD_TIMEOUT) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        kill(process)


def wait_for_step(home: Path, step: str, process: subprocess.Popen) -> None:
    """Poll the build's Dagster instance (with a deadline) until its newest run has started `step`."""
    import dagster as dg

    deadline = time.monotonic() + BUILD_TIMEOUT
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while time.monotonic() < deadline and process.poll() is None:
            runs = instance.get_runs(limit=1)
            if runs and any(
                record.step_key == step
                for record in instance.all_logs(runs[0].run_id, of_type=dg.DagsterEventType.STEP_START)
            ):
                return
            time.sleep(0.01)
    raise AssertionError(f"the build never started step {step} (exit code {process.poll()})")


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and TMP_MARKER not in p.name
    }


def snapshot(db: Path) -> tuple[int, int]:
    """(latest publish id, rows in the core mart), from a read-only open as a consumer does it."""
    with duckdb.connect(str(db), read_only=True) as con:
        publish_id, n = con.execute(
            "SELECT publish_id, n_countries FROM history.publishes ORDER BY publish_id DESC LIMIT 1"
        ).fetchone()
        assert con.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0] == n
    return publish_id, n


def test_killed_refreshes_leave_the_last_good_warehouse_and_the_next_one_succeeds(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(PROJECT_ROOT / "raw", raw)
    paths = Paths.create(raw, tmp_path / "warehouse")
    home, log = tmp_path / "dagster_home", tmp_path / "builds.log"
    build(raw, paths.warehouse_dir, home, log)
    good = digests(paths.warehouse_dir)
    good_snapshot = snapshot(paths.warehouse_db)
    # every version a published map file may have: the last good one, or a whole newer one
    accepted = {name: {digest} for name, digest in good.items() if name.startswith(("map/", "data/"))}
    # a refresh that completed would publish different maps and tables: a torn publish shows
    drop_one_country(raw)

    def assert_last_good_warehouse(context: str) -> None:
        nonlocal good, good_snapshot
        now = digests(paths.warehouse_dir)
        current = snapshot(paths.warehouse_db)  # readable, and the mart agrees with its publish record
        if current == good_snapshot:
            assert now["nk.duckdb"] == good["nk.duckdb"], f"{context}: the published database changed"
        else:  # the kill came after the database was replaced: a whole, newer publish
            assert current[0] == good_snapshot[0] + 1, context
            good, good_snapshot = now, current
        for name, digest in now.items():
            if name.startswith(("map/", "data/")) and digest not in accepted[name]:
                # the kill came between two renames: this file is already the new build's
                built = paths.build_dir / name
                assert built.exists() and hashlib.sha256(built.read_bytes()).hexdigest() == digest, (
                    f"{context}: {name} is neither the last good file nor a whole new one"
                )
                accepted[name].add(digest)

    # kills in the middle of each stage: as soon as the run's event log says the step started
    for step in KILL_AT_STEPS:
        process = start_build(raw, paths.warehouse_dir, home, log)
        wait_for_step(home, step, process)
        kill(process)
        assert_last_good_warehouse(f"killed once step {step} had started")

    # a kill while the database itself is being published: poll for its temporary, then kill
    for _ in range(3):
        process = start_build(raw, paths.warehouse_dir, home, log)
        tmp = paths.warehouse_db.with_name(f".{paths.warehouse_db.name}{TMP_MARKER}{process.pid}")
        deadline = time.monotonic() + BUILD_TIMEOUT
        # the window is a few milliseconds wide: poll often, but never past the deadline
        while not tmp.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        kill(process)
        if tmp.exists():
            break
        assert_last_good_warehouse("a refresh that was not caught publishing")
    else:
        pytest.fail("never caught a refresh while it published the database")
    assert_last_good_warehouse("killed while publishing nk.duckdb")
    assert digests(paths.warehouse_dir)["nk.duckdb"] == good["nk.duckdb"]

    build(raw, paths.warehouse_dir, home, log)
    leftovers = [p for p in paths.warehouse_dir.rglob("*") if TMP_MARKER in p.name]
    assert leftovers == [], "the next refresh removes what the killed one left"
    assert snapshot(paths.warehouse_db)[0] == good_snapshot[0] + 1
    assert sorted(p.name for p in paths.warehouse_dir.iterdir()) == ["data", "map", "nk.duckdb"]


def test_a_stale_temporary_is_removed_even_if_its_pid_lives_again(tmp_path):
    alive = tmp_path / f".nk.duckdb{TMP_MARKER}{os.getpid()}"
    alive.write_bytes(b"in progress")
    old = tmp_path / "map" / f".map.csv{TMP_MARKER}{os.getpid()}"
    old.parent.mkdir()
    old.write_bytes(b"left by a killed refresh whose pid was reused")
    os.utime(old, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    dead = tmp_path / f".nk.duckdb{TMP_MARKER}999999999"
    dead.write_bytes(b"left by a killed refresh")

    assert sorted(remove_stale_tmp_files(tmp_path)) == sorted([old, dead])
    assert alive.exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda db: db.write_bytes(b""), id="empty"),
        pytest.param(lambda db: db.write_bytes(os.urandom(10_000)), id="garbage"),
        pytest.param(lambda db: db.write_bytes(db.read_bytes()[:100]), id="truncated-header"),
    ],
)
def test_a_broken_working_database_is_set_aside_and_recreated(tmp_path, damage):
    db = tmp_path / "work.duckdb"
    resource = WorkDuckDBResource(database=str(db))
    with resource.get_connection() as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS x")
    damage(db)

    with resource.get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
        conn.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert (tmp_path / f"work.duckdb{BROKEN_SUFFIX}").exists(), "kept for a post-mortem, out of the way"


def test_a_lock_held_by_a_live_build_is_waited_for_not_broken(tmp_path):
    db = tmp_path / "work.duckdb"
    release = tmp_path / "release"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, pathlib, sys, time\n"
            f"c = duckdb.connect({str(db)!r}); print(1, flush=True)\n"
            f"while not pathlib.Path({str(release)!r}).exists(): time.sleep(0.01)\n"
            "c.close()",
        ],
        stdout=subprocess.PIPE,
    )
    opened: list[object] = []

    def connect() -> None:
        try:
            with WorkDuckDBResource(database=str(db)).get_connection() as conn:
                opened.append(conn.execute("SELECT 42").fetchone()[0])
        except Exception as error:  # the finding, whatever its type
            opened.append(error)

    try:
        holder.stdout.readline()  # the holder has the lock
        waiter = threading.Thread(target=connect)
        waiter.start()
        waiter.join(timeout=1.0)  # a bound on how long to watch, not a synchronisation
        assert waiter.is_alive() and opened == [], "the connection waits while a live build holds the lock"
        assert db.exists() and not (tmp_path / f"work.duckdb{BROKEN_SUFFIX}").exists()
        release.touch()
        waiter.join(timeout=120)
        assert opened == [42], opened
    finally:
        release.touch()
        holder.wait(timeout=60)
