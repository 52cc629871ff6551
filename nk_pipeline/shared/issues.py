"""A validation problem a person can act on: which file, which line, which column, what rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from nk_pipeline.shared.terminal_text import preview, visible

# problems listed in a message or in a check's metadata; the count says how many more there are
MAX_LISTED = 200


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    line: int  # as an editor shows it: the header is line 1; 0 means the whole file
    column: str  # blank when the problem is the whole row or file
    value: str
    rule: str

    def __post_init__(self) -> None:
        # an issue quotes a value (or a header name) as a preview, never whole: a cell may be as
        # long as its file, and the issue is printed, logged and kept in the run's metadata
        object.__setattr__(self, "column", preview(self.column))
        object.__setattr__(self, "value", preview(self.value))

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}" if self.line else self.file]
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.value != "":
            parts.append(f"value {self.value!r}")
        elif self.column:
            parts.append("(blank)")
        text = f"{': '.join(parts[:1])}: {' '.join(parts[1:])}{': ' if len(parts) > 1 else ''}{self.rule}"
        return visible(text)  # raw text reaches a terminal: no escape sequence or direction override acts


def issues_frame(issues: Iterable[Issue], limit: int = MAX_LISTED) -> pd.DataFrame:
    """The first `limit` issues as a table (for a check's metadata), raw text made visible."""
    rows = [asdict(i) for i in sorted(set(issues))[:limit]]
    frame = pd.DataFrame(rows, columns=["file", "line", "column", "value", "rule"])
    for column in ("file", "column", "value", "rule"):
        frame[column] = frame[column].map(visible)
    return frame


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
