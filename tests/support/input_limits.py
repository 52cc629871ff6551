"""Reading and editing a copy of the raw folder, for the unit and system tiers' limit tests."""

from __future__ import annotations

import csv
from pathlib import Path

from nk_pipeline.shared.issues import Issue
from nk_pipeline.staging.validation import check_folder


def problems(raw: Path) -> list[Issue]:
    return [issue for _, issues in check_folder(raw).values() for issue in issues]


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Cell `column` of the row on `line` (the header is line 1; the shipped files have no quoted
    line breaks, so a row's line is its position)."""
    rows = rows_of(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def only_issue(found: list[Issue]) -> Issue:
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]
