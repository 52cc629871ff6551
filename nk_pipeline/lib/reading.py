"""Reading the hand-edited CSVs: strict about encoding and shape, forgiving about harmless quirks.

Accepted as they are: a UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around
values, quoted fields with commas or line breaks. Rejected with a message: anything that is not
UTF-8 (a Latin-1 export, say), a header that is missing or adds columns, rows with too many or
too few cells.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nk_pipeline.lib.issues import Issue, RawDataError

LINE_COLUMN = "_line"


@dataclass(frozen=True)
class RawTable:
    """A raw CSV as text cells, each row remembering the line it starts on."""

    file: str  # path shown to people, relative to the raw folder's parent
    frame: pd.DataFrame
    sha256: str
    size_bytes: int


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _column_at(data: bytes, offset: int) -> str:
    """The header name of the cell holding byte `offset` (best effort, for error messages)."""
    header_end = data.find(b"\n")
    header = next(csv.reader([data[:header_end].decode("utf-8", "replace").lstrip("\ufeff")]), [])
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", "replace")
    cells = next(csv.reader([prefix + "x"]), [""])
    index = len(cells) - 1
    return header[index].strip() if 0 <= index < len(header) and line_start > 0 else ""


def decode_utf8(data: bytes, file: str) -> str:
    try:
        text = data.decode("utf-8")
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
    return text.removeprefix("\ufeff")


def read_csv_text(path: Path, expected_columns: tuple[str, ...], display_name: str) -> RawTable:
    data = path.read_bytes()
    text = decode_utf8(data, display_name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    issues: list[Issue] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RawDataError([Issue(display_name, 1, "", "", f"unreadable CSV header: {exc}")]) from None
    if header is None:
        raise RawDataError([Issue(display_name, 0, "", "", "file is empty: a header row is required")])
    header = [h.strip() for h in header]
    missing = [c for c in expected_columns if c not in header]
    unknown = [c for c in header if c not in expected_columns]
    for column in missing:
        issues.append(Issue(display_name, 1, column, "", "required column is missing from the header"))
    for column in unknown:
        issues.append(
            Issue(display_name, 1, column, "", f"unknown column; expected exactly: {', '.join(expected_columns)}")
        )
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        issues.extend(Issue(display_name, 1, c, "", "column appears twice in the header") for c in dupes)
    if issues:
        raise RawDataError(issues)

    rows: list[list[str]] = []
    lines: list[int] = []
    line = reader.line_num + 1  # where the next record starts
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue  # blank or all-empty rows carry nothing
            if len(record) != len(header):
                issues.append(
                    Issue(
                        display_name,
                        start,
                        "",
                        "",
                        f"row has {len(record)} cells but the header has {len(header)}"
                        " (an unquoted comma, or a missing one?)",
                    )
                )
                continue
            rows.append([cell.strip() for cell in record])
            lines.append(start)
    except csv.Error as exc:
        reason = (
            "a quoted field is never closed (missing '\"'), so the rest of the file would be one cell"
            if "end of data" in str(exc)
            else f"malformed CSV: {exc}"
        )
        issues.append(Issue(display_name, line, "", "", reason))
    if issues:
        raise RawDataError(issues)

    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.replace({"": None})[list(expected_columns)]
    frame.insert(0, LINE_COLUMN, pd.array(lines, dtype="int64"))
    return RawTable(display_name, frame, sha256_bytes(data), len(data))
