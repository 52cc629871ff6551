"""A validation problem a person can act on: which file, which line, which column, what rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import pandas as pd

MAX_LISTED = 200


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    line: int  # as an editor shows it: the header is line 1; 0 means the whole file
    column: str  # blank when the problem is the whole row or file
    value: str
    rule: str

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}" if self.line else self.file]
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.value != "":
            parts.append(f"value {self.value!r}")
        elif self.column:
            parts.append("(blank)")
        return f"{': '.join(parts[:1])}: {' '.join(parts[1:])}{': ' if len(parts) > 1 else ''}{self.rule}"


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    rows = [asdict(i) for i in sorted(set(issues))]
    return pd.DataFrame(rows, columns=["file", "line", "column", "value", "rule"])


def format_issues(issues: Sequence[Issue], limit: int = MAX_LISTED) -> str:
    ordered = sorted(set(issues))
    lines = [str(i) for i in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"... and {len(ordered) - limit} more")
    return "\n".join(lines)


class RawDataError(ValueError):
    """Raised when a raw file breaks the data contract; carries every problem found, not just the first."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = sorted(set(issues))
        files = sorted({i.file for i in self.issues})
        header = f"{len(self.issues)} problem(s) in {', '.join(files)}:"
        super().__init__(f"{header}\n{format_issues(self.issues)}")
