"""Named checking queries from nk_pipeline/marts/sql/checks.sql: each returns the offending rows."""

from __future__ import annotations

import re
from functools import cache

from nk_pipeline.shared.sql import read_sql

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


_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def checks_of(mart: str) -> list[tuple[str, bool]]:
    """The checks on a mart, each with whether it blocks."""
    return [(name, True) for name in MART_CHECKS.get(mart, [])] + [
        (name, False) for name in MART_WARNINGS.get(mart, [])
    ]


def blocking_checks() -> list[str]:
    return [name for names in MART_CHECKS.values() for name in names]


@cache
def check_queries() -> dict[str, str]:
    text = read_sql("checks")
    parts = _HEADER.split(text)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2])}
