"""reports.xlsx: the list of reports as a spreadsheet, beside the country estimates and their evidence.

Written with XlsxWriter, cell by cell with an explicit type: text is always a string cell
(passed through shared/spreadsheet_text.neutralise, so nothing typed from a web page becomes a
formula, even after someone edits the cell), numbers are numbers, booleans TRUE or FALSE, and
only http(s) addresses become hyperlinks. XlsxWriter stamps every part of the zip with a fixed
date; the one date left, the workbook's created/modified property, is set from the inputs, so
the same marts give the same bytes.

It is made to be read and printed: human headers (the machine names are in the Columns sheet),
wrapped long text in rows tall enough for it, landscape pages one page wide with the header row
on each. Nothing is lost silently: the limits (rows per sheet, far below Excel's, and Excel's
characters per cell and links per sheet) are applied by a rule the About sheet states, every cut
is listed there and returned as a warning, and every write's return code is checked. A sheet
never holds more rows than its limit, and its query fetches no more: the spreadsheet costs the
same at a million rows as at fifty thousand.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import xlsxwriter

from nk_pipeline.data import about, entries_chart
from nk_pipeline.data.columns import HEADERS, ordered_select
from nk_pipeline.data.edition import edition
from nk_pipeline.marts.catalog import MARTS_BY_NAME
from nk_pipeline.shared.publishing import written_in_one_step
from nk_pipeline.shared.spreadsheet_text import neutralise
from nk_pipeline.shared.sql import read_sql

MIN_WIDTH, MAX_WIDTH, TEXT_WIDTH = 8, 40, 100
# Excel refuses hyperlinks longer than this; such an address is written as text.
MAX_URL_LENGTH = 2079
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
LINE_HEIGHT = 15.0  # points per line of 11-point text
CHARS_PER_UNIT = 1.1  # characters of prose per unit of column width (a unit is one digit)
MAX_ROW_HEIGHT = 409.0  # Excel's tallest row, in points
MAX_LINES = int(MAX_ROW_HEIGHT // LINE_HEIGHT)  # lines past these make no row taller
# Links to sources beside each country estimate; the rest stay in source_ids and the Evidence sheet.
MAX_SOURCE_LINKS = 5
FIGURES_DESCRIPTION = "Every figure the source contributes to the marts, written out, with the year it describes."
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": False,
}
A4 = 9  # XlsxWriter's paper code


# Rows a sheet shows, the header included: far below Excel's 1,048,576. A sheet of 50,000 rows is
# one a person still scrolls, filters and prints (about a thousand landscape pages); past that the
# table is read with a program, and the CSV and Parquet files serve it whole. It also bounds the
# spreadsheet's cost: writing it takes the same time and memory for 10^5 rows as for 10^7.
SHEET_ROWS = 50_000


@dataclass(frozen=True)
class Limits:
    """What one sheet holds, as the writer applies it (a test passes smaller limits)."""

    rows: int = SHEET_ROWS - 1  # rows under the header
    text: int = 32_767  # characters in a cell: Excel's limit
    links: int = 65_530  # hyperlinks in a sheet: Excel's limit


LIMITS = Limits()
CUT_MARK = " … [cut: the full text is in the CSV and Parquet files]"
LIMITS_RULE = (
    f"A sheet of this spreadsheet holds at most {LIMITS.rows + 1:,} rows, enough to scroll, filter and print; "
    f"Excel holds at most {LIMITS.text:,} characters per cell and {LIMITS.links:,} links per sheet. The CSV "
    "and Parquet files hold every row and every character. A sheet "
    "with more rows shows its first rows, and a row below says how many were left out and where they are; "
    f"a longer text is cut and ends with “{CUT_MARK.strip()}”; addresses past the link limit are written as "
    "plain text. Every cut is listed here."
)


@dataclass(frozen=True)
class Link:
    """A cell that links to an address: its shown text and where it goes."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Cut:
    """What the limits took out of a sheet: shown on the About sheet and returned as a warning."""

    sheet: str
    what: str  # rows, text or links
    count: int
    total: int = 0  # for rows: how many the sheet has
    full: str = ""  # where everything is

    def __str__(self) -> str:
        if self.what == "rows":
            return (
                f"{self.sheet}: the first {self.total - self.count:,} of {self.total:,} rows; "
                f"{self.count:,} left out (the full table: {self.full})"
            )
        if self.what == "text":
            return f"{self.sheet}: {self.count:,} text cell(s) longer than the cell limit cut and marked (the full text: {self.full})"
        return f"{self.sheet}: {self.count:,} address(es) past the link limit written as plain text"


@dataclass(frozen=True)
class Sheet:
    name: str
    header: list[str]  # machine names
    rows: Sequence[Sequence[object]]
    url_column: str | None = None
    wrap: bool = False  # prose: its last column wide and wrapped
    mart: str | None = None  # the mart whose columns (and their descriptions) the sheet shows
    described: Mapping[str, str] | None = None  # otherwise: column → description
    # columns the sheet adds to its mart: column → description
    added: Mapping[str, str] = field(default_factory=dict)
    shown_as: Mapping[str, str] = field(default_factory=dict)  # headers not in columns.HEADERS
    # charts drawn beside the table: (title, first row, last row, value columns), rows 1-based as written
    charts: Sequence[tuple[str, int, int, Sequence[int]]] = ()
    left_out: int = 0  # rows past the row limit, not written
    # rows of the full table when `rows` holds only its first ones (the query fetched no more than
    # the sheet shows); None: `rows` is the whole table
    total: int | None = None

    @property
    def descriptions(self) -> dict[str, str]:
        if self.mart is None:
            described = self.described or {}
            return {c: described[c] for c in self.header}
        columns = {**MARTS_BY_NAME[self.mart].columns, **self.added}
        return {c: columns[c] for c in self.header}

    @property
    def shown_header(self) -> list[str]:
        return [self.shown_as.get(c) or HEADERS[c] for c in self.header]

    @property
    def url_index(self) -> int:
        return self.header.index(self.url_column) if self.url_column else -1

    @property
    def full_table(self) -> str:
        """Where every row of the sheet is, for a reader."""
        return f"{self.mart}.csv and {self.mart}.parquet" if self.mart else "the CSV and Parquet files"


def _query(conn: duckdb.DuckDBPyConnection, sql: str, limits: Limits, table: str) -> tuple[list[str], list[tuple], int]:
    """The query's columns, its first rows (no more than a sheet shows: a million rows are never
    fetched into Python to keep fifty thousand) and how many rows it has: as many as `table`, of
    which the query lists one row each, counted by DuckDB."""
    cursor = conn.execute(sql)
    header, rows = [d[0] for d in cursor.description], cursor.fetchmany(limits.rows)
    if len(rows) < limits.rows:
        return header, rows, len(rows)
    (total,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return header, rows, total


# What the sheets that are not a mart hold, column by column.
COLUMNS_SHEET = {
    "sheet": "Sheet of this workbook.",
    "header": "The column's header in that sheet.",
    "column": "Its name in the CSV and Parquet files, the data package and the warehouse.",
    "description": "What it holds.",
}
ABOUT_SHEET = {"topic": "What the row is about.", "text": "The text."}


ENTRIES_SHEET = {
    "host": "The country entered.",
    "year": "Year (full-year figures only).",
    **{
        p: f"Entries stated for the purpose '{label}'."
        for p, label in entries_chart.LABELS.items()
        if p != entries_chart.NOT_SPLIT
    },
    entries_chart.NOT_SPLIT: "What the purposes listed leave of the year's total (the total less their sum), where a total is given.",
    "total": "Total entries in the year, as reported.",
    "total_qualifier": "How the page states the total (about, over, nearly, under); blank when exact.",
    "caveat": "Why these entries are not a count of workers.",
}


ENTRIES_HEADERS = {p: f"Entries: {label}" for p, label in entries_chart.LABELS.items()}


def _entries_sheet(conn: duckdb.DuckDBPyConnection) -> Sheet:
    """Entries by purpose per year, one block of rows per host, each with a stacked chart of its own."""
    entries = entries_chart.entries_by_year(conn)
    tables = entries_chart.by_host(entries)
    caveats = entries_chart.caveats(entries)
    purposes = [p for p in entries_chart.PURPOSE_ORDER if any(p in t.columns for t in tables.values())]
    header = ["host", "year", *purposes, entries_chart.NOT_SPLIT, "total", "total_qualifier", "caveat"]
    rows, charts = [], []
    for host, table in tables.items():
        first = len(rows) + 1
        for record in table.to_dict("records"):
            figures = [_number(record.get(p)) for p in header[2:-2]]
            rows.append([host, int(record["year"]), *figures, record["total_qualifier"] or None, caveats[host]])
        shown = [header.index(p) for p in [*purposes, entries_chart.NOT_SPLIT] if p in table.columns]
        charts.append((f"{host}: entries by purpose, full years", first, len(rows), shown))
    return Sheet("Border entries", header, rows, described=ENTRIES_SHEET, charts=charts, shown_as=ENTRIES_HEADERS)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _estimates_sheet(conn: duckdb.DuckDBPyConnection, limits: Limits) -> Sheet:
    """The country estimates by country name, each with links to its first sources."""
    table = MARTS_BY_NAME["country_estimates"]
    query = ordered_select(conn, table, order=("country", "iso3"), limit=limits.rows)
    header, rows, total = _query(conn, query, limits, table.qualified)
    ids = [str(row[header.index("source_ids")] or "").split(";") for row in rows]
    linked_ids = sorted({i for row_ids in ids for i in [i for i in row_ids if i][:MAX_SOURCE_LINKS]})
    urls = dict(
        conn.execute(
            "SELECT source_id, url FROM marts.sources WHERE list_contains(?, source_id)", [linked_ids]
        ).fetchall()
    )
    n_links = min(MAX_SOURCE_LINKS, max((len([i for i in row if i]) for row in ids), default=0))
    links = [f"source_{n}" for n in range(1, n_links + 1)]
    linked = [
        [*row, *(Link(i, urls.get(i) or "") for i in [i for i in row_ids if i][:n_links])]
        + [None] * (n_links - len([i for i in row_ids if i][:n_links]))
        for row, row_ids in zip(rows, ids)
    ]
    added = {
        c: f"Source {n} of the row's source_ids, linked to where it can be read"
        + (f" (the first {MAX_SOURCE_LINKS}; every source is in source_ids)." if n == MAX_SOURCE_LINKS else ".")
        for n, c in enumerate(links, start=1)
    }
    shown_as = {c: f"Source {n}" for n, c in enumerate(links, start=1)}
    return Sheet(
        "Country estimates",
        [*header, *links],
        linked,
        mart="country_estimates",
        added=added,
        shown_as=shown_as,
        total=total,
    )


def mart_sheets(conn: duckdb.DuckDBPyConnection, limits: Limits | None = None) -> list[Sheet]:
    """The data sheets, each holding no more rows than `limits` lets it show, and knowing how many the table has."""
    limits = limits or LIMITS
    # reports_sources.sql lists each source once
    sources_header, sources, n_sources = _query(conn, read_sql("reports_sources"), limits, "marts.sources")
    evidence = MARTS_BY_NAME["estimate_evidence"]
    evidence_header, evidence_rows, n_evidence = _query(
        conn, ordered_select(conn, evidence, limit=limits.rows), limits, evidence.qualified
    )
    return [
        # reports_sources.sql adds one column to marts.sources
        Sheet(
            "Sources",
            sources_header,
            sources,
            url_column="url",
            mart="sources",
            added={"figures": FIGURES_DESCRIPTION},
            total=n_sources,
        ),
        _estimates_sheet(conn, limits),
        Sheet(
            "Evidence",
            evidence_header,
            evidence_rows,
            url_column="source_url",
            mart="estimate_evidence",
            total=n_evidence,
        ),
        _entries_sheet(conn),
    ]


def sheets(conn: duckdb.DuckDBPyConnection, inputs_digest: str, limits: Limits | None = None) -> list[Sheet]:
    """Every sheet, as written: the data sheets within the limits, then Columns and About (which lists the cuts)."""
    limits = limits or LIMITS
    data, cuts = within_limits(mart_sheets(conn, limits), limits)
    return [*data, columns_sheet(data), about_sheet(edition(conn), inputs_digest, cuts)]


def columns_sheet(data: Sequence[Sheet]) -> Sheet:
    rows = [
        (sheet.name, shown, column, sheet.descriptions[column])
        for sheet in data
        for shown, column in zip(sheet.shown_header, sheet.header)
    ]
    return Sheet("Columns", list(COLUMNS_SHEET), rows, described=COLUMNS_SHEET)


def about_sheet(named: about.Edition, inputs_digest: str, cuts: Sequence[Cut]) -> Sheet:
    rows = [
        ("What this is", about.DATA_DESCRIPTION),
        ("Credit", f"Please credit: {named.credit}."),
        ("Version", f"{named.version}, of {named.date.isoformat()} (the date of the newest source)"),
        *((f"Caveat: {c.headline.rstrip('.')}", c.text) for c in about.CAVEATS),
        ("Formulas", about.SPREADSHEET_NOTE),
        ("Limits", LIMITS_RULE),
        ("Cut from this spreadsheet", "; ".join(map(str, cuts)) + "." if cuts else "Nothing."),
        ("Terms", about.LICENCE_NOTE),
        ("Inputs (sha256)", inputs_digest),
    ]
    return Sheet("About", list(ABOUT_SHEET), rows, wrap=True, described=ABOUT_SHEET)


# --- the limits -------------------------------------------------------------------------


def within_limits(data: Sequence[Sheet], limits: Limits = LIMITS) -> tuple[list[Sheet], list[Cut]]:
    """Each sheet cut to what it may hold, by the rule of LIMITS_RULE, and what was cut."""
    fitted, cuts = [], []
    for sheet in data:
        rows = sheet.rows
        total = len(rows) if sheet.total is None else sheet.total
        if total > limits.rows:
            # the last row the sheet may hold says what is left out and where it is
            kept = limits.rows - 1
            left = total - kept
            cuts.append(Cut(sheet.name, "rows", left, total, sheet.full_table))
            rows = rows[:kept]
            sheet = replace(sheet, left_out=left)
        cut_cells = 0
        cut_rows = []
        for row in rows:
            if any(isinstance(v, str) and len(v) > limits.text for v in row):
                row = [_cut_text(v, limits) if isinstance(v, str) and len(v) > limits.text else v for v in row]
                cut_cells += sum(1 for v in row if isinstance(v, CutText))
            cut_rows.append(row)
        if cut_cells:
            cuts.append(Cut(sheet.name, "text", cut_cells, full=sheet.full_table))
        links = _link_count(sheet, cut_rows)
        if links > limits.links:
            cuts.append(Cut(sheet.name, "links", links - limits.links))
        fitted.append(replace(sheet, rows=cut_rows, total=None))
    return fitted, cuts


class CutText(str):
    """A text cut to the cell limit, neutralised already and marked: written as it is."""


def _cut_text(text: str, limits: Limits) -> CutText:
    # cut, then neutralise (the cut may start like a formula no more than the text did), then mark
    room = limits.text - len(CUT_MARK) - 1  # one for the apostrophe neutralise may add
    return CutText(neutralise(text[:room]) + CUT_MARK)


def _is_link(sheet: Sheet, col: int, value: object) -> bool:
    if isinstance(value, Link):
        return bool(_URL.match(value.url)) and len(value.url) <= MAX_URL_LENGTH
    return (
        isinstance(value, str)
        and sheet.url_column is not None
        and col == sheet.url_index
        and bool(_URL.match(value))
        and len(value) <= MAX_URL_LENGTH
    )


def _link_count(sheet: Sheet, rows: Sequence[Sequence[object]]) -> int:
    return sum(1 for row in rows for col, value in enumerate(row) if _is_link(sheet, col, value))


# --- layout ---------------------------------------------------------------------------


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "FALSE" if not value else "TRUE"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# Characters that may be wide: no character below U+0378 is (Latin, Greek, most punctuation are
# not looked up one by one).
_MAYBE_WIDE = re.compile("[^\x00-\u0377]")


def _text_width(text: str) -> int:
    """Columns the text takes in one line: wide (CJK) characters take two."""
    if text.isascii():  # most cells
        return len(text)
    return len(text) + sum(1 for ch in _MAYBE_WIDE.findall(text) if unicodedata.east_asian_width(ch) in "WF")


def _longest(sheet: Sheet) -> list[int]:
    """Each column's widest cell, in characters on one line."""
    return [max((_text_width(_display(row[col])) for row in sheet.rows), default=0) for col in range(len(sheet.header))]


def _widths(sheet: Sheet, longest: Sequence[int]) -> list[int]:
    widths = []
    for name, cells in zip(sheet.shown_header, longest):
        header = max([_text_width(w) for w in name.split()] + [len(name) // 2 + 1])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, max(header, cells) + 2)))
    if sheet.wrap:
        widths[-1] = TEXT_WIDTH
    return widths


def lines_needed(text: str, width: int, most: int | None = None) -> int:
    """Lines a wrapped cell of `width` characters needs for `text`: words are wrapped greedily, a
    word longer than the line broken, each paragraph on its own line (what Excel and LibreOffice do
    for 11-point text, within a line or so). Counting stops past `most` lines."""
    # a column's width counts digits; text averages a little narrower (CHARS_PER_UNIT)
    usable = max(1, int(width * CHARS_PER_UNIT) - 1)
    if "\n" not in text and _text_width(text) <= usable:  # fits on one line: most cells
        return 1
    lines = 0
    for paragraph in text.split("\n"):
        line, count = 0, 1
        for word in paragraph.split(" "):
            size = _text_width(word)
            if line and line + 1 + size > usable:
                count, line = count + 1, 0
            if size > usable:  # broken across lines
                count += (line + size - 1) // usable
                line = (line + size) % usable or usable
            else:
                line = line + (1 if line else 0) + size
            if most is not None and lines + count > most:
                return lines + count
        lines += count
    return lines


def row_height(row: Sequence[object], widths: Sequence[int]) -> float | None:
    """Points a row needs for its wrapped text; None when one line does."""
    lines = max((lines_needed(_display(v), w, MAX_LINES) for v, w in zip(row, widths)), default=1)
    return None if lines <= 1 else min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT)


# --- writing -------------------------------------------------------------------------


class SpreadsheetWriteError(RuntimeError):
    """XlsxWriter refused a write: nothing of reports.xlsx is published."""


def _ok(result: int | None, sheet: str, what: str) -> None:
    # XlsxWriter returns 0 (or None) when it wrote what it was asked and a negative code when it
    # wrote less or nothing: -1 outside the sheet, -2 text cut, -3 address too long, -4 too many links
    if result not in (None, 0):
        raise SpreadsheetWriteError(f"reports.xlsx, sheet {sheet!r}, {what}: XlsxWriter returned {result}")


@dataclass
class _Formats:
    header: object
    text: object
    wrapped: object
    link: object
    wrapped_link: object
    number: object
    boolean: object


def _formats(workbook) -> _Formats:
    top = {"valign": "top"}
    link = {"font_color": "#0563c1", "underline": 1, **top}
    return _Formats(
        header=workbook.add_format({"bold": True, "bg_color": "#e4e2de", "bottom": 1, "text_wrap": True, **top}),
        text=workbook.add_format(top),
        wrapped=workbook.add_format({"text_wrap": True, **top}),
        link=workbook.add_format(link),
        wrapped_link=workbook.add_format({"text_wrap": True, **link}),
        number=workbook.add_format(top),
        # a boolean shows as TRUE or FALSE in every program, whatever it does with a bare one
        boolean=workbook.add_format({"num_format": '"TRUE";"TRUE";"FALSE"', **top}),
    )


def _write_cell(
    worksheet, sheet: Sheet, row: int, col: int, value: object, wrap: bool, formats: _Formats, may_link: bool
) -> bool:
    """Write one cell, checked; True when it is written as a link (only while `may_link`)."""
    where = f"row {row + 1}, column {col + 1}"
    if value is None:
        return False
    if isinstance(value, bool):
        _ok(worksheet.write_boolean(row, col, value, formats.boolean), sheet.name, where)
    elif isinstance(value, (int, float, Decimal)):
        number = float(value)
        if math.isfinite(number):
            _ok(worksheet.write_number(row, col, number, formats.number), sheet.name, where)
    elif isinstance(value, (dt.date, dt.datetime)):
        _ok(worksheet.write_string(row, col, value.isoformat(), formats.text), sheet.name, where)
    elif may_link and _is_link(sheet, col, value):
        url, text = (value.url, value.text) if isinstance(value, Link) else (str(value), str(value))
        # the address stays the link target; only the shown text goes through the rule
        link_format = formats.wrapped_link if wrap else formats.link
        _ok(worksheet.write_url(row, col, url, link_format, string=neutralise(text)), sheet.name, where)
        return True
    else:
        # a text cut by within_limits is neutralised already (a text that only ends like a cut is not)
        shown = str(value) if isinstance(value, CutText) else neutralise(str(value))
        _ok(worksheet.write_string(row, col, shown, formats.wrapped if wrap else formats.text), sheet.name, where)
    return False


def _insert_chart(workbook, worksheet, sheet: Sheet, spec: tuple, number: int) -> None:
    title, first, last, value_columns = spec
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    year_col = sheet.header.index("year")
    for col in value_columns:
        name = sheet.header[col]
        chart.add_series(
            {
                "name": entries_chart.LABELS.get(name, name),
                "categories": [sheet.name, first, year_col, last, year_col],
                "values": [sheet.name, first, col, last, col],
                "fill": {"color": entries_chart.COLOURS.get(name, "#a8a49c")},
                "gap": 60,
            }
        )
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 300})
    _ok(worksheet.insert_chart(1 + number * 16, len(sheet.header) + 1, chart), sheet.name, f"chart {number + 1}")


def _print_setup(worksheet, sheet: Sheet, credit: str) -> None:
    """Landscape A4, one page wide, the header row on every page, the credit and page number below."""
    worksheet.set_landscape()
    worksheet.set_paper(A4)
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0)
    worksheet.hide_gridlines(0)  # gridlines on paper too: the rows are hard to follow without them
    footer = f"&L&8{credit.replace('&', '&&')}&R&8{sheet.name.replace('&', '&&')}, page &P of &N"
    worksheet.set_footer(footer, {"margin": 0.2})


def write_sheet(workbook, sheet: Sheet, formats: _Formats, credit: str, limits: Limits) -> None:
    worksheet = workbook.add_worksheet(sheet.name)
    links = 0
    longest = _longest(sheet)
    widths = _widths(sheet, longest)
    wrapped = [sheet.wrap and col == len(widths) - 1 for col in range(len(widths))]
    for col, width in enumerate(widths):
        wrapped[col] = wrapped[col] or longest[col] + 2 > width
        _ok(worksheet.set_column(col, col, width), sheet.name, f"column {col + 1}")
    wrapped_cols = [col for col, wrap in enumerate(wrapped) if wrap]
    for col, name in enumerate(sheet.shown_header):
        _ok(worksheet.write_string(0, col, neutralise(name), formats.header), sheet.name, f"header {col + 1}")
    _ok(worksheet.set_row(0, row_height(sheet.shown_header, widths)), sheet.name, "header row")
    for number, values in enumerate(sheet.rows, start=1):
        for col, value in enumerate(values):
            links += _write_cell(worksheet, sheet, number, col, value, wrapped[col], formats, links < limits.links)
        height = row_height([values[c] for c in wrapped_cols], [widths[c] for c in wrapped_cols])
        if height is not None:
            _ok(worksheet.set_row(number, height), sheet.name, f"row {number + 1}")
    if sheet.left_out:
        note = (
            f"{sheet.left_out:,} more rows are not in this spreadsheet (its row limit): "
            f"the full table is {sheet.full_table}."
        )
        _ok(worksheet.write_string(len(sheet.rows) + 1, 0, note, formats.text), sheet.name, "the row-limit note")
    for number, chart in enumerate(sheet.charts):
        _insert_chart(workbook, worksheet, sheet, chart, number)
    worksheet.freeze_panes(1, 0)
    _ok(worksheet.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.header) - 1), sheet.name, "filter")
    _print_setup(worksheet, sheet, credit)


@dataclass(frozen=True)
class Written:
    path: Path
    cuts: list[str]  # what the limits took out, as warnings (none: nothing)
    sheets: list[Sheet]  # as written: what datapackage.json describes


def write_workbook(
    path: Path, all_sheets: Sequence[Sheet], properties: Mapping[str, object], credit: str, limits: Limits = LIMITS
) -> Path:
    """The sheets as written by `sheets` (already within `limits`) into `path`, every write checked."""
    with written_in_one_step(path) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        workbook.set_properties(dict(properties))
        formats = _formats(workbook)
        for sheet in all_sheets:
            write_sheet(workbook, sheet, formats, credit, limits)
        workbook.close()
    return path


def write_reports(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    created: dt.datetime,
    inputs_digest: str,
    named: about.Edition,
    limits: Limits | None = None,
) -> Written:
    limits = limits or LIMITS  # read when called: a test may lower the limits of a whole build
    data, cuts = within_limits(mart_sheets(conn, limits), limits)
    properties = {
        "title": about.DATA_TITLE,
        "subject": "The list of reports behind the estimates of North Korean workers abroad",
        "author": about.PUBLISHER,
        "company": about.PUBLISHER,
        "keywords": f"version {named.version}; {about.DATA_LICENCE_SHORT}",
        "comments": f"{named.credit}. Built from inputs with sha256 {inputs_digest}",
        "created": created,
    }
    all_sheets = [*data, columns_sheet(data), about_sheet(named, inputs_digest, cuts)]
    write_workbook(path, all_sheets, properties, named.credit, limits)
    return Written(path, [str(c) for c in cuts], all_sheets)
