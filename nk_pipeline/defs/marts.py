"""Reconcile: the marts, built by the SQL in nk_pipeline/sql/ from the staging tables.

Each mart is an asset whose key equals its DuckDB table (`marts.<name>`); its SQL file holds
the rules, docs/methodology.md explains them.
"""


import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.asset_metadata import PREVIEW_ROWS, table_metadata
from nk_pipeline.mart_checks import check_specs, run_checks
from nk_pipeline.lib.catalog import MARTS, Table
from nk_pipeline.lib.vocabulary import LOOKUPS
from nk_pipeline.lib.warehouse import build_mart

CODE_VERSION = "2"


def _built_by(name: str) -> str:
    return "from nk_pipeline/lib/vocabulary.py" if name in LOOKUPS else f"SQL: nk_pipeline/sql/{name}.sql"


def mart_asset(table: Table) -> dg.AssetsDefinition:
    name = table.name

    @dg.asset(
        key=["marts", name],
        deps=[qualified.split(".") for qualified in table.reads],
        kinds={"duckdb", "sql"},
        description=f"{table.description} ({_built_by(name)})",
        code_version=CODE_VERSION,
        check_specs=check_specs(name),
    )
    def _mart(duckdb: DuckDBResource):
        with duckdb.get_connection() as conn:
            conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
            build_mart(conn, name)
            # the metadata needs a count and a few rows, not the mart in memory (a million at scale)
            rows = conn.execute(f"SELECT count(*) FROM {table.qualified}").fetchone()[0]
            head = conn.execute(f"SELECT * FROM {table.qualified} LIMIT {PREVIEW_ROWS}").df()
            if not rows:
                raise dg.Failure(f"{table.qualified} came out empty: the inputs or the SQL are broken")
            yield dg.MaterializeResult(metadata={**table_metadata(head, table), "dagster/row_count": rows})
            yield from run_checks(conn, name)

    return _mart


MART_ASSETS = [mart_asset(table) for table in MARTS]
