"""Reading the hand-edited CSVs: strict about encoding and shape, forgiving about harmless quirks.

Accepted as they are: a UTF-8 byte-order mark, CRLF (or CR) line ends, blank lines and rows of
empty cells, spaces around values, quoted cells holding commas, line breaks or doubled quotes
(""). Rejected, each with file, line, column and rule: bytes that are not UTF-8 (a Latin-1
export, say), NUL bytes, a '"' that neither opens a cell, closes it nor is doubled inside it, a
quoted cell that is never closed, a header that is missing or adds columns, and rows with more or
fewer cells than the header.

One path reads every file. Where the quotes, cells and records lie is worked out from the bytes
with numpy, which is all it takes to word each of those problems with its line; a file without
them is parsed by Arrow's CSV reader into Arrow string columns, and kept only if Arrow found
exactly the records and cell bytes that the layout implies. (A record-by-record reader such as
the csv module took 11.4 s for a 10^6-row file on this project's 2-core machine, Arrow 0.6 s.)
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from nk_pipeline.raw.contract import MAX_FILE_BYTES
from nk_pipeline.shared.issues import Issue, RawDataError

LINE_COLUMN = "_line"

# Arrow's CSV reader parses blocks of this size on all cores; a block size is an int32.
BLOCK_BYTES = 1 << 22
MAX_BLOCK_BYTES = 2**31 - 1
# exactly the characters str.strip() removes (all of them lie below U+3001), so trimming in
# Arrow gives the same cells as trimming in Python
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
QUOTE, COMMA, LF, CR = (ord(c) for c in '",\n\r')

STRAY_QUOTE = (
    "a '\"' inside a cell that does not begin with one: put the whole cell in quotes and write the '\"' "
    'twice (""), as spreadsheet programs do'
)
NEVER_CLOSED = "a quoted cell is never closed (missing '\"'), so the rest of the file would be one cell"
TEXT_AFTER_QUOTE = (
    "text after the '\"' that closes a quoted cell: a cell is either quoted whole or not at all "
    "(a '\"' inside quotes is written twice)"
)


@dataclass(frozen=True)
class RawTable:
    """A raw CSV as text cells, each row remembering the line it starts on."""

    file: str  # path shown to people, relative to the raw folder's parent
    frame: pd.DataFrame
    sha256: str
    size_bytes: int


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Only the raw folder's own files, within their size ------------------------------------------
# A raw file is an entry of the raw folder itself: a symbolic link could lead anywhere on the
# machine (/etc/passwd, a file of another project), a pipe or a device could block the build or
# never end. Such an entry is refused by what the folder says of it (lstat), before it is opened,
# so nothing of what it leads to is read, let alone printed.

MISSING = "missing"  # the data version of a raw file that is not there
REFUSED = "refused"  # ... and of one that may not be read (its run fails and says why)

LINK_RULE = (
    "is a symbolic link: only the raw folder's own files are read, never what a link leads to; "
    "put the file itself in the folder"
)
FOLDER_LINK_RULE = (
    "its folder {folder}/ is a symbolic link: only the raw folder's own files are read, never what a link "
    "leads to; put the folder itself in the raw folder"
)


class InputRefused(ValueError):
    """A raw-folder entry that may not be read; the message is the rule it breaks."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _size_rule(size: int, max_bytes: int) -> str:
    return (
        f"file is {size:,} bytes, more than the {max_bytes:,} bytes ({max_bytes / 2**20:g} MiB) a raw file may hold "
        "(raw/README.md, Limits): split it or leave out what it need not hold"
    )


def refusal(folder: Path, relative: str, max_bytes: int) -> str | None:
    """Why `relative` (a path inside `folder`) may not be read, or None: every entry on the way is
    looked at as the folder holds it, no link followed. FileNotFoundError when it is not there."""
    entry = folder
    for part in Path(relative).parts:
        entry = entry / part
        mode = os.lstat(entry).st_mode
        if stat.S_ISLNK(mode):
            return LINK_RULE if entry == folder / relative else FOLDER_LINK_RULE.format(folder=part)
    info = os.lstat(entry)
    if not stat.S_ISREG(info.st_mode):
        return f"is {_kind(info.st_mode)}, not a file: a raw file must be a plain file in the raw folder"
    if info.st_size > max_bytes:
        return _size_rule(info.st_size, max_bytes)
    return None


def read_input(folder: Path, relative: str, max_bytes: int) -> bytes:
    """The bytes of a raw file, or InputRefused (a link, a special file, too large)."""
    problem = refusal(folder, relative, max_bytes)
    if problem:
        raise InputRefused(problem)
    # swapped for a link or a pipe since it was looked at: the kernel refuses the link, the pipe
    # does not block, and the opened file is looked at again
    try:
        fd = os.open(folder / relative, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InputRefused(LINK_RULE) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputRefused(f"is {_kind(mode)}, not a file: a raw file must be a plain file in the raw folder")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew since
        raise InputRefused(_size_rule(len(data), max_bytes))
    return data


def file_version(folder: Path, relative: str, max_bytes: int) -> str:
    """A raw file's identity, its data version in Dagster (and what the sensor compares): its
    sha256, MISSING, or REFUSED for an entry that may not be read (which is not read)."""
    try:
        return sha256_bytes(read_input(folder, relative, max_bytes))
    except FileNotFoundError:
        return MISSING
    except InputRefused:
        return REFUSED


class Layout:
    """Where a CSV's quotes, line ends and records lie, read from its bytes alone.

    Lines are counted as editors count them: \\n, \\r and \\r\\n each end one. Until the quotes
    are known to be well placed (`quote_problem` is None), only what precedes the first problem
    is meaningful.
    """

    def __init__(self, text: bytes):
        self.text = text
        self.raw = np.frombuffer(text, dtype=np.uint8)
        self.quotes = np.flatnonzero(self.raw == QUOTE)

    @cached_property
    def _line_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Every line end's offset (a \\r\\n at its \\r) and whether it is two bytes long."""
        raw, size = self.raw, len(self.raw)
        line_feeds = np.flatnonzero(raw == LF)
        returns = np.flatnonzero(raw == CR)
        if not len(returns):
            return line_feeds, np.zeros(len(line_feeds), dtype=bool)
        crlf = np.zeros(len(returns), dtype=bool)
        inner = returns + 1 < size
        crlf[inner] = raw[returns[inner] + 1] == LF
        after_return = (line_feeds > 0) & (raw[np.maximum(line_feeds - 1, 0)] == CR)
        ends = np.concatenate((returns, line_feeds[~after_return]))
        crlf = np.concatenate((crlf, np.zeros(len(ends) - len(returns), dtype=bool)))
        order = np.argsort(ends, kind="stable")
        return ends[order], crlf[order]

    def line_at(self, offset: int) -> int:
        return 1 + int(np.searchsorted(self._line_ends[0], offset))

    def _outside_quotes(self, offsets: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.quotes, offsets) % 2 == 0

    def _starts_cell(self, offsets: np.ndarray) -> np.ndarray:
        previous = self.raw[np.maximum(offsets - 1, 0)]
        return (offsets == 0) | (previous == COMMA) | (previous == LF) | (previous == CR)

    def _ends_cell(self, offsets: np.ndarray) -> np.ndarray:
        following = self.raw[np.minimum(offsets + 1, len(self.raw) - 1)]
        return (offsets + 1 == len(self.raw)) | (following == COMMA) | (following == LF) | (following == CR)

    def quote_problem(self) -> tuple[int, str] | None:
        """The first '"' that breaks the quoting rules, as (offset, rule), or None.

        In a well-quoted file the quotes alternate between entering a quoted cell and leaving
        it, a doubled quote being a leave and an enter side by side; the check is vectorised,
        and only a file that fails it is walked quote by quote to find and word the first fault.
        """
        quotes = self.quotes
        if not len(quotes):
            return None
        adjacent = quotes[1:] == quotes[:-1] + 1
        after_quote = np.concatenate(([False], adjacent))
        before_quote = np.concatenate((adjacent, [False]))
        entering = np.arange(len(quotes)) % 2 == 0
        placed = np.where(entering, self._starts_cell(quotes) | after_quote, self._ends_cell(quotes) | before_quote)
        if len(quotes) % 2 == 0 and placed.all():
            return None
        starts, ends = self._starts_cell(quotes).tolist(), self._ends_cell(quotes).tolist()
        positions = quotes.tolist()
        i = 0
        while i < len(positions):
            opening = positions[i]
            if not starts[i]:
                return opening, STRAY_QUOTE
            i += 1
            while True:
                if i == len(positions):
                    return opening, NEVER_CLOSED
                if i + 1 < len(positions) and positions[i + 1] == positions[i] + 1:
                    i += 2  # a doubled quote inside the cell
                    continue
                if not ends[i]:
                    return positions[i] + 1, TEXT_AFTER_QUOTE
                i += 1
                break
        return None

    @cached_property
    def records(self) -> tuple[np.ndarray, np.ndarray]:
        """Each non-empty record's first byte and the byte after it."""
        ends, crlf = self._line_ends
        outside = self._outside_quotes(ends)  # a line end inside quotes belongs to a cell
        record_ends = ends[outside]
        starts = np.concatenate(([0], record_ends + 1 + crlf[outside]))
        stops = np.concatenate((record_ends, [len(self.raw)]))
        keep = stops > starts
        return starts[keep], stops[keep]

    def cells(self) -> np.ndarray:
        """How many cells each record has (a full scan of the separators: asked only when needed)."""
        starts, stops = self.records
        commas = np.flatnonzero(self.raw == COMMA)
        separators = commas[self._outside_quotes(commas)]
        return 1 + np.searchsorted(separators, stops) - np.searchsorted(separators, starts)

    def lines(self, starts: np.ndarray) -> np.ndarray:
        return 1 + np.searchsorted(self._line_ends[0], starts)

    def cell_bytes(self, starts: np.ndarray, stops: np.ndarray, cells: np.ndarray | int) -> int:
        """How many bytes the cells of these records hold once quoting is undone."""
        quotes = self.quotes
        doubled = quotes[1:][(quotes[1:] == quotes[:-1] + 1) & (np.arange(1, len(quotes)) % 2 == 0)]
        inside = lambda points: np.searchsorted(points, stops) - np.searchsorted(points, starts)  # noqa: E731
        return int((stops - starts - (cells - 1) - inside(quotes) + inside(doubled)).sum())

    def _cell(self, offset: int) -> tuple[int, int, int]:
        """The record holding byte `offset`, the cell's position in it, and the cell's first byte."""
        starts, _ = self.records
        record = max(int(np.searchsorted(starts, offset, side="right")) - 1, 0)
        prefix = np.arange(starts[record], offset)
        separators = prefix[(self.raw[prefix] == COMMA) & self._outside_quotes(prefix)]
        return record, len(separators), int(separators[-1]) + 1 if len(separators) else int(starts[record])

    def cell_at(self, offset: int, limit: int = 40) -> str:
        """The text of the cell holding byte `offset`, up to its line's end (for messages)."""
        _, _, start = self._cell(offset)
        rest = self.text[start : start + limit].split(b"\n")[0].split(b"\r")[0]
        # a bare cell ends at the next comma; a quoted one may hold commas before `offset`
        cut = rest.find(b",", max(offset - start, 0) if rest.startswith(b'"') else 0)
        return (rest if cut < 0 else rest[:cut]).decode("utf-8", "replace").strip()

    def column_at(self, offset: int) -> str:
        """The header name of the cell holding byte `offset` (best effort, for messages)."""
        record, index, _ = self._cell(offset)
        starts, stops = self.records
        header = _parse(self.text[starts[0] : stops[0]] + b"\n", None) if record else None
        return header.column(index)[0].as_py().strip() if header and index < header.num_columns else ""


def _parse(
    text: bytes, width: int | None, block_bytes: int = BLOCK_BYTES, skipped: list | None = None
) -> pa.Table | None:
    """Arrow's parse of CSV records into string cells; rows of another width are skipped (and
    appended to `skipped`)."""

    def skip(row) -> str:
        if skipped is not None:
            skipped.append(row)
        return "skip"

    try:
        return pa_csv.read_csv(
            pa.py_buffer(text),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, block_size=block_bytes),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=skip
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width or len(text) + 1)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException:
        return None


def _problems_in_bytes(data: bytes, text: bytes, layout: Layout, file: str) -> list[Issue]:
    """What stops the bytes from being read at all: encoding, NUL bytes, misplaced quotes."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start - (len(data) - len(text))
        bad = data[exc.start : exc.start + 1].hex()
        rule = f"file is not UTF-8 (byte 0x{bad} at offset {exc.start}; Latin-1 or Windows-1252?): re-save it as UTF-8"
        return [Issue(file, layout.line_at(offset), layout.column_at(offset), f"0x{bad}", rule)]
    nul = text.find(b"\0")
    if nul >= 0:
        rule = "file holds a NUL byte (saved as UTF-16, or damaged?): re-save it as UTF-8 text"
        return [Issue(file, layout.line_at(nul), layout.column_at(nul), "0x00", rule)]
    problem = layout.quote_problem()
    if problem:
        offset, rule = problem
        return [Issue(file, layout.line_at(offset), layout.column_at(offset), layout.cell_at(offset), rule)]
    return []


def _header_problems(header: list[str], expected_columns: tuple[str, ...], file: str, line: int) -> list[Issue]:
    issues = [
        Issue(file, line, c, "", "required column is missing from the header")
        for c in expected_columns
        if c not in header
    ]
    issues += [
        Issue(file, line, c, "", f"unknown column; expected exactly: {', '.join(expected_columns)}")
        for c in header
        if c not in expected_columns
    ]
    dupes = sorted({h for h in header if header.count(h) > 1})
    return issues + [Issue(file, line, c, "", "column appears twice in the header") for c in dupes]


def _all_blank(record: bytes) -> bool:
    """Whether every cell of one record is empty or white space (read by Arrow, as every cell is)."""
    cells = _parse(record + b"\n", None)
    return cells is not None and all(not value.strip() for column in cells.columns for value in column.to_pylist())


def _agrees(table: pa.Table | None, width: int, rows: int, cell_bytes: int) -> bool:
    if table is None or table.num_columns != width or table.num_rows != rows:
        return False
    return sum(pc.sum(pc.binary_length(column)).as_py() or 0 for column in table.columns) == cell_bytes


def read_raw(
    path: Path, expected_columns: tuple[str, ...], display_name: str, max_bytes: int = MAX_FILE_BYTES
) -> RawTable:
    """A raw CSV as trimmed text cells (blank = missing) with each row's line, or every problem it
    has. FileNotFoundError when it is not there."""
    try:
        data = read_input(path.parent, path.name, max_bytes)
    except InputRefused as refused:
        raise RawDataError([Issue(display_name, 0, "", "", str(refused))]) from None
    digest, size = sha256_bytes(data), len(data)
    text = data.removeprefix(codecs.BOM_UTF8)
    layout = Layout(text)
    issues = _problems_in_bytes(data, text, layout, display_name)
    if issues:
        raise RawDataError(issues)
    del data
    starts, stops = layout.records
    if not len(starts):
        raise RawDataError([Issue(display_name, 0, "", "", "file is empty: a header row is required")])
    header_table = _parse(text[starts[0] : stops[0]] + b"\n", None)  # Arrow wants a line end
    if header_table is None:
        raise RuntimeError(f"{display_name}: Arrow's CSV reader cannot read a header the byte layout finds sound")
    header = [column[0].as_py().strip() for column in header_table.columns]
    issues = _header_problems(header, expected_columns, display_name, layout.line_at(starts[0]))
    if issues:
        raise RawDataError(issues)

    width, skipped = len(header), []
    table = _parse(text, width, skipped=skipped)
    cells: np.ndarray | int = width
    if skipped:  # Arrow met rows of another width: which ones, and on which lines?
        cells = layout.cells()
        ragged = np.flatnonzero(cells != width)
        issues = [
            Issue(
                display_name,
                layout.line_at(starts[r]),
                "",
                "",
                f"row has {cells[r]} cells but the header has {width} (an unquoted comma, or a missing one?)",
            )
            for r in ragged.tolist()
            if not _all_blank(text[starts[r] : stops[r]])  # rows of empty cells carry nothing
        ]
        if issues:
            raise RawDataError(issues)
        kept = cells == width
        starts, stops, cells = starts[kept], stops[kept], cells[kept]
    expected_bytes = layout.cell_bytes(starts, stops, cells)
    if not _agrees(table, width, len(starts), expected_bytes):
        # Arrow 26 can drop the LF of a quoted CRLF that straddles two blocks: parse as one block
        table = _parse(text, width, len(text) + 1) if len(text) < MAX_BLOCK_BYTES else None
        if not _agrees(table, width, len(starts), expected_bytes):
            raise RuntimeError(f"{display_name}: Arrow's CSV reader and the file's byte layout disagree (a reader bug)")
    lines = layout.lines(starts[1:])
    columns = table.slice(1).columns
    del table, layout, text
    for position, column in enumerate(columns):
        columns[position] = pc.utf8_trim(column, characters=WHITESPACE)  # one at a time: the untrimmed one is freed
    blank = pc.equal(columns[0], "")
    for column in columns[1:]:
        blank = pc.and_(blank, pc.equal(column, ""))
    if pc.any(blank).as_py():
        keep = pc.invert(blank)
        columns = [pc.filter(column, keep) for column in columns]
        lines = lines[keep.to_numpy(zero_copy_only=False)]
    for position, column in enumerate(columns):
        columns[position] = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    by_name = dict(zip(header, columns))
    frame = pd.DataFrame({name: pd.arrays.ArrowExtensionArray(by_name[name]) for name in expected_columns})
    frame.insert(0, LINE_COLUMN, pd.array(lines, dtype="int64"))
    # Arrow's allocator keeps the parse's scratch (raw, then trimmed cells) for reuse; hand it
    # back, or a large file's scratch stays resident through everything that follows
    pa.default_memory_pool().release_unused()
    return RawTable(display_name, frame, digest, size)
