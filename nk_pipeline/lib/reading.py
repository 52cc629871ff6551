"""Reading the hand-edited CSVs: strict about encoding and shape, forgiving about harmless quirks.

Accepted as they are: a UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around
values, quoted fields with commas or line breaks. Rejected with a message: anything that is not
UTF-8 (a Latin-1 export, say), a header that is missing or adds columns, rows with too many or
too few cells.

The csv module (strict mode) defines what a file means, and reads every file whose quoting is
unusual or wrong, record by record, wording every problem with its line. A file whose quoting
is plain (nearly every real one) is parsed by Arrow's CSV reader instead, into Arrow string
columns, with line numbers worked out from the bytes, and kept only if it agrees with the layout
the bytes imply. Why two: the csv module alone measured 11.4 s for a 10^6-row file on this
project's 2-core machine, Arrow 0.6 s; Arrow alone cannot say on which line a file goes wrong.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from nk_pipeline.lib.issues import Issue, RawDataError

LINE_COLUMN = "_line"

# Arrow's CSV reader parses blocks of this size on all cores; a block size is an int32.
BLOCK_BYTES = 1 << 22
MAX_BLOCK_BYTES = 2**31 - 1
# exactly the characters str.strip() removes (all of them lie below U+3001), so trimming in
# Arrow gives the same cells as trimming in Python
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
QUOTE, COMMA, LF, CR = (ord(c) for c in '",\n\r')


@dataclass(frozen=True)
class RawTable:
    """A raw CSV as text cells, each row remembering the line it starts on."""

    file: str  # path shown to people, relative to the raw folder's parent
    frame: pd.DataFrame
    sha256: str
    size_bytes: int


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """A raw file's identity: its data version in Dagster and its line in staging.inputs."""
    return sha256_bytes(path.read_bytes())


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


def _trimmed(cells: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_trim(cells, characters=WHITESPACE)


def _blank_to_null(cells: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    return pc.if_else(pc.equal(cells, ""), pa.scalar(None, pa.string()), cells)


def _doubled_quotes(raw: np.ndarray, quotes: np.ndarray) -> int | None:
    """How many '""' the quoted fields hold, or None unless every '"' opens, closes or doubles.

    In such a file Arrow's parser and the csv module agree cell for cell, and a line end is
    inside a quoted field exactly when an odd number of quotes precede it. Anything else — a
    stray quote inside a bare field, text after a closing quote, an unclosed quote — is left to
    the csv module, whose strict mode defines what it means.
    """
    if len(quotes) % 2:
        return None
    if not len(quotes):
        return 0
    size = len(raw)
    after_quote = np.zeros(len(quotes), dtype=bool)
    after_quote[1:] = quotes[1:] == quotes[:-1] + 1
    before_quote = np.zeros(len(quotes), dtype=bool)
    before_quote[:-1] = after_quote[1:]
    previous = raw[np.maximum(quotes - 1, 0)]
    following = raw[np.minimum(quotes + 1, size - 1)]
    opens_field = (quotes == 0) | (previous == COMMA) | (previous == LF) | (previous == CR)
    closes_field = (quotes + 1 == size) | (following == COMMA) | (following == LF) | (following == CR)
    # quotes alternate between entering a field (even position) and leaving it (odd position)
    entering = np.arange(len(quotes)) % 2 == 0
    if not np.all(np.where(entering, opens_field | after_quote, closes_field | before_quote)):
        return None
    return int(np.count_nonzero(~entering & before_quote))


def _layout(raw: np.ndarray, quotes: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Where the records lie, from the bytes alone.

    Returns the line each non-empty record after the header starts on (counted as the csv module
    counts lines: \\n, \\r and \\r\\n each end one), the offset where the records after the header
    begin, and how many bytes of record ends follow that offset.
    """
    size = len(raw)
    line_feeds = np.flatnonzero(raw == LF)
    returns = np.flatnonzero(raw == CR)
    if len(returns):
        crlf = np.zeros(len(returns), dtype=bool)
        inner = returns + 1 < size
        crlf[inner] = raw[returns[inner] + 1] == LF
        after_return = (line_feeds > 0) & (raw[np.maximum(line_feeds - 1, 0)] == CR)
        ends = np.concatenate((returns, line_feeds[~after_return]))
        crlf = np.concatenate((crlf, np.zeros(len(ends) - len(returns), dtype=bool)))
        order = np.argsort(ends, kind="stable")
        ends, crlf = ends[order], crlf[order]
    else:
        ends, crlf = line_feeds, np.zeros(len(line_feeds), dtype=bool)
    outside = np.searchsorted(quotes, ends) % 2 == 0  # quoted line ends belong to a cell
    record_ends, end_bytes = ends[outside], 1 + crlf[outside]
    starts = np.concatenate(([0], record_ends + end_bytes))
    stops = np.concatenate((record_ends, [size]))
    body_start = int(starts[1]) if len(starts) > 1 else size
    records = (stops > starts) & (starts >= body_start)
    lines = 1 + np.searchsorted(ends, starts[records])
    return lines, body_start, int(end_bytes[1:].sum())


def _arrow_parse(text: bytes, width: int, block_bytes: int) -> pa.Table | None:
    try:
        return pa_csv.read_csv(
            pa.py_buffer(text),
            read_options=pa_csv.ReadOptions(skip_rows=1, autogenerate_column_names=True, block_size=block_bytes),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException:
        return None


def _agrees(table: pa.Table | None, width: int, rows: int, cell_bytes: int) -> bool:
    """Whether Arrow found the records, and the bytes in their cells, that the file's layout implies."""
    if table is None or table.num_columns != width or table.num_rows != rows:
        return False
    return sum(pc.sum(pc.binary_length(column)).as_py() or 0 for column in table.columns) == cell_bytes


def _read_body_fast(data: bytes, width: int) -> tuple[list[pa.ChunkedArray], np.ndarray] | None:
    """The records after the header as Arrow columns, and the line each starts on.

    Arrow's CSV reader parses when the file is plain (see `_doubled_quotes`); None sends
    anything else, and any doubt, to the csv module.
    """
    text = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    raw = np.frombuffer(text, dtype=np.uint8)
    if not len(raw) or b"\0" in text:
        return None  # the csv module refuses NUL bytes
    quotes = np.flatnonzero(raw == QUOTE)
    doubled = _doubled_quotes(raw, quotes)
    if doubled is None:
        return None
    lines, body_start, end_bytes = _layout(raw, quotes)
    # Every byte after the header is a cell's, a separator's, a quote's or a line end's: the
    # cells must hold exactly what the others leave over, or the two parsers disagree.
    header_quotes = int(np.searchsorted(quotes, body_start))
    quote_bytes = len(quotes) - header_quotes - (doubled - _doubled_quotes(raw[:body_start], quotes[:header_quotes]))
    expected = len(raw) - body_start - (width - 1) * len(lines) - quote_bytes - end_bytes
    table = _arrow_parse(text, width, BLOCK_BYTES)
    if not _agrees(table, width, len(lines), expected):
        # Arrow 26 can drop the LF of a quoted CRLF that straddles two blocks: parse as one block
        table = _arrow_parse(text, width, len(raw) + 1) if len(raw) < MAX_BLOCK_BYTES else None
        if not _agrees(table, width, len(lines), expected):
            return None
    limit = csv.field_size_limit()
    if any(len(column) and pc.max(pc.utf8_length(column)).as_py() > limit for column in table.columns):
        return None  # the csv module refuses such a cell
    columns = table.columns
    del table
    for position, column in enumerate(columns):
        columns[position] = _trimmed(column)  # one column at a time: the untrimmed one is freed
    blank = pc.equal(columns[0], "")
    for column in columns[1:]:
        blank = pc.and_(blank, pc.equal(column, ""))
    if pc.any(blank).as_py():
        keep = pc.invert(blank)
        columns = [pc.filter(column, keep) for column in columns]
        lines = lines[keep.to_numpy(zero_copy_only=False)]
    for position, column in enumerate(columns):
        columns[position] = _blank_to_null(column)
    return columns, lines


def _read_body_exact(reader, header: list[str], display_name: str) -> tuple[list[pa.ChunkedArray], np.ndarray]:
    """Record by record: slow, but it finds and words every problem of a malformed file."""
    issues: list[Issue] = []
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
    columns = [
        pa.chunked_array([_blank_to_null(pa.array(list(column), pa.string()))]) for column in zip(*rows)
    ] or [pa.chunked_array([], pa.string()) for _ in header]
    return columns, np.array(lines, dtype=np.int64)


def read_raw(path: Path, expected_columns: tuple[str, ...], display_name: str) -> RawTable:
    """A raw CSV as trimmed text cells (blank = missing) with each row's line, or every problem it has."""
    data = path.read_bytes()
    decode_utf8(data, display_name)  # names the first bad byte, if any
    # decoded lazily as the csv module asks for lines: a StringIO of a large file would hold it
    # four bytes per character
    lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(lines, strict=True)
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

    digest, size = sha256_bytes(data), len(data)
    body = _read_body_fast(data, len(header))
    if body is None:
        # something is off, or merely unusual: read record by record, which words every problem
        body = _read_body_exact(reader, header, display_name)
    del data, lines, reader  # the file's bytes are not needed beside its cells
    columns, starts = body
    by_name = dict(zip(header, columns))
    frame = pd.DataFrame({name: pd.arrays.ArrowExtensionArray(by_name[name]) for name in expected_columns})
    frame.insert(0, LINE_COLUMN, pd.array(starts, dtype="int64"))
    # Arrow's allocator keeps the parse's scratch (raw, then trimmed cells) for reuse; hand it
    # back, or a large file's scratch stays resident through everything that follows
    pa.default_memory_pool().release_unused()
    return RawTable(display_name, frame, digest, size)
