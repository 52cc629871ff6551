"""Cross-cutting settings: the executor, the refresh job, its schedule and the raw-folder sensor."""

from __future__ import annotations

import os

import dagster as dg

EXECUTOR_ENV = "NK_EXECUTOR"
REFRESH_JOB = "refresh_all"


def executor() -> dg.ExecutorDefinition:
    # Starting a Python process per step costs seconds on a small machine, and these steps take
    # milliseconds; one process runs them all. NK_EXECUTOR=multiprocess opts back in.
    if os.environ.get(EXECUTOR_ENV, "in_process") == "multiprocess":
        return dg.multiprocess_executor
    return dg.in_process_executor


refresh_all = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Rebuild every asset from raw/ and publish the warehouse.",
)


def orchestration_definitions() -> dg.Definitions:
    return dg.Definitions(executor=executor(), jobs=[refresh_all])
