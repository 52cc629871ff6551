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
from nk_pipeline.lib.sql_checks import MART_CHECKS, MART_WARNINGS, check_queries



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
