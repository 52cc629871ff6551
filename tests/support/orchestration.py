"""One tick of the raw-files sensor, for the graph tier's sensor tests and the system tier's held refresh."""

from __future__ import annotations

import dagster as dg

from nk_pipeline.orchestration import RAW_SENSOR, raw_files_changed
from nk_pipeline.resources import PathsResource
from nk_pipeline.shared.settings import Paths


def _resources(folders: Paths) -> dict[str, PathsResource]:
    return {
        "paths": PathsResource(
            raw_dir=str(folders.raw_dir), warehouse_dir=str(folders.warehouse_dir), build_dir=str(folders.build_dir)
        )
    }


def evaluate(definitions, folders: Paths, cursor: str | None, instance: dg.DagsterInstance | None = None):
    """One sensor tick; returns (run requests, the cursor it leaves)."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=definitions, resources=_resources(folders), sensor_name=RAW_SENSOR
    )
    result = raw_files_changed(context)
    requests = [result] if isinstance(result, dg.RunRequest) else []
    return requests, context.cursor
