"""The README's command, run as a user runs it: `nk-pipeline build` in a subprocess."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from nk_pipeline.shared.settings import PROJECT_ROOT

# builds in subprocesses or drives a browser: not in the fast tier

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
    settings = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert "max_concurrent_runs: 1" in settings and "enabled: false" in settings, (
        "a new home gets the project's settings"
    )
    stored = [p for p in (home / "storage").rglob("*") if p.is_file() and "compute_logs" not in p.parts]
    assert stored == [], f"no asset output is pickled into the Dagster home: {stored}"
    before = digest_tree(warehouse)

    estimates = raw_copy / "country_estimates.csv"
    lines = estimates.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if ",presence," in line)
    lines[index] = lines[index].replace(",presence,", ",guess,", 1)
    estimates.write_text("".join(lines), encoding="utf-8")

    second = run_cli(raw_copy, warehouse, home)
    assert second.returncode == 1
    assert f"raw/country_estimates.csv:{index + 1}: column 'measure' value 'guess'" in second.stdout
    assert digest_tree(warehouse) == before


def test_build_says_what_changed_and_holds_an_extra_zero(raw_copy, tmp_path):
    warehouse, home = tmp_path / "warehouse", tmp_path / "dagster_home"
    first = run_cli(raw_copy, warehouse, home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "changes:       publish 1 is the first: nothing to compare with" in first.stdout
    before = digest_tree(warehouse)

    # the example: one extra zero on Russia's 2025 figure (WSJ, about 15,000)
    estimates = raw_copy / "country_estimates.csv"
    lines = estimates.read_text(encoding="utf-8").splitlines(keepends=True)
    (number,) = [
        i
        for i, line in enumerate(lines, start=1)
        if line.startswith("Russia,15000,15000,stock,2025,") and ",babel-2025-wsj," in line
    ]
    lines[number - 1] = lines[number - 1].replace("Russia,15000,15000,", "Russia,15000,150000,", 1)
    estimates.write_text("".join(lines), encoding="utf-8")
    held = run_cli(raw_copy, warehouse, home)
    assert held.returncode == 1
    assert "publish held" in held.stdout and "Russia (RUS)" in held.stdout
    assert "workers_high 15,000 → 150,000: 10× up, more than the jump_factor of 3 allows" in held.stdout
    assert f"raw/country_estimates.csv:{number} altered (babel-2025-wsj): workers_high 15,000 → 150,000" in held.stdout
    assert digest_tree(warehouse) == before

    # corrected to a plausible figure instead: published, and the report says what moved and why
    lines[number - 1] = lines[number - 1].replace("Russia,15000,150000,", "Russia,15000,16000,", 1)
    estimates.write_text("".join(lines), encoding="utf-8")
    corrected = run_cli(raw_copy, warehouse, home)
    assert corrected.returncode == 0, corrected.stdout + corrected.stderr
    assert "changes:       1 country changed against publish 1; 1 raw line(s) changed" in corrected.stdout
    assert "Russia (RUS): high 15,000 → 16,000 (1.07× up)" in corrected.stdout
    assert (
        f"raw/country_estimates.csv:{number} altered (babel-2025-wsj): workers_high 15,000 → 16,000" in corrected.stdout
    )
