"""Issue 24: the contract's limits, the raw folder's boundary and raw text made visible, at the
contract's level (no build): each hostile input is made from the shipped raw/ in the test, checked
with the validator every build runs, and must be refused with file, line, column and rule, and
nothing of it printed that could act on a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest

from nk_pipeline.orchestration import file_hashes
from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import MISSING, REFUSED, file_version, read_raw
from nk_pipeline.shared.issues import Issue
from nk_pipeline.shared.terminal_text import INVISIBLE, PREVIEW_CHARS, visible
from nk_pipeline.staging.stage import stage_boundaries
from nk_pipeline.staging.validation import LISTED_PER_RULE, check_table, more_than_listed
from tests.conftest import SHIPPED_RAW, copy_raw
from tests.support.input_limits import only_issue, problems, rows_of, set_cell, write_rows

# the characters issue 24 names: ESC, C0 and C1 controls, bidirectional marks, embeddings,
# overrides and isolates
HOSTILE_CHARACTERS = "\x1b\x07\x85\x9b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ESCAPE_SEQUENCE = "\x1b[2K\x1b[1A\x1b[32m"  # clear the line, go up one, turn green: rewrites what a reviewer read


# --- terminal text --------------------------------------------------------------------------


def test_every_control_and_format_character_is_made_visible():
    # the class is written out as ranges; Unicode's categories are the definition
    want = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")}
    matched = {c for c in range(sys.maxunicode + 1) if INVISIBLE.fullmatch(chr(c))}
    assert want <= matched
    # what the class holds beyond this Python's Unicode is format characters of a later version
    assert all(unicodedata.category(chr(c)) == "Cn" for c in matched - want)
    shown = visible("x" + HOSTILE_CHARACTERS + "\U000e0041\n")
    assert not INVISIBLE.search(shown)
    assert shown.startswith("x\\x1b\\x07\\x85\\x9b\\u200e") and shown.endswith("\\u2069\\U000e0041\\x0a")
    assert visible("a\nb\x1bc", lines=True) == "a\nb\\x1bc"


def test_an_issue_prints_raw_text_as_escapes_and_long_values_as_previews():
    issue = Issue("raw/x.csv", 3, "co\u202elumn", "v" * 10_000 + ESCAPE_SEQUENCE, "rule\x1b")
    text = str(issue)
    assert not INVISIBLE.search(text)
    assert "co\\u202elumn" in text and text.endswith("rule\\x1b")
    assert f"({10_000 + len(ESCAPE_SEQUENCE):,} characters)" in text and len(text) < PREVIEW_CHARS + 200


# --- sizes --------------------------------------------------------------------------------------


def test_every_text_column_has_a_length_limit_named_with_file_line_and_column(tmp_path):
    """In every file, each column gets one cell a character over its limit, on its own line."""
    raw = copy_raw(tmp_path / "raw")
    for spec in contract.RAW_FILES:
        path = raw / spec.filename
        rows = rows_of(path)
        while len(rows) < len(spec.columns) + 1:  # the empty-able files: rows to alter
            rows.append(list(rows[1] if len(rows) > 1 else ["x"] * len(spec.columns)))
        lines = {}
        for position, column in enumerate(spec.columns):
            line = position + 2
            rows[line - 1][rows[0].index(column)] = "é" * (spec.max_chars(column) + 1)  # characters, not bytes
            lines[column] = line
        write_rows(path, rows)
        table = read_raw(path, spec.columns, f"raw/{spec.filename}")
        found = check_table(table, spec.name)
        assert {(i.line, i.column) for i in found} == {(line, column) for column, line in lines.items()}
        for issue in found:
            limit = spec.max_chars(issue.column)
            assert f"longer than the {limit:,} characters a cell of {issue.column} may hold" in issue.rule
            # quoted whole within the preview's length, cut and counted past it
            expected = "é" * (limit + 1) if limit + 1 <= PREVIEW_CHARS else f"({limit + 1:,} characters)"
            assert issue.value.endswith(expected)


def test_a_file_over_its_size_is_refused_before_a_byte_is_read(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / "country_estimates.csv"
    with path.open("r+b") as handle:  # sparse: the limit's worth of bytes on no disk
        handle.truncate(contract.MAX_FILE_BYTES + 1)
    issue = only_issue(problems(raw))
    assert (issue.file.endswith("country_estimates.csv"), issue.line, issue.column) == (True, 0, "")
    assert f"more than the {contract.MAX_FILE_BYTES:,} bytes" in issue.rule
    assert file_version(raw, path.name, contract.COUNTRY_ESTIMATES.max_bytes) == REFUSED


def test_a_file_that_grows_past_its_limit_is_refused_as_it_is_read(tmp_path):
    path = tmp_path / "restaurants.csv"
    shutil.copyfile(SHIPPED_RAW / "restaurants.csv", path)
    size = path.stat().st_size
    issue = only_issue_of(lambda: read_raw(path, contract.RESTAURANTS.columns, "raw/restaurants.csv", size - 1))
    assert f"file is {size:,} bytes, more than the {size - 1:,} bytes" in issue.rule


def only_issue_of(call) -> Issue:
    from nk_pipeline.shared.issues import RawDataError

    with pytest.raises(RawDataError) as refused:
        call()
    return only_issue(refused.value.issues)


# --- whole numbers ------------------------------------------------------------------------------

HUGE = "123456789012345678901"  # 21 digits: past 2^64, the value that crashed DuckDB
JUST_OVER = str(contract.MAX_WHOLE_NUMBER + 1)


def whole_number_cells() -> list[tuple[contract.RawFile, str]]:
    """Every column of every file that holds a figure (the years have their own range)."""
    cells = [(spec, column) for spec in contract.RAW_FILES for column in spec.numeric if "year" not in column]
    values = ("old_value", "new_value")
    return cells + [(contract.REVIEWED_CHANGES, column) for column in values]


@pytest.mark.parametrize("value", [HUGE, JUST_OVER, "0" * 30 + JUST_OVER, "10,000,000,001"])
def test_every_figure_beyond_the_maximum_is_refused_with_file_line_and_column(value, tmp_path):
    raw = copy_raw(tmp_path / "raw")
    expected = set()
    for spec, column in whole_number_cells():
        path = raw / spec.filename
        rows = rows_of(path)
        # a row whose figure is a number: where the other rules are met, only the limit breaks
        header = rows[0]
        altered = {line for name, line, _ in expected if name == spec.filename}  # each row once
        line = next(
            n
            for n, row in enumerate(rows[1:], start=2)
            if row[header.index(column)].replace(",", "").isdigit()
            and (spec is not contract.REVIEWED_CHANGES or row[header.index("figure")] != "status")
            and n not in altered
        )
        set_cell(path, line, column, value)
        expected.add((spec.filename, line, column))
    found = problems(raw)
    limit = f"{contract.MAX_WHOLE_NUMBER:,}"
    named = {(Path(i.file).name, i.line, i.column.split(", ")[-1]) for i in found if limit in i.rule}
    assert named == expected, "\n".join(map(str, found))


def test_the_maximum_itself_is_accepted(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / "headline_estimates.csv"
    rows = rows_of(path)
    header = rows[0]
    line = next(n for n, row in enumerate(rows[1:], start=2) if row[header.index("high")].isdigit())
    set_cell(path, line, "high", str(contract.MAX_WHOLE_NUMBER))
    assert problems(raw) == []


# --- the raw folder's boundary ------------------------------------------------------------------


def assert_refused_unread(raw: Path, name: str, words: str, secret: str | None = None) -> Issue:
    found = problems(raw)
    issue = only_issue([i for i in found if i.file.endswith(name)])
    assert issue.line == 0 and words in issue.rule, str(issue)
    if secret is not None:
        assert secret not in "\n".join(map(str, found))
    return issue


def test_a_link_out_of_the_raw_folder_is_refused_and_nothing_of_it_printed(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "sources.csv").unlink()
    os.symlink("/etc/passwd", raw / "sources.csv")
    assert_refused_unread(raw, "sources.csv", "is a symbolic link", secret="root:")
    assert file_hashes(raw)["sources.csv"] == REFUSED


def test_a_link_to_a_valid_file_elsewhere_is_refused_too(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    elsewhere = tmp_path / "elsewhere.csv"
    (raw / "restaurants.csv").rename(elsewhere)
    os.symlink(elsewhere, raw / "restaurants.csv")
    assert_refused_unread(raw, "restaurants.csv", "is a symbolic link")


def test_a_linked_reference_folder_is_refused(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "reference").rename(tmp_path / "reference")
    os.symlink(tmp_path / "reference", raw / "reference")
    assert file_hashes(raw)[contract.BOUNDARIES.path] == REFUSED
    with (
        duckdb.connect(":memory:") as conn,
        pytest.raises(ValueError, match="its folder reference/ is a symbolic link"),
    ):
        stage_boundaries(conn, raw, tmp_path / "boundaries.parquet")


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "leads.csv").unlink()
    os.mkfifo(raw / "leads.csv")
    assert_refused_unread(raw, "leads.csv", "is a named pipe, not a file")
    assert file_hashes(raw)["leads.csv"] == REFUSED


def test_a_folder_where_a_file_belongs_is_refused(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "it_workers.csv").unlink()
    (raw / "it_workers.csv").mkdir()
    assert_refused_unread(raw, "it_workers.csv", "is a folder, not a file")


def test_a_device_where_a_file_belongs_is_refused(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "policy_events.csv").unlink()
    zero = os.stat("/dev/zero")
    try:
        os.mknod(raw / "policy_events.csv", zero.st_mode, zero.st_rdev)  # /dev/zero: a read never ends
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    assert_refused_unread(raw, "policy_events.csv", "is a device, not a file")


def test_a_missing_file_is_still_reported_as_missing(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "leads.csv").unlink()
    assert_refused_unread(raw, "leads.csv", "file not found")
    assert file_hashes(raw)["leads.csv"] == MISSING


# --- control characters -------------------------------------------------------------------------


def test_a_url_with_a_control_or_direction_character_is_refused(tmp_path):
    """Each character in the URL of its own source, one check for all of them."""
    raw = copy_raw(tmp_path / "raw")
    path = raw / "sources.csv"
    rows = rows_of(path)
    column = rows[0].index("url")
    lines = {}
    for line, character in enumerate(HOSTILE_CHARACTERS, start=2):
        url = rows[line - 1][column]
        rows[line - 1][column] = url[:12] + character + url[12:]  # inside the host name
        lines[line] = character
    write_rows(path, rows)
    found = problems(raw)
    assert {(i.line, i.column) for i in found} == {(line, "url") for line in lines}
    for issue in found:
        assert "control characters" in issue.rule and not INVISIBLE.search(str(issue))
        assert visible(lines[issue.line]) in str(issue)


def test_a_header_with_an_escape_sequence_is_named_harmlessly(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / "restaurants.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("evidence", "evidence" + ESCAPE_SEQUENCE + "\u202e", 1), encoding="utf-8")
    lines = [str(issue) for issue in problems(raw)]
    assert any("'evidence\\x1b[2K\\x1b[1A\\x1b[32m\\u202e'" in line for line in lines)
    assert not any(INVISIBLE.search(line) for line in lines)


def test_the_formula_warning_and_the_escape_free_report_meet(tmp_path):
    """A cell that starts like a formula and hides an escape sequence: a warning, printed harmlessly."""
    from nk_pipeline.staging.stage import stage_raw

    raw = copy_raw(tmp_path / "raw")
    set_cell(raw / "sources.csv", 4, "notes", '=HYPERLINK("x")' + ESCAPE_SEQUENCE)
    with duckdb.connect(":memory:") as conn:
        staged = stage_raw(conn, raw)
    assert not staged.failed
    (warning,) = [cell for f in staged.files for cell in (f.formula_cells or [])]
    assert (warning.line, warning.column) == (4, "notes")
    assert "\\x1b[2K" in str(warning) and not INVISIBLE.search(str(warning))


# --- the earlier hostile inputs, beside the new ones -----------------------------------------

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox(1)",
    "//example.org/no-scheme",
    "https:// example.org",
    "https://example.org/a b",
]


def test_urls_that_are_no_web_address_are_refused_in_sources_and_leads(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / "sources.csv"
    rows = rows_of(path)
    column = rows[0].index("url")
    for line, url in enumerate(HOSTILE_URLS, start=2):
        rows[line - 1][column] = url
    write_rows(path, rows)
    set_cell(raw / "leads.csv", 2, "url", HOSTILE_URLS[0])
    found = problems(raw)
    expected = {("sources.csv", line) for line in range(2, 2 + len(HOSTILE_URLS))} | {("leads.csv", 2)}
    assert {(Path(i.file).name, i.line) for i in found} == expected
    assert all(i.column == "url" and "http:// or https://" in i.rule for i in found)


# --- many bad rows ----------------------------------------------------------------------------


def _bad_rows(path: Path, count: int, **cells: str) -> None:
    """country_estimates.csv as `count` copies of its first row, each with its own figure (so that
    no two rows are the same observation) and `cells` set."""
    rows = rows_of(path)
    header, first = rows[0], rows[1]
    made = []
    for n in range(count):
        row = dict(zip(header, first), workers_low=str(n + 1), workers_high=str(n + 1), **cells)
        made.append([row[c] for c in header])
    write_rows(path, [header, *made])


def test_a_rule_broken_by_many_rows_lists_its_first_rows_and_says_there_are_more(tmp_path):
    """A file of bad rows costs what one of a thousand does: each rule lists the first
    LISTED_PER_RULE rows that break it, by line, and one problem says more rows break it."""
    raw = copy_raw(tmp_path / "raw")
    path = raw / contract.COUNTRY_ESTIMATES.filename
    count = LISTED_PER_RULE * 3
    # three rules at once: a column's own check, a required cell, a whole-row rule
    _bad_rows(path, count, country="Nowhereland", source_id="", origin="")
    table = read_raw(path, contract.COUNTRY_ESTIMATES.columns, "raw/country_estimates.csv")
    found = check_table(table, contract.COUNTRY_ESTIMATES.name, {"x"})
    notes = [i for i in found if i.line == 0]
    by_rule: dict[str, list[int]] = {}
    for issue in found:
        if issue.line:
            by_rule.setdefault(issue.rule, []).append(issue.line)
    assert len(by_rule) >= 3 and {n.rule for n in notes} == {more_than_listed(table.file, r).rule for r in by_rule}
    for lines in by_rule.values():
        assert sorted(set(lines)) == list(range(2, LISTED_PER_RULE + 2))  # the first rows, every one of them
    assert len(found) <= len(by_rule) * (LISTED_PER_RULE + 1)


def test_cells_too_long_in_many_rows_are_listed_up_to_the_same_limit(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    path = raw / contract.COUNTRY_ESTIMATES.filename
    limit = contract.COUNTRY_ESTIMATES.max_chars("evidence")
    _bad_rows(path, LISTED_PER_RULE + 5, evidence="w" * (limit + 1))
    table = read_raw(path, contract.COUNTRY_ESTIMATES.columns, "raw/country_estimates.csv")
    found = check_table(table, contract.COUNTRY_ESTIMATES.name)
    listed = [i for i in found if i.line]
    assert [i.line for i in listed] == list(range(2, LISTED_PER_RULE + 2))
    (note,) = [i for i in found if not i.line]
    assert note.rule.startswith(f"more than {LISTED_PER_RULE:,} rows break this rule") and listed[0].rule in note.rule
