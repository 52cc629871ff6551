"""A 50 MB title (issue 24): refused by the cell limit, quoted in one line of bounded length.
In the slow tier: the test writes and reads a 50 MB file."""

from __future__ import annotations

from nk_pipeline.shared.terminal_text import PREVIEW_CHARS
from tests.conftest import copy_raw
from tests.support.input_limits import only_issue, problems, set_cell


def test_a_fifty_megabyte_title_is_refused_quickly_and_quoted_in_a_line(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    set_cell(raw / "sources.csv", 4, "title", "A" * 50 * 2**20)
    issue = only_issue(problems(raw))
    assert (issue.file.endswith("sources.csv"), issue.line, issue.column) == (True, 4, "title")
    assert len(str(issue)) < len(issue.file) + PREVIEW_CHARS + 200 and "52,428,800 characters" in str(issue)
