"""What the assets report, in one place: the metadata that makes every materialization explain
itself, the marts' checks (blocking, and the research queue's warning: the queries are in
nk_pipeline/marts/sql/checks.sql), the contract check of each staging table and the
formula-text warning (a raw cell that starts like a spreadsheet formula).

The formula text is a warning, not a block: every CSV and spreadsheet export defuses such text
anyway (shared/spreadsheet_text), and a true quote may begin with '-' or '+'; but in a hand-typed
file it is more often a paste from a hostile page, so the curator is shown file, line, column and
value.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from nk_pipeline.marts.build import BuiltMart
from nk_pipeline.marts.sql_checks import checks_of
from nk_pipeline.raw import contract
from nk_pipeline.shared.issues import Issue, RawDataError, format_issues, issues_frame
from nk_pipeline.shared.tables import PREVIEW_ROWS, Table
from nk_pipeline.shared.terminal_text import preview as cut

# --- metadata ---------------------------------------------------------------------------------

# Metadata is kept in the run history for good, one copy per run: previews, never payloads, so
# that the history stays small whatever the inputs hold. A cell of a preview shows this much of
# its text, a markdown value this much in all (a longer one ends saying where the rest is).
MAX_PREVIEW_CELL_CHARS = 200
MAX_MARKDOWN_CHARS = 100_000


def markdown(text: str, rest: str | None = None) -> dg.MetadataValue:
    """A markdown metadata value of at most MAX_MARKDOWN_CHARS characters (and a last line saying
    how much was cut, and where `rest` of it is)."""
    if len(text) > MAX_MARKDOWN_CHARS:
        where = f": the whole is in {rest}" if rest else ""
        text = f"{text[:MAX_MARKDOWN_CHARS]}\n\n… cut at {MAX_MARKDOWN_CHARS:,} of {len(text):,} characters{where}"
    return dg.MetadataValue.md(text)


def _cut_cell(value: object) -> object:
    return cut(value, MAX_PREVIEW_CELL_CHARS) if isinstance(value, str) else value


def _cut_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell longer than MAX_PREVIEW_CELL_CHARS cut to a preview."""
    frame = frame.copy()
    for column in frame.columns:
        if any(isinstance(v, str) and len(v) > MAX_PREVIEW_CELL_CHARS for v in frame[column].tolist()):
            frame[column] = frame[column].astype(object).map(_cut_cell)
    return frame


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    return markdown(_cut_cells(frame.head(rows)).to_markdown(index=False))


def table_metadata(frame: pd.DataFrame, table: Table | None = None) -> dict[str, object]:
    columns = [
        dg.TableColumn(name, str(dtype), description=(table.columns.get(name) if table else None))
        for name, dtype in frame.dtypes.items()
    ]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": dg.TableSchema(columns=columns),
        "preview": preview(frame),
    }


def files_list(paths: list[Path], folder: Path) -> dg.MetadataValue:
    """A list of files (as paths within `folder`) and their sizes."""
    return dg.MetadataValue.md(
        "\n".join(f"- `{p.relative_to(folder).as_posix()}` ({p.stat().st_size:,} bytes)" for p in paths)
    )


def file_metadata(path: Path, **extra: object) -> dict[str, object]:
    return {"path": dg.MetadataValue.path(str(path)), "size_bytes": path.stat().st_size, **extra}


# --- the marts' checks -------------------------------------------------------------------


def check_specs(mart: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name,
            asset=["marts", mart],
            blocking=blocking,
            description=(
                f"No row breaks the rule (query '{name}' in nk_pipeline/marts/sql/checks.sql)."
                if blocking
                else f"A warning: lists the rows of query '{name}' in nk_pipeline/marts/sql/checks.sql; never holds the publish."
            ),
        )
        for name, blocking in checks_of(mart)
    ]


def check_results(built: BuiltMart) -> list[dg.AssetCheckResult]:
    results = []
    for check in built.checks:
        metadata = {"offending_rows": len(check.offending)}
        if len(check.offending):
            metadata["examples"] = preview(check.offending, 20)
        results.append(
            dg.AssetCheckResult(
                asset_key=["marts", built.table.name],
                check_name=check.name,
                passed=check.passed,
                metadata=metadata,
                severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
            )
        )
    return results


# --- the staging tables' checks ----------------------------------------------------------

CONTRACT_CHECK = "contract"


def contract_result(spec: contract.RawFile, issues: list[Issue], rows: int) -> dg.AssetCheckResult:
    key = dg.AssetKey(["staging", spec.name])
    if not issues:
        return dg.AssetCheckResult(
            asset_key=key, check_name=CONTRACT_CHECK, passed=True, metadata={"rows_checked": rows}
        )
    error = RawDataError(issues)
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CONTRACT_CHECK,
        passed=False,
        description=str(error),
        metadata={
            "file": issues[0].file,
            "problem_count": len(error.issues),
            "issues": markdown(issues_frame(error.issues).to_markdown(index=False)),
        },
    )


FORMULA_TEXT_CHECK = "no_formula_like_text"


def formula_text_spec(spec: contract.RawFile) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        FORMULA_TEXT_CHECK,
        asset=["staging", spec.name],
        blocking=False,
        description=f"No cell of raw/{spec.filename} starts like a spreadsheet formula (=, +, -, @, tab, CR).",
    )


def formula_text_result(spec: contract.RawFile, issues: list[Issue]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["staging", spec.name]),
        check_name=FORMULA_TEXT_CHECK,
        passed=not issues,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "cells": len(issues),
            "issues": markdown(issues_frame(issues).to_markdown(index=False)) if issues else "none",
        },
        description=format_issues(issues) or None,
    )


# --- the release's checks ----------------------------------------------------------------

SPREADSHEET_CUTS_CHECK = "nothing_cut_from_spreadsheet"
SPREADSHEET_KEY = dg.AssetKey(["data", "reports_xlsx"])


def spreadsheet_cuts_spec() -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        SPREADSHEET_CUTS_CHECK,
        asset=SPREADSHEET_KEY,
        blocking=False,
        description="reports.xlsx holds every row, character and link: nothing was over a spreadsheet's limits "
        "(the About sheet states the rule and lists any cut; the CSV and Parquet files always hold everything).",
    )


def spreadsheet_cuts_result(cuts: list[str]) -> dg.AssetCheckResult:
    """A warning, not a block: the cut is stated in the workbook and the full data is in the CSV and Parquet."""
    return dg.AssetCheckResult(
        asset_key=SPREADSHEET_KEY,
        check_name=SPREADSHEET_CUTS_CHECK,
        passed=not cuts,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"cuts": len(cuts), "details": dg.MetadataValue.md("\n".join(f"- {c}" for c in cuts) or "none")},
        description="\n".join(f"reports.xlsx: {c}" for c in cuts) or None,
    )
