"""Country shapes for the map: Natural Earth boundaries joined to the country estimates.

Shapes are simplified for the web, but never below a size at which small states (Malta,
Bahrain, Singapore) would vanish; every country also gets a representative point inside its
territory, so that the smallest stay visible as dots.

The drawn maps (map.png, index.html) share one scene: every country projected to Equal Earth
(an equal-area projection, so that Russia does not dwarf Africa), one set of classes and one
set of colours, so the static and the interactive map read the same way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nk_pipeline.lib import countries, vocabulary
from nk_pipeline.lib.publishing import written_in_one_step

WGS84 = "EPSG:4326"
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

STATUSES = tuple(s.name for s in vocabulary.STATUSES)


def load_boundaries(path: Path, layer: str = "countries") -> gpd.GeoDataFrame:
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
    return frame[["iso3", "iso_numeric", "boundary_name", "geometry"]]


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


def simplify_for_web(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    area = shapely.area(geometry.values)  # square degrees: only a measure of size
    tolerance = np.minimum(SIMPLIFY_TOLERANCE_DEGREES, np.sqrt(area) * RELATIVE_TOLERANCE)
    simplified = shapely.simplify(geometry.values, tolerance, preserve_topology=True)
    kept = np.where(area < SMALL_SHAPE_AREA, geometry.values, simplified)
    grid = np.where(area < FINE_GRID_AREA, 10.0**-SMALL_SHAPE_DECIMALS, 10.0**-COORDINATE_DECIMALS)
    # snapping to the grid can make rings touch or cross (Russia's Arctic islands did); the
    # 'valid_output' mode repairs that, and polygonal() drops the slivers it leaves as lines
    rounded = polygonal(shapely.set_precision(kept, grid, mode="valid_output"))
    # rounding can collapse a sliver island; fall back to the unrounded shape rather than lose it
    empty = shapely.is_empty(rounded)
    return gpd.GeoSeries(np.where(empty, kept, rounded), index=geometry.index, crs=geometry.crs)


def as_multipolygons(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Every shape as a MultiPolygon: one geometry type per layer, so that loaders such as ogr2ogr
    or a PostGIS column typed MultiPolygon take the file as it is."""
    promoted = [shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g for g in geometry.values]
    return gpd.GeoSeries(promoted, index=geometry.index, crs=geometry.crs)


def missing_shapes(estimates: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> list[str]:
    """iso3 codes of the countries in `estimates` that have no shape in `boundaries`."""
    return sorted(set(estimates["iso3"]) - set(boundaries["iso3"]))


def country_features(estimates: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """One feature per country of `estimates` found in `boundaries`, and the iso3 codes not found."""
    merged = boundaries[["iso3", "geometry"]].merge(estimates, on="iso3", how="inner", validate="one_to_one")
    missing = missing_shapes(estimates, boundaries)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=boundaries.crs)
    merged["geometry"] = as_multipolygons(simplify_for_web(merged.geometry))
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
    with written_in_one_step(path) as tmp:
        frame.to_file(
            tmp,
            driver="GeoJSON",
            engine="pyogrio",
            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(SMALL_SHAPE_DECIMALS), "WRITE_NAME": "NO"},
        )
    return path


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> Path:
    with written_in_one_step(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd", write_covering_bbox=True)
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


# --- The drawn maps: projection, scene, classes and colours ----------------------------------

EARTH_RADIUS_KM = 6371.0088
# Equal Earth (Šavrič, Patterson & Jenny 2018), the coefficients of the published formula
_EE_A = (1.340264, -0.081106, 0.000893, 0.003796)
_EE_M = np.sqrt(3) / 2
# Antarctica hosts nobody and would take a fifth of the height; the map is cut just below Cape Horn.
MAP_SOUTH, MAP_NORTH = -57.0, 84.0
# Simplification of the drawn shapes, in projected km: under a pixel of a 1,600 px wide map.
DRAW_TOLERANCE_KM = 6.0
# Hosts smaller than this (true area) get a marker: below it a state is a speck at world scale.
SMALL_STATE_KM2 = 30_000


def equal_earth(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth x, y in km (north up) for longitudes and latitudes in degrees."""
    lam = np.radians(lon_deg)
    theta = np.arcsin(_EE_M * np.sin(np.radians(lat_deg)))
    a1, a2, a3, a4 = _EE_A
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * np.cos(theta) / (_EE_M * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x * EARTH_RADIUS_KM, y * EARTH_RADIUS_KM


def project(geometries: np.ndarray) -> np.ndarray:
    def _transform(coords: np.ndarray) -> np.ndarray:
        x, y = equal_earth(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geometries), _transform)


def sphere_outline(steps: int = 181) -> shapely.Polygon:
    """The edge of the world in Equal Earth, cut at MAP_SOUTH and MAP_NORTH: the sea behind the land."""
    lats = np.linspace(MAP_SOUTH, MAP_NORTH, steps)
    east = np.column_stack(equal_earth(np.full(steps, 180.0), lats))
    west = np.column_stack(equal_earth(np.full(steps, -180.0), lats[::-1]))
    return shapely.Polygon(np.vstack([east, west]))


@dataclass(frozen=True)
class MapClass:
    """One colour class of the choropleth: the smallest and largest central figure in it."""

    low: int
    high: int
    colour: str
    count: int

    @property
    def label(self) -> str:
        return f"{self.low:,}" if self.low == self.high else f"{self.low:,}–{self.high:,}"


# ColorBrewer OrRd without its palest step, which would read as "no data" next to the grey land
CLASS_COLOURS = ("#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")
LAND_COLOUR = "#e4e2de"
LAND_EDGE = "#ffffff"
SEA_COLOUR = "#f3f7fa"
PRESENT_COLOUR = "#b9b6b0"
PRESENT_HATCH = "#6f6b64"
RESTAURANTS_COLOUR = "#dcd6ec"
RESTAURANTS_HATCH = "#5e4c9a"
NONE_REMAINING_COLOUR = "#d2ece4"
NONE_REMAINING_HATCH = "#2c7a66"
HOST_EDGE = "#5a5650"

# the statuses drawn without a class colour, in legend order
STATUS_LEGEND = {s.name: s.legend for s in vocabulary.STATUSES if s.name != "estimate"}
STATUS_COLOURS = {
    "none_reported_remaining": (NONE_REMAINING_COLOUR, NONE_REMAINING_HATCH),
    "present": (PRESENT_COLOUR, PRESENT_HATCH),
    "restaurants_only": (RESTAURANTS_COLOUR, RESTAURANTS_HATCH),
}


def classify(central: pd.Series, k: int = 5) -> tuple[pd.Series, list[MapClass]]:
    """Fisher-Jenks classes of the central figures, found on their logarithm.

    The figures span four orders of magnitude (15 to 65,000); natural breaks on the raw values
    put every country but the two largest hosts in one class. On the log scale the classes
    separate tens, hundreds, thousands and tens of thousands. Fisher-Jenks is exact (no
    random start, unlike NaturalBreaks' k-means), so the same data gives the same classes.
    """
    import mapclassify

    values = central.dropna().astype(float)
    classes = pd.Series(pd.NA, index=central.index, dtype="Int64")
    if values.empty:
        return classes, []
    k = min(k, values.nunique())
    if k < 2:
        bins = np.zeros(len(values), dtype=int)
    else:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed")
            bins = mapclassify.FisherJenks(np.log10(np.maximum(values.to_numpy(), 1.0)), k=k).yb
    classes.loc[values.index] = bins
    colours = [CLASS_COLOURS[int(i)] for i in np.linspace(0, len(CLASS_COLOURS) - 1, k).round()]
    legend = []
    for number in range(k):
        members = values[bins == number]
        legend.append(MapClass(int(members.min()), int(members.max()), colours[number], len(members)))
    return classes, legend


@dataclass(frozen=True)
class MapScene:
    """Everything both drawn maps need, already projected (km, Equal Earth)."""

    land: gpd.GeoDataFrame  # every other country: iso3, name, geometry
    hosts: gpd.GeoDataFrame  # the countries with data: the map rows plus geometry, class, fill, anchor, small
    classes: list[MapClass]
    outline: shapely.Polygon
    missing: list[str]


def fill_of(row: pd.Series, classes: list[MapClass]) -> str:
    if row["status"] == "estimate" and not pd.isna(row["class"]):
        return classes[int(row["class"])].colour
    return STATUS_COLOURS.get(row["status"], (PRESENT_COLOUR,))[0]


def assign_classes(central: pd.Series, classes: list[MapClass]) -> pd.Series:
    """The class of each figure among classes found on other figures (the series of every year):
    the first whose top is not below it, the top class for anything above."""
    assigned = pd.Series(pd.NA, index=central.index, dtype="Int64")
    if not classes:
        return assigned
    tops = np.array([c.high for c in classes], dtype=float)
    values = central.dropna().astype(float)
    assigned.loc[values.index] = np.minimum(np.searchsorted(tops, values.to_numpy(), side="left"), len(classes) - 1)
    return assigned


def counted(classes: list[MapClass], assigned: pd.Series) -> list[MapClass]:
    counts = assigned.dropna().astype(int).value_counts()
    return [MapClass(c.low, c.high, c.colour, int(counts.get(i, 0))) for i, c in enumerate(classes)]


def series_classes(years: pd.DataFrame) -> list[MapClass]:
    """One set of classes for every year, so that a colour means the same figure whichever year is
    shown: Fisher-Jenks on each country's distinct central figures over the years (a figure carried
    forward for ten years weighs as one)."""
    figures = years[years["status"] == "estimate"].drop_duplicates(["iso3", "workers_central"])
    return classify(figures["workers_central"].reset_index(drop=True))[1]


def year_scene(scene: MapScene, rows: pd.DataFrame) -> MapScene:
    """The scene as of another year: the same shapes and classes, the hosts of that year's rows."""
    shapes = scene.hosts[["iso3", "shape_name", "area_km2", "anchor_x", "anchor_y", "small", "geometry"]]
    hosts = shapes.merge(rows.rename(columns={"country": "name"}), on="iso3", how="inner", validate="one_to_one")
    hosts["class"] = assign_classes(hosts["workers_central"].where(hosts["status"] == "estimate"), scene.classes)
    hosts["fill"] = [fill_of(row, scene.classes) for _, row in hosts.iterrows()]
    hosts = gpd.GeoDataFrame(hosts.sort_values("name", kind="stable").reset_index(drop=True), geometry="geometry")
    absent = shapes[~shapes["iso3"].isin(hosts["iso3"])][["iso3", "shape_name", "area_km2", "geometry"]]
    land = pd.concat([scene.land, absent]).sort_values("iso3").reset_index(drop=True)
    return MapScene(
        land=gpd.GeoDataFrame(land, geometry="geometry"), hosts=hosts, classes=counted(scene.classes, hosts["class"]),
        outline=scene.outline, missing=scene.missing,
    )


def build_scene(rows: pd.DataFrame, boundaries: gpd.GeoDataFrame, classes: list[MapClass] | None = None) -> MapScene:
    """Project and simplify every country once; join the map rows (one per host) to their shapes.

    `classes` (series_classes of every year) keep the colours of all years alike; without them the
    classes are found on these rows alone."""
    world = boundaries[boundaries["iso3"] != "ATA"][["iso3", "boundary_name", "geometry"]].copy()
    world = world.rename(columns={"boundary_name": "shape_name"}).reset_index(drop=True)
    projected = project(world.geometry.values)
    true_area_km2 = shapely.area(projected)  # Equal Earth is equal-area: plane area is true area
    drawn = polygonal(shapely.simplify(projected, DRAW_TOLERANCE_KM, preserve_topology=True))
    world = gpd.GeoDataFrame(
        world.drop(columns="geometry").assign(area_km2=true_area_km2), geometry=drawn, crs=None
    )
    hosts = world.merge(rows, on="iso3", how="inner", validate="one_to_one")
    missing = missing_shapes(rows, world)  # Antarctica is not drawn
    hosts = hosts.rename(columns={"country": "name"})
    central = hosts["workers_central"].where(hosts["status"] == "estimate")
    if classes is None:
        hosts["class"], classes = classify(central)
    else:
        hosts["class"] = assign_classes(central, classes)
        classes = counted(classes, hosts["class"])
    hosts["fill"] = [fill_of(row, classes) for _, row in hosts.iterrows()]
    anchors = shapely.point_on_surface(project(_largest_parts(boundaries.set_index("iso3").loc[hosts["iso3"]].geometry.values)))
    hosts["anchor_x"] = shapely.get_x(anchors)
    hosts["anchor_y"] = shapely.get_y(anchors)
    hosts["small"] = hosts["area_km2"] < SMALL_STATE_KM2
    hosts = gpd.GeoDataFrame(hosts.sort_values("name", kind="stable").reset_index(drop=True), geometry="geometry")
    land = world[~world["iso3"].isin(hosts["iso3"])].sort_values("iso3").reset_index(drop=True)
    return MapScene(land=land, hosts=hosts, classes=classes, outline=sphere_outline(), missing=missing)


def _largest_parts(geometries: np.ndarray) -> np.ndarray:
    """Each shape's largest polygon: a marker or tooltip for France belongs in Europe, not Guiana."""
    largest = []
    for geometry in geometries:
        parts = shapely.get_parts(geometry)
        largest.append(parts[int(np.argmax(shapely.area(parts)))] if len(parts) else geometry)
    return np.array(largest, dtype=object)
