"""What the data is, its caveats, its terms and how to credit it: the wording every published file reuses.

README.md says the same words (tests/unit/test_about.py holds the two together); the map page, the
PNGs' credit line, the spreadsheet's About sheet, datapackage.json and CITATION.cff read them from
here. The edition (version and date) is computed from the inputs by data.release.edition.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from nk_pipeline.marts.vocabulary import CURRENT_STATUSES

DATA_TITLE = "North Korean workers abroad, per country, with every figure cited"
DATA_DESCRIPTION = (
    "How many North Korean (DPRK) workers are sent abroad, and to which countries? The numbers are "
    "contested and uncertain. This project turns a curated, cited collection of public reporting "
    "— what governments, the UN, researchers and journalists said, mostly as the press reported it — "
    "into one defensible estimate per country and year, shows where sources disagree and who first "
    "said each figure, and publishes map-ready files and a DuckDB warehouse in which every number "
    "traces back to the sources that state it."
)


@dataclass(frozen=True)
class Caveat:
    headline: str
    rest: str  # follows the headline as README prints it ("**headline**rest")

    @property
    def text(self) -> str:
        return self.headline + self.rest


CAVEATS = (
    Caveat(
        "Estimates, not counts.",
        " Reliable statistics on North Korean workers in a given country are generally not available; "
        "figures come from governments, researchers and journalists who often cannot verify them, and are "
        "repeated from one report to the next. Treat every figure as a range with a date, and read its "
        "sources.",
    ),
    Caveat(
        "Undocumented North Koreans are not counted",
        " — those who left the country on their own, overwhelmingly in China. The data is about "
        "state-dispatched workers.",
    ),
    Caveat(
        "The situation changes.",
        " UN Security Council resolution 2397 (December 2017) required all North Korean workers to be sent "
        "home by 22 December 2019. A figure speaks for the year it describes and a few years after; older "
        "reports are shown as last reported, never as a current figure. Countries not shown may host workers.",
    ),
    Caveat(
        "China's and Russia's entry statistics are entries, not people",
        ": a worker crossing the border several times a year is counted several times, and workers may "
        "enter under other purposes (in Russia, a student visa can hide work). Russia stopped reporting "
        "North Koreans' purposes, then their entries, in 2025.",
    ),
    Caveat(
        "IT workers are counted apart.",
        " North Korean IT workers abroad are shown as their own evidence (the map marks where they are "
        "reported); their figures are never added to the labourers' unless a page counts both together.",
    ),
)

# Who publishes the data: the repository names no person or organisation, so its contributors.
PUBLISHER = "nk_pipeline contributors"
# The compiled dataset's licence (what Our World in Data uses); the code stays MIT (LICENSE).
DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
DATA_LICENCE_SHORT = "CC BY 4.0"
CODE_LICENCE = "MIT"
LICENCE_NOTE = (
    f"Licence: the compiled data (the estimates, the figures with their sources, the notes) {DATA_LICENCE_SHORT} "
    f"({DATA_LICENCE['path']}): reuse it freely, crediting it with the line each release gives; the cited pages "
    f"keep their own terms (figures and short paraphrases are cited, not reproduced); code {CODE_LICENCE}; "
    "boundaries: Natural Earth, public domain."
)


# The attribution line a reuser copies (README.md prints it with <version> and <date>).
CREDIT_LINE = "{publisher}, “{title}”, version {version} ({date}), {licence}"


@dataclass(frozen=True)
class Edition:
    """A release named by its inputs: the version is the start of their sha256, the date the newest
    source's publication date. Identical inputs, identical edition; never the clock."""

    version: str
    date: dt.date

    @property
    def credit(self) -> str:
        """The attribution line a reuser copies."""
        return credit_line(self.version, self.date.isoformat())

    @property
    def short(self) -> str:
        """The version and date, where the title is said already (the PNGs' credit line)."""
        return f"version {self.version}, {self.date.isoformat()}"


# The spreadsheet rule of shared/spreadsheet_text, in a reader's words (docs/consumers.md has the details).
SPREADSHEET_NOTE = (
    "In the CSV files and the spreadsheet, a text that a spreadsheet would take for a formula (one starting "
    "with =, +, -, @, a tab or a carriage return, after any spaces) or that starts with an apostrophe is "
    "written with one more apostrophe in front; remove it to get the text as the warehouse and the Parquet "
    "files have it."
)


# What each kind of page is called in a sentence (raw/README.md defines the kinds): singular, plural.
def shown_title(title: str, title_en: str | None) -> str:
    """A source's title as readers see it: a title in another language keeps its words, with the
    curators' English translation beside it, marked as one."""
    return f"{title} [English: {title_en}, translated]" if title_en else title


KIND_WORDS = {
    "un": ("UN document", "UN documents"),
    "government": ("government page", "government pages"),
    "research": ("research page", "research pages"),
    "media": ("news report", "news reports"),
    "ngo": ("NGO page", "NGO pages"),
    "commercial": ("commercial note", "commercial notes"),
    "blog": ("blog post", "blog posts"),
    "mirror": ("copy on another site", "copies on other sites"),
}


@dataclass(frozen=True)
class CurrentEvidence:
    """What the map shows as current in its latest year, and what it rests on, counted from the rows."""

    n_estimate: int
    n_current: int  # every current status (estimate, present, restaurants, none remaining)
    n_last_reported: int
    kinds: dict[str, int]  # kind of page → sources behind the current rows
    first_year: int | None  # the years the current rows' reports describe
    last_year: int | None

    @property
    def n_reports(self) -> int:
        return sum(self.kinds.values())

    @property
    def reports_text(self) -> str:
        parts = [f"{n} {KIND_WORDS.get(kind, (kind, kind))[n != 1]}" for kind, n in self.kinds.items()]
        return f"{self.n_reports} cited public report{'s' if self.n_reports != 1 else ''}" + (
            f" ({', '.join(parts)})" if parts else ""
        )

    @property
    def span_text(self) -> str:
        if self.first_year is None:
            return ""
        years = str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}–{self.last_year}"
        return f", describing {years}"


def current_evidence(rows: pd.DataFrame, sources: pd.DataFrame) -> CurrentEvidence:
    """`rows`: one per country as of the latest year (status, reference_year); `sources`: kind
    and `current`, whether a current row cites it (map/sql/map_sources.sql: the rows' own lists
    may be cut short)."""
    current = rows[rows["status"].isin(CURRENT_STATUSES)]
    kinds = Counter(sources.loc[sources["current"], "kind"])
    years = current["reference_year"].dropna().astype(int)
    return CurrentEvidence(
        n_estimate=int((rows["status"] == "estimate").sum()),
        n_current=len(current),
        n_last_reported=int((rows["status"] == "last_reported").sum()),
        kinds=dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0]))),
        first_year=int(years.min()) if len(years) else None,
        last_year=int(years.max()) if len(years) else None,
    )


def credit_line(version: str, date: str) -> str:
    return CREDIT_LINE.format(
        publisher=PUBLISHER, title=DATA_TITLE, version=version, date=date, licence=DATA_LICENCE_SHORT
    )
