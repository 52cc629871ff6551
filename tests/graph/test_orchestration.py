"""The schedule, the raw-folder sensor and the executor, evaluated without a daemon."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
import pytest

from nk_pipeline.definitions import defs
from nk_pipeline.orchestration import (
    EXECUTOR_ENV,
    RAW_FILE_ASSETS,
    RAW_SENSOR,
    REFRESH_JOB,
    WEEKLY_SCHEDULE,
    file_hashes,
    transition_key,
)
from nk_pipeline.shared.settings import Paths
from tests.support.orchestration import evaluate


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


@pytest.fixture()
def folders(raw_copy: Path, tmp_path: Path) -> Paths:
    return Paths.create(raw_copy, tmp_path / "warehouse")


def test_a_changed_file_requests_one_full_refresh_naming_it(definitions, folders):
    cursor = json.dumps(file_hashes(folders.raw_dir))
    restaurants = folders.raw_dir / "restaurants.csv"
    restaurants.write_text(restaurants.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    requests, new_cursor = evaluate(definitions, folders, cursor)

    assert len(requests) == 1
    assert requests[0].asset_selection is None, "the sensor's job, refresh_all, rebuilds and publishes everything"
    assert requests[0].tags["nk_pipeline/changed_files"] == "restaurants.csv"
    assert json.loads(new_cursor)["restaurants.csv"] == file_hashes(folders.raw_dir)["restaurants.csv"]
    assert json.loads(new_cursor)["restaurants.csv"] != json.loads(cursor)["restaurants.csv"]
    assert requests[0].run_key == transition_key(json.loads(cursor), json.loads(new_cursor))


def test_same_content_requests_nothing(definitions, folders):
    cursor = json.dumps(file_hashes(folders.raw_dir))
    requests, new_cursor = evaluate(definitions, folders, cursor)
    assert requests == []
    assert json.loads(new_cursor) == json.loads(cursor)


def test_touch_without_change_requests_nothing(definitions, folders):
    cursor = json.dumps(file_hashes(folders.raw_dir))
    later = time.time() + 3600
    for name in RAW_FILE_ASSETS:
        os.utime(folders.raw_dir / name, (later, later))
    # rewritten with the very same bytes, as an editor's "save" or a git checkout does
    sources = folders.raw_dir / "sources.csv"
    sources.write_bytes(sources.read_bytes())

    requests, _ = evaluate(definitions, folders, cursor)
    assert requests == []


def test_a_change_and_its_revert_both_trigger_but_a_repeated_tick_is_one_run(definitions, folders):
    original = json.dumps(file_hashes(folders.raw_dir))
    policy = folders.raw_dir / "policy_events.csv"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text + "\n", encoding="utf-8")
    (change,), changed_cursor = evaluate(definitions, folders, original)
    (again,), _ = evaluate(definitions, folders, original)  # a tick whose cursor update was lost
    assert again.run_key == change.run_key, "the daemon drops a run key it has launched before"
    policy.write_text(text, encoding="utf-8")
    (revert,), final_cursor = evaluate(definitions, folders, changed_cursor)
    assert revert.run_key != change.run_key
    assert json.loads(final_cursor) == json.loads(original)


def test_the_boundaries_file_is_watched_too(definitions, folders):
    cursor = json.dumps(file_hashes(folders.raw_dir))
    boundaries = folders.raw_dir / "reference" / "countries-50m.json"
    boundaries.write_bytes(boundaries.read_bytes() + b" ")
    (request,), _ = evaluate(definitions, folders, cursor)
    assert request.tags["nk_pipeline/changed_files"] == "reference/countries-50m.json"


def test_first_tick_compares_with_the_last_observation(definitions, folders, monkeypatch):
    from nk_pipeline.shared.settings import RAW_DIR_ENV, WAREHOUSE_DIR_ENV

    monkeypatch.setenv(RAW_DIR_ENV, str(folders.raw_dir))
    monkeypatch.setenv(WAREHOUSE_DIR_ENV, str(folders.warehouse_dir))
    with dg.instance_for_test() as instance:
        # nothing observed yet: every input is new
        (request,), _ = evaluate(definitions, folders, None, instance)
        assert set(request.tags["nk_pipeline/changed_files"].split(",")) == set(RAW_FILE_ASSETS)

        observe = defs().resolve_implicit_global_asset_job_def()  # the folders above, as the UI would
        result = observe.execute_in_process(instance=instance, asset_selection=list(RAW_FILE_ASSETS.values()))
        assert result.success
        requests, cursor = evaluate(definitions, folders, None, instance)
        assert requests == [], "the raw assets' observed data versions are the files' sha256: nothing changed"
        assert json.loads(cursor) == file_hashes(folders.raw_dir)


def test_a_missing_file_is_a_change_and_the_run_will_say_so(definitions, folders):
    cursor = json.dumps(file_hashes(folders.raw_dir))
    (folders.raw_dir / "restaurants.csv").unlink()
    (request,), new_cursor = evaluate(definitions, folders, cursor)
    assert "restaurants.csv" in request.tags["nk_pipeline/changed_files"]
    assert json.loads(new_cursor)["restaurants.csv"] == "missing"


def test_schedule_and_sensor_are_defined_and_start_stopped(definitions):
    schedule = definitions.resolve_schedule_def(WEEKLY_SCHEDULE)
    assert schedule.job_name == REFRESH_JOB
    assert schedule.cron_schedule == "0 5 * * 1"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    sensor = definitions.resolve_sensor_def(RAW_SENSOR)
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert [job.name for job in sensor.jobs] == [REFRESH_JOB]


def test_every_raw_file_of_the_contract_is_watched(definitions):
    graph = definitions.resolve_asset_graph()
    raw = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert set(RAW_FILE_ASSETS.values()) == raw
    assert all(graph.get(key).is_observable for key in raw), "raw files are observed, never copied"


def test_in_process_executor_by_default_for_the_job_and_the_ui(definitions):
    assert definitions.resolve_job_def(REFRESH_JOB).executor_def.name == "in_process"
    # "Materialize all" in the UI launches the implicit asset job
    assert definitions.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def test_multiprocess_executor_is_opt_in(monkeypatch):
    monkeypatch.setenv(EXECUTOR_ENV, "multiprocess")
    assert defs().resolve_implicit_global_asset_job_def().executor_def.name == "multiprocess"


def test_dagster_dev_without_dagster_home_keeps_history_in_dot_dagster_and_runs_one_at_a_time(tmp_path):
    from dagster._core.instance.ref import InstanceRef

    from nk_pipeline.shared.settings import PROJECT_ROOT

    # what `dagster dev` does when DAGSTER_HOME is unset: a throwaway home, configured by the
    # dagster.yaml of the folder it was started in
    ref = InstanceRef.from_dir(str(tmp_path / ".tmp_dagster_home"), config_dir=str(PROJECT_ROOT))
    with dg.DagsterInstance.from_ref(ref) as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        # a killed run cannot hold that single slot for good
        assert instance.run_monitoring_enabled and 0 < instance.run_monitoring_max_runtime_seconds <= 3600
    for data in (ref.storage_data, ref.local_artifact_storage_data, ref.compute_logs_data):
        assert "base_dir: .dagster" in data.config_yaml, data
