"""Reconcile: the marts, built by the SQL in nk_pipeline/marts/sql/ from the staging tables.

Each mart is an asset whose key equals its DuckDB table (`marts.<name>`); its SQL file holds
the rules, docs/methodology.md explains them. One step builds them all in dependency order,
each followed by its blocking checks (a mart's SQL takes milliseconds; a step of its own cost
Dagster more than that). The UI can still materialize any one of them.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.marts.build import EmptyMart, build_marts, code_version
from nk_pipeline.marts.catalog import marts_in_build_order
from nk_pipeline.marts.vocabulary import LOOKUPS
from nk_pipeline.reporting import check_results, check_specs, table_metadata


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
            code_version=code_version(table.name),
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
        try:
            for built in build_marts(conn, selected):
                yield dg.MaterializeResult(
                    asset_key=["marts", built.table.name],
                    metadata={**table_metadata(built.head, built.table), "dagster/row_count": built.rows},
                )
                yield from (r for r in check_results(built) if dg.AssetCheckKey(r.asset_key, r.check_name) in checks)
        except EmptyMart as error:
            raise dg.Failure(str(error)) from error
