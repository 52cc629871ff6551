"""Run the Pandera contract over a raw table and turn every failure into an `Issue`.

Cross-file rules (a cited source must exist in sources.csv; a country must resolve to an ISO
code) are added to the file's model at run time, because they depend on the other file.
Only a table that passes every rule is converted to typed columns.

Everything here is column-wise: values that repeat (countries, years, figures) are looked at
once per distinct value, and failures become issues as whole columns, so that a million rows,
or a million problems, cost seconds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from nk_pipeline.raw import contract, countries, schemas
from nk_pipeline.raw.reading import LINE_COLUMN, RawTable, read_raw
from nk_pipeline.shared.issues import Issue, RawDataError
from nk_pipeline.shared.settings import shown_path

NUMERIC_COLUMNS = {f.name: f.numeric for f in contract.RAW_FILES if f.numeric}
THOUSANDS = schemas.GROUPED_WHOLE_NUMBER.pattern

BUILTIN_RULES = {
    "not_nullable": "required: must not be blank",
    "field_uniqueness": "must be unique: another row has the same value",
    "column_in_schema": "unknown column",
    "column_in_dataframe": "required column is missing from the header",
}
FK_RULE = "source_id not found in sources.csv (add the source there first)"
COUNTRY_RULE = (
    "country name does not resolve to an ISO 3166-1 code "
    "(fix the spelling, or add it to nk_pipeline/raw/country_aliases.csv)"
)


def _distinct_text(series: pd.Series, rewrite) -> pd.Series:
    """`rewrite` applied once per distinct value (as an object Series), as Arrow text again."""
    codes, values = pd.factorize(series)
    rewritten = pyarrow.array(rewrite(pd.Series(np.asarray(values, dtype=object), dtype=object)), pyarrow.string())
    taken = rewritten.take(pyarrow.array(codes, mask=codes < 0))
    return pd.Series(pd.arrays.ArrowExtensionArray(taken), index=series.index, name=series.name)


def _distinct_integers(series: pd.Series, convert) -> pd.Series:
    """`convert` (text → Int64) applied once per distinct value; blank stays <NA>."""
    codes, values = pd.factorize(series)
    converted = pd.array(convert(pd.Series(np.asarray(values, dtype=object), dtype=object)), dtype="Int64")
    return pd.Series(converted.take(codes, allow_fill=True), index=series.index, name=series.name)


def _without_separators(values: pd.Series) -> pd.Series:
    # only a value with a comma can be a grouped figure; most have none
    candidates = values[values.str.contains(",", regex=False)]
    grouped = candidates[candidates.str.fullmatch(THOUSANDS)]
    return values.where(~values.index.isin(grouped.index), values.str.replace(",", "", regex=False))


def strip_thousands_separators(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Accept '94,000' as 94000 in numeric columns: people paste figures as sources print them."""
    frame = frame.copy()
    for column in NUMERIC_COLUMNS.get(name, ()):
        frame[column] = _distinct_text(frame[column], _without_separators)
    return frame


def _known_source(source_ids: frozenset[str]):
    def check(series: pd.Series) -> pd.Series:
        return series.isna() | series.isin(source_ids)

    return check


def _resolvable_country(series: pd.Series) -> pd.Series:
    return schemas.per_distinct(series, lambda names: names.map(countries.to_iso3).notna())


# A rule broken by more rows than this lists the first of them and says there are more: a file of
# a million bad rows is refused as quickly, and in as little memory, as one of a few (Pandera is
# asked for one row more, to know). Nobody fixes a file from its millionth problem.
LISTED_PER_RULE = 1_000


def more_than_listed(file: str, rule: str) -> Issue:
    """The problem that says a rule is broken by more rows than the problems list."""
    return Issue(file, 0, "", "", f"more than {LISTED_PER_RULE:,} rows break this rule, the first listed: {rule}")


def schema_for(name: str, source_ids: frozenset[str] | None) -> pa.DataFrameSchema:
    # a copy: the model's schema is cached and shared, and its checks are capped below
    schema = copy.deepcopy(schemas.MODELS[name].to_schema())
    updates = {}
    if source_ids is not None and "source_id" in schema.columns:
        column = schema.columns["source_id"]
        updates["source_id"] = {
            "checks": [*column.checks, pa.Check(_known_source(source_ids), name="known_source", error=FK_RULE)]
        }
    if "country" in schema.columns:
        column = schema.columns["country"]
        updates["country"] = {
            "checks": [*column.checks, pa.Check(_resolvable_country, name="country_resolves", error=COUNTRY_RULE)]
        }
    schema = schema.update_columns(updates) if updates else schema
    for check in [*schema.checks, *(c for column in schema.columns.values() for c in column.checks)]:
        check.n_failure_cases = LISTED_PER_RULE + 1
    return schema


def _rule_text(check: str) -> str:
    base = str(check).split("(")[0]
    return BUILTIN_RULES.get(base, str(check))


def _text(values: pd.Series) -> pd.Series:
    """Cells as the issue shows them: blank for missing, the value's text otherwise."""
    return values.astype(object).where(values.notna(), "").astype(str)


def _row_rule_issues(raw: RawTable, relevant: tuple[str, ...], cases: pd.DataFrame) -> pd.DataFrame:
    """Whole-row rule: one issue per row, showing the cells the rule is about.

    Pandera lists such a row once per column and leaves its blank cells out, so the row is
    what counts, not which of its columns happen to be listed.
    """
    if not relevant:
        return cases.assign(value=_text(cases["failure_case"]), rule=cases["check"])
    cases = cases.drop_duplicates("index")
    rows = raw.frame.loc[cases["index"].to_numpy()]
    shown = pd.Series("", index=rows.index)
    for position, column in enumerate(relevant):
        shown = shown + ("; " if position else "") + f"{column}=" + _text(rows[column])
    return cases.assign(column=", ".join(relevant), value=shown.to_numpy(), rule=cases["check"])


def failures_to_issues(
    raw: RawTable, name: str, failure_cases: pd.DataFrame, schema: pa.DataFrameSchema
) -> list[Issue]:
    row_rules = {c.error: schemas.ROW_RULE_COLUMNS.get(name, {}).get(c.name, ()) for c in schema.checks}
    index = pd.to_numeric(failure_cases["index"], errors="coerce").to_numpy(dtype=float)
    cases = pd.DataFrame(
        {
            "column": _text(failure_cases["column"]).to_numpy(),
            "check": failure_cases["check"].astype(str).to_numpy(),
            "failure_case": failure_cases["failure_case"].astype(object).to_numpy(),
        }
    )
    whole_file = np.isnan(index)
    parts = []
    if whole_file.any():
        # a problem of the file, not of a row (an unknown or missing column): line 1, the header
        file_cases = cases[whole_file]
        named = file_cases["column"].where(file_cases["column"] != "", _text(file_cases["failure_case"]))
        parts.append(file_cases.assign(line=1, column=named, value="", rule=file_cases["check"].map(_rule_text)))
    lines = raw.frame[LINE_COLUMN]
    cases = cases[~whole_file].assign(index=index[~whole_file].astype(np.int64))
    cases["line"] = lines.to_numpy()[lines.index.get_indexer(cases["index"])]
    by_row = cases["check"].isin(row_rules.keys()).to_numpy()
    for rule, group in cases[by_row].groupby("check", sort=False):
        parts.append(_row_rule_issues(raw, row_rules[rule], group))
    cells = cases[~by_row]
    parts.append(cells.assign(value=_text(cells["failure_case"]), rule=cells["check"].map(_rule_text)))
    issues = pd.concat(parts, ignore_index=True).sort_values(["line", "column"], kind="stable")
    # a rule's first rows, and whether it has more (a built-in rule, such as a blank where a value
    # is required, is not capped by Pandera: it is here)
    row = issues.groupby("rule", sort=False)["line"].rank(method="dense")  # a rule's rows, 1, 2, …
    more = sorted(set(issues.loc[row > LISTED_PER_RULE, "rule"]))
    issues = issues[row <= LISTED_PER_RULE]
    listed = list(
        map(
            Issue,
            [raw.file] * len(issues),
            issues["line"].astype(int).tolist(),
            issues["column"],
            issues["value"],
            issues["rule"],
        )
    )
    return listed + [more_than_listed(raw.file, rule) for rule in more]


def too_long(raw: RawTable, spec: contract.RawFile) -> list[Issue]:
    """Every cell longer than its column may hold (contract.MAX_CHARS_BY_COLUMN), measured in
    Arrow without copying a cell."""
    issues = []
    lines = raw.frame[LINE_COLUMN].to_numpy()
    for column in spec.columns:
        limit = spec.max_chars(column)
        lengths = pc.utf8_length(schemas.arrow_text(raw.frame[column]))
        over = np.flatnonzero(pc.fill_null(pc.greater(lengths, limit), False).to_numpy(zero_copy_only=False))
        rule = f"longer than the {limit:,} characters a cell of {column} may hold (raw/README.md, Limits)"
        listed = over[:LISTED_PER_RULE].tolist()
        issues += [Issue(raw.file, int(lines[row]), column, raw.frame[column].iloc[row], rule) for row in listed]
        if len(over) > LISTED_PER_RULE:
            issues.append(more_than_listed(raw.file, rule))
    return issues


def check_table(raw: RawTable, name: str, source_ids: Iterable[str] | None = None) -> list[Issue]:
    """Every contract violation in one raw table (empty list when it is valid).

    Cells too long are looked for first, and alone: every other rule reads the cells, some copy
    them, so a file with a cell of megabytes is refused before they run."""
    spec = contract.RAW_FILES_BY_NAME[name]
    long_cells = too_long(raw, spec)
    if long_cells:
        return sorted(set(long_cells))
    frame = strip_thousands_separators(raw.frame, name).drop(columns=[LINE_COLUMN])
    schema = schema_for(name, frozenset(source_ids) if source_ids is not None else None)
    if frame.empty:
        if spec.may_be_empty:
            return []
        return [Issue(raw.file, 0, "", "", "file has a header but no data rows")]
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return sorted(set(failures_to_issues(raw, name, errors.failure_cases, schema)))
    return []


def _year_of(dates: pd.Series) -> pd.Series:
    return pd.to_numeric(dates.str.slice(0, 4))


def to_typed(raw: RawTable, name: str) -> pd.DataFrame:
    """Typed columns for a table that passed `check_table`; keeps the line for provenance."""
    frame = strip_thousands_separators(raw.frame, name)
    for column in NUMERIC_COLUMNS.get(name, ()):
        frame[column] = _distinct_integers(frame[column], pd.to_numeric)
    if "country" in frame.columns:
        iso3 = _distinct_text(frame["country"], lambda names: names.map(countries.to_iso3))
        frame.insert(frame.columns.get_loc("country") + 1, "iso3", iso3)
    if "host" in frame.columns:
        frame.insert(frame.columns.get_loc("host") + 1, "host_iso3", frame["host"].map(countries.to_iso3))
    if name == contract.SOURCES.name:
        frame["published_year"] = _distinct_integers(frame["published"], _year_of)
        frame["official"] = frame["kind"].isin(contract.OFFICIAL_SOURCE_KINDS).astype(bool)
    if name == contract.POLICY_EVENTS_FILE.name:
        frame["year"] = _distinct_integers(frame["date"], _year_of)
    return frame.rename(columns={LINE_COLUMN: "source_line"}).reset_index(drop=True)


def _read(folder: Path, spec: contract.RawFile) -> RawTable | list[Issue]:
    path = folder / spec.filename
    try:
        return read_raw(path, spec.columns, shown_path(path), spec.max_bytes)
    except FileNotFoundError:
        return [Issue(shown_path(path), 0, "", "", f"file not found in {shown_path(folder)}")]
    except RawDataError as error:
        return error.issues


def check_folder(folder: Path) -> dict[str, tuple[RawTable | None, list[Issue]]]:
    """Every raw CSV of a folder read and checked: file name → (its table, or None; its problems).

    Every file is checked even when another one fails, so a curator sees every problem at once;
    a citing file is checked against sources.csv whenever that file could be read at all.
    """
    read = {spec.name: _read(folder, spec) for spec in contract.RAW_FILES}
    sources = read[contract.SOURCES.name]
    known = set(sources.frame["source_id"].dropna()) if isinstance(sources, RawTable) else None
    checked = {}
    for spec in contract.RAW_FILES:
        table = read[spec.name]
        if isinstance(table, RawTable):
            checked[spec.name] = (
                table,
                check_table(table, spec.name, known if spec in contract.CITING_FILES else None),
            )
        else:
            checked[spec.name] = (None, table)
    return checked


def validate(raw: RawTable, name: str, source_ids: Iterable[str] | None = None) -> pd.DataFrame:
    issues = check_table(raw, name, source_ids)
    if issues:
        raise RawDataError(issues)
    return to_typed(raw, name)
