"""Reading the hand-edited CSVs: strict about encoding and shape, forgiving about harmless quirks.

Accepted as they are: a UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around
values, quoted fields with commas or line breaks. Rejected with a message: anything that is not
UTF-8 (a Latin-1 export, say), a header that is missing or adds columns, rows with too many or
too few cells, a quote that is never closed.

One reader for every file: the csv module in strict mode defines what a file means and gives
each record the line it starts on (what an editor shows, and what provenance cites); the cells
become Arrow text columns, trimmed and blank-to-null column by column, so a million rows stay
a matter of seconds.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nk_pipeline.lib.issues import Issue, RawDataError

LINE_COLUMN = "_line"

# exactly the characters str.strip() removes (all of them lie below U+3001), so trimming in
# Arrow gives the same cells as trimming in Python
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


@dataclass(frozen=True)
class RawTable:
    """A raw CSV as text cells, each row remembering the line it starts on."""

    file: str  # path shown to people, relative to the raw folder's parent
    frame: pd.DataFrame
    sha256: str
    size_bytes: int


def sha256_file(path: Path) -> str:
    """A raw file's identity: its data version in Dagster and its line in staging.inputs."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _column_at(data: bytes, offset: int) -> str:
    """The header name of the cell holding byte `offset` (best effort, for error messages)."""
    header_end = data.find(b"\n")
    header = next(csv.reader([data[:header_end].decode("utf-8", "replace").lstrip("\ufeff")]), [])
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", "replace")
    cells = next(csv.reader([prefix + "x"]), [""])
    index = len(cells) - 1
    return header[index].strip() if 0 <= index < len(header) and line_start > 0 else ""


def _check_utf8(data: bytes, file: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise RawDataError(
            [
                Issue(
                    file,
                    line,
                    _column_at(data, exc.start),
                    f"0x{bad}",
                    f"file is not UTF-8 (byte 0x{bad} at offset {exc.start}; Latin-1 or Windows-1252?): "
                    "re-save it as UTF-8",
                )
            ]
        ) from None


def _header_issues(header: list[str], expected: tuple[str, ...], file: str) -> list[Issue]:
    issues = [Issue(file, 1, c, "", "required column is missing from the header") for c in expected if c not in header]
    issues += [
        Issue(file, 1, c, "", f"unknown column; expected exactly: {', '.join(expected)}") for c in header if c not in expected
    ]
    issues += [
        Issue(file, 1, c, "", "column appears twice in the header") for c in sorted({h for h in header if header.count(h) > 1})
    ]
    return issues


def _records(reader, width: int, file: str) -> tuple[list[list[str]], list[int]]:
    """Every non-blank record after the header and the line it starts on; every shape problem at once."""
    issues: list[Issue] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    line = reader.line_num + 1  # where the next record starts
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not "".join(record).strip():
                continue  # blank or all-empty rows carry nothing
            if len(record) != width:
                issues.append(
                    Issue(file, start, "", "", f"row has {len(record)} cells but the header has {width}"
                          " (an unquoted comma, or a missing one?)")
                )
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        reason = (
            "a quoted field is never closed (missing '\"'), so the rest of the file would be one cell"
            if "end of data" in str(exc)
            else f"malformed CSV: {exc}"
        )
        issues.append(Issue(file, line, "", "", reason))
    if issues:
        raise RawDataError(issues)
    return rows, lines


def _text_column(cells) -> pd.arrays.ArrowExtensionArray:
    trimmed = pc.utf8_trim(pa.array(cells, pa.string()), characters=WHITESPACE)
    return pd.arrays.ArrowExtensionArray(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))


def read_raw(path: Path, expected_columns: tuple[str, ...], display_name: str) -> RawTable:
    """A raw CSV as trimmed text cells (blank = missing) with each row's line, or every problem it has."""
    data = path.read_bytes()
    _check_utf8(data, display_name)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RawDataError([Issue(display_name, 1, "", "", f"unreadable CSV header: {exc}")]) from None
    if header is None:
        raise RawDataError([Issue(display_name, 0, "", "", "file is empty: a header row is required")])
    header = [h.strip() for h in header]
    issues = _header_issues(header, expected_columns, display_name)
    if issues:
        raise RawDataError(issues)
    rows, lines = _records(reader, len(header), display_name)
    columns = dict(zip(header, zip(*rows))) if rows else {name: () for name in header}
    frame = pd.DataFrame({name: _text_column(columns[name]) for name in expected_columns})
    frame.insert(0, LINE_COLUMN, pd.array(lines, dtype="int64"))
    return RawTable(display_name, frame, hashlib.sha256(data).hexdigest(), len(data))
