"""The map files of a build, all drawn from one set of rows, shapes and one scene.

The shapes are joined, simplified and projected once per build however many files are
asked for: the GeoJSON, GeoParquet and points share the web-simplified features, the PNG and
the HTML share the projected scene.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from nk_pipeline.data import about
from nk_pipeline.data.edition import edition
from nk_pipeline.data.entries_chart import entries_by_year
from nk_pipeline.map import map_features, map_scene
from nk_pipeline.shared.publishing import written_in_one_step
from nk_pipeline.shared.spreadsheet_text import neutralise_frame
from nk_pipeline.shared.sql import read_sql
from nk_pipeline.staging import boundaries


@dataclass(frozen=True)
class MapFile:
    """One map output, said once: its asset (map/<name>), its file under warehouse/map/, what the
    UI calls it and what it is."""

    name: str
    filename: str
    kinds: frozenset[str]
    description: str


# in the order a build writes them
MAP_FILE_RECORDS = (
    MapFile(
        "countries_geojson",
        "countries.geojson",
        frozenset({"geojson"}),
        "warehouse/map/countries.geojson: one RFC 7946 feature per country with its estimate and sources.",
    ),
    MapFile(
        "countries_parquet",
        "countries.parquet",
        frozenset({"geoparquet"}),
        "warehouse/map/countries.parquet: the same features as GeoParquet.",
    ),
    MapFile(
        "points_geojson",
        "points.geojson",
        frozenset({"geojson"}),
        "warehouse/map/points.geojson: one point inside each country, so small states stay visible.",
    ),
    MapFile(
        "map_csv",
        "map.csv",
        frozenset({"csv"}),
        "warehouse/map/map.csv: one plain row per country for Datawrapper or Flourish.",
    ),
    MapFile(
        "map_png",
        "map.png",
        frozenset({"matplotlib", "png"}),
        "warehouse/map/map.png: static choropleth (Fisher-Jenks classes of the central estimate, hatched where "
        "only presence or restaurants are reported, small states as dots). Same data, same bytes.",
    ),
    MapFile(
        "index_html",
        "index.html",
        frozenset({"html", "svg"}),
        "warehouse/map/index.html: self-contained interactive map (inline SVG, no network): hover or focus a "
        "country to see its estimate, year, status, sources and its series; a year control moves the map "
        "through the years with evidence (index.html#year=2017 links to one).",
    ),
    MapFile(
        "country_years_csv",
        "country_years.csv",
        frozenset({"csv"}),
        "warehouse/map/country_years.csv: one plain row per country and year (marts.country_years), for "
        "Datawrapper or Flourish.",
    ),
    MapFile(
        "map_years_png",
        "map_years.png",
        frozenset({"matplotlib", "png"}),
        "warehouse/map/map_years.png: small multiples of four years that tell the story, for print.",
    ),
)
# asset name → file name, for the publish and the build's report
MAP_FILES = {f.name: f.filename for f in MAP_FILE_RECORDS}
# A country (or country-year) of the map files and the page lists at most this many sources,
# origin chains and departure reports, and says how many more: what the map step and the page
# hold grows with the countries, not with the reports. The full lists stay in the marts and the
# release. The shipped data's longest list is 10 sources.
LISTED = 10


@dataclass
class MapOutputs:
    rows: pd.DataFrame  # map/sql/map_countries.sql: one row per country of marts.country_estimates
    years: pd.DataFrame  # map/sql/map_years.sql: one row per country and year of marts.country_years
    sources: pd.DataFrame  # marts.sources, for the source list of index.html
    shapes: gpd.GeoDataFrame  # boundaries.load_boundaries' output
    folder: Path  # where the files are written (the build folder's map/)
    edition: about.Edition  # the release's version and date, for the credit lines
    entries: pd.DataFrame = field(default_factory=pd.DataFrame)  # data/sql/entries_by_year.sql, for index.html's charts

    @cached_property
    def features(self) -> gpd.GeoDataFrame:
        return map_features.country_features(self.rows, self.shapes)[0]

    @cached_property
    def missing(self) -> list[str]:
        return map_features.missing_shapes(self.rows, self.shapes)

    @cached_property
    def points(self) -> gpd.GeoDataFrame:
        return map_features.representative_points(self.features)

    @cached_property
    def scene(self) -> map_scene.MapScene:
        # the classes of every year, so that the latest map and the year views share their colours
        return map_scene.build_scene(self.rows, self.shapes, map_scene.series_classes(self.years))

    @property
    def csv_rows(self) -> pd.DataFrame:
        return self.rows

    def write(self, name: str) -> Path:
        """Write map/<name> into the folder and return its path."""
        path = self.folder / MAP_FILES[name]
        match name:
            case "countries_geojson":
                return map_features.write_geojson(self.features, path)
            case "countries_parquet":
                return boundaries.write_geoparquet(self.features, path)
            case "points_geojson":
                return map_features.write_geojson(self.points, path)
            case "map_csv":
                return self._write_csv(path)
            case "map_png":
                return self._write_png(path)
            case "index_html":
                return self._write_html(path)
            case "country_years_csv":
                return self._write_years_csv(path)
            case "map_years_png":
                return self._write_years_png(path)
        raise KeyError(name)

    # matplotlib is imported only when a drawn map is asked for: a run of the GeoJSON alone
    # should not pay for it
    def _write_png(self, path: Path) -> Path:
        from nk_pipeline.map.render_png import render_png, source_note

        return render_png(self.scene, path, source_note(self.rows, self.sources, self.edition))

    def _write_years_png(self, path: Path) -> Path:
        from nk_pipeline.map.render_png import render_years_png, source_note

        return render_years_png(self.scene, self.years, path, source_note(self.rows, self.sources, self.edition))

    def _write_html(self, path: Path) -> Path:
        from nk_pipeline.map.render_html import render_html

        return render_html(self.scene, self.rows, self.sources, path, self.years, self.entries, self.edition)

    def _write_years_csv(self, path: Path) -> Path:
        with written_in_one_step(path) as tmp:
            rows = neutralise_frame(self.years)
            rows.to_csv(tmp, index=False, lineterminator="\n")
        return path

    def _write_csv(self, path: Path) -> Path:
        with written_in_one_step(path) as tmp:
            # Datawrapper and Flourish users open it in a spreadsheet too
            neutralise_frame(self.csv_rows).to_csv(tmp, index=False, lineterminator="\n")
        return path


def map_rows(conn: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The rows of map/sql/<name>.sql, each listing at most LISTED sources."""
    return conn.execute(read_sql(name), {"listed": LISTED}).df()


def map_outputs(conn: duckdb.DuckDBPyConnection, prepared_boundaries: Path, folder: Path) -> MapOutputs:
    """The door of the map stage: the rows, series, sources and entries read from the marts once,
    and the prepared shapes, for every map file to be written from (`MapOutputs.write`)."""
    return MapOutputs(
        rows=map_rows(conn, "map_countries"),
        years=map_rows(conn, "map_years"),
        sources=conn.execute(read_sql("map_sources")).df(),
        shapes=boundaries.read_prepared_boundaries(prepared_boundaries),
        folder=folder,
        entries=entries_by_year(conn),
        edition=edition(conn),
    )
