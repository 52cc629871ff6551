"""Issue 12: the map files that move through time, read as their users read them.

country_years.csv (the long table for Datawrapper or Flourish), map_years.png (small multiples
for print) and the year data embedded in index.html, each against marts.country_years.
"""

from __future__ import annotations

import csv
import json
import re

import duckdb

from nk_pipeline.data.about import Edition
from nk_pipeline.data.edition import edition
from nk_pipeline.map import map_scene
from nk_pipeline.map.map_outputs import map_rows
from nk_pipeline.map.render_png import render_years_png, source_note, story_years
from nk_pipeline.shared.sql import read_sql
from nk_pipeline.staging import boundaries
from tests.conftest import png_chunks


def _edition(build) -> Edition:
    """The release the build named (its credit line is drawn under the maps)."""
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        return edition(conn)


def _mart(build, sql, params=None):
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        return conn.execute(sql, params or []).df()


def test_country_years_csv_is_the_long_table(shipped_build):
    with (shipped_build.paths.map_dir / "country_years.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mart = _mart(shipped_build, "SELECT iso3, year, label, status FROM marts.country_years ORDER BY iso3, year")
    assert [(r["iso3"], int(r["year"])) for r in rows] == list(zip(mart["iso3"], mart["year"]))
    assert {
        "iso3",
        "country",
        "year",
        "status",
        "workers_low",
        "workers_high",
        "workers_central",
        "label",
        "n_sources",
        "source_ids",
        "confidence",
        "stale",
        "repatriation_reports",
    } <= set(rows[0])
    by_key = {(r["iso3"], int(r["year"])): r for r in rows}
    for _, row in mart.iterrows():
        assert by_key[(row["iso3"], row["year"])]["label"] == row["label"]
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())


def test_map_years_png_shows_four_telling_years_the_same_every_time(shipped_build, tmp_path):
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        rows = map_rows(conn, "map_countries")
        years = map_rows(conn, "map_years")
        sources = conn.execute(read_sql("map_sources")).df()
    # chosen from the series: 2016 the first year with half the peak's current figures, 2017 the
    # peak, 2020 the year after it with most reports that none remain, and the latest
    latest = int(years["year"].max())
    assert story_years(years) == [2016, 2017, 2020, latest]
    per_year = years.assign(figure=years["status"] == "estimate", ended=years["status"] == "none_reported_remaining")
    counts = per_year.groupby("year")[["figure", "ended"]].sum()
    assert counts["figure"].idxmax() == 2017 and counts.loc[2017:, "ended"].idxmax() == 2020
    assert counts.loc[2015, "figure"] * 2 < counts.loc[2017, "figure"] <= counts.loc[2016, "figure"] * 2
    shapes = boundaries.load_boundaries(shipped_build.paths.raw_dir / "reference" / "countries-50m.json")
    scene = map_scene.build_scene(rows, shapes, map_scene.series_classes(years))
    drawn = render_years_png(
        scene, years, tmp_path / "years.png", source_note(rows, sources, _edition(shipped_build))
    ).read_bytes()
    published = (shipped_build.paths.map_dir / "map_years.png").read_bytes()
    assert drawn == published
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(png_chunks(published))
    assert len(published) <= 1_000_000


def test_index_html_carries_every_year_safely(shipped_build):
    page = (shipped_build.paths.map_dir / "index.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) <= 600_000
    embedded = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S).group(1)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in embedded, raw
    data = json.loads(embedded)
    mart = _mart(shipped_build, "SELECT iso3, year, label, status FROM marts.country_years")
    evidence_years = set(
        _mart(shipped_build, "SELECT DISTINCT effective_year FROM marts.estimate_evidence")["effective_year"].dropna()
    )
    assert data["latest"] == mart["year"].max() and data["years"][-1] == data["latest"]
    assert set(data["years"]) <= evidence_years
    # the shipped years fit the page's budget: none is left out, and the note says none is
    assert data["first"] == mart["year"].min()
    note = re.search(r'<p class="year-note" id="year-note">(.*?)</p>', page).group(1)
    assert f"Years with evidence: {data['years'][0]}–{data['latest']};" in note and "left out" not in note
    for _, row in mart.iterrows():
        if row["status"] in map_scene.NOT_DRAWN:  # data, drawn as land
            assert row["iso3"] not in data["countries"]
            continue
        country = data["countries"][row["iso3"]]
        # a state is a list of text numbers in the order of data["fields"]
        state = dict(zip(data["fields"], country["states"][country["years"][row["year"] - data["first"]]]))
        shown = (data["texts"][state["label"]], data["texts"][state["status"]])
        assert shown == (row["label"], row["status"]), (row["iso3"], row["year"])
    # a year before a country's first evidence has no state: the map draws it as land
    first = mart.groupby("iso3")["year"].min()
    late = first.idxmax()
    assert data["countries"][late]["years"][first[late] - 1 - data["first"]] == -1
