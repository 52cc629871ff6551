"""Boundaries: the Natural Earth shapes keyed by ISO alpha-3, cut at the antimeridian (the staging layer).

Read once per build by staging/boundaries and saved as GeoParquet; every map output reads that.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nk_pipeline.raw import countries
from nk_pipeline.shared.publishing import written_in_one_step

WGS84 = "EPSG:4326"


def load_boundaries(path: Path | BinaryIO, layer: str = "countries") -> gpd.GeoDataFrame:
    """Natural Earth admin-0 shapes keyed by ISO alpha-3 (shapes without an ISO code are dropped)."""
    frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs(WGS84)  # TopoJSON carries no CRS; world-atlas is WGS84 degrees
    frame = frame.rename(columns={"id": "iso_numeric", "name": "boundary_name"})
    frame = frame[frame["iso_numeric"].notna()].copy()
    frame["iso3"] = frame["iso_numeric"].map(_numeric_to_iso3)
    frame = frame[frame["iso3"].notna()]
    frame["geometry"] = polygonal([split_antimeridian(g) for g in frame.geometry.values])
    # a few codes have several shapes (Australia and its Ashmore and Cartier Islands)
    frame = frame.dissolve(by="iso3", aggfunc="first", sort=True).reset_index()
    return with_territories(frame[["iso3", "iso_numeric", "boundary_name", "geometry"]])


def read_prepared_boundaries(path: Path) -> gpd.GeoDataFrame:
    """The output of load_boundaries, as staging/boundaries saved it (GeoParquet)."""
    return gpd.read_parquet(path)


def _numeric_to_iso3(numeric: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(numeric=str(numeric).zfill(3))
    return country.alpha_3 if country else None


def split_antimeridian(geometry: shapely.Geometry) -> shapely.Geometry:
    """Cut polygons that cross the 180° meridian into a part on each side.

    world-atlas is made for spherical renderers: a ring that crosses the antimeridian (Chukotka,
    Fiji's Vanua Levu) simply jumps from 179.9 to -179.9. Read as planar coordinates, as GDAL
    and shapely do, that ring sweeps across the whole world: a band over the Arctic drawn as
    Russia, a self-intersection, and a GeoJSON that RFC 7946 (section 3.1.9) forbids. Here each
    ring is unwrapped into continuous longitudes, and the polygon is cut at ±180 and the part
    beyond shifted back by 360°.
    """
    if geometry is None or geometry.is_empty:
        return geometry
    parts, cut = [], False
    for polygon in shapely.get_parts(geometry):
        if not isinstance(polygon, shapely.Polygon):
            parts.append(polygon)
            continue
        exterior = _unwrap(np.asarray(polygon.exterior.coords))
        if exterior is None:  # a ring around a pole (Antarctica): no way to cut it, keep it
            parts.append(polygon)
            continue
        low, high = exterior[:, 0].min(), exterior[:, 0].max()
        holes = []
        for ring in polygon.interiors:
            hole = _unwrap(np.asarray(ring.coords))
            if hole is not None:
                hole[:, 0] += 360.0 * np.round((np.clip(hole[0, 0], low, high) - hole[0, 0]) / 360.0)
                holes.append(hole)
        whole = shapely.Polygon(exterior, holes)
        if low >= -180.0 and high <= 180.0:
            parts.append(polygon)
            continue
        cut = True
        whole = shapely.make_valid(whole)
        for shift in (-360.0, 0.0, 360.0):
            window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
            piece = shapely.intersection(whole, window)
            if not piece.is_empty:
                parts.append(shapely.transform(piece, lambda c, s=shift: c + np.array([s, 0.0])))
    return shapely.union_all([p for p in parts if not p.is_empty]) if cut else geometry


def _unwrap(coords: np.ndarray) -> np.ndarray | None:
    """Ring coordinates with the ±360° jumps removed; None if the ring circles a pole."""
    coords = coords[:, :2].copy()
    step = np.diff(coords[:, 0])
    turns = np.concatenate([[0], np.cumsum(np.where(step > 180, -1, np.where(step < -180, 1, 0)))])
    if turns[-1] != 0:
        return None
    coords[:, 0] += 360.0 * turns
    return coords


def polygonal(geometries: np.ndarray) -> np.ndarray:
    """Valid (Multi)Polygons: the default 'linework' repair turns Antarctica's rings into lines."""
    return shapely.make_valid(np.asarray(geometries), method="structure", keep_collapsed=False)


def with_territories(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The boundaries plus one shape per territory (countries.territories): the shape of the country
    that contains it, since Natural Earth's admin-0 layer draws none of its own. The territory keeps
    its own code, so its row and figure stay its own and are never added to that country's."""
    containers = boundaries.set_index("iso3")
    wanted = [t for t in countries.territories().values() if t.within_iso3 in containers.index]
    added = gpd.GeoDataFrame(
        {
            "iso3": [t.code for t in wanted],
            "iso_numeric": [None] * len(wanted),
            "boundary_name": [f"{t.name} (within {containers.loc[t.within_iso3, 'boundary_name']})" for t in wanted],
        },
        geometry=[containers.loc[t.within_iso3].geometry for t in wanted],
        crs=boundaries.crs,
    )
    return pd.concat([boundaries, added], ignore_index=True)


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> Path:
    with written_in_one_step(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd", write_covering_bbox=True)
    return path
