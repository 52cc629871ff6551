"""Cross-cutting settings: the executor, the refresh job, its schedule and the raw-folder sensor.

Both the schedule and the sensor start STOPPED: an unattended refresh should be a decision, not
a side effect of opening the UI. Turn them on in the UI (Automation, then the toggle) or with
`DAGSTER_HOME=$PWD/.dagster uv run dagster schedule start weekly_refresh -w workspace.yaml`
(and `dagster sensor start raw_files_changed`); they tick while `dagster dev` or
dagster-daemon runs. docs/operating.md has the details.

Why a sensor and not declarative automation (observable sources with an automation condition):
a refresh must be one run that validates every file and then publishes everything or nothing,
and it must start only when someone has switched it on. Automation conditions would need the
sources observed on an interval by the daemon and a condition on every asset, and would request
runs per evaluation; the sensor hashes the raw folder with the same function the `raw/*`
observations use (`reading.file_version`), compares with the last observed versions, and
launches the one `refresh_all` run, naming the changed files in its tags.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import MISSING, REFUSED, file_version
from nk_pipeline.resources import PathsResource

EXECUTOR_ENV = "NK_EXECUTOR"
REFRESH_JOB = "refresh_all"
WEEKLY_SCHEDULE = "weekly_refresh"
RAW_SENSOR = "raw_files_changed"

# Raw file (relative to the raw folder) → its observable asset.
RAW_FILE_ASSETS: dict[str, dg.AssetKey] = {spec.path: dg.AssetKey(["raw", spec.name]) for spec in contract.INPUT_FILES}
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
    # the raw files are observed first (their sha256 becomes their data version), then every asset is built
    selection=dg.AssetSelection.all(include_sources=True),
    description="Observe raw/, rebuild every asset from it and publish the warehouse.",
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


def file_hashes(raw_dir: Path) -> dict[str, str]:
    """The data version every raw file would be observed with: its sha256, "missing" or "refused"
    (a link, a special file or too large, which is not read)."""
    return {spec.path: file_version(raw_dir, spec.path, spec.max_bytes) for spec in contract.INPUT_FILES}


def _last_observed_hashes(instance: dg.DagsterInstance) -> dict[str, str | None]:
    # Without a cursor (first tick after the sensor is turned on), compare with what the last
    # run observed; a file never observed counts as changed.
    observed: dict[str, str | None] = {}
    for name, key in RAW_FILE_ASSETS.items():
        record = instance.get_latest_data_version_record(key, is_source=True)
        tags = record.asset_observation.tags if record and record.asset_observation else None
        observed[name] = (tags or {}).get(DATA_VERSION_TAG)
    return observed


def transition_key(previous: Mapping[str, str | None], current: Mapping[str, str | None]) -> str:
    """The run key of a change: the same old → new content always gives the same key."""
    changed = {
        name: [previous.get(name), current[name]] for name in sorted(current) if previous.get(name) != current[name]
    }
    return hashlib.sha256(json.dumps(changed, separators=(",", ":")).encode()).hexdigest()


@dg.sensor(
    name=RAW_SENSOR,
    job=refresh_all,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Every minute, hashes the files in the raw folder; when a file's content changed, "
        "runs refresh_all (observe, validate, rebuild, publish). A touched but unchanged file "
        "triggers nothing."
    ),
)
def raw_files_changed(context: dg.SensorEvaluationContext, paths: PathsResource):
    folders = paths.paths
    current = file_hashes(folders.raw_dir)
    # Content, not mtime: editors, git checkouts and copies touch files without changing them.
    previous = json.loads(context.cursor) if context.cursor else _last_observed_hashes(context.instance)
    changed = sorted(name for name in current if previous.get(name) != current[name])
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not changed:
        return dg.SkipReason(f"no raw file changed in {folders.raw_dir}")
    for state in (MISSING, REFUSED):
        unread = [name for name in changed if current[name] == state]
        if unread:
            context.log.warning(f"{state} in {folders.raw_dir}: {', '.join(unread)} (the run will fail and say why)")
    # Every change rebuilds everything: validation reads all files in one step (a citing file
    # is checked against sources.csv), and a full refresh takes seconds.
    return dg.RunRequest(
        run_key=transition_key(previous, current),
        tags={"nk_pipeline/changed_files": ",".join(changed)[:200]},
    )


def orchestration_definitions() -> dg.Definitions:
    return dg.Definitions(
        executor=executor(), jobs=[refresh_all], schedules=[weekly_refresh], sensors=[raw_files_changed]
    )
