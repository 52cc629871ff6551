"""Where things live: the raw inputs, the published warehouse, the build scratch and the Dagster home.

Every path is absolute and resolved from the project root, so the pipeline behaves the same
whatever the current directory is. Environment variables override the defaults so that the
same code runs on a copy of the inputs (`NK_RAW_DIR`) or into another folder (`NK_WAREHOUSE_DIR`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

RAW_DIR_ENV = "NK_RAW_DIR"
WAREHOUSE_DIR_ENV = "NK_WAREHOUSE_DIR"
BUILD_DIR_ENV = "NK_BUILD_DIR"

WAREHOUSE_DB_NAME = "nk.duckdb"
MAP_DIR_NAME = "map"
DATA_DIR_NAME = "data"

# DuckDB 2.0 writes a storage format that DuckDB 1.x clients cannot open. Consumers often run
# an older client (the duckdb-cli wheel on PyPI is 1.5.x), so the file is pinned to a format
# that every client from 1.1 on reads.
DUCKDB_STORAGE_VERSION = "v1.1.0"
# The build's DuckDB holds at most this much and spills the rest to disk beside the work
# database: left to its default (80% of RAM) it kept 2.2 GiB resident for the marts of 10^6
# observations, against 1.5 GiB with this limit at the same speed (BENCHMARKS.md, issue 24).
DUCKDB_MEMORY_LIMIT = "1GB"


def _resolve(value: str | os.PathLike[str]) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


@dataclass(frozen=True)
class Paths:
    """The folders one build reads from and writes to."""

    raw_dir: Path
    warehouse_dir: Path
    build_dir: Path

    @classmethod
    def from_env(cls) -> Paths:
        raw = _resolve(os.environ.get(RAW_DIR_ENV) or "raw")
        warehouse = _resolve(os.environ.get(WAREHOUSE_DIR_ENV) or "warehouse")
        build = os.environ.get(BUILD_DIR_ENV)
        return cls.create(raw, warehouse, build)

    @classmethod
    def create(
        cls,
        raw_dir: str | os.PathLike[str],
        warehouse_dir: str | os.PathLike[str],
        build_dir: str | os.PathLike[str] | None = None,
    ) -> Paths:
        warehouse = _resolve(warehouse_dir)
        # Scratch lives beside the warehouse (same filesystem, so publishing is a rename) but
        # never inside it: only published outputs belong in the warehouse folder.
        build = _resolve(build_dir) if build_dir else warehouse.parent / f".{warehouse.name}.build"
        return cls(raw_dir=_resolve(raw_dir), warehouse_dir=warehouse, build_dir=build)

    @property
    def warehouse_db(self) -> Path:
        return self.warehouse_dir / WAREHOUSE_DB_NAME

    @property
    def map_dir(self) -> Path:
        return self.warehouse_dir / MAP_DIR_NAME

    @property
    def data_dir(self) -> Path:
        """The open-data release: every mart as CSV and Parquet, reports.xlsx, datapackage.json."""
        return self.warehouse_dir / DATA_DIR_NAME

    @property
    def build_data_dir(self) -> Path:
        return self.build_dir / DATA_DIR_NAME

    @property
    def work_db(self) -> Path:
        """The DuckDB file the assets build into before it is published."""
        return self.build_dir / "work.duckdb"

    @property
    def build_map_dir(self) -> Path:
        return self.build_dir / MAP_DIR_NAME

    @property
    def prepared_boundaries(self) -> Path:
        """The boundaries keyed by ISO3 and cut at the antimeridian, as GeoParquet: read once per
        build from the TopoJSON, then by every map output in milliseconds."""
        return self.build_dir / "boundaries.parquet"


def shown_path(path: Path) -> str:
    """How messages name a file: relative to the project when inside it, else in full."""
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def default_dagster_home() -> Path:
    return PROJECT_ROOT / ".dagster"
