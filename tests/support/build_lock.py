"""Helpers shared by the tiers of test_build_lock's tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nk_pipeline.shared.settings import PROJECT_ROOT

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
