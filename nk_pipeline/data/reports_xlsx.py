"""reports.xlsx: the list of reports as a spreadsheet, beside the country estimates and their evidence.

Written with XlsxWriter, cell by cell with an explicit type: text is always a string cell
(passed through shared/spreadsheet_text.neutralise, so nothing typed from a web page becomes a
formula, even after someone edits the cell), numbers are numbers, and only http(s) addresses
become hyperlinks. XlsxWriter stamps every part of the zip with a fixed date; the one date
left, the workbook's created/modified property, is set from the inputs, so the same marts
give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import xlsxwriter

from nk_pipeline.data import about, entries_chart
from nk_pipeline.data.columns import ordered_select
from nk_pipeline.marts.catalog import MARTS_BY_NAME
from nk_pipeline.shared.publishing import written_in_one_step
from nk_pipeline.shared.spreadsheet_text import neutralise
from nk_pipeline.shared.sql import read_sql

MIN_WIDTH, MAX_WIDTH, TEXT_WIDTH = 8, 60, 110
# Excel refuses hyperlinks longer than this; such an address is written as text.
MAX_URL_LENGTH = 2079
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
FIGURES_DESCRIPTION = "Every figure the source contributes to the marts, written out, with the year it describes."
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": False,
}


@dataclass(frozen=True)
class Sheet:
    name: str
    header: list[str]
    rows: Sequence[Sequence[object]]
    url_column: str | None = None
    wrap: bool = False  # long prose: wrapped in a wide column
    mart: str | None = None  # the mart whose columns (and their descriptions) the sheet shows
    described: Mapping[str, str] | None = None  # otherwise: column → description
    # charts drawn beside the table: (title, first row, last row, value columns), rows 1-based as written
    charts: Sequence[tuple[str, int, int, Sequence[int]]] = ()

    @property
    def descriptions(self) -> dict[str, str]:
        if self.mart is None:
            described = self.described or {}
            return {c: described[c] for c in self.header}
        columns = MARTS_BY_NAME[self.mart].columns
        # reports_sources.sql adds one column to marts.sources
        return {c: FIGURES_DESCRIPTION if c == "figures" and c not in columns else columns[c] for c in self.header}


def _query(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = conn.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


# What the two sheets that are not a mart hold, column by column.
COLUMNS_SHEET = {"sheet": "Sheet of this workbook.", "column": "Column of that sheet.", "description": "What it holds."}
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
    "caveat": "Why these entries are not a count of workers (marts.border_entries).",
}


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
    return Sheet("Border entries", header, rows, described=ENTRIES_SHEET, charts=charts)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def sheets(conn: duckdb.DuckDBPyConnection, inputs_digest: str) -> list[Sheet]:
    sources_header, sources = _query(conn, read_sql("reports_sources"))
    estimates_header, estimates = _query(conn, ordered_select(conn, MARTS_BY_NAME["country_estimates"]))
    evidence_header, evidence = _query(conn, ordered_select(conn, MARTS_BY_NAME["estimate_evidence"]))
    marts = [
        Sheet("Sources", sources_header, sources, url_column="url", mart="sources"),
        Sheet("Country estimates", estimates_header, estimates, mart="country_estimates"),
        Sheet("Evidence", evidence_header, evidence, url_column="source_url", mart="estimate_evidence"),
    ]
    columns = [(sheet.name, column, sheet.descriptions[column]) for sheet in marts for column in sheet.header]
    about_rows = [
        ("What this is", about.DATA_DESCRIPTION),
        *((f"Caveat: {c.headline.rstrip('.')}", c.text) for c in about.CAVEATS),
        ("Formulas", about.SPREADSHEET_NOTE),
        ("Terms", about.LICENCE_NOTE),
        ("Inputs (sha256)", inputs_digest),
    ]
    entries = _entries_sheet(conn)
    columns += [(entries.name, column, entries.descriptions[column]) for column in entries.header]
    return [
        *marts,
        entries,
        Sheet("Columns", list(COLUMNS_SHEET), columns, described=COLUMNS_SHEET),
        Sheet("About", list(ABOUT_SHEET), about_rows, wrap=True, described=ABOUT_SHEET),
    ]


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _widths(sheet: Sheet) -> list[int]:
    widths = []
    for number, name in enumerate(sheet.header):
        longest = max([len(name), *(len(_display(row[number])) for row in sheet.rows)])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest + 2)))
    if sheet.wrap:
        widths[-1] = TEXT_WIDTH
    return widths


def _write_cell(worksheet, row: int, col: int, value: object, link: bool, formats: dict) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float, Decimal)):
        number = float(value)
        if math.isfinite(number):
            worksheet.write_number(row, col, number)
    elif isinstance(value, (dt.date, dt.datetime)):
        worksheet.write_string(row, col, value.isoformat())
    else:
        text = str(value)
        if link and _URL.match(text) and len(text) <= MAX_URL_LENGTH:
            # the address stays the link target; only the shown text goes through the rule
            if worksheet.write_url(row, col, text, formats["link"], string=neutralise(text)) == 0:
                return
        worksheet.write_string(row, col, neutralise(text), formats.get("text"))


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
    worksheet.insert_chart(1 + number * 16, len(sheet.header) + 1, chart)


def write_reports(conn: duckdb.DuckDBPyConnection, path: Path, created: dt.datetime, inputs_digest: str) -> Path:
    with written_in_one_step(path) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        workbook.set_properties(
            {
                "title": about.DATA_TITLE,
                "subject": "The list of reports behind the estimates of North Korean workers abroad",
                "author": "nk_pipeline",
                "comments": f"Built from inputs with sha256 {inputs_digest}",
                "created": created,
            }
        )
        header_format = workbook.add_format({"bold": True, "bg_color": "#e4e2de", "bottom": 1})
        formats = {"link": workbook.get_default_url_format()}
        wrap_format = workbook.add_format({"text_wrap": True, "valign": "top"})
        for sheet in sheets(conn, inputs_digest):
            worksheet = workbook.add_worksheet(sheet.name)
            for col, name in enumerate(sheet.header):
                worksheet.write_string(0, col, neutralise(name), header_format)
            for col, width in enumerate(_widths(sheet)):
                worksheet.set_column(col, col, width)
            cell_formats = {**formats, "text": wrap_format} if sheet.wrap else formats
            link_col = sheet.header.index(sheet.url_column) if sheet.url_column else -1
            for number, values in enumerate(sheet.rows, start=1):
                for col, value in enumerate(values):
                    _write_cell(worksheet, number, col, value, col == link_col, cell_formats)
            for number, chart in enumerate(sheet.charts):
                _insert_chart(workbook, worksheet, sheet, chart, number)
            worksheet.freeze_panes(1, 0)
            worksheet.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.header) - 1)
        workbook.close()
    return path
