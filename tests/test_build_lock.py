"""One run at a time per build folder: a second run waits for the first, a stuck holder is named."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nk_pipeline.shared.settings import PROJECT_ROOT, Paths
from nk_pipeline.warehouse import build_lock
from nk_pipeline.warehouse.build_lock import BuildFolderBusy, BuildLock
from tests.conftest import SHIPPED_RAW

HOLDER = """
import sys
from nk_pipeline.warehouse.build_lock import BuildLock
lock = BuildLock(sys.argv[1])
lock.acquire("holder-run-1234")
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture()
def holder(tmp_path: Path):
    """Another process holding the build folder's lock until it is killed."""
    build_dir = tmp_path / "build"
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(build_dir)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "held"
        yield build_dir, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_a_second_holder_waits_then_fails_naming_the_first(holder):
    build_dir, _ = holder
    told = []
    with pytest.raises(BuildFolderBusy, match="holder-run-1234") as error:
        BuildLock(build_dir).acquire("second-run", timeout=0.5, on_wait=told.append)
    assert str(build_dir) in str(error.value)
    assert told and "holder-run-1234" in told[0], "the waiting run says whom it waits for"


def test_a_killed_holder_releases_the_lock(holder):
    build_dir, process = holder
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    lock = BuildLock(build_dir)
    lock.acquire("after-the-kill", timeout=10)
    assert "after-the-kill" in lock.holder()
    lock.release()
    again = BuildLock(build_dir)
    assert again.acquire("next", timeout=0) >= 0
    again.release()


@pytest.mark.slow  # a whole extra build: CI runs it, the fast tier keeps to the shared ones
def test_a_build_that_cannot_get_the_folder_fails_clearly_and_publishes_nothing(holder, tmp_path, monkeypatch, capsys):
    from nk_pipeline import cli
    from nk_pipeline.shared.settings import BUILD_DIR_ENV

    build_dir, _ = holder
    monkeypatch.setattr(build_lock, "WAIT_SECONDS", 1.0)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv(BUILD_DIR_ENV, str(build_dir))
    warehouse = tmp_path / "warehouse"
    code = cli.main(["build", "--raw-dir", str(SHIPPED_RAW), "--warehouse-dir", str(warehouse)])
    out = capsys.readouterr().out
    assert code == 1
    assert "BUILD FAILED" in out
    assert "holder-run-1234" in out and "in use by" in out, out
    assert not Paths.create(SHIPPED_RAW, warehouse, build_dir).warehouse_db.exists()
