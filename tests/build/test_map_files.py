"""The files under warehouse/map/: valid for the tools that read them, complete, small, reproducible."""

from __future__ import annotations

import csv
import itertools
import json
import re

import duckdb
import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely

from nk_pipeline.data.about import Edition
from nk_pipeline.data.edition import edition
from nk_pipeline.data.entries_chart import entries_by_year
from nk_pipeline.map import map_features, map_scene
from nk_pipeline.map.map_outputs import map_rows
from nk_pipeline.map.render_html import html_document
from nk_pipeline.map.render_png import render_png, source_note
from nk_pipeline.shared.sql import read_sql
from nk_pipeline.staging import boundaries
from tests.conftest import png_chunks


def _edition(build) -> Edition:
    """The release the build named (its credit line is drawn under the maps)."""
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        return edition(conn)


SMALL_STATES = ("MLT", "SGP", "BHR", "QAT", "KWT")

MAX_HTML_BYTES = 600_000  # issue 12: the page with every year stays at most 600 KB

MAX_PNG_BYTES = 1_000_000


def _map_dir(build):
    return build.paths.map_dir


def _marts(build, sql):
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        return conn.execute(sql).df()


@pytest.fixture(scope="module")
def geojson(shipped_build):
    return json.loads((_map_dir(shipped_build) / "countries.geojson").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected_iso3(shipped_build):
    return set(_marts(shipped_build, "SELECT iso3 FROM marts.country_estimates")["iso3"])


@pytest.fixture(scope="module")
def scene_inputs(shipped_build):
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        rows = map_rows(conn, "map_countries")
        years = map_rows(conn, "map_years")
        sources = conn.execute(read_sql("map_sources")).df()
    shapes = boundaries.load_boundaries(shipped_build.paths.raw_dir / "reference" / "countries-50m.json")
    # the classes of every year (issue 12), as the build draws them
    return rows, sources, map_scene.build_scene(rows, shapes, map_scene.series_classes(years)), years


def _rings(geometry):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return polygons


def test_countries_geojson_follows_rfc7946(geojson):
    assert geojson["type"] == "FeatureCollection"
    assert "crs" not in geojson  # RFC 7946 §4: WGS84 only, no crs member
    for feature in geojson["features"]:
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        assert geometry["type"] == "MultiPolygon", feature["properties"]["iso3"]  # one type per layer
        for polygon in _rings(geometry):
            for number, ring in enumerate(polygon):
                xy = np.asarray(ring)
                assert len(xy) >= 4 and (xy[0] == xy[-1]).all()
                assert (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
                # §3.1.9: cut at the antimeridian, no part sweeping round the world
                assert xy[:, 0].max() - xy[:, 0].min() < 180, feature["properties"]["iso3"]
                # §3.1.6: exterior rings counterclockwise, holes clockwise
                assert shapely.is_ccw(shapely.LinearRing(xy)) == (number == 0), feature["properties"]["iso3"]
        assert shapely.geometry.shape(geometry).is_valid, feature["properties"]["iso3"]


def test_russia_is_cut_at_the_antimeridian_not_stretched_across_the_map(geojson):
    russia = next(f for f in geojson["features"] if f["properties"]["iso3"] == "RUS")
    shape = shapely.geometry.shape(russia["geometry"])
    west_of_dateline = [p for p in shapely.get_parts(shape) if p.bounds[2] < 0]
    assert west_of_dateline, "Chukotka's eastern tip lies west of -180/180"
    assert all(p.bounds[0] >= -180 and p.bounds[2] <= -168 for p in west_of_dateline)


def test_every_country_with_data_has_a_feature_with_its_properties(geojson, expected_iso3):
    features = {f["properties"]["iso3"]: f["properties"] for f in geojson["features"]}
    assert set(features) == expected_iso3
    for iso3, props in features.items():
        for key in (
            "country",
            "status",
            "label",
            "reference_year",
            "has_restaurants",
            "confidence",
            "source_titles",
            "workers_low",
            "workers_high",
            "workers_central",
        ):
            assert key in props, (iso3, key)
        assert props["status"] in map_features.STATUSES
        assert props["label"] and props["source_titles"]
    assert re.fullmatch(r"[\d,]+–[\d,]+ \(\d{4}\)", features["RUS"]["label"])


def test_small_states_keep_a_recognisable_shape_and_a_point(shipped_build, geojson, expected_iso3):
    features = {f["properties"]["iso3"]: shapely.geometry.shape(f["geometry"]) for f in geojson["features"]}
    points = json.loads((_map_dir(shipped_build) / "points.geojson").read_text(encoding="utf-8"))
    point_of = {f["properties"]["iso3"]: f["geometry"] for f in points["features"]}
    present = [c for c in SMALL_STATES if c in expected_iso3]
    assert present, "the shipped data names small states"
    for iso3 in present:
        shape = features[iso3]
        assert shape.area > 0 and shapely.get_num_coordinates(shape) >= 8, iso3
        assert point_of[iso3]["type"] == "Point"


def test_points_lie_inside_their_country(shipped_build, geojson, expected_iso3):
    shapes = {f["properties"]["iso3"]: shapely.geometry.shape(f["geometry"]) for f in geojson["features"]}
    points = json.loads((_map_dir(shipped_build) / "points.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["iso3"] for f in points["features"]} == expected_iso3
    for feature in points["features"]:
        point = shapely.geometry.shape(feature["geometry"])
        # points are written to 2 decimals: allow that rounding
        assert shapes[feature["properties"]["iso3"]].distance(point) < 0.01, feature["properties"]["iso3"]


def test_files_stay_within_their_size_budget(shipped_build):
    folder = _map_dir(shipped_build)
    assert (folder / "countries.geojson").stat().st_size <= map_features.GEOJSON_BYTES
    assert (folder / "index.html").stat().st_size <= MAX_HTML_BYTES
    assert (folder / "map.png").stat().st_size <= MAX_PNG_BYTES
    assert (folder / "points.geojson").stat().st_size <= 60_000


def test_gdal_reads_the_geojson_files(shipped_build, expected_iso3):
    for name in ("countries.geojson", "points.geojson"):
        info = pyogrio.read_info(_map_dir(shipped_build) / name)
        assert info["features"] == len(expected_iso3)
        assert info["crs"] == "EPSG:4326"


def test_geoparquet_is_readable_and_declares_itself(shipped_build, expected_iso3):
    path = _map_dir(shipped_build) / "countries.parquet"
    frame = gpd.read_parquet(path)
    assert set(frame["iso3"]) == expected_iso3
    assert frame.crs.to_epsg() == 4326 and frame.is_valid.all()
    # what GDAL's (Geo)Parquet driver relies on: the 'geo' metadata of the GeoParquet spec
    meta = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert meta["version"].startswith("1.") and meta["primary_column"] == "geometry"
    column = meta["columns"]["geometry"]
    assert column["encoding"] == "WKB"
    assert column["geometry_types"] == ["MultiPolygon"]
    if "Parquet" in pyogrio.list_drivers():
        assert pyogrio.read_info(path)["features"] == len(expected_iso3)
    else:  # the GDAL bundled with pyogrio wheels has no Parquet driver: read it as GDAL would, by the spec
        table = pq.read_table(path)
        geometries = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        assert shapely.is_valid(geometries).all() and len(geometries) == len(expected_iso3)


def test_map_csv_has_one_plain_row_per_country(shipped_build, expected_iso3):
    with (_map_dir(shipped_build) / "map.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["iso3"] for r in rows] == sorted(expected_iso3)
    assert {"iso3", "country", "status", "workers_low", "workers_high", "workers_central", "label"} <= set(rows[0])


def test_png_is_deterministic_and_carries_no_version_or_time(shipped_build, scene_inputs, tmp_path):
    rows, sources, scene, _ = scene_inputs
    first = render_png(scene, tmp_path / "a.png", source_note(rows, sources, _edition(shipped_build))).read_bytes()
    second = render_png(scene, tmp_path / "b.png", source_note(rows, sources, _edition(shipped_build))).read_bytes()
    assert first == second
    assert first == (_map_dir(shipped_build) / "map.png").read_bytes()  # the built file is the same render
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(png_chunks(first))


def test_classes_are_fisher_jenks_on_the_log_scale_and_cover_every_estimate(scene_inputs):
    _, _, scene, years = scene_inputs
    estimates = scene.hosts[scene.hosts["status"] == "estimate"]
    assert estimates["class"].notna().all()
    assert sum(c.count for c in scene.classes) == len(estimates)
    bounds = [(c.low, c.high) for c in scene.classes]
    assert bounds == sorted(bounds) and all(a[1] < b[0] for a, b in itertools.pairwise(bounds))
    # since issue 12 the classes are found on the figures of every year (each country's distinct
    # figures), so that a colour means the same in every year; the latest figures are among them
    figures = years[years["status"] == "estimate"].drop_duplicates(["iso3", "workers_central"])
    _, classes = map_scene.classify(figures["workers_central"].reset_index(drop=True))
    assert [(c.low, c.high, c.colour) for c in classes] == [(c.low, c.high, c.colour) for c in scene.classes]
    for _, host in estimates.iterrows():
        member = scene.classes[int(host["class"])]
        assert member.low <= host["workers_central"] <= member.high, host["iso3"]


def test_small_hosts_are_marked_and_anchored_on_their_largest_part(scene_inputs):
    _, _, scene, _ = scene_inputs
    hosts = scene.hosts.set_index("iso3")
    for iso3 in ("MLT", "SGP", "QAT", "KWT"):
        assert hosts.loc[iso3, "small"], iso3
    assert not hosts.loc[["RUS", "CHN"], "small"].any()
    russia = hosts.loc["RUS"]
    assert russia.geometry.contains(shapely.Point(russia["anchor_x"], russia["anchor_y"]))


def test_the_frame_holds_every_country_drawn(scene_inputs):
    """The PNGs and the page draw inside the scene's outline: nothing may reach past it (issue 23:
    Greenland and the Arctic islands were cut at 84°N, the South Sandwich Islands at 57°S)."""
    _, _, scene, _ = scene_inputs
    frame = scene.outline.buffer(1.0)  # a kilometre: the outline is a polygon of 181 points per side
    drawn = [*scene.land.geometry, *scene.hosts.geometry]
    outside = [i for i, geometry in enumerate(drawn) if not frame.contains(geometry)]
    assert outside == [], [(scene.land["iso3"].tolist() + scene.hosts["iso3"].tolist())[i] for i in outside]


def test_html_is_self_contained_and_deterministic(shipped_build, scene_inputs):
    rows, sources, scene, years = scene_inputs
    page = (_map_dir(shipped_build) / "index.html").read_text(encoding="utf-8")
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        entries = entries_by_year(conn)
    assert page == html_document(scene, rows, sources, years, entries, _edition(shipped_build))
    assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" in page
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"\bsrc\s*=", page)
    # the only addresses are the source links in the table, which nothing loads
    before_table = page.split('<section aria-labelledby="all-countries">')[0]
    assert set(re.findall(r"https?://[^\s\"']+", before_table)) == {"http://www.w3.org/2000/svg"}


def test_html_has_a_focusable_labelled_shape_per_country_and_dots_for_small_states(shipped_build, expected_iso3):
    page = (_map_dir(shipped_build) / "index.html").read_text(encoding="utf-8")
    shapes = re.findall(r'<path id="shape-(\w{3})"[^>]*>', page)
    # a nil report from a country no source names as a host is data, drawn as land
    statuses = _marts(shipped_build, "SELECT iso3, status FROM marts.country_estimates")
    not_drawn = set(statuses.loc[statuses["status"].isin(map_scene.NOT_DRAWN), "iso3"])
    assert not_drawn and set(shapes) == expected_iso3 - not_drawn
    for tag in re.findall(r'<path id="shape-\w{3}"[^>]*>', page):
        assert 'tabindex="0"' in tag and 'role="img"' in tag and "aria-label=" in tag
    markers = set(re.findall(r'<circle class="marker[^"]*" data-iso3="(\w{3})"', page))
    assert {"MLT", "SGP", "QAT", "KWT"} <= markers
    for caveat in ("estimates, not counts", "not counted", "situation changes"):
        assert caveat in page.lower()
