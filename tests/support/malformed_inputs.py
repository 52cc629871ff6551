"""Helpers shared by the tiers of test_malformed_inputs's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import MALFORMED, SHIPPED_RAW

CASES = MALFORMED

# case → (file, line, column, words the rule must contain)
EXPECTED = {
    "01_latin1_encoding": ("country_estimates.csv", 3, "country", "not UTF-8"),
    "02_unknown_column": ("restaurants.csv", 1, "city", "unknown column"),
    "03_missing_column": ("border_entries.csv", 1, "period", "required column is missing"),
    "04_words_in_number": ("country_estimates.csv", 5, "workers_low", "whole number"),
    "05_negative_number": ("country_estimates.csv", 5, "workers_high", "whole number"),
    "06_decimal_number": ("border_entries.csv", 4, "entrants", "whole number"),
    "07_low_above_high": ("country_estimates.csv", 5, "workers_low, workers_high", "not be greater than"),
    "08_year_before_1950": ("country_estimates.csv", 3, "reference_year", "from 1950 to this year"),
    "09_year_in_future": ("country_estimates.csv", 3, "reference_year", "from 1950 to this year"),
    "10_date_wrong_format": ("policy_events.csv", 5, "date", "YYYY-MM-DD"),
    "11_date_in_future": ("policy_events.csv", 5, "date", "to today"),
    "12_impossible_date": ("policy_events.csv", 5, "date", "a real date"),
    "13_unknown_measure": ("country_estimates.csv", 4, "measure", "must be one of"),
    "14_unknown_source_kind": ("sources.csv", 6, "kind", "must be one of"),
    "15_unknown_category": ("border_entries.csv", 3, "category", "must be one of"),
    "16_unknown_scope": ("headline_estimates.csv", 4, "scope", "must be one of"),
    "17_unknown_event": ("policy_events.csv", 4, "event", "must be one of"),
    "18_unknown_sector": ("country_estimates.csv", 5, "sectors", "';'-separated terms"),
    "19_duplicate_source_id": ("sources.csv", 8, "source_id", "must be unique"),
    "20_unknown_source_id": ("country_estimates.csv", 3, "source_id", "not found in sources.csv"),
    "21_url_without_scheme": ("sources.csv", 10, "url", "http"),
    "22_duplicate_observation": (
        "country_estimates.csv",
        6,
        "country, source_id, reference_year, measure, workers_low, workers_high",
        "duplicate",
    ),
    "23_unresolvable_country": ("country_estimates.csv", 4, "country", "ISO 3166-1"),
    "24_blank_required_evidence": ("country_estimates.csv", 3, "evidence", "must not be blank"),
    "25_evidence_too_long": ("country_estimates.csv", 3, "evidence", "at most 15 words"),
    "26_presence_with_a_figure": ("country_estimates.csv", 3, "measure, workers_low, workers_high", "presence"),
    "27_ragged_row": ("country_estimates.csv", 3, "", "row has 11 cells"),
    "28_unterminated_quote": ("country_estimates.csv", 6, "", "never closed"),
    "29_figure_without_meaning": ("policy_events.csv", 4, "figure, figure_meaning", "figure_meaning"),
    "30_bad_thousands_grouping": ("country_estimates.csv", 5, "workers_low", "whole number"),
    "31_header_only": ("restaurants.csv", 0, "", "no data rows"),
    "32_source_id_not_a_slug": ("sources.csv", 4, "source_id", "lowercase slug"),
    "33_reviewed_change_not_a_number": ("reviewed_changes.csv", 2, "figure, new_value", "whole number"),
}


def raw_with(case: str, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SHIPPED_RAW, raw)
    for replacement in (CASES / case).iterdir():
        shutil.copyfile(replacement, raw / replacement.name)
    return raw


def assert_named(case: str, report: str) -> None:
    """The report has a line naming the case's file, line, column and rule."""
    file, line, column, words = EXPECTED[case]
    location = f"{file}:{line}" if line else file
    expected_start = f"{location}: column '{column}'" if column else f"{location}: "
    matching = [ln for ln in report.splitlines() if expected_start in ln and words in ln]
    assert matching, f"expected '{expected_start}… {words}' in:\n{report}"
