"""Warehouse: the publish. Every file of the build folder (map/, data/, the database) replaced into warehouse/ at once.

Only the publish touches the published folder: it copies every file beside its target, then
renames them all over the published ones, the database last. A failure anywhere before it
leaves the published warehouse exactly as it was. Before it, warehouse/changes compares the
build with the published warehouse, and its blocking check holds the publish on a change that
looks like a mistake (nk_pipeline/warehouse/changes.py); the publish makes the same comparison
again, so materializing it alone cannot skip the check.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.data.release import DATA_ASSETS
from nk_pipeline.map.map_outputs import MAP_FILES
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.reporting import file_metadata, files_list, markdown
from nk_pipeline.resources import PathsResource
from nk_pipeline.warehouse import changes
from nk_pipeline.warehouse.build_lock import PublishedWarehouseInUse
from nk_pipeline.warehouse.publish import PublishHeld, publish

CODE_VERSION = "4"
CHANGES_KEY = ["warehouse", "changes"]
NO_UNREVIEWED_JUMP = "no_unreviewed_jump"
HISTORY_TABLES = "the history schema's *_changes tables of the build's database (then the published one)"


def changes_metadata(review: changes.Review) -> dict[str, object]:
    found = review.changes
    return {
        "previous_publish": found.previous_publish_id
        if found.previous_publish_id is not None
        else "none (first publish)",
        "countries_changed": len(found.countries),
        "raw_lines_changed": len(found.evidence),
        "changes": markdown(found.markdown(), rest=HISTORY_TABLES),
    }


@dg.asset(
    key=CHANGES_KEY,
    deps=[
        ["marts", "country_estimates"],
        ["marts", "estimate_evidence"],
        ["marts", "method_parameters"],
        ["staging", "reviewed_changes"],
    ],
    kinds={"duckdb", "sql"},
    description=(
        "What this build changes against the published warehouse: the countries whose status, low, high or "
        "central figure changed, and the raw lines behind them. Its check holds the publish on a jump that "
        "raw/reviewed_changes.csv does not acknowledge."
    ),
    code_version=CODE_VERSION,
    check_specs=[
        dg.AssetCheckSpec(
            NO_UNREVIEWED_JUMP,
            asset=CHANGES_KEY,
            blocking=True,
            description=(
                "No country's low, central or high figure moves more than jump_factor (marts.method_parameters) times "
                "up or down against the last publish, loses its estimate or disappears, unless "
                "raw/reviewed_changes.csv names that very change."
            ),
        )
    ],
)
def publish_changes(duckdb: DuckDBResource, paths: PathsResource):
    try:
        with duckdb.get_connection() as conn:
            review = changes.review(conn, paths.paths.warehouse_db)
    except PublishedWarehouseInUse as in_use:
        raise dg.Failure(description=str(in_use)) from in_use
    held = review.held
    yield dg.MaterializeResult(metadata=changes_metadata(review))
    yield dg.AssetCheckResult(
        check_name=NO_UNREVIEWED_JUMP,
        passed=held.empty,
        description=review.hold_message() or None,
        metadata={
            "held": len(held),
            "reviewed": len(review.jumps) - len(held),
            "jumps": markdown(review.jumps.to_markdown(index=False)) if len(review.jumps) else "none",
            "changes": markdown(review.changes.markdown(), rest=HISTORY_TABLES),
        },
    )


@dg.asset(
    key=["warehouse", "nk_duckdb"],
    deps=[["map", name] for name in MAP_FILES]
    + [["data", name] for name in DATA_ASSETS]
    + [["marts", table.name] for table in MARTS]
    + [CHANGES_KEY],
    kinds={"duckdb"},
    description="Publishes warehouse/nk.duckdb, warehouse/map/* and warehouse/data/* in atomic renames, and records the publish in history.",
    code_version=CODE_VERSION,
)
def publish_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource):
    folders = paths.paths
    try:
        published = publish(folders, duckdb.get_connection)
    except PublishHeld as held:
        raise dg.Failure(description=str(held), metadata=changes_metadata(held.review)) from held
    except PublishedWarehouseInUse as in_use:
        raise dg.Failure(description=str(in_use)) from in_use
    if published.removed:
        context.log.warning(f"removed temporaries of an interrupted publish: {', '.join(map(str, published.removed))}")
    review = published.review
    return dg.MaterializeResult(
        metadata={
            **file_metadata(folders.warehouse_db),
            "publish_id": review.changes.publish_id,
            "earlier_publishes": review.changes.publish_id - 1,
            **changes_metadata(review),
            "published_files": files_list(published.files, folders.warehouse_dir),
            "inputs_sha256": dg.MetadataValue.json(published.input_hashes),
        }
    )
