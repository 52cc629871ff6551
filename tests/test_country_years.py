"""Issue 12: the reconciliation as of every year (marts.country_years), on hand-made inputs whose
answers are worked out here, and on the shipped data.

tests/handmade_years/ (window 3 years, as marts.method_parameters ships it):

Poland's worker figures describe 2014 (gov-a: 1,000), 2016 (res-b: 2,000–3,000; med-c: 2,500),
2020 (two reports that none remain: gov-e in March, un-d in July, from raw/policy_events.csv),
2023 (med-f: 500) and 2024 (res-g: 800); gov-e also reports 400 sent home in 2019. The windows
ending at those years hold 1, 3, 2, 1 and 2 distinct sources. As of each year only the windows
ending by then exist:

- 2014–2015: the only window (2014) is uncorroborated, so the latest figure: about 1,000 (2014);
  one government source gives medium confidence; stale (before 2020).
- 2016–2019: the window 2014–2016 is corroborated: low 1,000, high 3,000, central =
  median(1,000, 2,500, 2,500) = 2,500; 2,500 > 2 × 1,000 is a conflict, so medium confidence.
  2019 shows the 400 sent home beside it, not in it.
- 2020–2023: the window 2018–2020 (two zero reports) is corroborated: none_reported_remaining,
  0/0/0, "None reported remaining (2020)", not stale. In 2023 med-f's 500 is a newer single
  source and does not yet supersede the zero.
- 2024: the window 2022–2024 (500 and 800) is corroborated: 500–800, central 650, no conflict.

Senegal: res-b states 2019 (200); undated-h states no year and was published in 2021 (300).
2019–2020: about 200 (2019). From 2021 the window 2019–2021 holds both: 200–300, central 250,
and its year is the stated 2019, not the publication year; stale, since no source states 2020 or
later. Ghana has only undated-h's 50: from 2021, "about 50 (reported 2021)", stale; before 2021
nothing (nobody could know the figure earlier). Laos has one restaurant report of 2015.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from nk_pipeline.lib import contract, geo
from nk_pipeline.lib.sql_checks import check_queries
from nk_pipeline.lib.validation import check_folder, to_typed
from nk_pipeline.lib.warehouse import build_mart, write_frame

HANDMADE = Path(__file__).parent / "handmade_years"
SERIES_MARTS = ("method_parameters", "statuses", "measures", "estimate_evidence", "country_years", "country_estimates")
SERIES_CHECKS = (
    "every_estimate_has_a_source",
    "low_le_central_le_high",
    "status_matches_figures",
    "used_evidence_is_a_worker_figure",
    "no_look_ahead",
    "latest_year_is_country_estimates",
)


def reconcile(raw_dir: Path) -> duckdb.DuckDBPyConnection:
    """The raw files validated and typed as the pipeline does, then the series marts built by their SQL."""
    conn = duckdb.connect(":memory:")
    checked = check_folder(raw_dir)
    for spec in contract.RAW_FILES:
        raw, issues = checked[spec.name]
        assert issues == [], issues
        write_frame(conn, f"staging.{spec.name}", to_typed(raw, spec.name), spec.description)
    union = " UNION ".join(f"SELECT iso3 FROM staging.{f.name}" for f in contract.COUNTRY_FILES)
    named = conn.execute(f"SELECT DISTINCT iso3 FROM ({union}) WHERE iso3 IS NOT NULL").df()
    write_frame(conn, "staging.countries", geo.iso3_names(named["iso3"]), "Countries.")
    for name in SERIES_MARTS:
        build_mart(conn, name)
    return conn


def series(conn, iso3: str) -> dict[int, dict]:
    frame = conn.execute("SELECT * FROM marts.country_years WHERE iso3 = ? ORDER BY year", [iso3]).df()
    return {int(r["year"]): r for r in frame.to_dict("records")}


def figures(row) -> tuple:
    return (row["status"], _int(row["workers_low"]), _int(row["workers_high"]), _int(row["workers_central"]))


def _int(value):
    return None if pd.isna(value) else int(value)


@pytest.fixture(scope="module")
def conn():
    connection = reconcile(HANDMADE)
    yield connection
    connection.close()


def test_the_sql_reads_which_measures_count_from_the_vocabulary(conn):
    counting = {m for (m,) in conn.execute("SELECT measure FROM marts.measures WHERE counts_for_figure").fetchall()}
    assert counting == set(contract.WORKER_MEASURES)
    used = {m for (m,) in conn.execute("SELECT DISTINCT measure FROM marts.estimate_evidence WHERE first_year_used IS NOT NULL").fetchall()}
    assert used <= counting
    statuses = {s for (s,) in conn.execute("SELECT DISTINCT status FROM marts.country_years").fetchall()}
    # Poland, Ghana and Laos: every status but 'present', each one of marts.statuses
    assert statuses == {"estimate", "none_reported_remaining", "restaurants_only"}
    assert statuses <= {s for (s,) in conn.execute("SELECT status FROM marts.statuses").fetchall()}


def test_the_checks_pass(conn):
    for name in SERIES_CHECKS:
        assert conn.execute(check_queries()[name]).fetchall() == [], name


def test_a_country_rising_falling_to_an_official_zero_and_reported_again(conn):
    poland = series(conn, "POL")
    assert sorted(poland) == list(range(2014, 2025))
    for year in (2014, 2015):
        assert figures(poland[year]) == ("estimate", 1000, 1000, 1000)
        assert poland[year]["label"] == "about 1,000 (2014)"
        assert (poland[year]["confidence"], poland[year]["stale"]) == ("medium", True)
    for year in (2016, 2017, 2018, 2019):
        assert figures(poland[year]) == ("estimate", 1000, 3000, 2500)
        assert poland[year]["label"] == "1,000–3,000 (2016)"
        assert poland[year]["source_ids"] == "gov-a;med-c;res-b" and poland[year]["n_sources"] == 3
        assert poland[year]["conflict"] and poland[year]["confidence"] == "medium"
    # the departure is beside the series, never in it
    assert poland[2019]["repatriated_reported"] == 400
    assert poland[2019]["repatriation_reports"] == "400 sent home (gov-e)"
    assert poland[2019]["repatriation_source_ids"] == "gov-e"
    assert all(pd.isna(poland[y]["repatriated_reported"]) for y in poland if y != 2019)
    for year in (2020, 2021, 2022, 2023):
        assert figures(poland[year]) == ("none_reported_remaining", 0, 0, 0)
        assert poland[year]["label"] == "None reported remaining (2020)"
        assert poland[year]["source_ids"] == "gov-e;un-d"
        assert (poland[year]["stale"], poland[year]["confidence"]) == (False, "medium")
    assert figures(poland[2024]) == ("estimate", 500, 800, 650)
    assert poland[2024]["label"] == "500–800 (2024)" and poland[2024]["source_ids"] == "med-f;res-g"
    assert not poland[2024]["conflict"] and poland[2024]["is_latest"]


def test_official_zeros_are_stock_evidence_traced_to_their_line(conn):
    rows = conn.execute(
        "SELECT source_id, measure, raw_file, source_line, workers_low, workers_high, reference_year, used, "
        "first_year_used, last_year_used, exclusion_reason FROM marts.estimate_evidence "
        "WHERE iso3 = 'POL' AND raw_file = 'raw/policy_events.csv' ORDER BY source_line"
    ).df().to_dict("records")
    assert [(r["source_id"], r["measure"], r["source_line"]) for r in rows] == [
        ("gov-e", "repatriated", 3), ("gov-e", "stock", 4), ("un-d", "stock", 5)
    ]
    repatriated, *zeros = rows
    assert not repatriated["used"] and pd.isna(repatriated["first_year_used"])
    assert "never counted" in repatriated["exclusion_reason"]
    for zero in zeros:
        assert (zero["workers_low"], zero["workers_high"], zero["reference_year"]) == (0, 0, 2020)
        assert (zero["first_year_used"], zero["last_year_used"]) == (2020, 2023)
        # not used in the latest year, superseded by the 2022–2024 window
        assert not zero["used"] and zero["exclusion_reason"].startswith("superseded")
    (single,) = conn.execute(
        "SELECT used, first_year_used, last_year_used FROM marts.estimate_evidence WHERE source_id = 'med-f'"
    ).fetchall()
    assert single == (True, 2024, 2024)  # a single newer source until res-g corroborates it


def test_a_figure_with_no_stated_year(conn):
    senegal, ghana = series(conn, "SEN"), series(conn, "GHA")
    assert sorted(senegal) == list(range(2019, 2025))
    for year in (2019, 2020):
        assert figures(senegal[year]) == ("estimate", 200, 200, 200) and senegal[year]["label"] == "about 200 (2019)"
    for year in range(2021, 2025):
        row = senegal[year]
        assert figures(row) == ("estimate", 200, 300, 250)
        # the stated year, not the publication year of the undated figure
        assert row["label"] == "200–300 (2019)" and row["reference_year"] == 2019
        assert not row["reference_year_from_publication"]
        assert row["stale"], "a publication year alone cannot make a country current"
    # published in 2021: nothing before, and it says "reported"
    assert sorted(ghana) == list(range(2021, 2025))
    for row in ghana.values():
        assert figures(row) == ("estimate", 50, 50, 50)
        assert row["label"] == "about 50 (reported 2021)"
        assert row["reference_year"] == 2021 and row["reference_year_from_publication"]
        assert row["stale"] and row["confidence"] == "low"
    (undated,) = conn.execute(
        "SELECT effective_year, year_from_publication FROM marts.estimate_evidence WHERE iso3 = 'GHA'"
    ).fetchall()
    assert undated == (2021, True)


def test_restaurants_only_from_the_year_reported(conn):
    laos = series(conn, "LAO")
    assert sorted(laos) == list(range(2015, 2025))
    assert {r["status"] for r in laos.values()} == {"restaurants_only"}
    assert {r["label"] for r in laos.values()} == {"North Korean restaurants only"}


def test_the_latest_year_is_country_estimates(conn):
    latest = conn.execute(
        "SELECT * EXCLUDE (year, is_latest, repatriated_reported, repatriation_reports, repatriation_source_ids) "
        "FROM marts.country_years WHERE is_latest ORDER BY iso3"
    ).df()
    estimates = conn.execute("SELECT * FROM marts.country_estimates ORDER BY iso3").df()
    pd.testing.assert_frame_equal(latest.reset_index(drop=True), estimates)
    assert set(latest["iso3"]) == {"POL", "SEN", "GHA", "LAO"}
    assert conn.execute("SELECT DISTINCT year FROM marts.country_years WHERE is_latest").fetchall() == [(2024,)]


def test_no_look_ahead_a_later_observation_changes_no_earlier_year(conn, tmp_path):
    """Without res-g's 2024 figure the years up to 2023 are the same; only 2024 (the new latest) goes."""
    raw = tmp_path / "raw"
    shutil.copytree(HANDMADE, raw)
    estimates = raw / "country_estimates.csv"
    lines = estimates.read_text(encoding="utf-8").splitlines(keepends=True)
    estimates.write_text("".join(line for line in lines if ",res-g," not in line), encoding="utf-8")
    earlier = reconcile(raw)
    try:
        query = "SELECT * EXCLUDE (is_latest) FROM marts.country_years WHERE year <= 2023 ORDER BY iso3, year"
        pd.testing.assert_frame_equal(earlier.execute(query).df(), conn.execute(query).df())
        # as of 2023 (now the latest) Poland is still the official zero: med-f alone does not supersede it
        (row,) = earlier.execute("SELECT status, label FROM marts.country_estimates WHERE iso3 = 'POL'").fetchall()
        assert row == ("none_reported_remaining", "None reported remaining (2020)")
    finally:
        earlier.close()


@pytest.mark.slow
def test_shipped_latest_year_equals_country_estimates_and_algeria_reports_none(shipped_build):
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as shipped:
        latest = shipped.execute(
            "SELECT * EXCLUDE (year, is_latest, repatriated_reported, repatriation_reports, repatriation_source_ids) "
            "FROM marts.country_years WHERE year = (SELECT max(year) FROM marts.country_years) ORDER BY iso3"
        ).df()
        estimates = shipped.execute("SELECT * FROM marts.country_estimates ORDER BY iso3").df()
        algeria = shipped.execute("SELECT * FROM marts.country_estimates WHERE iso3 = 'DZA'").df().iloc[0]
        algeria_evidence = shipped.execute(
            "SELECT source_id, source_line FROM marts.estimate_evidence "
            "WHERE iso3 = 'DZA' AND raw_file = 'raw/policy_events.csv' AND used ORDER BY source_id"
        ).fetchall()
        # sources cited for a year describe that year or earlier
        future = shipped.execute(
            """
            SELECT c.iso3, c.year, e.source_id FROM marts.country_years AS c
            JOIN marts.estimate_evidence AS e
              ON e.iso3 = c.iso3 AND c.year BETWEEN e.first_year_used AND e.last_year_used
            WHERE e.effective_year > c.year
               OR NOT list_contains(string_split(c.source_ids, ';'), e.source_id)
            """
        ).fetchall()
    pd.testing.assert_frame_equal(latest, estimates)
    assert (algeria["status"], algeria["workers_central"], algeria["stale"]) == ("none_reported_remaining", 0, False)
    assert algeria["label"] == "None reported remaining (2020)"
    assert [s for s, _ in algeria_evidence] == ["rfa-kr-2020-algeria", "voakorea-2020-algeria"]
    assert future == []
