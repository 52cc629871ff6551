"""Map-file helpers without a build: a country without a shape, the antimeridian cut, the classes
(the files themselves: tests/build/test_map_files.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nk_pipeline.map import map_features, map_scene
from nk_pipeline.staging import boundaries


def test_a_country_without_a_shape_is_reported_not_dropped():
    shapes = gpd.GeoDataFrame(
        {"iso3": ["MLT"], "geometry": [shapely.box(14.2, 35.8, 14.6, 36.1)]}, crs=boundaries.WGS84
    )
    rows = pd.DataFrame({"iso3": ["MLT", "XKX"], "country": ["Malta", "Kosovo"]})
    features, missing = map_features.country_features(rows, shapes)
    assert list(features["iso3"]) == ["MLT"]
    assert missing == ["XKX"]


def test_split_antimeridian_cuts_a_ring_that_jumps_across_the_dateline():
    crossing = shapely.Polygon([(170, 60), (-170, 60), (-170, 70), (170, 70)])  # world-atlas style jump
    split = boundaries.split_antimeridian(crossing)
    parts = sorted(shapely.get_parts(split), key=lambda p: p.bounds[0])
    assert [p.bounds for p in parts] == [(-180, 60, -170, 70), (170, 60, 180, 70)]
    inland = shapely.box(10, 10, 20, 20)
    assert boundaries.split_antimeridian(inland) is inland


def test_classify_copes_with_few_or_equal_figures():
    assert map_scene.classify(pd.Series([np.nan, np.nan]))[1] == []
    labels, classes = map_scene.classify(pd.Series([400.0, 400.0, np.nan]))
    assert [c.label for c in classes] == ["400"] and list(labels.dropna()) == [0, 0]
    assert len(map_scene.classify(pd.Series([0.0, 10.0, 100.0]))[1]) == 3
