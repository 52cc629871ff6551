"""Country names as sources spell them → ISO 3166-1 codes.

pycountry first (official, common and short names); then the small alias table beside this
module for the spellings it does not know. A name neither resolves is an error for the
validation step to report; it is never guessed.

A place that sources report on but that is not an ISO 3166-1 country (Abkhazia) is a territory
(territories.csv): it keeps a code of its own from the user-assigned X range, so that its figures
are never added to the country that contains it, and it is drawn within that country's shape.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

ALIASES_PATH = Path(__file__).with_name("country_aliases.csv")
TERRITORIES_PATH = Path(__file__).with_name("territories.csv")


@dataclass(frozen=True)
class Territory:
    name: str
    code: str  # user-assigned, never an ISO 3166-1 country code
    within_iso3: str  # the ISO country whose shape the territory is drawn in


@cache
def territories() -> dict[str, Territory]:
    """Territories by code."""
    with TERRITORIES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = [Territory(r["name"], r["code"], r["within_iso3"]) for r in csv.DictReader(handle)]
    return {t.code: t for t in rows}


@cache
def aliases() -> dict[str, str]:
    with ALIASES_PATH.open(encoding="utf-8", newline="") as handle:
        return {row["name"].casefold(): row["iso3"] for row in csv.DictReader(handle)}


@cache
def to_iso3(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code for a country name (a territory's own code for a territory), or None when
    neither the territories, the aliases nor pycountry know it."""
    key = name.strip().casefold()
    for territory in territories().values():
        if territory.name.casefold() == key:
            return territory.code
    if key in aliases():
        return aliases()[key]
    try:
        return pycountry.countries.lookup(name.strip()).alpha_3
    except LookupError:
        return None


@cache
def iso3_to_numeric(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.numeric if country else None


# ISO's names that read badly on a map ("Congo, The Democratic Republic of the")
SHORT_NAMES = {
    "BOL": "Bolivia",
    "COD": "DR Congo",
    "IRN": "Iran",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "RUS": "Russia",
    "TZA": "Tanzania",
    "VEN": "Venezuela",
}


@cache
def display_name(iso3: str) -> str:
    """A short English name for maps and labels."""
    if iso3 in SHORT_NAMES:
        return SHORT_NAMES[iso3]
    if iso3 in territories():
        return territories()[iso3].name
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return getattr(country, "common_name", None) or country.name


def unused_aliases(names: Iterable[str]) -> list[str]:
    """Aliases no input uses any more: candidates for removal, reported as a warning."""
    seen = {n.strip().casefold() for n in names if n}
    return sorted(a for a in aliases() if a not in seen)


def iso3_names(iso3_codes: pd.Series) -> pd.DataFrame:
    codes = sorted(set(iso3_codes.dropna()))
    return pd.DataFrame(
        {
            "iso3": codes,
            "country": [display_name(c) for c in codes],
            "iso_numeric": [iso3_to_numeric(c) for c in codes],
        }
    )
