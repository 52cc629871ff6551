"""Descriptions of every warehouse table and column.

Applied with COMMENT ON when the warehouse is built, shown as Dagster table schemas, and
checked by the consumer contract test, so the three never drift apart.
"""

from __future__ import annotations

import graphlib

from nk_pipeline.marts.vocabulary import MEASURES, ROLES, STATUSES
from nk_pipeline.raw import contract
from nk_pipeline.shared.tables import Table
from nk_pipeline.staging.catalog import COLUMN_TEXT

_STATUS_TEXT = "; ".join(f"{s.name} ({s.meaning})" for s in STATUSES) + "."
_MEASURE_TEXT = ", ".join(m.name for m in MEASURES)

_PROVENANCE = {
    **{
        c: COLUMN_TEXT[c]
        for c in ("origin", "evidence", "source_line", "country", "country_as_reported", "iso3", "kind")
    },
    "source_id": "The source, a key of marts.sources.",
    "source_title": "Title of the source.",
    "source_url": "Where to read the source.",
    "source_ids": "Those sources' ids, ';'-separated (keys of marts.sources).",
    "sources_of": "Their sources, ';'-separated (keys of marts.sources).",
}

# Columns of marts.border_entries that marts.china_entries keeps under the same names.
_ENTRIES = {
    "year": "Year.",
    "period": "full_year, or the part of the year (Q1, H1, Jan-Sep).",
    "is_full_year": "True for full-year figures.",
    "entrants": "Entries in the period.",
    "total_entrants_same_source": "The same source's total for the same period, where it gives one.",
    "share_of_total": "entrants / total_entrants_same_source.",
}

_COUNTRY_ROW = {
    "conflict": "True when the highest figure used is more than conflict_ratio times the lowest.",
    "spread_ratio": "Highest figure used divided by the lowest.",
    "reference_year": "Latest year a source used states; when none states one, the latest publication year "
    "(an upper bound: see reference_year_from_publication).",
    "reference_year_from_publication": "True when no source used states the year its figure describes, so "
    "reference_year is a publication year: the figure describes that year or an earlier one.",
    "confidence": "high, medium or low for an estimate (distinct origins, official pages, agreement and the range's spread: "
    "docs/methodology.md section 4); NULL otherwise.",
    "stale": "True unless a source used states a year from stale_before_year (2020, after the December 2019 "
    "repatriation deadline of UNSCR 2397) on; a publication year alone never makes a row current.",
    "n_sources": "Distinct sources (pages) behind the row; for a last_reported row, behind what was last reported.",
    "label": "Human-readable estimate for maps, e.g. '30,000–50,000 (2017)'; 'reported 2020' when no source "
    "states the year; 'None reported remaining (2020)' when the reports say none remain; 'Last reported: about 300 (2015)' when "
    "nothing current is known.",
}

# Columns appended by issue 20 to both country tables (marts.country_estimates and marts.country_years).
_ORIGINS_AND_EXPIRY = {
    "n_origins": "Distinct origins behind the row: who first stated the figures (an agency, a research body, or an "
    "outlet for its own reporting), however many outlets repeat them. Confidence and the maps count these.",
    "origin_chain": "Each origin with the outlets that reported it, e.g. 'ROK National Intelligence Service, "
    "reported by Yonhap and Korea Herald'; '; '-separated.",
    "sent_home_since": "Largest number reported sent home after the year of the figures used (not a sum: reports "
    "repeat one another), subtracted from both ends of the range; NULL when none.",
    "last_status": "For a last_reported row: the status of the last year with current evidence (estimate, present, "
    "restaurants_only, it_workers_only or none_reported_remaining); NULL otherwise.",
    "last_workers_low": "For a last_reported row: the low figure last reported; NULL otherwise. Never an estimate of the row's year.",
    "last_workers_high": "For a last_reported row: the high figure last reported; NULL otherwise.",
    "last_workers_central": "For a last_reported row: the central figure last reported; NULL otherwise.",
    "has_it_workers": "True when North Korean IT workers are reported in the country in the row's year or the "
    "carry_years before it (raw/it_workers.csv); they are counted apart from the labourers.",
    "it_workers_note": "What those reports say, e.g. 'North Korean IT workers reported (2025): 1,000–1,500'; NULL when none.",
    "it_source_ids": _PROVENANCE["sources_of"],
}

MARTS: tuple[Table, ...] = (
    Table(
        "marts",
        "country_estimates",
        "One row per country the inputs name: the reconciled estimate of North Korean workers it hosts, "
        "or the fact of presence, or restaurants only, as of the latest year (the latest row of "
        "marts.country_years). Method: docs/methodology.md.",
        {
            "iso3": _PROVENANCE["iso3"],
            "country": _PROVENANCE["country"],
            "status": _STATUS_TEXT,
            "workers_low": "Low end of the estimate; NULL when sources give only an upper bound.",
            "workers_high": "High end of the estimate; NULL when sources give only a lower bound.",
            "workers_central": "Median of the figures used, rounded and kept inside low–high.",
            "reference_year": _COUNTRY_ROW["reference_year"],
            "n_sources": _COUNTRY_ROW["n_sources"],
            "source_ids": _PROVENANCE["source_ids"],
            "has_restaurants": "True when North Korean restaurants are reported in the country.",
            "confidence": _COUNTRY_ROW["confidence"],
            "conflict": _COUNTRY_ROW["conflict"],
            "spread_ratio": _COUNTRY_ROW["spread_ratio"],
            "stale": _COUNTRY_ROW["stale"],
            "label": _COUNTRY_ROW["label"],
            "reference_year_from_publication": _COUNTRY_ROW["reference_year_from_publication"],
            **_ORIGINS_AND_EXPIRY,
        },
        readers="One row per country the sources name: the estimate of North Korean workers it hosts, or the fact of presence, or restaurants only, as of the latest year.",
        reads=("marts.country_years",),
        primary_key=("iso3",),
        foreign_keys={"status": "statuses"},
    ),
    Table(
        "marts",
        "country_years",
        "One row per country and year, from the country's first dated evidence to the latest year of any "
        "evidence: the estimate the evidence known by that year supports (no later figure shapes an earlier "
        "year), with the year's reports of workers sent home beside it. Method: docs/methodology.md.",
        {
            "iso3": _PROVENANCE["iso3"],
            "country": _PROVENANCE["country"],
            "year": "The year as of which the row is reconciled: only evidence describing this year or earlier is used.",
            "status": _STATUS_TEXT,
            "workers_low": "Low end of the estimate; NULL when sources give only an upper bound or there is no figure.",
            "workers_high": "High end of the estimate; NULL when sources give only a lower bound or there is no figure.",
            "workers_central": "Median of the figures used, rounded and kept inside low–high; 0 when none remain.",
            "reference_year": _COUNTRY_ROW["reference_year"],
            "n_sources": _COUNTRY_ROW["n_sources"],
            "source_ids": _PROVENANCE["source_ids"],
            "has_restaurants": "True when North Korean restaurants were reported in the country by this year.",
            "confidence": _COUNTRY_ROW["confidence"],
            "conflict": _COUNTRY_ROW["conflict"],
            "spread_ratio": _COUNTRY_ROW["spread_ratio"],
            "stale": _COUNTRY_ROW["stale"],
            "label": _COUNTRY_ROW["label"],
            "reference_year_from_publication": _COUNTRY_ROW["reference_year_from_publication"],
            "repatriated_reported": "Largest number of workers one report says were sent home in this year "
            "(reports are not added up: they often repeat one another); NULL when none. Never part of the estimate.",
            "repatriation_reports": "This year's reports of workers sent home, e.g. '154 sent home (source-id)', '; '-separated.",
            "repatriation_source_ids": _PROVENANCE["sources_of"],
            "is_latest": "True on the latest year: the row marts.country_estimates publishes.",
            **_ORIGINS_AND_EXPIRY,
        },
        readers="One row per country and year, from the country's first dated evidence to the latest year: the estimate the evidence known by that year supports (no later figure shapes an earlier year), with the year's reports of workers sent home beside it.",
        reads=(
            "marts.method_parameters",
            "marts.measures",
            "marts.statuses",
            "marts.estimate_evidence",
            "staging.countries",
        ),
        primary_key=("iso3", "year"),
        foreign_keys={"iso3": "country_estimates", "status": "statuses"},
    ),
    Table(
        "marts",
        "estimate_evidence",
        "Every observation behind every country (raw/country_estimates.csv, raw/restaurants.csv, and the reports "
        "of workers remaining or sent home in raw/policy_events.csv), with the years of marts.country_years that "
        "use it, whether the latest year does and, if not, why.",
        {
            "iso3": _PROVENANCE["iso3"],
            "country_as_reported": _PROVENANCE["country_as_reported"],
            "source_id": _PROVENANCE["source_id"],
            "source_title": _PROVENANCE["source_title"],
            "source_kind": _PROVENANCE["kind"],
            "source_url": _PROVENANCE["source_url"],
            "raw_file": "The raw file the observation comes from: raw/country_estimates.csv, raw/restaurants.csv "
            "or raw/policy_events.csv (a report of how many workers remain or were sent home).",
            "source_line": _PROVENANCE["source_line"],
            "measure": f"What the figure counts ({_MEASURE_TEXT}): see marts.measures. A policy event's "
            "workers_remaining is a stock figure, its repatriated a 'repatriated' row.",
            "workers_low": "Low figure as the source gives it.",
            "workers_high": "High figure as the source gives it.",
            "point": "One number for the observation: the midpoint of a range, otherwise the bound given.",
            "reference_year": COLUMN_TEXT["reference_year"],
            "effective_year": "reference_year, or the source's publication year when it states none.",
            "year_from_publication": "True when effective_year comes from the publication date.",
            "sectors": "Sectors of work, ';'-separated.",
            "evidence": _PROVENANCE["evidence"],
            "notes": COLUMN_TEXT["notes"],
            "used": "True when the observation feeds the country's estimate in the latest year (marts.country_estimates).",
            "exclusion_reason": "Why an observation is not used in the latest year; NULL when used.",
            "first_year_used": "First year of marts.country_years whose estimate uses the observation; NULL if none.",
            "last_year_used": "Last such year (the years between use it too).",
            "origin": _PROVENANCE["origin"],
            "ends_estimate": "True for a report that none remain (a zero count) and for a report of as many sent home "
            "as the figures then current held: either ends every figure up to its year.",
            "duplicate_of": "For a report of workers remaining that repeats a country figure (same source, country, "
            "year and figure): the raw file and line of the figure that counts; this one does not.",
        },
        readers="Every observation behind every country (figures of workers, restaurants, reports of workers remaining or sent home), with the years that use it, whether the latest year does and, if not, why.",
        reads=(
            "marts.method_parameters",
            "marts.measures",
            "staging.country_estimates",
            "staging.restaurants",
            "staging.policy_events",
            "staging.sources",
        ),
        primary_key=("iso3", "source_id", "source_line"),
        foreign_keys={"iso3": "country_estimates", "source_id": "sources", "measure": "measures"},
    ),
    Table(
        "marts",
        "sources",
        "The list of reports and articles, with how many figures each contributes.",
        {
            "source_id": "Unique slug.",
            "title": "Title.",
            "publisher": "Publisher (and mirror, where the copy read was a mirror).",
            "authors": "Authors, where known.",
            "published": COLUMN_TEXT["published"],
            "published_year": COLUMN_TEXT["published_year"],
            "url": "Address of the copy read.",
            "kind": _PROVENANCE["kind"],
            "notes": "Curator's notes, e.g. weak or mirrored sources.",
            "n_figures": "Rows in all raw files citing the source.",
            "n_countries": "Distinct countries those rows name.",
            "n_used_in_estimates": "Observations of the source used in marts.country_estimates.",
            "cited_in": "Raw files citing the source, ';'-separated.",
            "title_en": "An English translation of a title in another language, made by a curator (NULL when the "
            "title is English): a gloss, not the publisher's words.",
        },
        reads=(
            "staging.sources",
            "staging.country_estimates",
            "staging.restaurants",
            "staging.border_entries",
            "staging.headline_estimates",
            "staging.policy_events",
            "marts.estimate_evidence",
        ),
        primary_key=("source_id",),
    ),
    Table(
        "marts",
        "border_entries",
        "North Korean entries into China (its tourism administration's data) and Russia (its FSB border "
        "service's data) by year, period and purpose, as reported, with the share of the same source's total. "
        "Entries are border crossings, not workers present: a frequent traveller counts each time, a student "
        "visa can hide work, and Russia's 2025 release dropped the purposes work and study.",
        {
            "host": f"The country entered: {', '.join(contract.ENTRY_HOSTS)}.",
            "year": _ENTRIES["year"],
            "period": _ENTRIES["period"],
            "is_full_year": _ENTRIES["is_full_year"],
            "category": "Purpose as the host counts it: " + ", ".join(contract.ENTRY_CATEGORIES) + ".",
            "entrants": _ENTRIES["entrants"],
            "qualifier": "How the page states the figure ("
            + ", ".join(contract.ENTRY_QUALIFIERS)
            + "); NULL when exact.",
            "total_entrants_same_source": _ENTRIES["total_entrants_same_source"],
            "share_of_total": _ENTRIES["share_of_total"],
            "source_id": _PROVENANCE["source_id"],
            "source_title": _PROVENANCE["source_title"],
            "source_url": _PROVENANCE["source_url"],
            "origin": _PROVENANCE["origin"],
            "evidence": _PROVENANCE["evidence"],
            "source_line": _PROVENANCE["source_line"],
            "host_estimate_label": "The host's reconciled row of marts.country_estimates, for comparison.",
            "host_estimate_year": "Its reference year.",
            "caveat": "Why these entries are not a count of workers.",
        },
        reads=("staging.border_entries", "staging.sources", "marts.country_estimates"),
        primary_key=("host", "year", "period", "category", "source_id"),
        foreign_keys={"source_id": "sources"},
    ),
    Table(
        "marts",
        "china_entries",
        "China's rows of marts.border_entries, under the column names programs read before Russia's series "
        "joined them. Entries are border crossings, not workers present.",
        {
            "year": _ENTRIES["year"],
            "period": _ENTRIES["period"],
            "is_full_year": _ENTRIES["is_full_year"],
            "category": "Purpose: total, workers_and_crew, tourism, business, visiting, conference, other.",
            "entrants": _ENTRIES["entrants"],
            "total_entrants_same_source": _ENTRIES["total_entrants_same_source"],
            "share_of_total": _ENTRIES["share_of_total"],
            "source_id": _PROVENANCE["source_id"],
            "source_title": _PROVENANCE["source_title"],
            "source_url": _PROVENANCE["source_url"],
            "evidence": _PROVENANCE["evidence"],
            "source_line": _PROVENANCE["source_line"],
            "china_estimate_label": "The reconciled China row of marts.country_estimates, for comparison.",
            "china_estimate_year": "Its reference year.",
            "caveat": "Why entries are not a count of workers.",
        },
        readers="China's rows of the border entries, under the column names programs read before Russia's series joined them. Entries are border crossings, not workers present.",
        reads=("marts.border_entries",),
        primary_key=("year", "period", "category", "source_id"),
        foreign_keys={"source_id": "sources"},
    ),
    Table(
        "marts",
        "global_totals",
        "Each published global figure beside the sum of the country estimates, with the gap.",
        {
            "scope": ", ".join(contract.HEADLINE_SCOPES) + " (global_it_* count IT workers apart from the labourers).",
            "year": "Year the figure describes.",
            "headline_low": "Low figure as published.",
            "headline_high": "High figure as published.",
            "source_id": _PROVENANCE["source_id"],
            "source_title": _PROVENANCE["source_title"],
            "source_url": _PROVENANCE["source_url"],
            "evidence": _PROVENANCE["evidence"],
            "country_sum_low": "Sum of country lows (central where no low).",
            "country_sum_high": "Sum of country highs (central where no high).",
            "country_sum_central": "Sum of country central figures.",
            "n_countries_with_estimate": "Countries with a figure in the sums.",
            "n_countries": "Countries in marts.country_estimates.",
            "country_years": "Span of reference years of the country estimates summed.",
            "gap_central": "For global_workers: headline (low, else high) minus the sum of central figures.",
            "comparison": "For global_workers: where the headline falls against the country sums.",
        },
        reads=("staging.headline_estimates", "staging.sources", "marts.country_estimates"),
        primary_key=("scope", "year", "source_id", "headline_low", "headline_high"),
        foreign_keys={"source_id": "sources"},
    ),
    Table(
        "marts",
        "policy_timeline",
        "UN resolutions and each country's pledges, statements and implementation reports.",
        {
            "date": "YYYY, YYYY-MM or YYYY-MM-DD.",
            "year": "Year of the event.",
            "iso3": "Country (NULL for UN-level events).",
            "country_as_reported": _PROVENANCE["country_as_reported"],
            "event": "un_resolution, phase_out_pledge, implementation_report, statement or other.",
            "reference": "The resolution concerned, e.g. S/RES/2397 (2017).",
            "figure": "The key number the event reports.",
            "figure_meaning": "workers_remaining, repatriated, permits or quota.",
            "source_id": _PROVENANCE["source_id"],
            "source_title": _PROVENANCE["source_title"],
            "source_url": _PROVENANCE["source_url"],
            "evidence": _PROVENANCE["evidence"],
            "source_line": _PROVENANCE["source_line"],
            "is_latest_for_country": "True on each country's most recent event.",
        },
        reads=("staging.policy_events", "staging.sources"),
        primary_key=("date", "iso3", "source_id", "source_line"),
        foreign_keys={"source_id": "sources"},
    ),
    Table(
        "marts",
        "research_queue",
        "Where the present is unknown, for curators: the countries whose evidence has gone out of date under "
        "the method (latest status last_reported), ranked by what they last held, then the leads of "
        "raw/leads.csv not yet read, newest first. A weekly refresh reports it (the non-blocking check "
        "research_queue_is_empty and a line of `nk-pipeline build`).",
        {
            "rank": "Order of the queue: out-of-date countries by what they last held (central figure), then by "
            "the year of their last figure; then leads, newest first.",
            "kind": "out_of_date (a country with nothing current) or lead (a page not yet read).",
            "iso3": _PROVENANCE["iso3"],
            "country": "Short English country name (for a lead, as the curator wrote it where it does not resolve).",
            "last_status": "For out_of_date: the status of the last year with current evidence.",
            "last_label": "For out_of_date: the country's label, 'Last reported: …'.",
            "last_held": "For out_of_date: the central figure last shown, else the largest figure of the year of its "
            "latest figure (a country whose last report says none remain still ranks by what it held before); "
            "NULL when it never had a figure.",
            "last_figure_year": "Year of the country's latest worker figure (stock or permits above zero).",
            "last_figure_low": "Lowest figure of that year.",
            "last_figure_high": "Highest figure of that year.",
            "last_figure_source_ids": _PROVENANCE["sources_of"],
            "last_report_year": "Year of the latest report of workers, restaurants or IT workers without a figure.",
            "last_report_source_ids": _PROVENANCE["sources_of"],
            "lead_found": "For a lead: when it was found.",
            "lead_url": "For a lead: the page to read.",
            "lead_what": "For a lead: what the page may hold.",
            "lead_note": "For a lead: the curator's note.",
        },
        readers="Where the present is unknown: the countries whose evidence has gone out of date, ranked by what they last held, then the leads not yet read, newest first.",
        reads=(
            "marts.country_estimates",
            "marts.estimate_evidence",
            "marts.measures",
            "staging.leads",
            "staging.countries",
        ),
        primary_key=("rank",),
        may_be_empty=True,  # nothing out of date and no lead unread
    ),
    Table(
        "marts",
        "statuses",
        "The statuses of a country row, and their wording on the maps.",
        {
            "status": "The status, as in marts.country_estimates and marts.country_years.",
            "has_figure": "True when rows of this status carry workers_low/high/central.",
            "label": "The row's label when it has no figure; the prefix of the label of a zero figure.",
            "legend": "The map legend's wording.",
            "meaning": "What the status means.",
            "is_current": "True when rows of this status rest on evidence describing their year or the carry_years "
            "before it; false for what was last reported (older) and for none_reported.",
        },
        reads=(),  # written from nk_pipeline/marts/vocabulary.py
        primary_key=("status",),
    ),
    Table(
        "marts",
        "measures",
        "What each measure of marts.estimate_evidence counts, and whether it can become a country's figure.",
        {
            "measure": "The measure.",
            "role": f"{', '.join(ROLES)}: a figure, a sign of presence, a restaurant report, or a departure (never counted).",
            "counts_for_figure": "True when a figure of this measure can become the country's figure.",
            "meaning": "What it counts.",
            "exclusion_reason": "Why an observation of it is never used; NULL when it can be.",
            "policy_figure_meaning": "The raw/policy_events.csv figure_meaning that becomes this measure, if any.",
        },
        readers="What each measure of the evidence table counts, and whether it can become a country's figure.",
        reads=(),  # written from nk_pipeline/marts/vocabulary.py
        primary_key=("measure",),
    ),
    Table(
        "marts",
        "method_parameters",
        "The parameters of the reconciliation method that produced the marts.",
        {
            "name": "Parameter.",
            "value": "Its value.",
            "meaning": "What it does.",
        },
        readers="The parameters of the reconciliation method that produced the tables.",
        reads=(),
        primary_key=("name",),
    ),
)

MARTS_BY_NAME = {t.name: t for t in MARTS}


def marts_in_build_order() -> list[Table]:
    """Every mart after the marts its SQL reads (what the asset graph does, for code without Dagster)."""
    graph = {t.name: {r.split(".")[1] for r in t.reads if r.startswith("marts.")} for t in MARTS}
    return [MARTS_BY_NAME[name] for name in graphlib.TopologicalSorter(graph).static_order()]
