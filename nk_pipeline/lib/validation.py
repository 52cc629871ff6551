"""Run the Pandera contract over a raw table and turn every failure into an `Issue`.

Cross-file rules (a cited source must exist in sources.csv; a country must resolve to an ISO
code) are added to the file's model at run time, because they depend on the other file.
Only a table that passes every rule is converted to typed columns.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from nk_pipeline.lib import contract, countries, schemas
from nk_pipeline.lib.issues import Issue, RawDataError
from nk_pipeline.lib.reading import LINE_COLUMN, RawTable

NUMERIC_COLUMNS = {
    "country_estimates": ("workers_low", "workers_high", "reference_year"),
    "restaurants": ("reference_year",),
    "china_entries": ("year", "entrants"),
    "headline_estimates": ("year", "low", "high"),
    "policy_events": ("figure",),
}
THOUSANDS = r"^\d{1,3}(?:,\d{3})+$"

BUILTIN_RULES = {
    "not_nullable": "required: must not be blank",
    "field_uniqueness": "must be unique: another row has the same value",
    "column_in_schema": "unknown column",
    "column_in_dataframe": "required column is missing from the header",
}
FK_RULE = "source_id not found in sources.csv (add the source there first)"
COUNTRY_RULE = (
    "country name does not resolve to an ISO 3166-1 code "
    "(fix the spelling, or add it to nk_pipeline/lib/country_aliases.csv)"
)


def strip_thousands_separators(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Accept '94,000' as 94000 in numeric columns: people paste figures as sources print them."""
    frame = frame.copy()
    for column in NUMERIC_COLUMNS.get(name, ()):
        cells = frame[column]
        grouped = cells.str.fullmatch(THOUSANDS).astype("boolean").fillna(False).astype(bool)
        frame.loc[grouped, column] = cells[grouped].str.replace(",", "", regex=False)
    return frame


def _known_source(source_ids: frozenset[str]):
    def check(series: pd.Series) -> pd.Series:
        return series.isna() | series.isin(source_ids)

    return check


def _resolvable_country(series: pd.Series) -> pd.Series:
    return series.isna() | series.map(lambda name: countries.to_iso3(name) is not None, na_action="ignore").astype(bool)


def schema_for(name: str, source_ids: frozenset[str] | None) -> pa.DataFrameSchema:
    schema = schemas.MODELS[name].to_schema()
    updates = {}
    if source_ids is not None and "source_id" in schema.columns:
        column = schema.columns["source_id"]
        updates["source_id"] = {"checks": [*column.checks, pa.Check(_known_source(source_ids), name="known_source", error=FK_RULE)]}
    if "country" in schema.columns:
        column = schema.columns["country"]
        updates["country"] = {
            "checks": [*column.checks, pa.Check(_resolvable_country, name="country_resolves", error=COUNTRY_RULE)]
        }
    return schema.update_columns(updates) if updates else schema


def _rule_text(check: str) -> str:
    base = str(check).split("(")[0]
    return BUILTIN_RULES.get(base, str(check))


def failures_to_issues(raw: RawTable, name: str, failure_cases: pd.DataFrame, schema: pa.DataFrameSchema) -> list[Issue]:
    lines = raw.frame[LINE_COLUMN]
    row_rules = {c.error: schemas.ROW_RULE_COLUMNS.get(name, {}).get(c.name, ()) for c in schema.checks}
    issues: list[Issue] = []
    for case in failure_cases.itertuples(index=False):
        column = "" if pd.isna(case.column) else str(case.column)
        check = str(case.check)
        value = "" if pd.isna(case.failure_case) else str(case.failure_case)
        if case.index is None or pd.isna(case.index):
            issues.append(Issue(raw.file, 1, column or value, "", _rule_text(check)))
            continue
        line = int(lines.loc[case.index])
        if check in row_rules:
            relevant = row_rules[check]
            if relevant and column not in relevant:
                continue
            row = raw.frame.loc[case.index]
            shown = "; ".join(f"{c}={'' if pd.isna(row[c]) else row[c]}" for c in relevant) if relevant else value
            issues.append(Issue(raw.file, line, ", ".join(relevant), shown, check))
            continue
        issues.append(Issue(raw.file, line, column, value, _rule_text(check)))
    return issues


def check_table(raw: RawTable, name: str, source_ids: Iterable[str] | None = None) -> list[Issue]:
    """Every contract violation in one raw table (empty list when it is valid)."""
    frame = strip_thousands_separators(raw.frame, name).drop(columns=[LINE_COLUMN])
    schema = schema_for(name, frozenset(source_ids) if source_ids is not None else None)
    if frame.empty:
        return [Issue(raw.file, 0, "", "", "file has a header but no data rows")]
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return sorted(set(failures_to_issues(raw, name, errors.failure_cases, schema)))
    return []


def to_typed(raw: RawTable, name: str) -> pd.DataFrame:
    """Typed columns for a table that passed `check_table`; keeps the line for provenance."""
    frame = strip_thousands_separators(raw.frame, name)
    for column in NUMERIC_COLUMNS.get(name, ()):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    if "country" in frame.columns:
        frame.insert(frame.columns.get_loc("country") + 1, "iso3", frame["country"].map(countries.to_iso3, na_action="ignore"))
    if name == contract.SOURCES.name:
        frame["published_year"] = pd.to_numeric(frame["published"].str.slice(0, 4)).astype("Int64")
    if name == contract.POLICY_EVENTS_FILE.name:
        frame["year"] = pd.to_numeric(frame["date"].str.slice(0, 4)).astype("Int64")
    return frame.rename(columns={LINE_COLUMN: "source_line"}).reset_index(drop=True)


def validate(raw: RawTable, name: str, source_ids: Iterable[str] | None = None) -> pd.DataFrame:
    issues = check_table(raw, name, source_ids)
    if issues:
        raise RawDataError(issues)
    return to_typed(raw, name)
