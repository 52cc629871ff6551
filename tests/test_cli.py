"""The README's command, run as a user runs it: `nk-pipeline build` in a subprocess."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nk_pipeline.settings import PROJECT_ROOT

# builds in subprocesses or drives a browser: not in the fast tier
pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "nk_pipeline.cli", "build"]


def run_cli(raw: Path, warehouse: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NK_RAW_DIR": str(raw), "NK_WAREHOUSE_DIR": str(warehouse), "DAGSTER_HOME": str(home)}
    return subprocess.run(CLI, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300)


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_then_bad_input_leaves_the_warehouse_untouched(raw_copy, tmp_path):
    warehouse, home = tmp_path / "warehouse", tmp_path / "dagster_home"
    first = run_cli(raw_copy, warehouse, home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "published:" in first.stdout and str(warehouse / "nk.duckdb") in first.stdout
    assert (home / "history").exists(), "the run is recorded in the Dagster instance"
    stored = [p for p in (home / "storage").rglob("*") if p.is_file() and "compute_logs" not in p.parts]
    assert stored == [], f"no asset output is pickled into the Dagster home: {stored}"
    before = digest_tree(warehouse)

    estimates = raw_copy / "country_estimates.csv"
    lines = estimates.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",presence,", ",guess,", 1)
    estimates.write_text("".join(lines), encoding="utf-8")

    second = run_cli(raw_copy, warehouse, home)
    assert second.returncode == 1
    assert "raw/country_estimates.csv:3: column 'measure' value 'guess'" in second.stdout
    assert digest_tree(warehouse) == before
