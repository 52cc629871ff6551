"""Text a spreadsheet would take for a formula, and how every published CSV and XLSX cell defuses it.

Titles, evidence and notes are typed by hand from pages anyone can write. Excel, LibreOffice
and Google Sheets evaluate a cell that starts with `=`, `+`, `-` or `@` as a formula (and a
DDE payload such as `=cmd|' /C calc'!A0` runs a program); a leading tab or carriage return
hides such a start from a reader but not from every importer, and importers that trim spaces
or fold full-width forms (`＝`, `＋`) see a formula after the fold. So a text cell is
*formula-like* when

- it starts with a tab or a carriage return, or
- its first character that is not white space, folded to its compatibility form (NFKC), is
  one of `=`, `+`, `-`, `@`.

A formula-like text is published with one leading apostrophe (`'=1+1`), which every
spreadsheet reads as "this cell is text"; so is a text that already starts with an apostrophe,
so that removing one leading apostrophe always gives the original back (`original_text`). The
rule applies to text only: numbers stay numbers, so a negative figure is still a number, never
`'-5`. The DuckDB file and the Parquet files carry the text unchanged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pandas as pd

FORMULA_STARTS = frozenset("=+-@")
CONTROL_STARTS = frozenset("\t\r")
APOSTROPHE = "'"


def is_formula_like(text: str) -> bool:
    if not text:
        return False
    if text[0] in CONTROL_STARTS:
        return True
    stripped = text.lstrip()
    if not stripped:
        return False
    return unicodedata.normalize("NFKC", stripped[0])[:1] in FORMULA_STARTS


def neutralise(text: str) -> str:
    """The text as a CSV or XLSX cell publishes it: with a leading apostrophe when formula-like
    (or when it starts with one already, so that the change can be undone)."""
    return APOSTROPHE + text if is_formula_like(text) or text.startswith(APOSTROPHE) else text


def original_text(cell: str) -> str:
    """The text a published CSV or XLSX text cell stands for: `neutralise` undone."""
    return cell[1:] if cell.startswith(APOSTROPHE) else cell


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell neutralised; numbers, booleans and nulls untouched."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        out[column] = values.map(lambda v: neutralise(v) if isinstance(v, str) else v, na_action="ignore")
    return out


def formula_like_cells(frame: pd.DataFrame, line_column: str) -> Iterator[tuple[int, str, str]]:
    """(line, column, text) of every formula-like text cell of a raw file read as text."""
    for column in frame.columns:
        if column == line_column:
            continue
        for line, value in zip(frame[line_column], frame[column]):
            if isinstance(value, str) and is_formula_like(value):
                yield int(line), column, value
