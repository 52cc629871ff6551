"""The marts are built in one step: a failed blocking check still stops what reads the mart, and
the UI can still build any one mart."""

from __future__ import annotations

import dagster as dg

from nk_pipeline.cli import failure_report
from nk_pipeline.definitions import defs
from nk_pipeline.marts import build as marts_build
from nk_pipeline.marts import sql_checks
from nk_pipeline.marts.sql_checks import check_queries
from nk_pipeline.shared.settings import RAW_DIR_ENV, WAREHOUSE_DIR_ENV
from tests.conftest import SHIPPED_RAW, run_build


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_a_failed_mart_check_leaves_what_reads_the_mart_unbuilt(tmp_path, monkeypatch):
    # every row of marts.estimate_evidence "offends" no_look_ahead
    broken = {**check_queries(), sql_checks.NO_LOOK_AHEAD: "SELECT * FROM marts.estimate_evidence"}
    monkeypatch.setattr(marts_build, "check_queries", lambda: broken)
    build = run_build(SHIPPED_RAW, tmp_path / "warehouse")
    assert not build.success
    built = materialized(build.result)
    assert "marts/estimate_evidence" in built
    assert not {"marts/country_years", "marts/country_estimates", "warehouse/nk_duckdb"} & built
    assert any("marts/estimate_evidence:no_look_ahead failed" in line for line in failure_report(build.result))
    assert not (tmp_path / "warehouse" / "nk.duckdb").exists(), "nothing was published"


def test_one_mart_can_be_built_alone(tmp_path, monkeypatch):
    monkeypatch.setenv(RAW_DIR_ENV, str(SHIPPED_RAW))
    monkeypatch.setenv(WAREHOUSE_DIR_ENV, str(tmp_path / "warehouse"))
    job = defs().resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), asset_selection=[dg.AssetKey(["marts", "statuses"])]
    )
    assert result.success
    assert materialized(result) == {"marts/statuses"}
