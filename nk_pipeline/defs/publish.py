"""Publish: map files rendered into the build folder, then everything replaced into warehouse/ at once.

The map assets write to the build folder; only `warehouse/nk_duckdb`, the last asset, touches
the published folder, and it does so file by file with atomic renames. A failure anywhere
before it leaves the published warehouse exactly as it was.
"""


import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from nk_pipeline.asset_metadata import file_metadata, preview
from nk_pipeline.lib import contract, geo
from nk_pipeline.lib.publishing import atomic_copy, remove_stale_tmp_files
from nk_pipeline.lib.render_html import render_html
from nk_pipeline.lib.render_png import render_png, source_note
from nk_pipeline.lib.sql import read_sql
from nk_pipeline.lib.warehouse import carry_history, record_snapshot
from nk_pipeline.resources import PathsResource

GROUP = "publish"
CODE_VERSION = "2"
MAP_INPUTS = [["marts", "country_estimates"], ["marts", "sources"], ["staging", "boundaries"]]

COUNTRIES_GEOJSON = "countries.geojson"
COUNTRIES_PARQUET = "countries.parquet"
POINTS_GEOJSON = "points.geojson"
MAP_CSV = "map.csv"
MAP_PNG = "map.png"
INDEX_HTML = "index.html"

MISSING_SHAPES_CHECK = "every_country_has_a_shape"


def map_rows(duckdb: DuckDBResource) -> pd.DataFrame:
    with duckdb.get_connection() as conn:
        return conn.execute(read_sql("map_countries")).df()


def map_sources(duckdb: DuckDBResource) -> pd.DataFrame:
    with duckdb.get_connection() as conn:
        return conn.execute(
            "SELECT source_id, title, publisher, published, url, kind FROM marts.sources ORDER BY source_id"
        ).df()


def boundaries(paths: PathsResource):
    return geo.load_boundaries(paths.paths.raw_dir / contract.BOUNDARIES_PATH)


def map_features(duckdb: DuckDBResource, paths: PathsResource):
    return geo.country_features(map_rows(duckdb), boundaries(paths))


def map_scene(rows: pd.DataFrame, paths: PathsResource, context: dg.AssetExecutionContext) -> geo.MapScene:
    scene = geo.build_scene(rows, boundaries(paths))
    if scene.missing:
        # countries_geojson's blocking check stops the publish; the drawing goes on so it can be inspected
        context.log.warning(f"not drawn, no boundary shape: {', '.join(scene.missing)}")
    return scene


def scene_metadata(scene: geo.MapScene) -> dict[str, object]:
    classes = "\n".join(f"- {c.label}: {c.count} ({c.colour})" for c in scene.classes) or "none"
    return {
        "feature_count": len(scene.hosts),
        "small_states_marked": ", ".join(scene.hosts.loc[scene.hosts["small"], "iso3"]) or "none",
        "missing_iso3": ", ".join(scene.missing) or "none",
        "classes": dg.MetadataValue.md(classes),
    }


def _asset(name: str, description: str, kinds: set[str], **kwargs):
    return dg.asset(
        key=["map", name],
        deps=MAP_INPUTS,
        group_name=GROUP,
        kinds=kinds,
        description=description,
        owners=["team:nk-pipeline"],
        tags={"stage": GROUP},
        code_version=CODE_VERSION,
        **kwargs,
    )


@_asset(
    "countries_geojson",
    "warehouse/map/countries.geojson: one RFC 7946 feature per country with its estimate and sources.",
    {"geojson"},
    check_specs=[
        dg.AssetCheckSpec(
            MISSING_SHAPES_CHECK,
            asset=["map", "countries_geojson"],
            blocking=True,
            description="Every country in marts.country_estimates has a shape in the boundaries.",
        )
    ],
)
def countries_geojson(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource):
    features, missing = map_features(duckdb, paths)
    path = geo.write_geojson(features, paths.paths.build_map_dir / COUNTRIES_GEOJSON)
    yield dg.AssetCheckResult(
        check_name=MISSING_SHAPES_CHECK,
        passed=not missing,
        metadata={"missing_iso3": ", ".join(missing) or "none", "features": len(features)},
        description=f"no boundary shape for: {', '.join(missing)}" if missing else None,
    )
    yield dg.MaterializeResult(
        metadata=file_metadata(
            path,
            published_path=dg.MetadataValue.path(str(paths.paths.map_dir / COUNTRIES_GEOJSON)),
            feature_count=len(features),
            preview=preview(pd.DataFrame(features.drop(columns="geometry"))),
        )
    )


@_asset("countries_parquet", "warehouse/map/countries.parquet: the same features as GeoParquet.", {"geoparquet"})
def countries_parquet(duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
    features, _ = map_features(duckdb, paths)
    path = geo.write_geoparquet(features, paths.paths.build_map_dir / COUNTRIES_PARQUET)
    return dg.MaterializeResult(
        metadata=file_metadata(
            path,
            published_path=dg.MetadataValue.path(str(paths.paths.map_dir / COUNTRIES_PARQUET)),
            feature_count=len(features),
        )
    )


@_asset(
    "points_geojson",
    "warehouse/map/points.geojson: one point inside each country, so small states stay visible.",
    {"geojson"},
)
def points_geojson(duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
    features, _ = map_features(duckdb, paths)
    points = geo.representative_points(features)
    path = geo.write_geojson(points, paths.paths.build_map_dir / POINTS_GEOJSON)
    return dg.MaterializeResult(
        metadata=file_metadata(
            path,
            published_path=dg.MetadataValue.path(str(paths.paths.map_dir / POINTS_GEOJSON)),
            feature_count=len(points),
        )
    )


@_asset("map_csv", "warehouse/map/map.csv: one plain row per country for Datawrapper or Flourish.", {"csv"})
def map_csv(duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
    rows = map_rows(duckdb).rename(columns={"country": "name"})
    path = paths.paths.build_map_dir / MAP_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False, lineterminator="\n")
    return dg.MaterializeResult(
        metadata=file_metadata(
            path,
            published_path=dg.MetadataValue.path(str(paths.paths.map_dir / MAP_CSV)),
            dagster_row_count=len(rows),
            feature_count=len(rows),
            preview=preview(rows),
        )
    )


@_asset(
    "map_png",
    "warehouse/map/map.png: static choropleth (Fisher-Jenks classes of the central estimate, hatched where "
    "only presence or restaurants are reported, small states as dots). Same data, same bytes.",
    {"matplotlib", "png"},
)
def map_png(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
    rows = map_rows(duckdb)
    scene = map_scene(rows, paths, context)
    path = render_png(scene, paths.paths.build_map_dir / MAP_PNG, source_note(rows))
    return dg.MaterializeResult(
        metadata=file_metadata(
            path, published_path=dg.MetadataValue.path(str(paths.paths.map_dir / MAP_PNG)), **scene_metadata(scene)
        )
    )


@_asset(
    "index_html",
    "warehouse/map/index.html: self-contained interactive map (inline SVG, no network): hover or focus a "
    "country to see its estimate, year, status and sources.",
    {"html", "svg"},
)
def index_html(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
    rows = map_rows(duckdb)
    scene = map_scene(rows, paths, context)
    path = render_html(scene, rows, map_sources(duckdb), paths.paths.build_map_dir / INDEX_HTML)
    return dg.MaterializeResult(
        metadata=file_metadata(
            path, published_path=dg.MetadataValue.path(str(paths.paths.map_dir / INDEX_HTML)), **scene_metadata(scene)
        )
    )


MAP_ASSETS = [countries_geojson, countries_parquet, points_geojson, map_csv, map_png, index_html]
MAP_FILES = {
    "countries_geojson": COUNTRIES_GEOJSON,
    "countries_parquet": COUNTRIES_PARQUET,
    "points_geojson": POINTS_GEOJSON,
    "map_csv": MAP_CSV,
    "map_png": MAP_PNG,
    "index_html": INDEX_HTML,
}


@dg.asset(
    key=["warehouse", "nk_duckdb"],
    deps=[["map", name] for name in MAP_FILES] + [["marts", "china_entries"], ["marts", "global_totals"], ["marts", "policy_timeline"]],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Publishes warehouse/nk.duckdb and warehouse/map/* in atomic renames, and records the publish in history.",
    owners=["team:nk-pipeline"],
    tags={"stage": GROUP},
    code_version=CODE_VERSION,
)
def publish_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource):
    folders = paths.paths
    removed = remove_stale_tmp_files(folders.warehouse_dir)
    if removed:
        context.log.warning(f"removed temporaries of an interrupted publish: {', '.join(map(str, removed))}")
    with duckdb.get_connection() as conn:
        input_hashes = dict(conn.execute("SELECT file, sha256 FROM staging.inputs ORDER BY file").fetchall())
        earlier = carry_history(conn, folders.warehouse_db)
        publish_id = record_snapshot(conn, input_hashes)
        conn.execute("CHECKPOINT")
    published = {}
    for filename in MAP_FILES.values():
        published[filename] = atomic_copy(folders.build_map_dir / filename, folders.map_dir / filename)
    atomic_copy(folders.work_db, folders.warehouse_db)
    return dg.MaterializeResult(
        metadata={
            **file_metadata(folders.warehouse_db),
            "publish_id": publish_id,
            "earlier_publishes": earlier,
            "map_files": dg.MetadataValue.md(
                "\n".join(f"- `{p}` ({p.stat().st_size:,} bytes)" for p in published.values())
            ),
            "inputs_sha256": dg.MetadataValue.json(input_hashes),
        }
    )
