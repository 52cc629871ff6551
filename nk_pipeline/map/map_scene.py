"""Map scene: what the drawn maps (map.png, map_years.png, index.html) share.

Every country projected to Equal Earth (an equal-area projection, so that Russia does not dwarf
Africa), one set of classes and one set of colours, so the static and the interactive map read
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import jenkspy
import numpy as np
import pandas as pd
import pyproj
import shapely

from nk_pipeline.map.map_features import missing_shapes
from nk_pipeline.marts import vocabulary
from nk_pipeline.raw import countries
from nk_pipeline.staging.boundaries import polygonal

EARTH_RADIUS_KM = 6371.0088
# The frame runs from the pole line, Equal Earth's own flat top, so that Greenland and the Arctic
# islands keep their shape, down to just below the South Sandwich Islands (58.5°S), the southernmost
# land drawn: Antarctica hosts nobody and would take a fifth of the height.
MAP_SOUTH, MAP_NORTH = -60.0, 90.0
# Simplification of the drawn shapes, in projected km: under a pixel of a 1,600 px wide map.
DRAW_TOLERANCE_KM = 6.0
# Hosts smaller than this (true area) get a marker: below it a state is a speck at world scale.
SMALL_STATE_KM2 = 30_000


@cache
def _equal_earth() -> pyproj.Proj:
    # Equal Earth (Šavrič, Patterson & Jenny 2018) on a sphere of the Earth's mean radius
    return pyproj.Proj(f"+proj=eqearth +R={EARTH_RADIUS_KM * 1000} +units=m")


def equal_earth(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth x, y in km (north up) for longitudes and latitudes in degrees."""
    x, y = _equal_earth()(np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float))
    return np.asarray(x) / 1000, np.asarray(y) / 1000


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
HOST_EDGE = "#5a5650"
# The legend's dot for a small state: the map fills each dot with its country's colour, so the
# legend shows one in a class colour, never white (which no dot is).
SMALL_STATE_SWATCH = CLASS_COLOURS[2]
# A nil report from a country no source names as a host stays in the data, drawn as land.
NOT_DRAWN = ("none_reported",)
# the statuses drawn without a class colour, in legend order
STATUS_LEGEND = {s.name: s.legend for s in vocabulary.STATUSES if s.name != "estimate" and s.name not in NOT_DRAWN}


@dataclass(frozen=True)
class StatusStyle:
    """How a status without a class colour is drawn, said once for the PNGs and the page: a pale
    fill with a pattern in ink."""

    fill: str
    ink: str
    png_hatch: str  # matplotlib's hatch
    svg_id: str  # the page's <pattern id="pattern-...">
    svg_tile: int  # its tile's side, in px
    svg_rotate: int  # degrees (0: none)
    svg_mark: str  # what is drawn in ink on the tile; {ink} is its colour


# in the order the page defines its patterns
STATUS_STYLES = {
    "present": StatusStyle(
        "#b9b6b0",
        "#6f6b64",
        "////",
        "present",
        4,
        45,
        '<line x1="0" y1="0" x2="0" y2="4" stroke="{ink}" stroke-width="1.1"/>',
    ),
    "restaurants_only": StatusStyle(
        "#dcd6ec", "#5e4c9a", "....", "restaurants", 4, 0, '<circle cx="2" cy="2" r="0.9" fill="{ink}"/>'
    ),
    "it_workers_only": StatusStyle(
        "#d9e6f2", "#2f5f8a", "++", "it", 5, 0, '<path d="M2.5 1V4M1 2.5H4" stroke="{ink}" stroke-width="0.7"/>'
    ),
    "none_reported_remaining": StatusStyle(
        "#d2ece4",
        "#2c7a66",
        "\\\\",
        "none",
        5,
        -45,
        '<line x1="0" y1="0" x2="0" y2="5" stroke="{ink}" stroke-width="0.8"/>',
    ),
    # what was last reported, years ago: pale and lined, so that it never reads as a figure of the year shown
    "last_reported": StatusStyle(
        "#eeebe6",
        "#a29d94",
        "---",
        "last",
        4,
        0,
        '<line x1="0" y1="2" x2="4" y2="2" stroke="{ink}" stroke-width="0.6"/>',
    ),
}


def drawn_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows drawn as hosts: every status but those NOT_DRAWN."""
    return rows[~rows["status"].isin(NOT_DRAWN)]


def classify(central: pd.Series, k: int = 5) -> tuple[pd.Series, list[MapClass]]:
    """Fisher-Jenks classes of the central figures, found on their logarithm (jenkspy).

    The figures span four orders of magnitude (15 to 65,000); natural breaks on the raw values
    put every country but the two largest hosts in one class. On the log scale the classes
    separate tens, hundreds, thousands and tens of thousands. Fisher-Jenks is exact (no
    random start, unlike NaturalBreaks' k-means), so the same data gives the same classes.
    """
    values = central.dropna().astype(float)
    classes = pd.Series(pd.NA, index=central.index, dtype="Int64")
    if values.empty:
        return classes, []
    k = min(k, values.nunique())
    if k < 2:
        bins = np.zeros(len(values), dtype=int)
    else:
        logs = np.log10(np.maximum(values.to_numpy(), 1.0))
        # a class holds the figures up to its upper break, the first also its lower one
        bins = np.searchsorted(np.array(jenkspy.jenks_breaks(logs, n_classes=k)[1:]), logs, side="left")
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
    style = STATUS_STYLES.get(row["status"], STATUS_STYLES["present"])
    return style.fill


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
    hosts = shapes.merge(
        drawn_rows(rows).rename(columns={"country": "name"}), on="iso3", how="inner", validate="one_to_one"
    )
    hosts["class"] = assign_classes(hosts["workers_central"].where(hosts["status"] == "estimate"), scene.classes)
    hosts["fill"] = [fill_of(row, scene.classes) for _, row in hosts.iterrows()]
    hosts = gpd.GeoDataFrame(hosts.sort_values("name", kind="stable").reset_index(drop=True), geometry="geometry")
    absent = shapes[~shapes["iso3"].isin(hosts["iso3"])][["iso3", "shape_name", "area_km2", "geometry"]]
    land = pd.concat([scene.land, absent]).sort_values("iso3").reset_index(drop=True)
    return MapScene(
        land=gpd.GeoDataFrame(land, geometry="geometry"),
        hosts=hosts,
        classes=counted(scene.classes, hosts["class"]),
        outline=scene.outline,
        missing=scene.missing,
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
    world = gpd.GeoDataFrame(world.drop(columns="geometry").assign(area_km2=true_area_km2), geometry=drawn, crs=None)
    hosts = world.merge(drawn_rows(rows), on="iso3", how="inner", validate="one_to_one")
    missing = missing_shapes(rows, world)  # Antarctica is not drawn
    hosts = hosts.rename(columns={"country": "name"})
    central = hosts["workers_central"].where(hosts["status"] == "estimate")
    if classes is None:
        hosts["class"], classes = classify(central)
    else:
        hosts["class"] = assign_classes(central, classes)
        classes = counted(classes, hosts["class"])
    hosts["fill"] = [fill_of(row, classes) for _, row in hosts.iterrows()]
    anchors = shapely.point_on_surface(
        project(_largest_parts(boundaries.set_index("iso3").loc[hosts["iso3"]].geometry.values))
    )
    hosts["anchor_x"] = shapely.get_x(anchors)
    hosts["anchor_y"] = shapely.get_y(anchors)
    hosts["small"] = hosts["area_km2"] < SMALL_STATE_KM2
    hosts = gpd.GeoDataFrame(hosts.sort_values("name", kind="stable").reset_index(drop=True), geometry="geometry")
    # a territory's shape is its container's, already drawn as land
    land = (
        world[~world["iso3"].isin([*hosts["iso3"], *countries.territories()])]
        .sort_values("iso3")
        .reset_index(drop=True)
    )
    return MapScene(land=land, hosts=hosts, classes=classes, outline=sphere_outline(), missing=missing)


def _largest_parts(geometries: np.ndarray) -> np.ndarray:
    """Each shape's largest polygon: a marker or tooltip for France belongs in Europe, not Guiana."""
    largest = []
    for geometry in geometries:
        parts = shapely.get_parts(geometry)
        largest.append(parts[int(np.argmax(shapely.area(parts)))] if len(parts) else geometry)
    return np.array(largest, dtype=object)
