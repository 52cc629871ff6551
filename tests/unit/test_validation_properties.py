"""Property-based tests: any row that follows the contract passes, any single violation is caught
on the right line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import read_raw
from nk_pipeline.staging.validation import check_table

SOURCE_IDS = ["un-sr-2015", "kbs-2019-interim", "nkitw-overseas-workers"]

COUNTRIES = ["Russia", "China", "Kuwait", "Qatar", "Poland", "Malta", "United Arab Emirates", "Myanmar", "DR Congo"]

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)

# Free text as people type it: any printable character, but no control characters such as a lone
# "\r", which a CSV reader rightly takes for a line break.
FREE_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)

THIS_YEAR = dt.date.today().year


@st.composite
def estimate_rows(draw) -> dict[str, str]:
    measure = draw(st.sampled_from(contract.MEASURES))
    low = high = ""
    if measure not in contract.MEASURES_WITHOUT_FIGURE:
        a, b = sorted(draw(st.lists(st.integers(0, 200_000), min_size=2, max_size=2)))
        shape = draw(st.sampled_from(["range", "floor", "ceiling", "point"]))
        low = str(a) if shape in ("range", "floor") else str(b) if shape == "point" else ""
        high = str(b) if shape in ("range", "ceiling", "point") else ""
    sectors = draw(st.lists(st.sampled_from(contract.SECTORS), unique=True, max_size=3))
    return {
        "country": draw(st.sampled_from(COUNTRIES)),
        "workers_low": low,
        "workers_high": high,
        "measure": measure,
        "reference_year": draw(st.one_of(st.just(""), st.integers(1950, THIS_YEAR).map(str))),
        "sectors": ";".join(sorted(sectors)),
        "source_id": draw(st.sampled_from(SOURCE_IDS)),
        # a figure names who first stated it; presence may
        "origin": draw(st.sampled_from(["US government", "Yonhap"]))
        if low or high
        else draw(st.sampled_from(["", "NKDB"])),
        "evidence": " ".join(draw(st.lists(WORD, min_size=1, max_size=15))),
        "notes": draw(st.one_of(st.just(""), FREE_TEXT)),
    }


def unique_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, kept = set(), []
    for row in rows:
        key = (
            row["country"],
            row["source_id"],
            row["reference_year"],
            row["measure"],
            row["workers_low"],
            row["workers_high"],
        )
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def check(rows: list[dict[str, str]]):
    spec = contract.COUNTRY_ESTIMATES
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=spec.columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / spec.filename
        path.write_text(buffer.getvalue(), encoding="utf-8")
        table = read_raw(path, spec.columns, spec.filename)
    return check_table(table, spec.name, SOURCE_IDS)


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(st.lists(estimate_rows(), min_size=1, max_size=8).map(unique_rows))
def test_valid_rows_pass(rows):
    assert check(rows) == []


MUTATIONS = {
    "workers_low": ["-1", "1.5", "many", "1e3"],
    "reference_year": ["1949", str(THIS_YEAR + 1), "20x0", "17"],
    "measure": ["Stock", "estimate", ""],
    "sectors": ["Construction", "construction, logging", "space"],
    "source_id": ["unknown-source", ""],
    "country": ["Atlantis", ""],
    "evidence": [" ".join(["w"] * 16), ""],
}


@PROPERTY_SETTINGS
@given(
    rows=st.lists(estimate_rows(), min_size=1, max_size=6).map(unique_rows),
    data=st.data(),
)
def test_one_violation_is_caught_on_its_line(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(sorted(MUTATIONS)))
    value = data.draw(st.sampled_from(MUTATIONS[column]))
    broken = dict(rows[index])
    broken[column] = value
    if column == "workers_low" and broken["measure"] in contract.MEASURES_WITHOUT_FIGURE:
        broken["measure"] = "stock"
    rows = [*rows[:index], broken, *rows[index + 1 :]]
    issues = check(rows)
    line = index + 2  # header is line 1
    assert any(i.line == line and column in i.column for i in issues), (column, value, issues)
