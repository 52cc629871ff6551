"""Country shapes for the map: Natural Earth boundaries joined to the country estimates.

Shapes are simplified for the web, but never below a size at which small states (Malta,
Bahrain, Singapore) would vanish; every country also gets a representative point inside its
territory, so that the smallest stay visible as dots.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nk_pipeline.lib import countries

WGS84 = "EPSG:4326"
# ~1 km at the equator: enough for a world map, keeps the file small
COORDINATE_DECIMALS = 2
SIMPLIFY_TOLERANCE_DEGREES = 0.05
# Shapes smaller than this (in square degrees) are kept as drawn: simplifying them would erase them.
SMALL_SHAPE_AREA = 1.0

MAP_PROPERTIES = (
    "iso3",
    "name",
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
    "source_titles",
)


def load_boundaries(path: Path, layer: str = "countries") -> gpd.GeoDataFrame:
    """Natural Earth admin-0 shapes keyed by ISO alpha-3 (shapes without an ISO code are dropped)."""
    frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs(WGS84)  # TopoJSON carries no CRS; world-atlas is WGS84 degrees
    frame = frame.rename(columns={"id": "iso_numeric", "name": "boundary_name"})
    frame = frame[frame["iso_numeric"].notna()].copy()
    frame["iso3"] = frame["iso_numeric"].map(_numeric_to_iso3)
    frame = frame[frame["iso3"].notna()]
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    # a few codes have several shapes (Australia and its Ashmore and Cartier Islands)
    frame = frame.dissolve(by="iso3", aggfunc="first", sort=True).reset_index()
    return frame[["iso3", "iso_numeric", "boundary_name", "geometry"]]


def _numeric_to_iso3(numeric: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(numeric=str(numeric).zfill(3))
    return country.alpha_3 if country else None


def simplify_for_web(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    area = pd.Series(shapely.area(geometry.values), index=geometry.index)  # square degrees: only a size threshold
    simplified = geometry.simplify(SIMPLIFY_TOLERANCE_DEGREES, preserve_topology=True)
    kept = geometry.where(area < SMALL_SHAPE_AREA, simplified)
    rounded = shapely.set_precision(kept.values, 10**-COORDINATE_DECIMALS, mode="pointwise")
    # rounding can collapse a sliver island; fall back to the unrounded shape rather than lose it
    empty = shapely.is_empty(rounded)
    return gpd.GeoSeries(np.where(empty, kept.values, rounded), index=geometry.index, crs=geometry.crs)


def country_features(estimates: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """One feature per country of `estimates` found in `boundaries`, and the iso3 codes not found."""
    merged = boundaries[["iso3", "geometry"]].merge(estimates, on="iso3", how="inner", validate="one_to_one")
    missing = sorted(set(estimates["iso3"]) - set(merged["iso3"]))
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=boundaries.crs)
    merged["geometry"] = simplify_for_web(merged.geometry)
    merged = merged.rename(columns={"country": "name"})
    columns = [c for c in MAP_PROPERTIES if c in merged.columns]
    return merged[[*columns, "geometry"]].sort_values("iso3").reset_index(drop=True), missing


def representative_points(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    points = features.copy()
    points["geometry"] = points.geometry.representative_point()
    points["longitude"] = points.geometry.x.round(COORDINATE_DECIMALS)
    points["latitude"] = points.geometry.y.round(COORDINATE_DECIMALS)
    return points


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """RFC 7946 GeoJSON (WGS84, antimeridian-split), written by GDAL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    frame.to_file(
        path,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORDINATE_DECIMALS + 1), "WRITE_NAME": "NO"},
    )
    return path


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, compression="zstd", write_covering_bbox=True)
    return path


def iso3_names(iso3_codes: pd.Series) -> pd.DataFrame:
    codes = sorted(set(iso3_codes.dropna()))
    return pd.DataFrame(
        {
            "iso3": codes,
            "name": [countries.display_name(c) for c in codes],
            "iso_numeric": [countries.iso3_to_numeric(c) for c in codes],
        }
    )
