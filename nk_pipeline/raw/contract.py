"""The raw-data contract: which files exist, their columns and their vocabularies.

This mirrors the table in raw/README.md; the Pandera models in `schemas.py` enforce it.
"""

from __future__ import annotations

from dataclasses import dataclass

# What the page read is (not what it reports on): a UN report read on a news site is `media`,
# a copy of a news article on an unrelated site is `mirror`. raw/README.md defines each kind.
SOURCE_KINDS = ("un", "government", "research", "media", "ngo", "commercial", "blog", "mirror")
# The kinds whose pages are the official documents themselves, read where their issuer published
# them: only these make a single source count for medium confidence (docs/methodology.md).
OFFICIAL_SOURCE_KINDS = ("un", "government")

# What a country figure counts. Only stock and permits describe the workers in a country;
# the rest are kept as evidence but never become the map value.
# `project`: a North Korean firm's project, facility or branch (a construction contract, a clinic,
# a registered company) reported in the country, with no workers named: evidence of activity, not of workers.
MEASURES = ("stock", "permits", "residents", "site", "restaurant_staff", "inflow", "presence", "project")
WORKER_MEASURES = ("stock", "permits")
# Measures that carry no figure of workers (both workers columns blank).
MEASURES_WITHOUT_FIGURE = ("presence", "project")
# What an IT-worker row counts: workers placed in the country, or only their presence. IT workers
# are evidence of their own, never added to the stock of labourers (docs/methodology.md).
IT_MEASURES = ("stock", "presence")

SECTORS = (
    "agriculture",
    "art",
    "construction",
    "fishing",
    "healthcare",
    "it",
    "logging",
    "manufacturing",
    "mining",
    "other",
    "restaurants",
    "shipbuilding",
    "textiles",
)

# The hosts whose border statistics count North Korean entries, and the purposes they count them
# under, as each publishes them: China's National Tourism Administration (workers_and_crew,
# visiting) and Russia's FSB border service (work, study, official, private, transit).
ENTRY_HOSTS = ("China", "Russia")
ENTRY_CATEGORIES = (
    "total",
    "workers_and_crew",
    "work",
    "study",
    "tourism",
    "business",
    "official",
    "visiting",
    "private",
    "transit",
    "conference",
    "other",
)
# How the page states an entry figure: blank when it gives the number as it is.
ENTRY_QUALIFIERS = ("about", "over", "nearly", "under")
ENTRY_PERIOD_PATTERN = r"full_year|Q[1-4]|H[12]|[A-Z][a-z]{2}-[A-Z][a-z]{2}"

HEADLINE_SCOPES = (
    "global_workers",
    "global_revenue_usd",
    "host_countries",
    "restaurants",
    "repatriated_workers",
    "global_it_workers",
    "global_it_revenue_usd",
)

# What a reviewed change (raw/reviewed_changes.csv) may name: the figures the publish guard
# watches, and the status of a country no longer listed.
REVIEWED_FIGURES = ("workers_low", "workers_central", "workers_high", "status")
ABSENT = "absent"

# --- Limits: how much one file and one cell may hold ----------------------------------------------
# Every limit is checked before the work it protects: a file's size before a byte of it is read,
# a cell's length and a figure's size before any other rule runs. raw/README.md lists them
# (generated from here, nk_pipeline.raw.data_profile).

# A raw file is read whole before it is checked. 256 MiB is 1.5 times the 10^6-observation
# country_estimates.csv of the benchmark (165 MB, BENCHMARKS.md), 2,500 times the largest shipped.
MAX_FILE_BYTES = 256 * 2**20
# The boundaries are one published file (0.76 MB), replaced only with a new Natural Earth release.
MAX_REFERENCE_BYTES = 64 * 2**20

# Characters (Unicode code points) a cell may hold. A name, a slug or a term is short; a title,
# an origin or a paraphrase of at most 15 words is a sentence; a note, a reason or a lead's
# description is a paragraph; a URL is what browsers and sitemaps accept (2,048). The longest
# shipped cells: a title 136, a note 385, a URL 191, a reason 186, a source id 38. A source id is
# written in every map file beside each figure, so it is held to a slug's length.
MAX_CHARS = 200  # any column not named below
MAX_CHARS_BY_COLUMN = {
    "source_id": 80,
    "title": 500,
    "title_en": 500,
    "publisher": 500,
    "authors": 500,
    "origin": 500,
    "evidence": 500,
    "url": 2048,
    "notes": 4000,
    "note": 4000,
    "what": 4000,
    "reason": 4000,
}

# The largest whole number a figure may be, in every file: ten billion. More than the world's
# people, four times the largest figure a source states (a revenue of US$2.3 billion,
# headline_estimates.csv); yet a sum over every row of a file within MAX_FILE_BYTES (fewer than
# 2×10^7 rows, each over 13 bytes) stays far below DuckDB's 64-bit integers: 2×10^17 < 9.2×10^18.
MAX_WHOLE_NUMBER = 10**10

POLICY_EVENTS = ("un_resolution", "phase_out_pledge", "implementation_report", "statement", "other")
FIGURE_MEANINGS = ("workers_remaining", "repatriated", "permits", "quota")


@dataclass(frozen=True)
class RawFile:
    """One CSV of the contract."""

    name: str  # also the table name in the `staging` schema and the asset key `raw/<name>`
    columns: tuple[str, ...]
    description: str
    kind: str = "csv"
    may_be_empty: bool = False  # a header without rows is a valid file
    key: tuple[str, ...] = ()  # the columns that identify a row: no two rows may share them
    numeric: tuple[str, ...] = ()  # whole-number columns, typed as integers in staging (`94,000` accepted)
    # what raw/README.md's contract table says of a column beside its name (its rule or vocabulary),
    # and of the file after its columns: the table is generated from these (raw.data_profile)
    column_notes: tuple[tuple[str, str], ...] = ()
    file_note: str = ""
    max_bytes: int = MAX_FILE_BYTES  # the largest file accepted

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def max_chars(self, column: str) -> int:
        """The most characters a cell of `column` may hold."""
        return MAX_CHARS_BY_COLUMN.get(column, MAX_CHARS)

    @property
    def path(self) -> str:
        """Where the file lies in the raw folder."""
        return self.filename


@dataclass(frozen=True)
class ReferenceFile:
    """A file the pipeline reads but nobody edits: the country boundaries."""

    name: str
    path: str
    description: str
    kind: str
    max_bytes: int = MAX_REFERENCE_BYTES


SOURCES = RawFile(
    "sources",
    ("source_id", "title", "title_en", "publisher", "authors", "published", "url", "kind", "notes"),
    "Every report, article and document a figure is taken from.",
    column_notes=(
        ("source_id", "lowercase slug, unique"),
        ("title", "as the page gives it, in its language"),
        (
            "title_en",
            "a curator's faithful English translation when the title is in another language, shown as a translation; blank otherwise",
        ),
        ("published", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("url", "http/https"),
        ("kind", "what the page read is: " + ", ".join(SOURCE_KINDS) + "; see below"),
    ),
)
COUNTRY_ESTIMATES = RawFile(
    "country_estimates",
    (
        "country",
        "workers_low",
        "workers_high",
        "measure",
        "reference_year",
        "sectors",
        "source_id",
        "origin",
        "evidence",
        "notes",
    ),
    "Per-country observations: a figure (or mere presence) of North Korean workers, as one source states it.",
    column_notes=(
        ("country", "English name as the source spells it"),
        (
            "workers_high",
            'whole numbers ≥ 0, low ≤ high; low alone = "at least", high alone = "up to", both blank = presence only',
        ),
        ("measure", ", ".join(MEASURES) + "; see below"),
        ("sectors", "`;`-separated vocabulary"),
        ("origin", "who first stated the figure, as its page says; required with a figure: see below"),
    ),
    key=("country", "source_id", "reference_year", "measure", "workers_low", "workers_high"),
    numeric=("workers_low", "workers_high", "reference_year"),
)
RESTAURANTS = RawFile(
    "restaurants",
    ("country", "reference_year", "source_id", "evidence"),
    "Countries reported to host North Korean state-run restaurants.",
    key=("country", "source_id", "reference_year"),
    numeric=("reference_year",),
)
BORDER_ENTRIES = RawFile(
    "border_entries",
    ("host", "year", "period", "category", "entrants", "qualifier", "source_id", "origin", "evidence"),
    "North Korean entries into China and Russia by year, period and purpose (each host's border statistics as reported).",
    column_notes=(
        ("host", ", ".join(ENTRY_HOSTS) + ": whose border statistics"),
        ("period", "full_year, Q1–Q4, H1, H2, or a month span such as Jan-Sep"),
        ("category", "the purpose as the host counts it: " + ", ".join(ENTRY_CATEGORIES)),
        ("qualifier", "blank when the page gives the number as it is; " + ", ".join(ENTRY_QUALIFIERS) + " otherwise"),
        ("origin", "who first stated the figure, as its page says"),
    ),
    key=("host", "year", "period", "category", "source_id"),
    numeric=("year", "entrants"),
)
IT_WORKERS = RawFile(
    "it_workers",
    ("country", "workers_low", "workers_high", "measure", "reference_year", "source_id", "origin", "evidence", "notes"),
    "North Korean IT workers reported in a country: a figure or mere presence, as one source states it.",
    may_be_empty=True,
    column_notes=(
        ("workers_high", "as in `country_estimates.csv`"),
        ("measure", ", ".join(IT_MEASURES)),
        ("origin", "required with a figure"),
    ),
    file_note='North Korean IT workers, kept apart from the labourers (see "IT workers" below)',
    key=("country", "source_id", "reference_year", "measure", "workers_low", "workers_high"),
    numeric=("workers_low", "workers_high", "reference_year"),
)
HEADLINE_ESTIMATES = RawFile(
    "headline_estimates",
    ("year", "scope", "low", "high", "source_id", "origin", "evidence"),
    "Global figures: total workers abroad, revenue, host countries, restaurants, repatriations.",
    column_notes=(
        ("scope", ", ".join(HEADLINE_SCOPES)),
        ("origin", "who first stated the figure, as its page says; required with a figure: see below"),
    ),
    key=("scope", "year", "source_id", "low", "high"),
    numeric=("year", "low", "high"),
)
POLICY_EVENTS_FILE = RawFile(
    "policy_events",
    ("date", "country", "event", "reference", "figure", "figure_meaning", "source_id", "origin", "evidence"),
    "UN resolutions, national pledges, statements and implementation reports.",
    column_notes=(
        ("date", "YYYY, YYYY-MM or YYYY-MM-DD; blank when the source gives none"),
        ("country", "blank for UN-level"),
        ("event", ", ".join(POLICY_EVENTS)),
        ("figure_meaning", ", ".join(FIGURE_MEANINGS)),
        ("origin", "who first stated the figure, as its page says; required with a figure: see below"),
    ),
    numeric=("figure",),
)

REVIEWED_CHANGES = RawFile(
    "reviewed_changes",
    ("country", "figure", "old_value", "new_value", "reason"),
    "Changes a curator reviewed and means: each lets one held jump of a country's figures through the publish.",
    may_be_empty=True,
    column_notes=(
        ("figure", ", ".join(REVIEWED_FIGURES)),
        (
            "new_value",
            "whole numbers for the figures, `94,000` accepted; a status such as `estimate` or `present` for status, `"
            + ABSENT
            + "` as new value for a country no longer listed",
        ),
    ),
    file_note="see below",
    key=("country", "figure", "old_value", "new_value"),
)

LEADS = RawFile(
    "leads",
    ("found", "country", "year", "url", "what", "note"),
    "Pages a curator has found but not yet read and decided: the research queue lists them until each is "
    "added to the files above or set aside in raw/README.md.",
    may_be_empty=True,
    column_notes=(
        ("found", "date"),
        ("what", "what the page may hold"),
    ),
    file_note="pages found but not yet read and decided; they report nothing and are listed in `marts.research_queue` until a curator adds their figures to the files above or sets them aside (below)",
    numeric=("year",),
)

RAW_FILES: tuple[RawFile, ...] = (
    SOURCES,
    COUNTRY_ESTIMATES,
    RESTAURANTS,
    BORDER_ENTRIES,
    IT_WORKERS,
    HEADLINE_ESTIMATES,
    POLICY_EVENTS_FILE,
    REVIEWED_CHANGES,
    LEADS,
)
RAW_FILES_BY_NAME = {f.name: f for f in RAW_FILES}

# Files whose figure rows name their origin: who first stated the figure, as its page says
# (an agency, a research body, or the outlet for its own reporting). Corroboration counts origins,
# not the outlets that repeat them (docs/methodology.md).
ORIGIN_FILES = tuple(f for f in RAW_FILES if "origin" in f.columns)

# Files whose rows cite a source and therefore depend on sources.csv.
CITING_FILES = tuple(f for f in RAW_FILES if "source_id" in f.columns and f is not SOURCES)
# Files whose rows report on a country (a reviewed change or a lead names a country but reports nothing).
COUNTRY_FILES = tuple(f for f in RAW_FILES if "country" in f.columns and f not in (REVIEWED_CHANGES, LEADS))

BOUNDARIES = ReferenceFile(
    "boundaries",
    "reference/countries-50m.json",
    "Natural Earth 1:50m admin-0 boundaries (world-atlas 2.0.2, TopoJSON).",
    "topojson",
)

# Every file of the raw folder the pipeline reads: the observable assets `raw/<name>`.
INPUT_FILES: tuple[RawFile | ReferenceFile, ...] = (*RAW_FILES, BOUNDARIES)
