"""Data: the open-data release, written from the marts into the build folder's data/ (published by
warehouse/nk_duckdb together with the database and the map).

One step writes every file, even when the UI asks for one of them, because datapackage.json
hashes the others: a package describing files of another run would be a lie.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.data import release
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.reporting import (
    SPREADSHEET_KEY,
    file_metadata,
    files_list,
    preview,
    spreadsheet_cuts_result,
    spreadsheet_cuts_spec,
)
from nk_pipeline.resources import PathsResource

CODE_VERSION = "2"
# the boundaries too: their sha256 is one of the inputs that name the release (data.edition)
DATA_INPUTS = [["marts", t.name] for t in MARTS] + [["staging", "boundaries"]]

DESCRIPTIONS = {
    "marts_csv": (
        {"csv"},
        "warehouse/data/<mart>.csv: every mart as CSV (UTF-8, header row, ISO codes), text that a spreadsheet "
        "would take for a formula prefixed with an apostrophe.",
    ),
    "marts_parquet": ({"parquet"}, "warehouse/data/<mart>.parquet: every mart as Parquet, text unchanged."),
    "reports_xlsx": (
        {"xlsx"},
        "warehouse/data/reports.xlsx: the list of reports (with the figures each contributes), the country "
        "estimates, the evidence, the columns and the caveats, as a spreadsheet.",
    ),
    "datapackage_json": (
        {"frictionless", "json"},
        "warehouse/data/datapackage.json: a Frictionless Data Package describing every file of data/ (hash, "
        "Table Schema with the warehouse's column descriptions, keys), versioned by the inputs' sha256.",
    ),
}


@dg.multi_asset(
    name="data_release",
    specs=[
        dg.AssetSpec(
            key=["data", name],
            deps=DATA_INPUTS,
            kinds=DESCRIPTIONS[name][0],
            description=DESCRIPTIONS[name][1],
            code_version=CODE_VERSION,
        )
        for name in release.DATA_ASSETS
    ],
    check_specs=[spreadsheet_cuts_spec()],
    can_subset=True,
)
def data_release(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource):
    folders = paths.paths
    folder = folders.build_data_dir
    with duckdb.get_connection() as conn:
        written = release.write_release(conn, folder)
        counts = {t.name: conn.execute(f"SELECT count(*) FROM {t.qualified}").fetchone()[0] for t in MARTS}
        sources_preview = conn.execute("SELECT source_id, title, kind FROM marts.sources ORDER BY source_id").df()
    published = {"published_folder": dg.MetadataValue.path(str(folders.data_dir))}
    rows = dg.MetadataValue.md("\n".join(f"- {name}: {n:,} rows" for name, n in counts.items()))
    metadata = {
        f"marts_{fmt}": {
            "files": files_list([p for p in written.tables if p.suffix == f".{fmt}"], folder),
            "rows": rows,
            **published,
        }
        for fmt in release.FORMATS
    }
    metadata["reports_xlsx"] = {
        **file_metadata(written.reports),
        "cut_by_spreadsheet_limits": len(written.spreadsheet_cuts),
        "sources": len(sources_preview),
        "preview": preview(sources_preview),
        **published,
    }
    metadata["datapackage_json"] = {
        **file_metadata(written.datapackage),
        "version": written.package["version"],
        "resources": len(written.package["resources"]),
        "inputs_sha256": written.package["inputs"]["sha256"],
        **published,
    }
    for key in sorted(context.selected_asset_keys, key=lambda k: release.DATA_ASSETS.index(k.path[-1])):
        yield dg.MaterializeResult(asset_key=key, metadata=metadata[key.path[-1]])
    if any(check.asset_key == SPREADSHEET_KEY for check in context.selected_asset_check_keys):
        yield spreadsheet_cuts_result(written.spreadsheet_cuts)
