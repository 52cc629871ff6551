"""The year scene and the formula rule without a build (the files: tests/build/test_map_years.py)."""

from __future__ import annotations

import pandas as pd

from nk_pipeline.map import map_scene
from nk_pipeline.shared.spreadsheet_text import neutralise_frame
from nk_pipeline.staging import boundaries


def test_spreadsheet_safe_defuses_formulas_only():
    frame = pd.DataFrame({"title": ["=HYPERLINK(1)", "+1", "@x", "plain – text", None], "n": [1, 2, 3, 4, 5]})
    safe = neutralise_frame(frame)  # the one rule, shared/spreadsheet_text.py
    assert list(safe["title"][:4]) == ["'=HYPERLINK(1)", "'+1", "'@x", "plain – text"]
    assert safe["title"].iloc[4] is None and list(safe["n"]) == [1, 2, 3, 4, 5]


def test_year_scene_draws_only_that_years_hosts():
    import geopandas as gpd
    import shapely

    shapes = gpd.GeoDataFrame(
        {
            "iso3": ["POL", "DZA", "FRA"],
            "iso_numeric": ["616", "012", "250"],
            "boundary_name": ["Poland", "Algeria", "France"],
            "geometry": [shapely.box(14, 49, 24, 55), shapely.box(-8, 19, 12, 37), shapely.box(-5, 42, 8, 51)],
        },
        crs=boundaries.WGS84,
    )
    columns = [
        "iso3",
        "country",
        "status",
        "workers_low",
        "workers_high",
        "workers_central",
        "reference_year",
        "label",
        "has_restaurants",
        "confidence",
        "stale",
        "n_sources",
        "source_ids",
    ]
    latest = pd.DataFrame(
        [
            ["POL", "Poland", "estimate", 500, 800, 650, 2024, "500–800 (2024)", False, "medium", False, 2, "a;b"],
            [
                "DZA",
                "Algeria",
                "none_reported_remaining",
                0,
                0,
                0,
                2020,
                "None reported remaining (2020)",
                False,
                "medium",
                False,
                2,
                "c;d",
            ],
        ],
        columns=columns,
    )
    scene = map_scene.build_scene(latest, shapes)
    fills = dict(zip(scene.hosts["iso3"], scene.hosts["fill"]))
    assert (
        fills["DZA"] == map_scene.STATUS_STYLES["none_reported_remaining"].fill
    )  # distinct from a figure and from presence
    earlier = map_scene.year_scene(
        scene, latest[latest["iso3"] == "POL"].assign(workers_central=2500, status="estimate")
    )
    assert list(earlier.hosts["iso3"]) == ["POL"]
    assert "DZA" in set(earlier.land["iso3"]) and "FRA" in set(earlier.land["iso3"])
    assert sum(c.count for c in earlier.classes) == 1
