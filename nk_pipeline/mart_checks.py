"""Checks on the marts: a mart that fails a blocking one stops the publish; a warning is reported
and the build goes on.

Each rule is a query in nk_pipeline/sql/checks.sql that returns the offending rows. The checks
run right after their mart is built, in the step that builds the marts, so a failure stops
everything downstream without a step of its own.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from nk_pipeline.asset_metadata import preview
from nk_pipeline.lib.sql_checks import check_queries

EVERY_ESTIMATE_HAS_A_SOURCE = "every_estimate_has_a_source"
LOW_LE_CENTRAL_LE_HIGH = "low_le_central_le_high"
STATUS_MATCHES_FIGURES = "status_matches_figures"
USED_EVIDENCE_IS_A_WORKER_FIGURE = "used_evidence_is_a_worker_figure"
NO_LOOK_AHEAD = "no_look_ahead"
LATEST_YEAR_IS_COUNTRY_ESTIMATES = "latest_year_is_country_estimates"
NOTHING_CURRENT_RESTS_ON_EXPIRED_EVIDENCE = "nothing_current_rests_on_expired_evidence"
ONE_OBSERVATION_COUNTS_ONCE = "one_observation_counts_once"
RESEARCH_QUEUE_IS_EMPTY = "research_queue_is_empty"

# mart → the checks on it
MART_CHECKS: dict[str, list[str]] = {
    "country_estimates": [LATEST_YEAR_IS_COUNTRY_ESTIMATES],
    "country_years": [
        EVERY_ESTIMATE_HAS_A_SOURCE,
        LOW_LE_CENTRAL_LE_HIGH,
        STATUS_MATCHES_FIGURES,
        NOTHING_CURRENT_RESTS_ON_EXPIRED_EVIDENCE,
    ],
    "estimate_evidence": [USED_EVIDENCE_IS_A_WORKER_FIGURE, NO_LOOK_AHEAD, ONE_OBSERVATION_COUNTS_ONCE],
}
# mart → the warnings on it: what a curator should see after every refresh, never a reason to hold
MART_WARNINGS: dict[str, list[str]] = {"research_queue": [RESEARCH_QUEUE_IS_EMPTY]}


def _checks(mart: str) -> list[tuple[str, bool]]:
    """The checks on a mart, each with whether it blocks."""
    return [(name, True) for name in MART_CHECKS.get(mart, [])] + [(name, False) for name in MART_WARNINGS.get(mart, [])]


def check_specs(mart: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name,
            asset=["marts", mart],
            blocking=blocking,
            description=(
                f"No row breaks the rule (query '{name}' in nk_pipeline/sql/checks.sql)."
                if blocking
                else f"A warning: lists the rows of query '{name}' in nk_pipeline/sql/checks.sql; never holds the publish."
            ),
        )
        for name, blocking in _checks(mart)
    ]


def run_checks(conn: duckdb.DuckDBPyConnection, mart: str) -> Iterator[dg.AssetCheckResult]:
    for name, blocking in _checks(mart):
        offending = conn.execute(check_queries()[name]).df()
        metadata = {"offending_rows": len(offending)}
        if len(offending):
            metadata["examples"] = preview(offending, 20)
        yield dg.AssetCheckResult(
            asset_key=["marts", mart],
            check_name=name,
            passed=offending.empty,
            metadata=metadata,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        )
