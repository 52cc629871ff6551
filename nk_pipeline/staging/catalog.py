"""Descriptions of every staging table and column, applied with COMMENT ON when staging is written.

A raw file's columns keep their meaning in staging; where a mart or a history table carries the
same column with the same meaning, its catalog reads the text from here (COLUMN_TEXT), so each
meaning is written once. The consumer contract test holds every table and column of the warehouse
to having a description.
"""

from __future__ import annotations

from nk_pipeline.raw import contract
from nk_pipeline.shared.tables import Table

# One text per column meaning, for every table (staging, marts, history) that carries the column.
COLUMN_TEXT = {
    "source_line": "Line of the raw CSV the row comes from (header = line 1).",
    "country_as_reported": "The country as the source spells it.",
    "iso3": (
        "ISO 3166-1 alpha-3 code; for a place that is not an ISO country (Abkhazia), a code of its own "
        "from the user-assigned X range (XAB), never its container's."
    ),
    "origin": "Who first stated the figure, as its page says (an agency, a research body, or the outlet itself "
    "for its own reporting); corroboration counts origins, not outlets.",
    "evidence": "A short paraphrase of what the source says.",
    "kind": (
        f"What the page read is: {', '.join(contract.SOURCE_KINDS)} (raw/README.md); only "
        f"{' and '.join(contract.OFFICIAL_SOURCE_KINDS)} pages count as official for confidence."
    ),
    "country": "Short English country name.",
    "cited_source": "The source, a source_id of raw/sources.csv (staging.sources).",
    "notes": "Curator's notes.",
    "reported_low": "Low figure as the source gives it (whole workers); NULL for an upper bound alone or presence only.",
    "reported_high": "High figure as the source gives it; NULL for a lower bound alone or presence only.",
    "reference_year": "Year the figure describes, as the source states it; NULL when it states none.",
    "published": "Publication date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "published_year": "Year of publication.",
    "iso_numeric": "ISO 3166-1 numeric code (the boundaries' key).",
    "reviewed_figure": ", ".join(contract.REVIEWED_FIGURES) + ": the figure the change is about.",
    "old_value": "The value before, as written.",
    "new_value": f"The value after, as written ('{contract.ABSENT}': no longer listed).",
    "reason": "Why the curator means the change.",
}


def _validated(spec: contract.RawFile) -> str:
    return f"raw/{spec.filename}, validated. {spec.description}"


_SOURCE = COLUMN_TEXT["cited_source"]
_AS_REPORTED = COLUMN_TEXT["country_as_reported"]
_ISO3 = COLUMN_TEXT["iso3"]
_LINE = {"source_line": COLUMN_TEXT["source_line"]}

STAGING: tuple[Table, ...] = (
    Table(
        "staging",
        "sources",
        _validated(contract.SOURCES),
        {
            **_LINE,
            "source_id": "Lowercase slug identifying the source; unique.",
            "title": "Title as the page gives it, in its language.",
            "title_en": "A curator's English translation of a title in another language; NULL when the title is English.",
            "publisher": "Who published the page read (and the original, where the page is a copy).",
            "authors": "Authors, where the page names them.",
            "published": COLUMN_TEXT["published"],
            "url": "Address of the copy read (http or https).",
            "kind": COLUMN_TEXT["kind"],
            "notes": COLUMN_TEXT["notes"],
            "published_year": COLUMN_TEXT["published_year"],
            "official": "True when kind is " + " or ".join(contract.OFFICIAL_SOURCE_KINDS) + ": an official page.",
        },
    ),
    Table(
        "staging",
        "country_estimates",
        _validated(contract.COUNTRY_ESTIMATES),
        {
            **_LINE,
            "country": _AS_REPORTED,
            "iso3": _ISO3,
            "workers_low": COLUMN_TEXT["reported_low"],
            "workers_high": COLUMN_TEXT["reported_high"],
            "measure": "What the figure counts: " + ", ".join(contract.MEASURES) + " (marts.measures).",
            "reference_year": COLUMN_TEXT["reference_year"],
            "sectors": "Sectors of work, ';'-separated.",
            "source_id": _SOURCE,
            "origin": COLUMN_TEXT["origin"],
            "evidence": COLUMN_TEXT["evidence"],
            "notes": COLUMN_TEXT["notes"],
        },
    ),
    Table(
        "staging",
        "restaurants",
        _validated(contract.RESTAURANTS),
        {
            **_LINE,
            "country": _AS_REPORTED,
            "iso3": _ISO3,
            "reference_year": "Year the report describes, as the source states it; NULL when it states none.",
            "source_id": _SOURCE,
            "evidence": COLUMN_TEXT["evidence"],
        },
    ),
    Table(
        "staging",
        "border_entries",
        _validated(contract.BORDER_ENTRIES),
        {
            **_LINE,
            "host": "The country entered: " + ", ".join(contract.ENTRY_HOSTS) + " (whose border statistics).",
            "host_iso3": "ISO 3166-1 alpha-3 code of the host.",
            "year": "Year of the entries.",
            "period": "full_year, or the part of the year (Q1, H1, Jan-Sep).",
            "category": "Purpose as the host counts it: " + ", ".join(contract.ENTRY_CATEGORIES) + ".",
            "entrants": "Entries in the period.",
            "qualifier": "How the page states the figure ("
            + ", ".join(contract.ENTRY_QUALIFIERS)
            + "); NULL when exact.",
            "source_id": _SOURCE,
            "origin": COLUMN_TEXT["origin"],
            "evidence": COLUMN_TEXT["evidence"],
        },
    ),
    Table(
        "staging",
        "it_workers",
        _validated(contract.IT_WORKERS),
        {
            **_LINE,
            "country": _AS_REPORTED,
            "iso3": _ISO3,
            "workers_low": COLUMN_TEXT["reported_low"],
            "workers_high": COLUMN_TEXT["reported_high"],
            "measure": "What the row counts: "
            + " or ".join(contract.IT_MEASURES)
            + " (IT workers placed, or their presence).",
            "reference_year": COLUMN_TEXT["reference_year"],
            "source_id": _SOURCE,
            "origin": COLUMN_TEXT["origin"],
            "evidence": COLUMN_TEXT["evidence"],
            "notes": COLUMN_TEXT["notes"],
        },
    ),
    Table(
        "staging",
        "headline_estimates",
        _validated(contract.HEADLINE_ESTIMATES),
        {
            **_LINE,
            "year": "Year the figure describes.",
            "scope": "What the figure counts: " + ", ".join(contract.HEADLINE_SCOPES) + ".",
            "low": "Low figure as published.",
            "high": "High figure as published.",
            "source_id": _SOURCE,
            "origin": COLUMN_TEXT["origin"],
            "evidence": COLUMN_TEXT["evidence"],
        },
    ),
    Table(
        "staging",
        "policy_events",
        _validated(contract.POLICY_EVENTS_FILE),
        {
            **_LINE,
            "date": "YYYY, YYYY-MM or YYYY-MM-DD; NULL when the source gives none.",
            "country": _AS_REPORTED + " NULL for UN-level events.",
            "iso3": "ISO 3166-1 alpha-3 code of the country; NULL for UN-level events.",
            "event": ", ".join(contract.POLICY_EVENTS) + ".",
            "reference": "The resolution concerned, e.g. S/RES/2397 (2017).",
            "figure": "The key number the event reports.",
            "figure_meaning": ", ".join(contract.FIGURE_MEANINGS) + ".",
            "source_id": _SOURCE,
            "origin": COLUMN_TEXT["origin"],
            "evidence": COLUMN_TEXT["evidence"],
            "year": "Year of the event (from date).",
        },
    ),
    Table(
        "staging",
        "reviewed_changes",
        _validated(contract.REVIEWED_CHANGES),
        {
            **_LINE,
            "country": "The country as the curator wrote it.",
            "iso3": _ISO3,
            "figure": COLUMN_TEXT["reviewed_figure"],
            "old_value": COLUMN_TEXT["old_value"],
            "new_value": COLUMN_TEXT["new_value"],
            "reason": COLUMN_TEXT["reason"],
        },
    ),
    Table(
        "staging",
        "leads",
        _validated(contract.LEADS),
        {
            **_LINE,
            "found": "When the curator found the page.",
            "country": "The country as the curator wrote it.",
            "iso3": _ISO3 + " NULL when the name does not resolve.",
            "year": "The year the page may describe; NULL when not known.",
            "url": "The page to read.",
            "what": "What the page may hold.",
            "note": "The curator's note.",
        },
    ),
    Table(
        "staging",
        "inputs",
        "Which version of each input file this build read.",
        {
            "file": "The input file, as a path within the raw folder's parent (raw/...).",
            "sha256": "sha256 of the file's bytes.",
            "size_bytes": "Its size in bytes.",
        },
    ),
    Table(
        "staging",
        "countries",
        "Countries named in the inputs, with ISO 3166-1 codes.",
        {"iso3": _ISO3, "country": COLUMN_TEXT["country"], "iso_numeric": COLUMN_TEXT["iso_numeric"]},
    ),
    Table(
        "staging",
        "boundaries",
        "Natural Earth 1:50m admin-0 countries with an ISO code.",
        {
            "iso3": _ISO3,
            "iso_numeric": COLUMN_TEXT["iso_numeric"],
            "boundary_name": "The country's name in the boundaries file.",
        },
    ),
)

STAGING_BY_NAME = {t.name: t for t in STAGING}
