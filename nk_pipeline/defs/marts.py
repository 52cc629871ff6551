"""Reconcile: the marts, built by the SQL in nk_pipeline/marts/sql/ from the staging tables.

Each mart is an asset whose key equals its DuckDB table (`marts.<name>`); its SQL file holds
the rules, docs/methodology.md explains them. One step builds them all in dependency order,
each followed by its blocking checks (a mart's SQL takes milliseconds; a step of its own cost
Dagster more than that). The UI can still materialize any one of them.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.marts.build import build_mart
from nk_pipeline.marts.catalog import marts_in_build_order
from nk_pipeline.marts.vocabulary import LOOKUPS
from nk_pipeline.reporting import PREVIEW_ROWS, check_specs, run_checks, table_metadata

CODE_VERSION = "2"


def _built_by(name: str) -> str:
    return "from nk_pipeline/marts/vocabulary.py" if name in LOOKUPS else f"SQL: nk_pipeline/marts/sql/{name}.sql"


@dg.multi_asset(
    name="marts",
    specs=[
        dg.AssetSpec(
            key=["marts", table.name],
            deps=[qualified.split(".") for qualified in table.reads],
            kinds={"duckdb", "sql"},
            description=f"{table.description} ({_built_by(table.name)})",
            code_version=CODE_VERSION,
            skippable=True,  # left unbuilt once a mart it reads fails a check
        )
        for table in marts_in_build_order()
    ],
    check_specs=[spec for table in marts_in_build_order() for spec in check_specs(table.name)],
    can_subset=True,
)
def marts(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    selected = {key.path[-1] for key in context.selected_asset_keys}
    checks = context.selected_asset_check_keys
    with duckdb.get_connection() as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for table in marts_in_build_order():
            if table.name not in selected:
                continue
            build_mart(conn, table.name)
            # the metadata needs a count and a few rows, not the mart in memory (a million at scale)
            rows = conn.execute(f"SELECT count(*) FROM {table.qualified}").fetchone()[0]
            head = conn.execute(f"SELECT * FROM {table.qualified} LIMIT {PREVIEW_ROWS}").df()
            if not rows and not table.may_be_empty:
                raise dg.Failure(f"{table.qualified} came out empty: the inputs or the SQL are broken")
            yield dg.MaterializeResult(
                asset_key=["marts", table.name], metadata={**table_metadata(head, table), "dagster/row_count": rows}
            )
            results = [r for r in run_checks(conn, table.name) if dg.AssetCheckKey(r.asset_key, r.check_name) in checks]
            yield from results
            if not all(r.passed for r in results if r.severity == dg.AssetCheckSeverity.ERROR):
                return  # the blocking check fails the step; what reads this mart stays unbuilt
