"""Issue 14 item 6: a place that is not an ISO 3166-1 country (Abkhazia) is a row of its own,
drawn within the shape of the country containing it (Georgia), and its figure is never added
to that country's.

The build runs on the hand-made inputs plus one Abkhazia and one Georgia figure from two
different synthetic sources: Georgia must keep its own 10 workers, Abkhazia its 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import pycountry
import pytest
import shapely

from nk_pipeline.map.map_outputs import map_outputs
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.raw import contract, countries
from nk_pipeline.staging import boundaries
from nk_pipeline.staging.stage import stage_boundaries
from tests.conftest import SHIPPED_RAW, make_raw, reconcile


def test_territories_have_codes_of_their_own_and_an_iso_container():
    shapes = boundaries.load_boundaries(SHIPPED_RAW / contract.BOUNDARIES.path)
    assert countries.territories(), "the table of territories is empty"
    for code, territory in countries.territories().items():
        # ISO 3166-1 leaves X.. to users; no country code may be taken
        assert code.startswith("X") and pycountry.countries.get(alpha_3=code) is None
        assert countries.to_iso3(territory.name) == code
        assert countries.display_name(code) == territory.name
        assert territory.within_iso3 in set(shapes["iso3"])
    assert countries.to_iso3("Abkhazia") == "XAB" and countries.territories()["XAB"].within_iso3 == "GEO"


@dataclass
class Territory:
    conn: duckdb.DuckDBPyConnection
    map_dir: Path


@pytest.fixture(scope="module")
def territory_build(tmp_path_factory):
    # the stages' doors, without a Dagster run: the marts in memory, then the map files drawn from them
    root = tmp_path_factory.mktemp("territory")
    raw = make_raw(root / "raw")
    with (raw / "country_estimates.csv").open("a", encoding="utf-8") as handle:
        handle.write("Abkhazia,400,400,stock,2019,construction,research-2019,research-2019,Abkhaz figure.,\n")
        handle.write("Georgia,10,10,stock,2019,,media-2018,media-2018,Georgian figure.,\n")
    conn = reconcile(raw, tuple(t.name for t in MARTS))
    stage_boundaries(conn, raw, root / "boundaries.parquet")
    (root / "map").mkdir()
    outputs = map_outputs(conn, root / "boundaries.parquet", root / "map")
    for name in ("countries_geojson", "points_geojson", "index_html"):
        outputs.write(name)
    yield Territory(conn, root / "map")
    conn.close()


def test_a_territory_is_its_own_row_and_not_added_to_its_country(territory_build):
    conn = territory_build.conn
    rows = conn.execute(
        "SELECT iso3, country, workers_low, workers_high, source_ids FROM marts.country_estimates "
        "WHERE iso3 IN ('XAB', 'GEO') ORDER BY iso3"
    ).fetchall()
    evidence = conn.execute(
        "SELECT iso3, country_as_reported FROM marts.estimate_evidence WHERE source_id = 'research-2019' AND iso3 = 'XAB'"
    ).fetchall()
    assert rows == [("GEO", "Georgia", 10, 10, "media-2018"), ("XAB", "Abkhazia", 400, 400, "research-2019")]
    assert evidence == [("XAB", "Abkhazia")]


def test_a_territory_is_drawn_within_its_country(territory_build):
    map_dir = territory_build.map_dir
    features = gpd.read_file(map_dir / "countries.geojson").set_index("iso3")
    assert features.loc["XAB", "country"] == "Abkhazia" and features.loc["XAB", "label"] == "about 400 (2019)"
    assert features.loc["GEO", "label"] == "about 10 (2019)"
    # the territory takes its container's shape: the same outline, not a new one
    assert shapely.equals(features.loc["XAB"].geometry, features.loc["GEO"].geometry)
    points = {f["properties"]["iso3"]: f for f in json.loads((map_dir / "points.geojson").read_text())["features"]}
    assert features.loc["GEO"].geometry.buffer(0.01).contains(shapely.geometry.shape(points["XAB"]["geometry"]))
    html = (map_dir / "index.html").read_text(encoding="utf-8")
    assert 'data-iso3="XAB"' in html and 'aria-label="Abkhazia: about 400 (2019),' in html
