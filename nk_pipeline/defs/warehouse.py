"""Warehouse: the publish. Every file of the build folder (map/, data/, the database) replaced into warehouse/ at once.

Only this asset touches the published folder: it copies every file beside its target, then
renames them all over the published ones, the database last. A failure anywhere before it
leaves the published warehouse exactly as it was.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.asset_metadata import file_metadata

from nk_pipeline.lib.catalog import MARTS
from nk_pipeline.lib.map_outputs import MAP_FILES
from nk_pipeline.lib.publishing import atomic_copies, remove_stale_tmp_files
from nk_pipeline.lib.release import DATA_ASSETS, release_files
from nk_pipeline.lib.warehouse import carry_history, record_snapshot
from nk_pipeline.resources import PathsResource

CODE_VERSION = "3"


@dg.asset(
    key=["warehouse", "nk_duckdb"],
    deps=[["map", name] for name in MAP_FILES]
    + [["data", name] for name in DATA_ASSETS]
    + [["marts", table.name] for table in MARTS],
    kinds={"duckdb"},
    description="Publishes warehouse/nk.duckdb, warehouse/map/* and warehouse/data/* in atomic renames, and records the publish in history.",
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
    map_files = [(folders.build_map_dir / name, folders.map_dir / name) for name in MAP_FILES.values()]
    data_files = [(folders.build_data_dir / name, folders.data_dir / name) for name in release_files()]
    # the database last: a reader that finds the new snapshot also finds its map and data files
    published = atomic_copies([*map_files, *data_files, (folders.work_db, folders.warehouse_db)])[:-1]
    return dg.MaterializeResult(
        metadata={
            **file_metadata(folders.warehouse_db),
            "publish_id": publish_id,
            "earlier_publishes": earlier,
            "map_files": dg.MetadataValue.md(
                "\n".join(f"- `{p}` ({p.stat().st_size:,} bytes)" for p in published)
            ),
            "inputs_sha256": dg.MetadataValue.json(input_hashes),
        }
    )
