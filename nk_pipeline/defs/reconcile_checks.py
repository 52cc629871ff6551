"""Blocking checks on the marts: a mart that fails one stops the publish."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.asset_metadata import preview
from nk_pipeline.lib.sql_checks import check_queries

EVERY_ESTIMATE_HAS_A_SOURCE = "every_estimate_has_a_source"
LOW_LE_CENTRAL_LE_HIGH = "low_le_central_le_high"
STATUS_MATCHES_FIGURES = "status_matches_figures"
USED_EVIDENCE_IS_A_WORKER_FIGURE = "used_evidence_is_a_worker_figure"

CHECKED_ASSET = {
    EVERY_ESTIMATE_HAS_A_SOURCE: ["marts", "country_estimates"],
    LOW_LE_CENTRAL_LE_HIGH: ["marts", "country_estimates"],
    STATUS_MATCHES_FIGURES: ["marts", "country_estimates"],
    USED_EVIDENCE_IS_A_WORKER_FIGURE: ["marts", "estimate_evidence"],
}


def sql_check(name: str) -> dg.AssetChecksDefinition:
    query = check_queries()[name]

    @dg.asset_check(
        asset=CHECKED_ASSET[name],
        name=name,
        blocking=True,
        description=f"No row breaks the rule (query '{name}' in nk_pipeline/sql/checks.sql).",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as conn:
            offending = conn.execute(query).df()
        metadata = {"offending_rows": len(offending)}
        if len(offending):
            metadata["examples"] = preview(offending, 20)
        return dg.AssetCheckResult(passed=offending.empty, metadata=metadata)

    return _check


MART_CHECKS = [sql_check(name) for name in CHECKED_ASSET]
