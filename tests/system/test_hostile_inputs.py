"""Issue 24: hostile inputs against `nk-pipeline build` as a person runs it (a subprocess).

Each refused input is made from the shipped raw/ in the test and built against one published
warehouse: the build fails naming file, line, column and rule, prints nothing of a refused file
and no control or direction character, and leaves every published file byte-identical. Then a
competing read-write reader, and a build that passes with warnings the report must show.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from nk_pipeline.raw import contract
from nk_pipeline.shared.settings import PROJECT_ROOT
from nk_pipeline.shared.terminal_text import INVISIBLE, INVISIBLE_BUT_NEWLINE
from tests.conftest import copy_raw, drop_one_country

CLI = [sys.executable, "-m", "nk_pipeline.cli", "build"]
ESCAPE_SEQUENCE = "\x1b[2K\x1b[1A\x1b[32m"  # clear the line, go up one, turn green
OVERRIDE = "\u202e"  # right-to-left override: 'moc.elpmaxe' shows as 'example.com'


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_cli(raw: Path, warehouse: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NK_RAW_DIR": str(raw), "NK_WAREHOUSE_DIR": str(warehouse), "DAGSTER_HOME": str(home)}
    return subprocess.run(CLI, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=600)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, Path]:
    """A warehouse published from the shipped raw/, and its Dagster home."""
    root = tmp_path_factory.mktemp("hostile")
    warehouse, home = root / "warehouse", root / "dagster_home"
    built = run_cli(copy_raw(root / "raw"), warehouse, home)
    assert built.returncode == 0, built.stdout + built.stderr
    return warehouse, home


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def refused(raw: Path, published: tuple[Path, Path]) -> str:
    """The build's report on `raw`: it failed, printed no raw control character, changed nothing."""
    warehouse, home = published
    before = digest_tree(warehouse)
    result = run_cli(raw, warehouse, home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BUILD FAILED" in result.stdout
    assert not INVISIBLE_BUT_NEWLINE.search(result.stdout), "raw control characters reached the terminal"
    assert digest_tree(warehouse) == before, "the published warehouse changed"
    return result.stdout


def test_a_link_to_a_system_file_is_refused_and_nothing_of_it_printed(published, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "sources.csv").unlink()
    os.symlink("/etc/passwd", raw / "sources.csv")
    report = refused(raw, published)
    assert f"{raw / 'sources.csv'}: is a symbolic link" in report
    secret = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    assert secret not in report
    _, home = published
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    assert secret.encode() not in stored, "the run history holds none of it either"


def test_a_figure_past_64_bits_in_reviewed_changes_is_named(published, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / "reviewed_changes.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("Russia,workers_high,15000,123456789012345678901,a 21-digit value\n")
    line = len(path.read_text(encoding="utf-8").splitlines())
    report = refused(raw, published)
    assert f"reviewed_changes.csv:{line}: column 'figure, new_value'" in report
    assert f"up to {contract.MAX_WHOLE_NUMBER:,}" in report
    assert "Conversion Error" not in report and "out of range" not in report


def test_a_fifty_megabyte_title_is_refused_with_a_preview_and_a_small_history(published, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    set_cell(raw / "sources.csv", 4, "title", "T" * 50 * 2**20)
    _, home = published
    history_before = folder_bytes(home)
    report = refused(raw, published)
    assert "sources.csv:4: column 'title'" in report and "(52,428,800 characters)" in report
    assert "longer than the 500 characters a cell of title may hold" in report
    assert len(report) < 20_000, "the report quotes a preview, not the value"
    grown = folder_bytes(home) - history_before
    assert grown < 5 * 2**20, f"the run history grew by {grown:,} bytes"


def test_control_characters_in_a_header_and_a_url_are_shown_as_escapes(published, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / "restaurants.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("evidence", "evidence" + ESCAPE_SEQUENCE, 1), encoding="utf-8"
    )
    set_cell(raw / "leads.csv", 2, "url", "https://moc.elpmaxe" + OVERRIDE + "/x")
    report = refused(raw, published)
    assert "column 'evidence\\x1b[2K\\x1b[1A\\x1b[32m'" in report
    assert "leads.csv:2: column 'url' value 'https://moc.elpmaxe\\u202e/x'" in report
    assert "control characters" in report


@pytest.fixture()
def own_warehouse(published, tmp_path) -> tuple[Path, Path]:
    """A copy of the published warehouse (and its history), for a test that publishes."""
    warehouse, home = published
    shutil.copytree(warehouse, tmp_path / "warehouse")
    return tmp_path / "warehouse", home


def test_a_read_write_reader_blocks_the_publish_with_a_message_and_the_next_build_passes(own_warehouse, tmp_path):
    warehouse, home = own_warehouse
    raw = copy_raw(tmp_path / "raw")
    before = digest_tree(warehouse)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(600)",
            str(warehouse / "nk.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        blocked = run_cli(raw, warehouse, home)
    finally:
        holder.terminate()
        holder.wait(timeout=30)
    assert blocked.returncode == 1
    assert "nk.duckdb is locked: another process holds it open read-write" in blocked.stdout
    assert f"(PID {holder.pid})" in blocked.stdout
    assert f"duckdb -readonly {warehouse / 'nk.duckdb'}" in blocked.stdout
    assert "read_only=True" in blocked.stdout and "Nothing was published" in blocked.stdout
    assert digest_tree(warehouse) == before
    again = run_cli(raw, warehouse, home)
    assert again.returncode == 0, again.stdout + again.stderr
    with duckdb.connect(str(warehouse / "nk.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM history.publishes").fetchone()[0] == 2


def test_a_passing_build_prints_its_warnings_and_no_raw_escape(own_warehouse, tmp_path):
    """A formula-like cell is a warning; a reviewed change whose reason hides an escape sequence
    and an override passes, and the report shows both harmlessly."""
    warehouse, home = own_warehouse
    raw = copy_raw(tmp_path / "raw")
    set_cell(raw / "sources.csv", 4, "notes", '=HYPERLINK("https://example.org")')
    drop_one_country(raw)  # a country gone: a jump, reviewed by a line drop_one_country appends
    reviews = raw / "reviewed_changes.csv"
    lines = reviews.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace("test: the row was removed", f"removed{ESCAPE_SEQUENCE} on purpose{OVERRIDE}")
    reviews.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(raw, warehouse, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not INVISIBLE_BUT_NEWLINE.search(result.stdout)
    assert "removed\\x1b[2K\\x1b[1A\\x1b[32m on purpose\\u202e" in result.stdout
    warnings = result.stdout.split("warnings:", 1)[1]
    assert "⚠ staging/sources:no_formula_like_text:" in warnings
    assert "sources.csv:4: column 'notes' value '=HYPERLINK" in warnings and "leading apostrophe" in warnings
    assert not INVISIBLE.search(warnings.replace("\n", ""))
