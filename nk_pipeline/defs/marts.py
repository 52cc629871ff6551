"""Reconcile: the marts, built by the SQL in nk_pipeline/sql/ from the staging tables.

Each mart is an asset whose key equals its DuckDB table (`marts.<name>`); its SQL file holds
the rules, docs/methodology.md explains them.
"""


import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.asset_metadata import PREVIEW_ROWS, table_metadata
from nk_pipeline.lib.mart_checks import check_specs, run_checks
from nk_pipeline.lib.catalog import MARTS, Table
from nk_pipeline.lib.warehouse import comment_tables, run_sql

CODE_VERSION = "1"



def mart_asset(table: Table) -> dg.AssetsDefinition:
    name = table.name

    @dg.asset(
        key=["marts", name],
        deps=[qualified.split(".") for qualified in table.reads],
        kinds={"duckdb", "sql"},
        description=f"{table.description} (SQL: nk_pipeline/sql/{name}.sql)",
        code_version=CODE_VERSION,
        check_specs=check_specs(name),
    )
    def _mart(duckdb: DuckDBResource):
        with duckdb.get_connection() as conn:
            conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
            run_sql(conn, name)
            comment_tables(conn, [table])
            # the metadata needs a count and a few rows, not the mart in memory (a million at scale)
            rows = conn.execute(f"SELECT count(*) FROM {table.qualified}").fetchone()[0]
            head = conn.execute(f"SELECT * FROM {table.qualified} LIMIT {PREVIEW_ROWS}").df()
            if not rows:
                raise dg.Failure(f"{table.qualified} came out empty: the inputs or the SQL are broken")
            yield dg.MaterializeResult(metadata={**table_metadata(head, table), "dagster/row_count": rows})
            yield from run_checks(conn, name)

    return _mart


MART_ASSETS = [mart_asset(table) for table in MARTS]
