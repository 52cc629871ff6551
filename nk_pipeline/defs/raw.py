"""Ingest: read each raw file as people wrote it, and record its sha256 as the asset's data version."""


from pathlib import Path

import dagster as dg

from nk_pipeline.asset_metadata import preview
from nk_pipeline.lib import contract
from nk_pipeline.lib.issues import Issue, RawDataError, issues_frame
from nk_pipeline.lib.reading import LINE_COLUMN, RawTable, read_csv_text, sha256_bytes
from nk_pipeline.lib.spreadsheet_text import formula_like_cells
from nk_pipeline.resources import PathsResource
from nk_pipeline.settings import PROJECT_ROOT



def _shown_path(path: Path) -> str:
    """How error messages name a file: relative to the project when inside it, else in full."""
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def raw_asset(spec: contract.RawFile) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", spec.name],
        kinds={"csv"},
        description=f"raw/{spec.filename}: {spec.description}",
    )
    def _ingest(context: dg.AssetExecutionContext, paths: PathsResource) -> dg.Output[RawTable]:
        folder = paths.paths.raw_dir
        display = _shown_path(folder / spec.filename)
        path = folder / spec.filename
        if not path.exists():
            raise dg.Failure(f"{display}: file not found in {folder}")
        try:
            table = read_csv_text(path, spec.columns, display)
        except RawDataError as error:
            raise dg.Failure(
                description=str(error),
                metadata={"issues": dg.MetadataValue.md(issues_frame(error.issues).to_markdown(index=False))},
            ) from None
        return dg.Output(
            table,
            data_version=dg.DataVersion(table.sha256),
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "sha256": table.sha256,
                "size_bytes": table.size_bytes,
                "dagster/row_count": len(table.frame),
                "preview": preview(table.frame),
            },
        )

    return _ingest


RAW_ASSETS = [raw_asset(spec) for spec in contract.RAW_FILES]


@dg.asset(
    key=["raw", "boundaries"],
    kinds={"topojson"},
    description="raw/reference/countries-50m.json: Natural Earth 1:50m admin-0 boundaries (world-atlas 2.0.2).",
)
def raw_boundaries(paths: PathsResource) -> dg.Output[str]:
    path = paths.paths.raw_dir / contract.BOUNDARIES_PATH
    if not path.exists():
        raise dg.Failure(f"{path}: boundaries file not found (see raw/reference/README.md for its origin)")
    digest = sha256_bytes(path.read_bytes())
    return dg.Output(
        str(path),
        data_version=dg.DataVersion(digest),
        metadata={"path": dg.MetadataValue.path(str(path)), "sha256": digest, "size_bytes": path.stat().st_size},
    )


FORMULA_TEXT_CHECK = "no_formula_like_text"
FORMULA_TEXT_RULE = "starts like a spreadsheet formula: published with a leading apostrophe in CSV and XLSX"


def formula_text_check(spec: contract.RawFile) -> dg.AssetChecksDefinition:
    """A warning, not a block: every export defuses such text anyway, and a true quote may begin with
    '-' or '+'; but in a hand-typed file it is more often a paste from a hostile page, worth a look."""

    @dg.asset_check(
        asset=["raw", spec.name],
        name=FORMULA_TEXT_CHECK,
        blocking=False,
        description=f"No cell of raw/{spec.filename} starts like a spreadsheet formula (=, +, -, @, tab, CR).",
    )
    def _check(raw_table: RawTable) -> dg.AssetCheckResult:
        issues = [
            Issue(raw_table.file, line, column, value, FORMULA_TEXT_RULE)
            for line, column, value in formula_like_cells(raw_table.frame, LINE_COLUMN)
        ]
        return dg.AssetCheckResult(
            passed=not issues,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "cells": len(issues),
                "issues": dg.MetadataValue.md(issues_frame(issues).to_markdown(index=False)) if issues else "none",
            },
            description="\n".join(map(str, issues)) or None,
        )

    return _check


FORMULA_TEXT_CHECKS = [formula_text_check(spec) for spec in contract.RAW_FILES]
