"""The `no_formula_like_text` check of each staging table: raw cells that start like a formula.

A warning, not a block: every CSV and spreadsheet export defuses such text anyway
(lib/spreadsheet_text), and a true quote may begin with '-' or '+'; but in a hand-typed file it
is more often a paste from a hostile page, so the curator is shown file, line, column and value.
"""

from __future__ import annotations

import dagster as dg

from nk_pipeline.lib import contract
from nk_pipeline.lib.issues import Issue, issues_frame
from nk_pipeline.lib.reading import LINE_COLUMN, RawTable
from nk_pipeline.lib.spreadsheet_text import formula_like_cells

FORMULA_TEXT_CHECK = "no_formula_like_text"
FORMULA_TEXT_RULE = "starts like a spreadsheet formula: published with a leading apostrophe in CSV and XLSX"


def formula_text_spec(spec: contract.RawFile) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        FORMULA_TEXT_CHECK,
        asset=["staging", spec.name],
        blocking=False,
        description=f"No cell of raw/{spec.filename} starts like a spreadsheet formula (=, +, -, @, tab, CR).",
    )


def formula_text_result(spec: contract.RawFile, table: RawTable) -> dg.AssetCheckResult:
    issues = [
        Issue(table.file, line, column, value, FORMULA_TEXT_RULE)
        for line, column, value in formula_like_cells(table.frame, LINE_COLUMN)
    ]
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["staging", spec.name]),
        check_name=FORMULA_TEXT_CHECK,
        passed=not issues,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "cells": len(issues),
            "issues": dg.MetadataValue.md(issues_frame(issues).to_markdown(index=False)) if issues else "none",
        },
        description="\n".join(map(str, issues)) or None,
    )
