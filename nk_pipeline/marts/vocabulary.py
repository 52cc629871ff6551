"""The warehouse's own vocabularies, written once: a country's status and what an observation measures.

The SQL reads them from the lookup marts `marts.statuses` and `marts.measures` (written from
here before any rule runs); the map code reads them from here. A status or a measure, its
wording and whether it counts for a figure are therefore said in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from nk_pipeline.raw import contract


@dataclass(frozen=True)
class Status:
    name: str
    has_figure: bool  # the row carries workers_low/high/central
    label: str  # marts.*.label for a row without a figure; the prefix of one with a zero figure
    legend: str  # the map legends
    meaning: str  # the catalog's description
    summary: str  # the map's one line on a row: {sources} is "2 origins in 3 reports", {confidence} and {reports} as they are


STATUSES: tuple[Status, ...] = (
    Status(
        "estimate",
        True,
        "",
        "North Korean workers (central estimate)",
        "a worker figure describing this year or the carry_years before it exists in the recency window",
        "Estimated workers · {confidence} confidence · {sources}",
    ),
    Status(
        "none_reported_remaining",
        True,
        "None reported remaining",
        "Reported that no workers remain",
        "a report from this year or the carry_years before it says none remain, or that as many were sent home as "
        "the figures then current held; the country had been named as a host",
        "Reported that no North Korean workers remain: {reports}",
    ),
    Status(
        "present",
        False,
        "Workers reported, no reliable figure",
        "Workers reported, no reliable figure",
        "workers, or only North Korean firms' projects, reported in this year or the carry_years before it, without "
        "a usable figure (the label says which)",
        "Named as a host by {sources}; none gives a figure for the workers there",
    ),
    Status(
        "restaurants_only",
        False,
        "North Korean restaurants only",
        "Only North Korean restaurants reported",
        "only North Korean restaurants reported, in this year or the carry_years before it",
        "North Korean restaurants reported by {sources}; no figure for other workers",
    ),
    Status(
        "it_workers_only",
        False,
        "North Korean IT workers only",
        "Only North Korean IT workers reported",
        "only North Korean IT workers reported, in this year or the carry_years before it: counted apart from the "
        "labourers, never a figure of them",
        "North Korean IT workers reported by {sources}; no report of other workers",
    ),
    Status(
        "last_reported",
        False,
        "Last reported",
        "No report in the last years: last report shown, not current",
        "nothing describes this year or the carry_years before it: the label, last_status and last_workers_* say "
        "what was last reported and when; never an estimate of this year",
        "Nothing reported describes this year or the years just before it: the last report is shown, not an "
        "estimate of this year · {sources}",
    ),
    Status(
        "none_reported",
        False,
        "None reported",
        "A report that none are there, from a country no source names as a host",
        "a report that no North Korean workers are there (or none to send home) from a country that no source "
        "names as a host: kept as data, not drawn as a host",
        "Reported that there are no North Korean workers; no source names it as a host: {reports}",
    ),
)
# The statuses that say something about the year itself; the others carry an older report.
CURRENT_STATUSES = ("estimate", "none_reported_remaining", "present", "restaurants_only", "it_workers_only")
STATUS = {s.name: s for s in STATUSES}


# What an observation of a measure does: 'figure' can become the country's figure, 'presence'
# shows workers are there without a usable figure, 'restaurant' marks restaurants, 'it_workers'
# marks IT workers (their figures are shown, never added to the labourers'), 'departure' is
# shown beside the series and never counted (nor makes a country a host).
ROLES = ("figure", "presence", "restaurant", "it_workers", "departure")


@dataclass(frozen=True)
class Measure:
    name: str
    role: str
    meaning: str
    exclusion_reason: str | None  # why an observation of it is never used (None if it can be)

    @property
    def counts(self) -> bool:
        return self.role == "figure"


_RAW_MEASURES = {
    "stock": ("workers present at a point in time", None),
    "permits": ("valid work permits or visas", None),
    "residents": ("all North Koreans in the country", "counts all North Koreans in the country, not only workers"),
    "site": ("one employer or site", "counts one employer or site only"),
    "restaurant_staff": ("restaurant staff", "counts restaurant staff only"),
    "inflow": ("new arrivals in a period", "counts new arrivals in a period, not the workers present"),
    "presence": ("the country is named, no figure", "presence only: the source names the country but gives no figure"),
    "project": (
        "a North Korean firm's project, facility or branch, no workers named",
        "a North Korean firm's project, facility or branch: the source names no workers",
    ),
}
MEASURES: tuple[Measure, ...] = (
    *(
        Measure(name, "figure" if name in contract.WORKER_MEASURES else "presence", *_RAW_MEASURES[name])
        for name in contract.MEASURES
    ),
    Measure(
        "restaurant",
        "restaurant",
        "a report of North Korean restaurants (raw/restaurants.csv)",
        "restaurant report: marks the country has_restaurants, gives no worker figure",
    ),
    Measure(
        "it_workers",
        "it_workers",
        "North Korean IT workers, a figure or presence (raw/it_workers.csv)",
        "IT workers: marks the country has_it_workers; counted apart from the labourers, never their figure",
    ),
    Measure(
        "repatriated",
        "departure",
        "workers reported sent home (raw/policy_events.csv, figure_meaning repatriated)",
        "workers sent home: a departure, shown beside the series, never counted as the workers present",
    ),
)
# raw/policy_events.csv figure_meaning → the measure its row becomes in marts.estimate_evidence
POLICY_EVENT_MEASURES = {"workers_remaining": "stock", "repatriated": "repatriated"}
_FIGURE_MEANING_OF = {measure: meaning for meaning, measure in POLICY_EVENT_MEASURES.items()}


def frames() -> dict[str, pd.DataFrame]:
    return {
        "statuses": pd.DataFrame(
            [
                (s.name, s.has_figure, s.label or None, s.legend, s.meaning, s.name in CURRENT_STATUSES)
                for s in STATUSES
            ],
            columns=["status", "has_figure", "label", "legend", "meaning", "is_current"],
        ),
        "measures": pd.DataFrame(
            [
                (m.name, m.role, m.counts, m.meaning, m.exclusion_reason, _FIGURE_MEANING_OF.get(m.name))
                for m in MEASURES
            ],
            columns=["measure", "role", "counts_for_figure", "meaning", "exclusion_reason", "policy_figure_meaning"],
        ),
    }


def write_lookup(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """marts.<name> from the vocabulary above (its description is applied by the caller, from the catalog)."""
    frame = frames()[name]
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    conn.register("_vocabulary", frame)
    try:
        conn.execute(f"CREATE OR REPLACE TABLE marts.{name} AS SELECT * FROM _vocabulary")
    finally:
        conn.unregister("_vocabulary")


LOOKUPS = tuple(frames())
