"""Pandera models of the raw-data contract, one per file.

They validate the text cells exactly as people typed them (after trimming), so every rule can
point at the offending line and value; `validation.py` converts the cells to typed columns only
after the model has passed. Each check's `error` is the plain-words rule shown to the user.

The cells are Arrow strings. A rule about single values runs once per distinct value
(`per_distinct`): a million observations name a few hundred countries, years, sources and
terms, so a check costs what its distinct values cost, with the rule written once, plainly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandera.typing import Series

from nk_pipeline.raw import contract
from nk_pipeline.shared.terminal_text import INVISIBLE_CHARACTERS

# a cell as read: Arrow-backed text, null when blank
Text = Annotated[pd.ArrowDtype, pyarrow.string()]

EARLIEST_YEAR = 1950
MAX_EVIDENCE_WORDS = 15

WHOLE_NUMBER = re.compile(r"\d+")
GROUPED_WHOLE_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+")  # 94,000 as sources print it
STATUS_WORD = re.compile(r"[a-z][a-z_]*")
YEAR = re.compile(r"\d{4}")
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
SOURCE_ID = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
# no white space, and no control or invisible format character: an escape sequence or a
# direction override in a link would show one address and lead to another
URL = re.compile(rf"https?://[^\s{INVISIBLE_CHARACTERS}/$.?#][^\s{INVISIBLE_CHARACTERS}]*", re.IGNORECASE)
URL_RULE = (
    "url must be a well-formed http:// or https:// address, without spaces, control characters or "
    "invisible direction marks"
)
SECTOR_LIST = re.compile(rf"(?:{'|'.join(contract.SECTORS)})(?:;(?:{'|'.join(contract.SECTORS)}))*")
PERIOD = re.compile(contract.ENTRY_PERIOD_PATTERN)


def current_year() -> int:
    return dt.date.today().year


def per_distinct(series: pd.Series, check: Callable[[pd.Series], pd.Series], blank: bool = True) -> pd.Series:
    """`check` evaluated once per distinct non-blank value, spread back over the rows.

    `check` gets the distinct values as a plain object Series; blank cells get `blank`.
    """
    codes, values = pd.factorize(series)
    ok = np.asarray(check(pd.Series(np.asarray(values, dtype=object), dtype=object)), dtype=bool)
    return pd.Series(np.append(ok, blank)[codes], index=series.index)  # code -1 (blank) takes the last


def numbers(series: pd.Series) -> np.ndarray:
    """The cells as numbers where pandas reads them as numbers, NaN elsewhere (per distinct value)."""
    codes, values = pd.factorize(series)
    parsed = pd.to_numeric(pd.Series(np.asarray(values, dtype=object), dtype=object), errors="coerce")
    return np.append(parsed.to_numpy(dtype=float, na_value=np.nan), np.nan)[codes]


def arrow_text(series: pd.Series) -> pyarrow.Array:
    return pyarrow.array(series, type=pyarrow.string(), from_pandas=True)


def _blank_or(series: pd.Series, ok: pd.Series) -> pd.Series:
    return series.isna() | ok.astype("boolean").fillna(False).astype(bool)


def is_whole_number(series: pd.Series) -> pd.Series:
    return _blank_or(series, series.str.fullmatch(WHOLE_NUMBER))


_MAX_DIGITS = str(contract.MAX_WHOLE_NUMBER)
FIGURE_LIMIT_RULE = (
    f"must be at most {contract.MAX_WHOLE_NUMBER:,} (the largest figure the contract accepts: raw/README.md, Limits)"
)


def within_limit(values: pd.Series) -> pd.Series:
    """Whole numbers (grouped or not) no larger than MAX_WHOLE_NUMBER, compared digit by digit, so
    that a value of any length is judged exactly; anything else passes (its own rule judges it)."""
    plain = values.str.replace(",", "", regex=False)
    digits = plain.str.fullmatch(WHOLE_NUMBER).astype("boolean").fillna(False).astype(bool)
    significant = plain.str.lstrip("0")
    length = significant.str.len()
    small = (length < len(_MAX_DIGITS)) | ((length == len(_MAX_DIGITS)) & (significant <= _MAX_DIGITS))
    return ~digits | small.astype("boolean").fillna(True).astype(bool)


def is_within_limit(series: pd.Series) -> pd.Series:
    return per_distinct(series, within_limit)


def is_year(series: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(series.where(series.str.fullmatch(YEAR).astype("boolean").fillna(False)), errors="coerce")
    return _blank_or(series, numeric.between(EARLIEST_YEAR, current_year()))


def is_partial_date(series: pd.Series) -> pd.Series:
    """YYYY, YYYY-MM or YYYY-MM-DD; a real calendar date; not before 1950 nor in the future."""
    shaped = series.str.fullmatch(DATE).astype("boolean").fillna(False).astype(bool)
    padded = series.where(shaped).str.pad(10, side="right", fillchar="x")
    padded = padded.str.replace(r"^(\d{4})x{6}$", r"\1-01-01", regex=True).str.replace(
        r"^(\d{4}-\d{2})x{3}$", r"\1-01", regex=True
    )
    parsed = pd.to_datetime(padded, format="%Y-%m-%d", errors="coerce")
    in_range = (parsed.dt.year >= EARLIEST_YEAR) & (parsed <= pd.Timestamp(dt.date.today()))
    return _blank_or(series, shaped & in_range)


def word_counts(cells: pyarrow.Array) -> np.ndarray:
    """How many words str.split() finds in each cell (0 for blank), computed in Arrow.

    Arrow's utf8_split_whitespace splits on exactly the characters Python's str.split() does;
    its ASCII variant, several times faster, knows all of them but the four separators
    U+001C–U+001F, so it takes the rows that are ASCII and free of those.
    """
    plain = pc.and_kleene(pc.string_is_ascii(cells), pc.invert(pc.match_substring_regex(cells, "[\\x1c-\\x1f]")))
    plain = pc.fill_null(plain, True).to_numpy(zero_copy_only=False)
    counts = np.zeros(len(cells), dtype=np.int64)
    for rows, split in ((plain, pc.ascii_split_whitespace), (~plain, pc.utf8_split_whitespace)):
        if rows.any():
            pieces = split(cells.filter(pyarrow.array(rows)))
            # a leading or trailing space gives an empty piece, which is no word
            words = pc.greater(pc.binary_length(pc.list_flatten(pieces)), 0).to_numpy(zero_copy_only=False)
            parents = pc.list_parent_indices(pieces).to_numpy()
            counts[np.flatnonzero(rows)] = np.bincount(parents[words], minlength=int(rows.sum()))
    return counts


def is_short_evidence(series: pd.Series) -> pd.Series:
    # evidence is free text, nearly every cell distinct: counted in Arrow rather than per value
    return pd.Series(
        series.isna().to_numpy() | (word_counts(arrow_text(series)) <= MAX_EVIDENCE_WORDS), index=series.index
    )


def low_not_above_high(df: pd.DataFrame, low: str, high: str) -> pd.Series:
    return pd.Series(~(numbers(df[low]) > numbers(df[high])), index=df.index)


def unique_rows(df: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    return ~df[list(key)].fillna("").duplicated(keep="first")


ORIGIN_RULE = (
    "a figure needs its origin: who first stated it, as the page says (an agency, a research body, "
    "or the outlet itself for its own reporting)"
)


def has_origin(df: pd.DataFrame, has_figure: pd.Series) -> pd.Series:
    return pd.Series(~has_figure.to_numpy() | df["origin"].notna().to_numpy(), index=df.index)


def _listed(columns: tuple[str, ...]) -> str:
    return ", ".join(columns[:-1]) + " and " + columns[-1]


# The columns that identify one row of each file: the uniqueness rule, its message and the
# columns an error names are all read from here.
OBSERVATION_KEY = contract.COUNTRY_ESTIMATES.key
RESTAURANT_KEY = contract.RESTAURANTS.key
IT_WORKER_KEY = contract.IT_WORKERS.key
ENTRY_KEY = contract.BORDER_ENTRIES.key
HEADLINE_KEY = contract.HEADLINE_ESTIMATES.key
REVIEW_KEY = contract.REVIEWED_CHANGES.key


class _Cited(pa.DataFrameModel):
    source_id: Series[Text] = pa.Field(nullable=False)
    evidence: Series[Text] = pa.Field(nullable=False)

    @pa.check("source_id", error="source_id must be a lowercase slug (a-z, 0-9, '-')")
    def source_id_is_slug(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.str.fullmatch(SOURCE_ID))

    @pa.check("evidence", error=f"evidence must be a short paraphrase of at most {MAX_EVIDENCE_WORDS} words")
    def evidence_is_short(cls, s: Series[Text]) -> Series[bool]:
        return is_short_evidence(s)

    class Config:
        strict = True  # reading.py already names unknown columns; this keeps the model honest too


class SourcesModel(pa.DataFrameModel):
    """raw/sources.csv: one row per report, article or document."""

    source_id: Series[Text] = pa.Field(nullable=False, unique=True)
    title: Series[Text] = pa.Field(nullable=False)
    title_en: Series[Text] = pa.Field(nullable=True)  # a faithful English translation of a title in another language
    publisher: Series[Text] = pa.Field(nullable=True)
    authors: Series[Text] = pa.Field(nullable=True)
    published: Series[Text] = pa.Field(nullable=True)
    url: Series[Text] = pa.Field(nullable=False)
    kind: Series[Text] = pa.Field(nullable=False)
    notes: Series[Text] = pa.Field(nullable=True)

    @pa.check("source_id", error="source_id must be a lowercase slug (a-z, 0-9, '-')")
    def source_id_is_slug(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.str.fullmatch(SOURCE_ID))

    @pa.check("published", error="published must be YYYY, YYYY-MM or YYYY-MM-DD, a real date from 1950 to today")
    def published_is_date(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_partial_date)

    @pa.check("url", error=URL_RULE)
    def url_is_http(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.str.fullmatch(URL))

    @pa.check("kind", error=f"kind must be one of: {', '.join(contract.SOURCE_KINDS)}")
    def kind_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.SOURCE_KINDS))

    class Config:
        strict = True


class _WorkerFigures(_Cited):
    """A country's workers as one source states them: a figure (low, high) or mere presence."""

    country: Series[Text] = pa.Field(nullable=False)
    workers_low: Series[Text] = pa.Field(nullable=True)
    workers_high: Series[Text] = pa.Field(nullable=True)
    measure: Series[Text] = pa.Field(nullable=False)
    reference_year: Series[Text] = pa.Field(nullable=True)
    origin: Series[Text] = pa.Field(nullable=True)  # required with a figure: see figure_has_origin
    notes: Series[Text] = pa.Field(nullable=True)

    @pa.check("workers_low", "workers_high", error="must be a whole number of workers ≥ 0 (digits only)")
    def workers_are_whole(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_whole_number)

    @pa.check("workers_low", "workers_high", error=FIGURE_LIMIT_RULE)
    def workers_within_limit(cls, s: Series[Text]) -> Series[bool]:
        return is_within_limit(s)

    @pa.check("reference_year", error=f"reference_year must be a year from {EARLIEST_YEAR} to this year")
    def reference_year_in_range(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_year)

    @pa.dataframe_check(error="workers_low must not be greater than workers_high")
    def low_le_high(cls, df: pd.DataFrame) -> Series[bool]:
        return low_not_above_high(df, "workers_low", "workers_high")

    @pa.dataframe_check(error=ORIGIN_RULE)
    def figure_has_origin(cls, df: pd.DataFrame) -> Series[bool]:
        return has_origin(df, df["workers_low"].notna() | df["workers_high"].notna())


class CountryEstimatesModel(_WorkerFigures):
    """raw/country_estimates.csv: one observation of one country by one source."""

    sectors: Series[Text] = pa.Field(nullable=True)

    @pa.check("measure", error=f"measure must be one of: {', '.join(contract.MEASURES)}")
    def measure_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.MEASURES))

    @pa.check("sectors", error=f"sectors must be ';'-separated terms from: {', '.join(contract.SECTORS)}")
    def sectors_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.str.fullmatch(SECTOR_LIST))

    @pa.dataframe_check(
        error=(
            f"measure {' or '.join(repr(m) for m in contract.MEASURES_WITHOUT_FIGURE)} means no figure (leave both blank); "
            "any other measure needs workers_low or workers_high"
        )
    )
    def presence_has_no_figure(cls, df: pd.DataFrame) -> Series[bool]:
        has_figure = df["workers_low"].notna() | df["workers_high"].notna()
        presence = per_distinct(df["measure"], lambda v: v.isin(contract.MEASURES_WITHOUT_FIGURE), blank=False)
        # an unknown measure is reported by its own check; don't pile a second error on it
        unknown = per_distinct(df["measure"], lambda v: ~v.isin(contract.MEASURES))
        return (presence != has_figure) | unknown

    @pa.dataframe_check(error=f"duplicate observation: same {_listed(OBSERVATION_KEY)} as an earlier row")
    def one_observation_per_key(cls, df: pd.DataFrame) -> Series[bool]:
        return unique_rows(df, OBSERVATION_KEY)


class ITWorkersModel(_WorkerFigures):
    """raw/it_workers.csv: North Korean IT workers in one country, as one source states it."""

    @pa.check("measure", error=f"measure must be one of: {', '.join(contract.IT_MEASURES)}")
    def measure_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.IT_MEASURES))

    @pa.dataframe_check(
        error="measure 'presence' means no figure (leave both blank); 'stock' needs workers_low or workers_high"
    )
    def presence_has_no_figure(cls, df: pd.DataFrame) -> Series[bool]:
        has_figure = df["workers_low"].notna() | df["workers_high"].notna()
        presence = per_distinct(df["measure"], lambda v: v == "presence", blank=False)
        unknown = per_distinct(df["measure"], lambda v: ~v.isin(contract.IT_MEASURES))
        return (presence != has_figure) | unknown

    @pa.dataframe_check(error=f"duplicate row: same {_listed(IT_WORKER_KEY)} as an earlier row")
    def one_row_per_key(cls, df: pd.DataFrame) -> Series[bool]:
        return unique_rows(df, IT_WORKER_KEY)


class RestaurantsModel(_Cited):
    """raw/restaurants.csv: a source reporting North Korean restaurants in a country."""

    country: Series[Text] = pa.Field(nullable=False)
    reference_year: Series[Text] = pa.Field(nullable=True)

    @pa.check("reference_year", error=f"reference_year must be a year from {EARLIEST_YEAR} to this year")
    def reference_year_in_range(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_year)

    @pa.dataframe_check(error=f"duplicate row: same {_listed(RESTAURANT_KEY)} as an earlier row")
    def one_row_per_key(cls, df: pd.DataFrame) -> Series[bool]:
        return unique_rows(df, RESTAURANT_KEY)


class BorderEntriesModel(_Cited):
    """raw/border_entries.csv: entries of North Koreans into a host country, by year, period and purpose."""

    host: Series[Text] = pa.Field(nullable=False)
    year: Series[Text] = pa.Field(nullable=False)
    period: Series[Text] = pa.Field(nullable=False)
    category: Series[Text] = pa.Field(nullable=False)
    entrants: Series[Text] = pa.Field(nullable=False)
    qualifier: Series[Text] = pa.Field(nullable=True)
    origin: Series[Text] = pa.Field(nullable=False)

    @pa.check("host", error=f"host must be one of: {', '.join(contract.ENTRY_HOSTS)}")
    def host_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.ENTRY_HOSTS))

    @pa.check("qualifier", error=f"qualifier must be blank or one of: {', '.join(contract.ENTRY_QUALIFIERS)}")
    def qualifier_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.ENTRY_QUALIFIERS))

    @pa.check("year", error=f"year must be a year from {EARLIEST_YEAR} to this year")
    def year_in_range(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_year)

    @pa.check("period", error="period must be full_year, Q1-Q4, H1, H2 or a month span such as Jan-Sep")
    def period_shape(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.str.fullmatch(PERIOD))

    @pa.check("category", error=f"category must be one of: {', '.join(contract.ENTRY_CATEGORIES)}")
    def category_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.ENTRY_CATEGORIES))

    @pa.check("entrants", error="entrants must be a whole number ≥ 0 (digits only)")
    def entrants_whole(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_whole_number)

    @pa.check("entrants", error=f"entrants {FIGURE_LIMIT_RULE}")
    def entrants_within_limit(cls, s: Series[Text]) -> Series[bool]:
        return is_within_limit(s)

    @pa.dataframe_check(error=f"duplicate row: same {_listed(ENTRY_KEY)} as an earlier row")
    def one_row_per_key(cls, df: pd.DataFrame) -> Series[bool]:
        return unique_rows(df, ENTRY_KEY)


class HeadlineEstimatesModel(_Cited):
    """raw/headline_estimates.csv: global figures (workers, revenue, host countries...)."""

    year: Series[Text] = pa.Field(nullable=True)
    scope: Series[Text] = pa.Field(nullable=False)
    low: Series[Text] = pa.Field(nullable=True)
    high: Series[Text] = pa.Field(nullable=True)
    origin: Series[Text] = pa.Field(nullable=False)

    @pa.check("year", error=f"year must be a year from {EARLIEST_YEAR} to this year")
    def year_in_range(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_year)

    @pa.check("scope", error=f"scope must be one of: {', '.join(contract.HEADLINE_SCOPES)}")
    def scope_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.HEADLINE_SCOPES))

    @pa.check("low", "high", error="must be a whole number ≥ 0 (digits only)")
    def figures_whole(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_whole_number)

    @pa.check("low", "high", error=FIGURE_LIMIT_RULE)
    def figures_within_limit(cls, s: Series[Text]) -> Series[bool]:
        return is_within_limit(s)

    @pa.dataframe_check(error="low must not be greater than high")
    def low_le_high(cls, df: pd.DataFrame) -> Series[bool]:
        return low_not_above_high(df, "low", "high")

    @pa.dataframe_check(error="a headline estimate needs low, high or both")
    def has_a_figure(cls, df: pd.DataFrame) -> Series[bool]:
        return df["low"].notna() | df["high"].notna()

    @pa.dataframe_check(error=f"duplicate row: same {_listed(HEADLINE_KEY)} as an earlier row")
    def one_row_per_key(cls, df: pd.DataFrame) -> Series[bool]:
        return unique_rows(df, HEADLINE_KEY)


class PolicyEventsModel(_Cited):
    """raw/policy_events.csv: resolutions, pledges, statements and implementation reports."""

    date: Series[Text] = pa.Field(nullable=True)  # blank when a source gives no date
    country: Series[Text] = pa.Field(nullable=True)
    event: Series[Text] = pa.Field(nullable=False)
    reference: Series[Text] = pa.Field(nullable=True)
    figure: Series[Text] = pa.Field(nullable=True)
    figure_meaning: Series[Text] = pa.Field(nullable=True)
    origin: Series[Text] = pa.Field(nullable=True)  # required with a figure: see figure_has_origin

    @pa.check("date", error="date must be YYYY, YYYY-MM or YYYY-MM-DD, a real date from 1950 to today")
    def date_shape(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_partial_date)

    @pa.check("event", error=f"event must be one of: {', '.join(contract.POLICY_EVENTS)}")
    def event_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.POLICY_EVENTS))

    @pa.check("figure", error="figure must be a whole number ≥ 0 (digits only)")
    def figure_whole(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_whole_number)

    @pa.check("figure", error=f"figure {FIGURE_LIMIT_RULE}")
    def figure_within_limit(cls, s: Series[Text]) -> Series[bool]:
        return is_within_limit(s)

    @pa.check("figure_meaning", error=f"figure_meaning must be one of: {', '.join(contract.FIGURE_MEANINGS)}")
    def meaning_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.FIGURE_MEANINGS))

    @pa.dataframe_check(error="a figure needs a figure_meaning, and a figure_meaning needs a figure")
    def figure_has_meaning(cls, df: pd.DataFrame) -> Series[bool]:
        return df["figure"].isna() == df["figure_meaning"].isna()

    @pa.dataframe_check(error=ORIGIN_RULE)
    def figure_has_origin(cls, df: pd.DataFrame) -> Series[bool]:
        return has_origin(df, df["figure"].notna())


def value_fits_figure(figures: pd.Series, values: pd.Series, absent_allowed: bool) -> pd.Series:
    """A worker figure's value is a whole number (grouped or not); a status's a status word."""
    worker_figure = figures.isin([f for f in contract.REVIEWED_FIGURES if f != "status"]).to_numpy()
    number = per_distinct(
        values, lambda v: (v.str.fullmatch(WHOLE_NUMBER) | v.str.fullmatch(GROUPED_WHOLE_NUMBER)) & within_limit(v)
    )
    word = per_distinct(values, lambda v: v.str.fullmatch(STATUS_WORD) & (absent_allowed | (v != contract.ABSENT)))
    unknown_figure = ~figures.isin(contract.REVIEWED_FIGURES).to_numpy()  # its own check reports it
    return pd.Series(
        np.where(worker_figure, number, word) | unknown_figure | values.isna().to_numpy(), index=values.index
    )


class LeadsModel(pa.DataFrameModel):
    """raw/leads.csv: a page found but not yet read; it reports nothing until a curator decides it."""

    found: Series[Text] = pa.Field(nullable=False)
    country: Series[Text] = pa.Field(nullable=True)
    year: Series[Text] = pa.Field(nullable=True)
    url: Series[Text] = pa.Field(nullable=False, unique=True)
    what: Series[Text] = pa.Field(nullable=False)
    note: Series[Text] = pa.Field(nullable=True)

    @pa.check("found", error="found must be YYYY, YYYY-MM or YYYY-MM-DD, a real date from 1950 to today")
    def found_is_date(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_partial_date)

    @pa.check("year", error=f"year must be a year from {EARLIEST_YEAR} to this year")
    def year_in_range(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, is_year)

    @pa.check("url", error=URL_RULE)
    def url_is_http(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.str.fullmatch(URL))

    class Config:
        strict = True


class ReviewedChangesModel(pa.DataFrameModel):
    """raw/reviewed_changes.csv: a change of a country's figures that a curator reviewed and means."""

    country: Series[Text] = pa.Field(nullable=False)
    figure: Series[Text] = pa.Field(nullable=False)
    old_value: Series[Text] = pa.Field(nullable=False)
    new_value: Series[Text] = pa.Field(nullable=False)
    reason: Series[Text] = pa.Field(nullable=False)

    @pa.check("figure", error=f"figure must be one of: {', '.join(contract.REVIEWED_FIGURES)}")
    def figure_in_vocabulary(cls, s: Series[Text]) -> Series[bool]:
        return per_distinct(s, lambda v: v.isin(contract.REVIEWED_FIGURES))

    @pa.dataframe_check(
        error=(
            f"old_value must be a whole number up to {contract.MAX_WHOLE_NUMBER:,} for workers_low, workers_central "
            "and workers_high, a status (e.g. estimate) for status"
        )
    )
    def old_value_fits_figure(cls, df: pd.DataFrame) -> Series[bool]:
        return value_fits_figure(df["figure"], df["old_value"], absent_allowed=False)

    @pa.dataframe_check(
        error=(
            f"new_value must be a whole number up to {contract.MAX_WHOLE_NUMBER:,} for workers_low, workers_central "
            "and workers_high, a status (e.g. present) "
            f"or '{contract.ABSENT}' (no longer listed) for status"
        )
    )
    def new_value_fits_figure(cls, df: pd.DataFrame) -> Series[bool]:
        return value_fits_figure(df["figure"], df["new_value"], absent_allowed=True)

    @pa.dataframe_check(error="old_value and new_value are the same: that is no change")
    def values_differ(cls, df: pd.DataFrame) -> Series[bool]:
        plain = {name: df[name].str.replace(",", "", regex=False) for name in ("old_value", "new_value")}
        return (plain["old_value"] != plain["new_value"]).astype("boolean").fillna(True).astype(bool)

    @pa.dataframe_check(error=f"duplicate row: same {_listed(REVIEW_KEY)} as an earlier row")
    def one_row_per_key(cls, df: pd.DataFrame) -> Series[bool]:
        return unique_rows(df, REVIEW_KEY)

    class Config:
        strict = True


MODELS: dict[str, type[pa.DataFrameModel]] = {
    contract.SOURCES.name: SourcesModel,
    contract.COUNTRY_ESTIMATES.name: CountryEstimatesModel,
    contract.RESTAURANTS.name: RestaurantsModel,
    contract.BORDER_ENTRIES.name: BorderEntriesModel,
    contract.IT_WORKERS.name: ITWorkersModel,
    contract.HEADLINE_ESTIMATES.name: HeadlineEstimatesModel,
    contract.POLICY_EVENTS_FILE.name: PolicyEventsModel,
    contract.REVIEWED_CHANGES.name: ReviewedChangesModel,
    contract.LEADS.name: LeadsModel,
}

# The columns each whole-row rule is about, so that an error names them (Pandera reports a
# failed row once for every column of the frame).
# the whole-row rules of every _WorkerFigures model
_WORKER_FIGURE_RULES = {
    "low_le_high": ("workers_low", "workers_high"),
    "presence_has_no_figure": ("measure", "workers_low", "workers_high"),
    "figure_has_origin": ("origin",),
}
ROW_RULE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    contract.COUNTRY_ESTIMATES.name: {**_WORKER_FIGURE_RULES, "one_observation_per_key": OBSERVATION_KEY},
    contract.RESTAURANTS.name: {"one_row_per_key": RESTAURANT_KEY},
    contract.BORDER_ENTRIES.name: {"one_row_per_key": ENTRY_KEY},
    contract.IT_WORKERS.name: {**_WORKER_FIGURE_RULES, "one_row_per_key": IT_WORKER_KEY},
    contract.HEADLINE_ESTIMATES.name: {
        "low_le_high": ("low", "high"),
        "has_a_figure": ("low", "high"),
        "one_row_per_key": HEADLINE_KEY,
    },
    contract.POLICY_EVENTS_FILE.name: {
        "figure_has_meaning": ("figure", "figure_meaning"),
        "figure_has_origin": ("origin",),
    },
    contract.REVIEWED_CHANGES.name: {
        "old_value_fits_figure": ("figure", "old_value"),
        "new_value_fits_figure": ("figure", "new_value"),
        "values_differ": ("old_value", "new_value"),
        "one_row_per_key": REVIEW_KEY,
    },
}
