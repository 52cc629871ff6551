"""reports.xlsx never loses data silently (issue 24) and reads and prints (issue 23): the writer on
generated sheets, without a build. Excel's limits are passed smaller here, so that the rule that
applies at a million rows or 32,767 characters is exercised on a few."""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from nk_pipeline.data import about, reports_xlsx
from nk_pipeline.data.columns import HEADERS
from nk_pipeline.data.reports_xlsx import (
    CUT_MARK,
    LIMITS,
    LIMITS_RULE,
    SHEET_ROWS,
    Limits,
    Link,
    Sheet,
    SpreadsheetWriteError,
    about_sheet,
    columns_sheet,
    lines_needed,
    row_height,
    within_limits,
    write_workbook,
)
from nk_pipeline.marts.catalog import MARTS_BY_NAME

EDITION = about.Edition("0123456789ab", dt.date(2026, 1, 2))
DESCRIBED = {"country": "A country.", "text": "Some text.", "url": "An address."}


def _sheet(rows, name="Data") -> Sheet:
    return Sheet(name, ["country", "text", "url"], rows, url_column="url", described=DESCRIBED)


def _write(tmp_path, data, limits):
    fitted, cuts = within_limits(data, limits)
    sheets = [*fitted, columns_sheet(fitted), about_sheet(EDITION, "f" * 64, cuts)]
    path = write_workbook(tmp_path / "reports.xlsx", sheets, {"title": "t"}, EDITION.credit, limits)
    return openpyxl.load_workbook(path), cuts


def _about(workbook) -> dict[str, str]:
    return {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}


def test_text_over_the_cell_limit_is_cut_marked_and_reported(tmp_path):
    limits = Limits(text=200)
    long = "=" + "x" * 500  # formula-like as well: the cut text stays defused
    workbook, cuts = _write(tmp_path, [_sheet([["Chad", long, None], ["Mali", "short", None]])], limits)
    cell = workbook["Data"]["B2"].value
    assert len(cell) <= limits.text and cell.endswith(CUT_MARK) and cell.startswith("'=xxx")
    assert workbook["Data"]["B3"].value == "short"
    assert [(c.what, c.count) for c in cuts] == [("text", 1)]
    assert "1 text cell(s)" in _about(workbook)["Cut from this spreadsheet"]
    assert _about(workbook)["Limits"] == LIMITS_RULE
    # a text that merely ends like a cut is neutralised as any other
    workbook, _ = _write(tmp_path, [_sheet([["Chad", "=1+1" + CUT_MARK, None]])], limits)
    assert workbook["Data"]["B2"].value == "'=1+1" + CUT_MARK


def test_a_sheet_over_the_row_limit_stops_with_a_pointer_to_the_full_table(tmp_path):
    limits = Limits(rows=10)
    rows = [[f"country {n:03}", "t", None] for n in range(25)]
    evidence = Sheet("Evidence", ["country", "text", "url"], rows, mart=None, described=DESCRIBED)
    workbook, cuts = _write(tmp_path, [evidence], limits)
    sheet = workbook["Evidence"]
    values = [r[0].value for r in sheet.iter_rows(min_row=2)]
    assert values[:9] == [f"country {n:03}" for n in range(9)]
    assert len(values) == limits.rows  # nine rows and the note: the sheet's limit, never past it
    assert values[-1].startswith("16 more rows are not in this spreadsheet") and "CSV and Parquet" in values[-1]
    assert [(c.what, c.count, c.total) for c in cuts] == [("rows", 16, 25)]
    assert "the first 9 of 25 rows" in _about(workbook)["Cut from this spreadsheet"]


def test_a_mart_sheet_points_to_its_own_files():
    rows = [["AAA", None]] * 3
    sheet = Sheet("Sources", ["source_id", "url"], rows, mart="sources")
    _, cuts = within_limits([sheet], Limits(rows=2))
    assert "sources.csv and sources.parquet" in str(cuts[0])


def test_links_past_the_sheet_limit_are_written_as_text(tmp_path):
    limits = Limits(links=3)
    rows = [["Chad", "t", f"https://example.org/{n}"] for n in range(5)]
    workbook, cuts = _write(tmp_path, [_sheet(rows)], limits)
    cells = [r[2] for r in workbook["Data"].iter_rows(min_row=2)]
    assert [c.hyperlink is not None for c in cells] == [True, True, True, False, False]
    assert [c.value for c in cells] == [f"https://example.org/{n}" for n in range(5)]
    assert [(c.what, c.count) for c in cuts] == [("links", 2)]


def test_only_http_addresses_become_links_and_shown_text_is_defused(tmp_path):
    rows = [
        ["Chad", "t", "javascript:alert(1)"],
        ["Mali", "t", '=HYPERLINK("http://evil")'],
        ["Niger", "t", Link("=source", "https://example.org/a")],
        ["Togo", "t", Link("plain", "file:///etc/passwd")],
    ]
    workbook, cuts = _write(tmp_path, [_sheet(rows)], Limits())
    cells = [r[2] for r in workbook["Data"].iter_rows(min_row=2)]
    assert [c.hyperlink.target if c.hyperlink else None for c in cells] == [None, None, "https://example.org/a", None]
    assert cells[1].value.startswith("'=") and cells[2].value == "'=source" and cells[3].value == "plain"
    assert not cuts and _about(workbook)["Cut from this spreadsheet"] == "Nothing."


def test_every_write_is_checked(tmp_path, monkeypatch):
    """A write XlsxWriter refuses (here: a sheet whose cells it reports out of range) fails the release."""
    from xlsxwriter.worksheet import Worksheet

    monkeypatch.setattr(Worksheet, "write_string", lambda self, *args, **kwargs: -1)
    with pytest.raises(SpreadsheetWriteError, match=r"sheet 'Data'.*returned -1"):
        _write(tmp_path, [_sheet([["Chad", "t", None]])], Limits())
    assert not (tmp_path / "reports.xlsx").exists()  # nothing half-written is left


def test_booleans_are_true_or_false_in_every_row(tmp_path):
    sheet = Sheet("Flags", ["country", "text"], [["Chad", True], ["Mali", False]], described=DESCRIBED)
    workbook, _ = _write(tmp_path, [sheet], Limits())
    cells = [r[1] for r in workbook["Flags"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == [True, False] and all(c.data_type == "b" for c in cells)
    assert {c.number_format for c in cells} == {'"TRUE";"TRUE";"FALSE"'}


def test_wrapped_rows_are_as_tall_as_their_text(tmp_path):
    prose = " ".join(["word"] * 400)  # about 2,000 characters
    described = DESCRIBED | {"topic": "x"}
    sheet = Sheet("Prose", ["topic", "text"], [["a", prose], ["b", "short"]], wrap=True, described=described)
    workbook, _ = _write(tmp_path, [sheet], Limits())
    rows = workbook["Prose"].row_dimensions
    width = reports_xlsx.TEXT_WIDTH
    assert rows[2].height == lines_needed(prose, width) * reports_xlsx.LINE_HEIGHT
    assert 18 <= lines_needed(prose, width) <= 19  # 2,000 characters at about 109 a line
    assert rows[3].height is None  # one line: the default height
    assert workbook["Prose"]["B2"].alignment.wrap_text


def test_lines_needed_wraps_words_and_paragraphs():
    assert lines_needed("", 10) == 1
    assert lines_needed("aaaa bbbb", 10) == 1
    assert lines_needed("aaaa bbbb cccc", 10) == 2
    assert lines_needed("one\ntwo\nthree", 40) == 3
    assert lines_needed("x" * 30, 11) == 3  # a word longer than the line is broken
    assert lines_needed("朝鮮" * 10, 11) == 4  # wide characters take two columns
    assert row_height(["short", "x" * 45], [20, 11]) == 5 * reports_xlsx.LINE_HEIGHT
    assert row_height(["x" * 10**6], [11]) == reports_xlsx.MAX_ROW_HEIGHT


def test_every_column_of_the_spreadsheet_has_a_human_header():
    for mart in ("sources", "country_estimates", "estimate_evidence"):
        missing = [c for c in MARTS_BY_NAME[mart].columns if c not in HEADERS]
        assert not missing, (mart, missing)
    for described in (reports_xlsx.ENTRIES_SHEET, reports_xlsx.COLUMNS_SHEET, reports_xlsx.ABOUT_SHEET):
        sheet = Sheet("x", list(described), [], described=described, shown_as=reports_xlsx.ENTRIES_HEADERS)
        assert len(sheet.shown_header) == len(described)
    # within a sheet a header names one column
    for mart in ("sources", "country_estimates", "estimate_evidence"):
        shown = [HEADERS[c] for c in MARTS_BY_NAME[mart].columns]
        assert len(set(shown)) == len(shown), mart


def test_the_about_sheet_credits_the_release_without_table_names_or_paths():
    sheet = about_sheet(EDITION, "f" * 64, [])
    text = " ".join(str(v) for row in sheet.rows for v in row)
    assert EDITION.credit in text and about.DATA_LICENCE["path"] in text
    assert "marts." not in text and "nk_pipeline/" not in text and "raw/" not in text


def test_the_row_limit_is_far_below_excels_and_stated_on_the_about_sheet():
    assert LIMITS.rows + 1 == SHEET_ROWS <= 1_048_576 // 10
    assert f"at most {SHEET_ROWS:,} rows" in LIMITS_RULE
    assert ("Limits", LIMITS_RULE) in about_sheet(EDITION, "f" * 64, []).rows


def test_a_sheet_query_fetches_no_more_rows_than_the_sheet_shows_and_counts_the_rest_in_sql():
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t AS SELECT range AS n FROM range(100000)")
    limits = Limits(rows=10)
    header, rows, total = reports_xlsx._query(conn, "SELECT n FROM t ORDER BY n DESC", limits, "t")
    assert header == ["n"] and [r[0] for r in rows] == list(range(99999, 99989, -1)) and total == 100_000
    # a table within the limit is fetched whole, and its rows are its count
    _, rows, total = reports_xlsx._query(conn, "SELECT n FROM t WHERE n < 4 ORDER BY n", limits, "t")
    assert [r[0] for r in rows] == [0, 1, 2, 3] and total == 4


def test_a_sheet_holding_only_its_first_rows_is_cut_by_its_full_count(tmp_path):
    """What _query returns: the first rows and the table's count; the cut and the note use the count."""
    limits = Limits(rows=10)
    rows = [[f"country {n:03}", "t", None] for n in range(limits.rows)]
    sheet = Sheet("Evidence", ["country", "text", "url"], rows, described=DESCRIBED, total=1_000_000)
    workbook, cuts = _write(tmp_path, [sheet], limits)
    values = [r[0].value for r in workbook["Evidence"].iter_rows(min_row=2)]
    assert values[:-1] == [f"country {n:03}" for n in range(9)]
    assert values[-1].startswith("999,991 more rows are not in this spreadsheet")
    assert [(c.what, c.count, c.total) for c in cuts] == [("rows", 999_991, 1_000_000)]
    assert "the first 9 of 1,000,000 rows" in _about(workbook)["Cut from this spreadsheet"]


def test_one_line_cells_and_ascii_widths_are_measured_as_before():
    width = 10  # 10 usable characters
    assert lines_needed("a" * 10, width) == 1 and lines_needed("a" * 11, width) == 2
    assert lines_needed("aaaa bbbbb", width) == 1 and lines_needed("aaaa bbbbbb", width) == 2
    assert lines_needed("ab\ncd", width) == 2  # a line break: two lines, however short
    assert lines_needed("朝" * 5, width) == 1 and lines_needed("朝" * 5 + "a", width) == 2  # two columns each
    assert reports_xlsx._text_width("abc") == 3 and reports_xlsx._text_width("a朝") == 3
    assert reports_xlsx._text_width("é 30–50 …") == 9 and reports_xlsx._text_width("Ｐｙ ω") == 6


def test_counting_lines_stops_past_the_tallest_row():
    text = " ".join(["word"] * 10_000)
    assert lines_needed(text, 10, most=3) == 4 and lines_needed(text, 10) > 1_000
    assert lines_needed("a\nb", 10, most=3) == 2  # within the bound: the count itself
    assert row_height([text], [10]) == reports_xlsx.MAX_ROW_HEIGHT
    assert (
        row_height(["\n".join("x" * reports_xlsx.MAX_LINES)], [10]) == reports_xlsx.MAX_LINES * reports_xlsx.LINE_HEIGHT
    )
