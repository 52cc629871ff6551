"""Issue 24: a synthetic folder (benchmarks/synthetic.py) builds with the real job; two builds of it
give the same bytes in every map and data file; and the map files and the page list a bounded
number of sources per country while the marts and the release keep every one."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from benchmarks.synthetic import write_raw
from nk_pipeline.map import map_features, render_html
from nk_pipeline.map.map_outputs import LISTED
from tests.conftest import run_build

# few rows, many sources: most countries cite more than LISTED, so the bound is reached
OBSERVATIONS, SOURCES = 3_000, 1_500


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("synthetic")
    raw = write_raw(root / "raw", OBSERVATIONS, n_sources=SOURCES)
    builds = [run_build(raw, root / f"warehouse-{n}") for n in (1, 2)]
    for build in builds:
        assert build.success, "a synthetic folder must build"
    return builds


def _outputs(warehouse: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(warehouse)): p.read_bytes()
        for folder in ("map", "data")
        for p in sorted((warehouse / folder).iterdir())
    }


def test_two_builds_of_the_same_inputs_give_the_same_bytes(two_builds):
    first, second = (_outputs(b.paths.warehouse_dir) for b in two_builds)
    assert sorted(first) == sorted(second)
    assert "data/reports.xlsx" in first and "map/index.html" in first
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_marts_and_release_keep_every_source_the_map_files_list_at_most_listed(two_builds):
    warehouse = two_builds[0].paths.warehouse_dir
    with duckdb.connect(str(warehouse / "nk.duckdb"), read_only=True) as conn:
        marts = conn.execute("SELECT iso3, year, n_sources, source_ids FROM marts.country_years").df()
    assert (marts["n_sources"] > LISTED).any(), "the synthetic folder must reach the bound"
    assert (marts["source_ids"].str.split(";").str.len() == marts["n_sources"]).all()
    release = pd.read_csv(warehouse / "data" / "country_years.csv")
    assert (release["source_ids"].str.split(";").str.len() == release["n_sources"]).all()

    years = pd.read_csv(warehouse / "map" / "country_years.csv").merge(
        marts, on=["iso3", "year"], suffixes=("", "_all")
    )
    listed = years["source_ids"].str.split(";").str.len()
    assert (listed == years["n_sources"].clip(upper=LISTED)).all()
    # the listed ids are the first of the full list, and the titles say how many are left out
    assert all(full.startswith(part) for part, full in zip(years["source_ids"], years["source_ids_all"]))
    cut = years[years["n_sources"] > LISTED]
    expected = [f" | and {n - LISTED} more" for n in cut["n_sources"]]
    assert [t[-len(e) :] for t, e in zip(cut["source_titles"], expected)] == expected
    assert (cut["source_titles"].str.count(r" \| ") == LISTED).all()

    features = json.loads((warehouse / "map" / "countries.geojson").read_text(encoding="utf-8"))["features"]
    assert all(len(f["properties"]["source_ids"].split(";")) <= LISTED for f in features)


def test_the_page_cites_no_more_than_listed_sources_per_country_and_year(two_builds):
    page = (two_builds[0].paths.warehouse_dir / "map" / "index.html").read_text(encoding="utf-8")
    start = page.index('id="map-data">') + len('id="map-data">')
    data = json.loads(page[start : page.index("</script>", start)])
    # a state is a list in the order of data["fields"]; it lists its sources and its IT-worker
    # sources, each cut at LISTED
    states = [dict(zip(data["fields"], s)) for country in data["countries"].values() for s in country["states"]]
    assert max(len(s["sources"]) for s in states) <= 2 * LISTED
    assert "more (every one in the data below)" in page


def test_what_the_page_says_it_rests_on_is_counted_from_the_full_lists(two_builds):
    warehouse = two_builds[0].paths.warehouse_dir
    with duckdb.connect(str(warehouse / "nk.duckdb"), read_only=True) as conn:
        (cited,) = conn.execute(
            "SELECT count(DISTINCT u.id) FROM marts.country_estimates AS c JOIN marts.statuses USING (status), "
            "unnest(string_split(c.source_ids, ';')) AS u(id) WHERE is_current"
        ).fetchone()
    assert cited > LISTED * 10, "the current rows must cite more sources than they list"
    page = (warehouse / "map" / "index.html").read_text(encoding="utf-8")
    assert f"rests on {cited} cited public reports" in page


def test_every_country_in_every_year_builds_a_page_and_geojson_within_their_budgets(tmp_path):
    """The most places a folder can name (every country with a shape, every year the contract
    accepts, figures changing every year): the page holds the latest years that fit and says which
    it leaves out; the GeoJSON's shapes are simplified more coarsely; the marts keep every year."""
    raw = write_raw(tmp_path / "raw", 30_000, every_country=True)
    build = run_build(raw, tmp_path / "warehouse")
    assert build.success
    folder = build.paths.warehouse_dir
    page = (folder / "map" / "index.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) <= render_html.PAGE_BYTES
    geojson = folder / "map" / "countries.geojson"
    assert geojson.stat().st_size <= map_features.GEOJSON_BYTES
    with duckdb.connect(str(folder / "nk.duckdb"), read_only=True) as conn:
        hosts, first_year = conn.execute("SELECT count(DISTINCT iso3), min(year) FROM marts.country_years").fetchone()
    assert len(json.loads(geojson.read_text(encoding="utf-8"))["features"]) == hosts > 200
    data = json.loads(page.split('id="map-data">')[1].split("</script>")[0])
    assert first_year < data["first"] and data["years"][-1] == data["latest"]
    left_out = pd.read_csv(folder / "map" / "country_years.csv").query("reported_in_year and year < @data['first']")
    note = page.split('id="year-note">')[1].split("</p>")[0]
    span = f"{left_out['year'].min()}–{left_out['year'].max()}"
    assert f"the {left_out['year'].nunique()} earlier ones, {span}, are left out" in note
    assert "country_years.csv" in note
