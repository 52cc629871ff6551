"""What the data is, its caveats and its terms: the wording every published file reuses.

README.md says the same words (tests/test_about.py holds the two together); the map page,
the spreadsheet's About sheet and datapackage.json read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

DATA_TITLE = "North Korean workers abroad, per country, with every figure cited"
DATA_DESCRIPTION = (
    "How many North Korean (DPRK) workers are sent abroad, and to which countries? The numbers are "
    "contested and uncertain. This project turns a curated, cited collection of public reporting "
    "— UN documents, government reports, research and press — into one defensible estimate per "
    "country, shows where sources disagree, and publishes map-ready files and a DuckDB warehouse in "
    "which every number traces back to the sources that state it."
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
        "sources (marts.estimate_evidence).",
    ),
    Caveat(
        "Undocumented North Koreans are not counted",
        " — those who left the country on their own, overwhelmingly in China. The data is about "
        "state-dispatched workers.",
    ),
    Caveat(
        "The situation changes.",
        " UN Security Council resolution 2397 (December 2017) required all North Korean workers to be sent "
        "home by 22 December 2019; many figures predate that and are flagged stale. Some highlighted "
        "countries may no longer host workers; others not shown may.",
    ),
    Caveat(
        "China entry statistics are entries, not people",
        ": a worker crossing the border several times a year is counted several times, and workers may "
        "enter under other categories.",
    ),
)

# No licence is granted for the compilation yet: README's "Licence" line is all there is.
LICENCE_NOTE = (
    "Licence: code MIT; data: see each source's terms (figures and short paraphrases are cited, "
    "not reproduced); boundaries: Natural Earth, public domain."
)

# The spreadsheet rule of lib/spreadsheet_text, in a reader's words (docs/consumers.md has the details).
SPREADSHEET_NOTE = (
    "In the CSV files and the spreadsheet, a text that a spreadsheet would take for a formula (one starting "
    "with =, +, -, @, a tab or a carriage return, after any spaces) or that starts with an apostrophe is "
    "written with one more apostrophe in front; remove it to get the text as the warehouse and the Parquet "
    "files have it."
)
