"""Issue 3: every malformed input in tests/malformed/ is refused with a message naming file, line,
column and rule, and the published warehouse stays byte-identical; accepted quirks build.

Each case folder holds replacement raw files (one mistake or quirk each); the rest of the
inputs are the shipped ones.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from nk_pipeline.cli import failure_report
from nk_pipeline.staging.validation import check_folder
from tests.conftest import SHIPPED_RAW, run_build

CASES = Path(__file__).parent / "malformed"

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
ACCEPTED = sorted(p.name for p in CASES.iterdir() if p.name.startswith("ok_"))


def test_the_corpus_is_complete():
    folders = sorted(p.name for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("ok_"))
    assert folders == sorted(EXPECTED)
    assert len(folders) >= 20


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def raw_with(case: str, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SHIPPED_RAW, raw)
    for replacement in (CASES / case).iterdir():
        shutil.copyfile(replacement, raw / replacement.name)
    return raw


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("published") / "warehouse"
    assert run_build(SHIPPED_RAW, warehouse).success
    return warehouse


def assert_named(case: str, report: str) -> None:
    """The report has a line naming the case's file, line, column and rule."""
    file, line, column, words = EXPECTED[case]
    location = f"{file}:{line}" if line else file
    expected_start = f"{location}: column '{column}'" if column else f"{location}: "
    matching = [ln for ln in report.splitlines() if expected_start in ln and words in ln]
    assert matching, f"expected '{expected_start}… {words}' in:\n{report}"


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_the_validator_names_file_line_column_and_rule(case, tmp_path):
    checked = check_folder(raw_with(case, tmp_path))
    problems = [issue for _, issues in checked.values() for issue in issues]
    assert problems, "the case is refused"
    assert_named(case, "\n".join(map(str, problems)))


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_malformed_input_is_refused_and_nothing_changes(case, published, tmp_path):
    before = digest(published)
    build = run_build(raw_with(case, tmp_path), published)
    assert not build.success
    assert_named(case, "\n".join(failure_report(build.result)))
    assert digest(published) == before
    with duckdb.connect(str(published / "nk.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0] > 0


@pytest.mark.slow
def test_failures_are_also_asset_check_results(published, tmp_path):
    build = run_build(raw_with("04_words_in_number", tmp_path), published)
    evaluations = build.result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [("staging/country_estimates", "contract")]
    issues = failed[0].metadata["issues"].value
    assert "workers_low" in issues and "about 500" in issues


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_quirks_build_the_same_rows(case, tmp_path):
    from nk_pipeline.raw import contract
    from nk_pipeline.raw.reading import read_raw
    from nk_pipeline.staging.validation import validate

    (replacement,) = list((CASES / case).iterdir())
    spec = contract.RAW_FILES_BY_NAME[replacement.stem]
    sources = read_raw(SHIPPED_RAW / "sources.csv", contract.SOURCES.columns, "raw/sources.csv")
    known = set(sources.frame["source_id"])
    clean = validate(read_raw(CASES / "ok_utf8_bom" / replacement.name, spec.columns, "clean"), spec.name, known)
    quirky = validate(read_raw(replacement, spec.columns, "quirky"), spec.name, known)
    columns = [c for c in clean.columns if c not in ("source_line", "notes")]
    assert quirky[columns].equals(clean[columns])


@pytest.mark.slow
def test_all_quirks_together_still_build(tmp_path):
    raw = raw_with("ok_quoted_newline_and_comma", tmp_path)
    text = (raw / "country_estimates.csv").read_text(encoding="utf-8")
    (raw / "country_estimates.csv").write_bytes(
        ("\ufeff" + text.replace("\n", "\r\n") + ",,,,,,,,\r\n").encode("utf-8")
    )
    build = run_build(raw, tmp_path / "warehouse")
    assert build.success, "\n".join(failure_report(build.result))
