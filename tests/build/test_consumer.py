"""A downstream program's view: open the published file read-only, with today's and older clients."""

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb


def test_consumer_reads_country_estimates_read_only(shipped_build):
    conn = duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True)
    try:
        row = conn.execute("SELECT label, n_sources FROM marts.country_estimates WHERE iso3 = 'RUS'").fetchone()
    finally:
        conn.close()
    assert row[0] and row[1] >= 1


def test_duckdb_1_5_cli_opens_the_warehouse(shipped_build):
    cli = Path(sys.executable).with_name("duckdb")
    cli = str(cli) if cli.exists() else shutil.which("duckdb")
    assert cli, "duckdb-cli (1.5.x) is a dev dependency"
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1."), version
    out = subprocess.run(
        [
            cli,
            "-readonly",
            "-csv",
            str(shipped_build.paths.warehouse_db),
            "-c",
            "SELECT count(*) FROM marts.country_estimates WHERE status = 'estimate'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        (expected,) = conn.execute("SELECT count(*) FROM marts.country_estimates WHERE status = 'estimate'").fetchone()
    assert int(out.strip().splitlines()[-1]) == expected > 0
