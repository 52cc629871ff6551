"""Cross-cutting settings: the executor, the refresh job, its schedule and the raw-folder sensor.

Both the schedule and the sensor start STOPPED: an unattended refresh should be a decision, not
a side effect of opening the UI. Turn them on in the UI (Automation, then the toggle) or with
`DAGSTER_HOME=$PWD/.dagster uv run dagster schedule start weekly_refresh -w workspace.yaml`
(and `dagster sensor start raw_files_changed`); they tick while `dagster dev` or
dagster-daemon runs. docs/operating.md has the details.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from nk_pipeline.lib import contract
from nk_pipeline.resources import PathsResource

EXECUTOR_ENV = "NK_EXECUTOR"
REFRESH_JOB = "refresh_all"
WEEKLY_SCHEDULE = "weekly_refresh"
RAW_SENSOR = "raw_files_changed"

# Raw file (relative to the raw folder) → the ingest asset that reads it.
RAW_FILE_ASSETS: dict[str, dg.AssetKey] = {
    **{spec.filename: dg.AssetKey(["raw", spec.name]) for spec in contract.RAW_FILES},
    contract.BOUNDARIES_PATH: dg.AssetKey(["raw", "boundaries"]),
}
DATA_VERSION_TAG = "dagster/data_version"


# NK_EXECUTOR value → (package, module, executor): the step executors of docs/operating.md
# ("Beyond one database server"), installed only where a deployment uses them.
STEP_EXECUTORS = {
    "k8s": ("dagster-k8s", "dagster_k8s", "k8s_job_executor"),
    "celery": ("dagster-celery", "dagster_celery", "celery_executor"),
}


def executor() -> dg.ExecutorDefinition:
    # Starting a Python process per step costs seconds on a small machine, and these steps take
    # milliseconds; one process runs them all. NK_EXECUTOR=multiprocess opts back in.
    choice = os.environ.get(EXECUTOR_ENV, "in_process")
    if choice == "multiprocess":
        return dg.multiprocess_executor
    if choice in STEP_EXECUTORS:
        package, module, name = STEP_EXECUTORS[choice]
        try:
            return getattr(importlib.import_module(module), name)
        except ImportError as error:
            raise dg.DagsterInvariantViolationError(
                f"{EXECUTOR_ENV}={choice} needs {package} (the 0.29.x matching dagster): {error}"
            ) from None
    return dg.in_process_executor


refresh_all = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Rebuild every asset from raw/ and publish the warehouse.",
)

weekly_refresh = dg.ScheduleDefinition(
    name=WEEKLY_SCHEDULE,
    job=refresh_all,
    # Monday early morning UTC: sources are curated by hand, a weekly rebuild catches code and
    # reference changes that the raw-folder sensor cannot see.
    cron_schedule="0 5 * * 1",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Rebuild and publish everything once a week (Monday 05:00 UTC). Starts stopped.",
)


def file_hashes(raw_dir: Path) -> dict[str, str | None]:
    """sha256 of every raw file the pipeline reads; None for a missing file."""
    hashes: dict[str, str | None] = {}
    for name in RAW_FILE_ASSETS:
        path = raw_dir / name
        hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return hashes


def _last_built_hashes(instance: dg.DagsterInstance) -> dict[str, str | None]:
    # Without a cursor (first tick after the sensor is turned on), compare with what the last
    # materialization of each ingest asset read: its data version is the file's sha256. A file
    # never built counts as changed.
    built: dict[str, str | None] = {}
    for name, key in RAW_FILE_ASSETS.items():
        event = instance.get_latest_materialization_event(key)
        materialization = event.asset_materialization if event else None
        built[name] = materialization.tags.get(DATA_VERSION_TAG) if materialization and materialization.tags else None
    return built


def transition_key(previous: Mapping[str, str | None], current: Mapping[str, str | None]) -> str:
    """The run key of a change: the same old → new content always gives the same key."""
    changed = {name: [previous.get(name), current[name]] for name in sorted(current) if previous.get(name) != current[name]}
    return hashlib.sha256(json.dumps(changed, separators=(",", ":")).encode()).hexdigest()


@dg.sensor(
    name=RAW_SENSOR,
    job=refresh_all,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Every minute, hashes the files in the raw folder; when a file's content changed, "
        "rebuilds its ingest asset and everything downstream, then publishes. A touched but "
        "unchanged file triggers nothing."
    ),
)
def raw_files_changed(context: dg.SensorEvaluationContext, paths: PathsResource):
    folders = paths.paths
    current = file_hashes(folders.raw_dir)
    # Content, not mtime: editors, git checkouts and copies touch files without changing them.
    previous = json.loads(context.cursor) if context.cursor else _last_built_hashes(context.instance)
    changed = sorted(name for name in current if previous.get(name) != current[name])
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not changed:
        return dg.SkipReason(f"no raw file changed in {folders.raw_dir}")

    graph = context.repository_def.asset_graph
    if folders.work_db.exists() and len(changed) < len(current):
        selection = dg.AssetSelection.assets(*(RAW_FILE_ASSETS[name] for name in changed)).downstream()
    else:
        # The unchanged inputs' staging tables live in the working database; without it a
        # partial rebuild has nothing to join with, so rebuild everything (as when all changed).
        selection = dg.AssetSelection.all()
    missing = [name for name in changed if current[name] is None]
    if missing:
        context.log.warning(f"missing in {folders.raw_dir}: {', '.join(missing)} (the run will fail and say so)")
    return dg.RunRequest(
        run_key=transition_key(previous, current),
        asset_selection=sorted(selection.resolve(graph)),
        tags={"nk_pipeline/changed_files": ",".join(changed)[:200]},
    )


def orchestration_definitions() -> dg.Definitions:
    return dg.Definitions(
        executor=executor(), jobs=[refresh_all], schedules=[weekly_refresh], sensors=[raw_files_changed]
    )
