"""Map: the map files, rendered from the marts into the build folder (published by warehouse/nk_duckdb).

Nothing here touches the published folder, so a failure leaves the published map as it was.
"""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from nk_pipeline.map import map_scene
from nk_pipeline.map.map_outputs import MAP_FILE_RECORDS, MAP_FILES, MapOutputs, map_outputs
from nk_pipeline.reporting import file_metadata, preview
from nk_pipeline.resources import PathsResource

CODE_VERSION = "5"
MAP_INPUTS = [
    ["marts", "country_estimates"],
    ["marts", "country_years"],
    ["marts", "estimate_evidence"],
    ["marts", "sources"],
    ["marts", "border_entries"],
    ["staging", "boundaries"],
]
MISSING_SHAPES_CHECK = "every_country_has_a_shape"


def scene_metadata(scene: map_scene.MapScene) -> dict[str, object]:
    classes = "\n".join(f"- {c.label}: {c.count} ({c.colour})" for c in scene.classes) or "none"
    return {
        "feature_count": len(scene.hosts),
        "small_states_marked": ", ".join(scene.hosts.loc[scene.hosts["small"], "iso3"]) or "none",
        "missing_iso3": ", ".join(scene.missing) or "none",
        "classes": dg.MetadataValue.md(classes),
    }


def output_metadata(name: str, outputs: MapOutputs) -> dict[str, object]:
    """What each map file's materialization shows beside its path and size."""
    if name in ("countries_geojson", "countries_parquet"):
        extra = {"feature_count": len(outputs.features)}
        if name == "countries_geojson":
            extra["preview"] = preview(pd.DataFrame(outputs.features.drop(columns="geometry")))
        return extra
    if name == "points_geojson":
        return {"feature_count": len(outputs.points)}
    if name == "country_years_csv":
        return {"dagster/row_count": len(outputs.years), "preview": preview(outputs.years)}
    if name == "map_csv":
        rows = outputs.csv_rows
        return {"dagster/row_count": len(rows), "feature_count": len(rows), "preview": preview(rows)}
    return scene_metadata(outputs.scene)


def missing_shapes_result(missing: list[str], features: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["map", "countries_geojson"]),
        check_name=MISSING_SHAPES_CHECK,
        passed=not missing,
        metadata={"missing_iso3": ", ".join(missing) or "none", "features": features},
        description=f"no boundary shape for: {', '.join(missing)}" if missing else None,
    )


@dg.multi_asset(
    name="map_files",
    specs=[
        dg.AssetSpec(
            key=["map", output.name],
            deps=MAP_INPUTS,
            kinds=set(output.kinds),
            description=output.description,
            code_version=CODE_VERSION,
        )
        for output in MAP_FILE_RECORDS
    ],
    check_specs=[
        dg.AssetCheckSpec(
            MISSING_SHAPES_CHECK,
            asset=["map", "countries_geojson"],
            blocking=True,
            description="Every country in marts.country_estimates has a shape in the boundaries.",
        )
    ],
    # One step writes every file, so that the shapes are read, joined and projected once; the
    # UI can still materialize any one of them.
    can_subset=True,
)
def map_files(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource):
    folders = paths.paths
    if not folders.prepared_boundaries.exists():
        raise dg.Failure(
            f"{folders.prepared_boundaries} not found: materialize staging/boundaries (or run a full refresh) first"
        )
    with duckdb.get_connection() as conn:
        outputs = map_outputs(conn, folders.prepared_boundaries, folders.build_map_dir)
    if outputs.missing:
        # the blocking check stops the publish; the files are still written so they can be inspected
        context.log.warning(f"no boundary shape, not on the map: {', '.join(outputs.missing)}")
    selected = {key.path[-1] for key in context.selected_asset_keys}
    for name, filename in MAP_FILES.items():
        if name not in selected:
            continue
        path = outputs.write(name)
        if name == "countries_geojson":
            yield missing_shapes_result(outputs.missing, len(outputs.features))
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["map", name]),
            metadata=file_metadata(
                path,
                published_path=dg.MetadataValue.path(str(folders.map_dir / filename)),
                **output_metadata(name, outputs),
            ),
        )
