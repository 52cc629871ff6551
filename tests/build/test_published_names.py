"""One name per column across every published file: a column of a map file is its mart's column,
under the mart's name, or one of the map's own (map_features.MAP_ONLY_COLUMNS), never a mart's
name with another meaning (map.csv once called the country `name`, the name of a method parameter)."""

import csv
import json

import pyarrow.parquet as pq
import pytest

from nk_pipeline.map.map_features import MAP_ONLY_COLUMNS
from nk_pipeline.marts.catalog import MARTS, MARTS_BY_NAME

EVERY_MART_COLUMN = {c for t in MARTS for c in t.columns}
# map file → the mart whose rows it carries
MAP_FILES = {
    "map.csv": "country_estimates",
    "countries.geojson": "country_estimates",
    "points.geojson": "country_estimates",
    "countries.parquet": "country_estimates",
    "country_years.csv": "country_years",
}


def _columns(path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle))
    if path.suffix == ".geojson":
        return list(json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"])
    # GeoParquet 1.1: the geometry and its bounding box (the covering column) are no attributes
    return [c for c in pq.read_schema(path).names if c not in ("geometry", "bbox")]


def test_map_only_columns_are_no_mart_column():
    assert not set(MAP_ONLY_COLUMNS) & EVERY_MART_COLUMN


@pytest.mark.parametrize("name", sorted(MAP_FILES))
def test_a_map_file_names_its_columns_as_the_marts_do(shipped_build, name):
    columns = _columns(shipped_build.paths.map_dir / name)
    own = MARTS_BY_NAME[MAP_FILES[name]].columns
    strays = [c for c in columns if c not in own and c not in MAP_ONLY_COLUMNS]
    assert not strays, f"{name}: {strays} are neither columns of marts.{MAP_FILES[name]} nor map columns"
    assert "country" in columns


def test_every_release_file_uses_its_marts_names(shipped_build):
    for table in MARTS:
        with (shipped_build.paths.data_dir / f"{table.name}.csv").open(encoding="utf-8", newline="") as handle:
            assert set(next(csv.reader(handle))) <= set(table.columns), table.name
