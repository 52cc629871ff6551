"""The multiprocess executor builds and publishes everything (the sensor, schedule and executor
settings: tests/graph/test_orchestration.py)."""

from __future__ import annotations

import dagster as dg

from nk_pipeline.definitions import defs
from nk_pipeline.orchestration import (
    EXECUTOR_ENV,
    REFRESH_JOB,
)
from tests.conftest import SHIPPED_RAW


def refresh_job() -> dg.JobDefinition:
    """The refresh job, rebuilt from module scope in every step process of the multiprocess executor."""
    return defs().resolve_job_def(REFRESH_JOB)


def test_multiprocess_executor_builds_and_publishes_everything(monkeypatch, tmp_path):
    import duckdb

    from nk_pipeline.shared.settings import RAW_DIR_ENV, WAREHOUSE_DIR_ENV

    monkeypatch.setenv(EXECUTOR_ENV, "multiprocess")
    monkeypatch.setenv(RAW_DIR_ENV, str(SHIPPED_RAW))
    monkeypatch.setenv(WAREHOUSE_DIR_ENV, str(tmp_path / "warehouse"))
    with dg.instance_for_test() as instance:
        result = dg.execute_job(dg.reconstructable(refresh_job), instance=instance, raise_on_error=False)
        step_pids = {e.pid for e in result.all_events if e.event_type_value == "STEP_START"}
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert result.success
    assert len(step_pids) > 1  # each step ran in a process of its own
    graph = defs().resolve_asset_graph()
    assert materialized == {k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).is_observable}
    with duckdb.connect(str(tmp_path / "warehouse" / "nk.duckdb"), read_only=True) as conn:
        # every country the raw files name, Russia's estimate among them
        assert conn.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0] > 60
        assert conn.execute("SELECT status FROM marts.country_estimates WHERE iso3 = 'RUS'").fetchone() == ("estimate",)
    assert (tmp_path / "warehouse" / "map" / "index.html").stat().st_size > 0
