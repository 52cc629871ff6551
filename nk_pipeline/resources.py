"""Dagster resources: the folders of a build, and DuckDB connections to its working database."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.settings import DUCKDB_STORAGE_VERSION, Paths


class PathsResource(dg.ConfigurableResource):
    """Input, output and scratch folders of a build (absolute paths; see settings.Paths)."""

    raw_dir: str
    warehouse_dir: str
    build_dir: str

    @property
    def paths(self) -> Paths:
        return Paths.create(self.raw_dir, self.warehouse_dir, self.build_dir)


def duckdb_resource(paths: Paths) -> DuckDBResource:
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(
        database=str(paths.work_db),
        connection_config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION, "threads": 2},
    )


def build_resources(paths: Paths | None = None) -> dict[str, object]:
    paths = paths or Paths.from_env()
    return {
        "paths": PathsResource(
            raw_dir=str(paths.raw_dir), warehouse_dir=str(paths.warehouse_dir), build_dir=str(paths.build_dir)
        ),
        "duckdb": duckdb_resource(paths),
    }
