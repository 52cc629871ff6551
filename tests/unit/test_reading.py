"""The CSV reader: any file a spreadsheet or Python's csv module writes reads back cell for cell
and line for line; every quoting fault is named with its line, column and rule."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nk_pipeline.raw import reading
from nk_pipeline.raw.reading import LINE_COLUMN, read_raw
from nk_pipeline.shared.issues import RawDataError

COLUMNS = ("country", "evidence", "notes")

CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t;é\u00a0')), max_size=12)


def csv_module_rows(text: str) -> list[tuple[int, list[str | None]]]:
    """What the csv module (strict) reads: each kept record's first line and its trimmed cells."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    rows, line = [], reader.line_num + 1
    for record in reader:
        start, line = line, reader.line_num + 1
        cells = [cell.strip() for cell in record]
        if any(cells):
            rows.append((start, [cell or None for cell in cells]))
    return rows


def read_back(path: Path) -> list[tuple[int, list[str | None]]]:
    frame = read_raw(path, COLUMNS, path.name).frame
    return [
        (int(row[0]), [None if pd.isna(cell) else cell for cell in row[1:]])
        for row in frame[[LINE_COLUMN, *COLUMNS]].itertuples(index=False)
    ]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.one_of(st.lists(CELL, min_size=3, max_size=3), st.just([])), max_size=8),
    line_end=st.sampled_from(["\n", "\r\n"]),
    small_blocks=st.booleans(),
)
def test_whatever_csv_writes_reads_back_as_the_csv_module_reads_it(rows, line_end, small_blocks, tmp_path, monkeypatch):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(COLUMNS)
    for row in rows:
        if row:
            # the csv module leaves a lone "\r" unquoted when records end in "\n": no reader can
            # tell it from a line end, so such a file is not one a reader must read back
            writer.writerow([cell.replace("\r", "") for cell in row] if line_end == "\n" else row)
        else:
            buffer.write(line_end)  # a blank line
    path = tmp_path / "table.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    # blocks of a few bytes put record and CRLF boundaries across Arrow's blocks
    monkeypatch.setattr(reading, "BLOCK_BYTES", 7 if small_blocks else reading.BLOCK_BYTES)
    assert read_back(path) == csv_module_rows(buffer.getvalue())


def problems(tmp_path: Path, text: bytes) -> list[str]:
    path = tmp_path / "table.csv"
    path.write_bytes(text)
    with pytest.raises(RawDataError) as refused:
        read_raw(path, COLUMNS, "raw/table.csv")
    return [str(issue) for issue in refused.value.issues]


HEADER = b"country,evidence,notes\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'Russia,a "quoted" word,\n',
            "raw/table.csv:2: column 'evidence' value 'a \"quoted\" word': a '\"' inside a cell that does not begin",
        ),
        (
            b'Russia,ok,\nChina,"closed" then text,\n',
            "raw/table.csv:3: column 'evidence' value '\"closed\" then text': text after the '\"'",
        ),
        (
            b'Russia,ok,\n\nChina,"never\nclosed,\n',
            "raw/table.csv:4: column 'evidence' value '\"never': a quoted cell is never closed",
        ),
        (b"Russia,ok,\nChi\0na,x,\n", "raw/table.csv:3: column 'country' value '0x00': file holds a NUL byte"),
        (b"Russia,ok,\nChina,x\n", "raw/table.csv:3: row has 2 cells but the header has 3"),
        (b"Russia,\xe9,\n", "raw/table.csv:2: column 'evidence' value '0xe9': file is not UTF-8"),
    ],
)
def test_each_fault_is_named_with_line_column_and_rule(body, expected, tmp_path):
    found = problems(tmp_path, HEADER + body)
    assert any(problem.startswith(expected) for problem in found), found


def test_every_ragged_row_is_listed_and_rows_of_empty_cells_are_not(tmp_path):
    found = problems(tmp_path, HEADER + b"a,b\n,,,,\n  , ,\nc,d,e,f\ng,h,i\n")
    assert [p.split(": ")[0] for p in found] == ["raw/table.csv:2", "raw/table.csv:5"]


def test_carriage_returns_alone_end_lines_too(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(HEADER.replace(b"\n", b"\r") + b'Russia,"two\rlines",x\r\rChina,y,\r')
    assert read_back(path) == [(2, ["Russia", "two\rlines", "x"]), (5, ["China", "y", None])]


def test_an_empty_file_has_no_header(tmp_path):
    assert problems(tmp_path, b"\n\n") == ["raw/table.csv: file is empty: a header row is required"]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(body=st.text(alphabet=st.sampled_from(list('a ,"\n\r\t\0é')), max_size=40))
def test_any_bytes_are_read_as_the_csv_module_reads_them_or_refused_with_a_reason(body, tmp_path):
    path = tmp_path / "table.csv"
    text = "country,evidence,notes\n" + body
    path.write_bytes(text.encode("utf-8"))
    try:
        read = read_back(path)
    except RawDataError as refused:
        assert all(issue.rule and issue.file == path.name for issue in refused.issues)
        return
    assert read == csv_module_rows(text), "what is accepted means what the csv module reads"


def test_a_short_row_holding_only_a_quoted_comma_is_refused_not_dropped(tmp_path):
    # its one cell is ",": not a row of empty cells, so it is named, not skipped
    assert problems(tmp_path, HEADER + b'Russia,ok,\n","\n') == [
        "raw/table.csv:3: row has 1 cells but the header has 3 (an unquoted comma, or a missing one?)"
    ]


def test_blank_lines_before_the_header_are_skipped_and_lines_still_count(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"\n\r\n" + HEADER + b"Russia,ok,\n")
    assert read_back(path) == [(4, ["Russia", "ok", None])]
    found = problems(tmp_path, b"\n" + HEADER.replace(b"notes", b"note") + b"Russia,ok,\n")
    assert [p.split(": ")[:2] for p in found] == [
        ["raw/table.csv:2", "column 'note' (blank)"],
        ["raw/table.csv:2", "column 'notes' (blank)"],
    ]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    start=st.sampled_from(["", "\ufeff", "\n", "\r\n\n"]),
    header=st.sampled_from(
        ["country,evidence,notes", '"country",evidence, notes ', "country,evidence", 'country,"x\ny",notes']
    ),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    body=st.text(alphabet=st.sampled_from(list('a ,"\n\r\0é')), max_size=30),
)
def test_whole_files_are_read_as_the_csv_module_reads_them_or_refused(start, header, line_end, body, tmp_path):
    path = tmp_path / "table.csv"
    text = start + header + line_end + body
    path.write_bytes(text.encode("utf-8"))
    try:
        read = read_back(path)
    except RawDataError:
        return
    text = text.removeprefix("\ufeff")
    blank_start = text[: len(text) - len(text.lstrip("\r\n"))]
    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), strict=True)
    assert [cell.strip() for cell in next(reader)] == list(COLUMNS), "only the expected header is accepted"
    shift = len(blank_start.replace("\r\n", "\n"))  # one line per blank line before the header
    assert read == [(line + shift, cells) for line, cells in csv_module_rows(text.lstrip("\r\n"))]
