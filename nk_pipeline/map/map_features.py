"""Map features: the web GeoJSON and GeoParquet, and one point per country (the map layer).

Shapes are simplified for the web, but never below a size at which small states (Malta,
Bahrain, Singapore) would vanish; every country also gets a representative point inside its
territory, so that the smallest stay visible as dots.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from nk_pipeline.marts import vocabulary
from nk_pipeline.shared.publishing import written_in_one_step
from nk_pipeline.staging.boundaries import polygonal

# ~1 km at the equator: enough for a world map, keeps the file small
COORDINATE_DECIMALS = 2
# Small states get a finer grid (~100 m): on a 0.01° grid Singapore is a hexagon.
SMALL_SHAPE_DECIMALS = 3
FINE_GRID_AREA = 5.0  # square degrees: Kuwait, Qatar, Bahrain, Lebanon and smaller
SIMPLIFY_TOLERANCE_DEGREES = 0.05
# The tolerance shrinks with a shape's size (its square root, in degrees), so that a country
# keeps a similar number of vertices across its outline whatever its size: Kuwait simplified
# at 0.05° is a pentagon.
RELATIVE_TOLERANCE = 0.01
# Shapes smaller than this (in square degrees) are kept as drawn: simplifying them would erase them.
SMALL_SHAPE_AREA = 1.0
MAP_PROPERTIES = (
    "iso3",
    "country",
    "status",
    "workers_low",
    "workers_high",
    "workers_central",
    "reference_year",
    "label",
    "has_restaurants",
    "has_it_workers",
    "it_workers_note",
    "confidence",
    "stale",
    "n_sources",
    "source_ids",
    "source_titles",
)
# countries.geojson must stay within GEOJSON_BYTES whatever the reports and however many countries
# they name (issue 24). Its lists from the data are cut first: the titles of all features share
# SOURCE_TITLES_BUDGET bytes, each feature's at most SOURCE_TITLES_BYTES, each cut at a whole title
# with "and N more" (the shipped titles take 6,333 bytes, 233 at most for one country); the ids
# share SOURCE_IDS_BUDGET the same way, cut at a whole id, n_sources still counting every source
# (the shipped ids take 1,709 bytes). Below both, nothing is cut. Then the shapes take the room
# left: simplified as for the shipped countries if they fit (about 255 kB for 71 countries), more
# coarsely (COARSER) the more countries there are. The full lists stay in the release.
GEOJSON_BYTES = 300_000
SOURCE_TITLES_BUDGET = 10_000
SOURCE_TITLES_BYTES = 250
SOURCE_IDS_BUDGET = 20_000
SOURCE_IDS_BYTES = 1_000
# How many times the web tolerance the shapes are simplified, tried in turn until the file fits:
# at 64 times (3.2°, 64% of a shape's size) every country of the world fits with room to spare.
COARSER = (1, 2, 4, 8, 16, 32, 64)
TITLE_SEPARATOR = " | "  # map/sql/map_countries.sql joins the titles with it
STATUSES = tuple(s.name for s in vocabulary.STATUSES)
# The map files' columns that no mart has; every other column keeps its mart's name and meaning
# (tests/build/test_published_names.py holds the files to it).
MAP_ONLY_COLUMNS = {
    "source_titles": "Titles of the sources behind the row, ' | '-separated, in alphabetical order; a long list "
    "ends with 'and N more' (n_sources counts every source).",
    "reported_in_year": "True when a source describes the row's year itself (not carried from an earlier year).",
    "longitude": "Longitude of a point inside the country (WGS84, degrees).",
    "latitude": "Latitude of that point (WGS84, degrees).",
}


def simplify_for_web(geometry: gpd.GeoSeries, coarser: float = 1.0) -> gpd.GeoSeries:
    """The shapes simplified for the web, `coarser` times the tolerance. Coarser than the web's own,
    the islands smaller than a square of the tolerance's side are left out too (a country's largest
    part always stays): simplified, each would still cost a ring of four points."""
    if coarser > 1:
        geometry = gpd.GeoSeries(
            [_without_small_parts(g, (SIMPLIFY_TOLERANCE_DEGREES * coarser) ** 2) for g in geometry.values],
            index=geometry.index,
            crs=geometry.crs,
        )
    area = shapely.area(geometry.values)  # square degrees: only a measure of size
    tolerance = np.minimum(SIMPLIFY_TOLERANCE_DEGREES, np.sqrt(area) * RELATIVE_TOLERANCE) * coarser
    simplified = shapely.simplify(geometry.values, tolerance, preserve_topology=True)
    kept = np.where(area < SMALL_SHAPE_AREA, geometry.values, simplified)
    grid = np.where(area < FINE_GRID_AREA, 10.0**-SMALL_SHAPE_DECIMALS, 10.0**-COORDINATE_DECIMALS)
    # snapping to the grid can make rings touch or cross (Russia's Arctic islands did); the
    # 'valid_output' mode repairs that, and polygonal() drops the slivers it leaves as lines
    rounded = polygonal(shapely.set_precision(kept, grid, mode="valid_output"))
    # rounding can collapse a sliver island; fall back to the unrounded shape rather than lose it
    empty = shapely.is_empty(rounded)
    return gpd.GeoSeries(np.where(empty, kept, rounded), index=geometry.index, crs=geometry.crs)


def _without_small_parts(geometry: shapely.Geometry, min_area: float) -> shapely.Geometry:
    parts = shapely.get_parts(geometry)
    if len(parts) < 2:
        return geometry
    areas = shapely.area(parts)
    keep = (areas >= min_area) | (np.arange(len(parts)) == np.argmax(areas))
    return shapely.multipolygons(parts[keep]) if keep.sum() > 1 else parts[keep][0]


def as_multipolygons(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Every shape as a MultiPolygon: one geometry type per layer, so that loaders such as ogr2ogr
    or a PostGIS column typed MultiPolygon take the file as it is."""
    promoted = [shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g for g in geometry.values]
    return gpd.GeoSeries(promoted, index=geometry.index, crs=geometry.crs)


def missing_shapes(estimates: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> list[str]:
    """iso3 codes of the countries in `estimates` that have no shape in `boundaries`."""
    return sorted(set(estimates["iso3"]) - set(boundaries["iso3"]))


def country_features(estimates: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """One feature per country of `estimates` found in `boundaries`, within GEOJSON_BYTES as GeoJSON,
    and the iso3 codes not found."""
    merged = boundaries[["iso3", "geometry"]].merge(estimates, on="iso3", how="inner", validate="one_to_one")
    missing = missing_shapes(estimates, boundaries)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=boundaries.crs)
    if "source_titles" in merged.columns:
        merged["source_titles"] = bounded_list(
            merged["source_titles"], TITLE_SEPARATOR, SOURCE_TITLES_BUDGET, SOURCE_TITLES_BYTES
        )
    if "source_ids" in merged.columns:
        merged["source_ids"] = bounded_list(
            merged["source_ids"], ";", SOURCE_IDS_BUDGET, SOURCE_IDS_BYTES, counted=False
        )
    columns = [c for c in MAP_PROPERTIES if c in merged.columns]
    features = merged[[*columns, "geometry"]].sort_values("iso3").reset_index(drop=True)
    shapes = features.geometry
    for coarser in COARSER:
        features["geometry"] = as_multipolygons(simplify_for_web(shapes, coarser))
        if len(geojson_bytes(features)) <= GEOJSON_BYTES:
            break
    return features, missing


def bounded_list(lists: pd.Series, separator: str, budget: int, most: int, counted: bool = True) -> pd.Series:
    """Each feature's list within an equal share of `budget` bytes: the largest per-feature limit (at
    most `most`) at which all of them fit, so that short lists leave their room to long ones and no
    country is cut for being late in the alphabet. A `counted` list ends in "and N more"."""
    sizes = [len(t.encode("utf-8")) if isinstance(t, str) else 0 for t in lists]
    limit = most
    while limit > 0 and sum(min(size, limit) for size in sizes) > budget:
        limit -= 1
    return lists.map(lambda t: _cut_list(t, limit, separator, counted) if isinstance(t, str) else t)


# the "and N more" that ends a list cut by map/sql (shared/sql/macros.sql first_and_more) or here
MORE = re.compile(r"and (\d+) more")


def _cut_list(items: str, limit: int, separator: str, counted: bool) -> str:
    """The whole items that fit in `limit` bytes, then, if `counted`, "and N more" counting the rest
    with those map_countries.sql already left out."""
    if len(items.encode("utf-8")) <= limit:
        return items
    parts = items.split(separator)
    more_before = MORE.fullmatch(parts[-1])
    names = parts[:-1] if more_before else parts
    kept: list[str] = []
    for name in names:
        if len(separator.join([*kept, name]).encode("utf-8")) > limit:
            break
        kept.append(name)
    if not counted:
        return separator.join(kept)
    more = (int(more_before.group(1)) if more_before else 0) + len(names) - len(kept)
    return separator.join([*kept, f"and {more} more"])


def representative_points(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    points = features.copy()
    points["geometry"] = points.geometry.representative_point()
    points["longitude"] = points.geometry.x.round(COORDINATE_DECIMALS)
    points["latitude"] = points.geometry.y.round(COORDINATE_DECIMALS)
    return points


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """RFC 7946 GeoJSON (WGS84, antimeridian-split), written by GDAL."""
    with written_in_one_step(path) as tmp:
        tmp.write_bytes(geojson_bytes(frame))
    return path


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """The frame as write_geojson writes it."""
    buffer = io.BytesIO()
    pyogrio.write_dataframe(
        frame,
        buffer,
        driver="GeoJSON",
        layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(SMALL_SHAPE_DECIMALS), "WRITE_NAME": "NO"},
    )
    return buffer.getvalue()
