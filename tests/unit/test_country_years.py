"""Issue 12 and 20: the reconciliation as of every year (marts.country_years), on hand-made inputs
whose answers are worked out here, and on the shipped data.

tests/handmade_years/ (window 3 years, carry_years 2, as marts.method_parameters ships them; each
source is its own origin here):

Poland's worker figures describe 2014 (gov-a: 1,000), 2016 (res-b: 2,000–3,000; med-c: 2,500),
2023 (med-f: 500) and 2024 (res-g: 800); two reports say none remain in 2020 (gov-e in March,
un-d in July, from raw/policy_events.csv), and gov-e reports 400 sent home in 2019. As of each
year only figures describing it or the two years before, and after the last end, are allowed:

- 2014–2015: the only window (2014) holds one origin, so the latest figure: about 1,000 (2014);
  one government source gives medium confidence; stale (before 2020).
- 2016: allowed 2014–2016; the window 2014–2016 holds three origins: low 1,000, high 3,000,
  central = median(1,000, 2,500, 2,500) = 2,500; 2,500 > 2 × 1,000 is a conflict: medium.
- 2017–2018: 2014 has expired (allowed from 2015): 2,000–3,000, central median(2,500, 2,500) =
  2,500, two origins, no conflict: medium.
- 2019: nothing describes 2017–2019: last_reported, "Last reported: 2,000–3,000 (2016)", no
  figure; the 400 sent home are shown beside it (held: no figure then current, so no end).
- 2020–2022: the reports that none remain end everything up to 2020: none_reported_remaining,
  0/0/0, "None reported remaining (2020)", its two sources, not stale.
- 2023: med-f's 500 is after the end and within carry: a new estimate, about 500 (2023), one
  media origin: low.
- 2024: allowed 2022–2024: 500–800, central 650, two origins, no conflict: medium.

Senegal: res-b states 2019 (200); undated-h states no year and was published in 2021 (300).
2019–2020: about 200 (2019). 2021: both (allowed 2019–2021): 200–300, central 250, its year the
stated 2019, not the publication year; stale, since no source states 2020 or later. 2022–2023:
2019 has expired; the undated figure alone: "about 300 (reported 2021)". 2024: it has expired
too: last_reported. Ghana has only undated-h's 50: 2021–2023 "about 50 (reported 2021)", before
2021 nothing (nobody could know the figure earlier), 2024 last_reported. Laos has one restaurant
report of 2015: restaurants_only 2015–2017, then last_reported.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from nk_pipeline.marts.sql_checks import check_queries
from nk_pipeline.raw import contract
from tests.conftest import HANDMADE_YEARS, reconcile

HANDMADE = HANDMADE_YEARS

SERIES_CHECKS = (
    "every_estimate_has_a_source",
    "low_le_central_le_high",
    "status_matches_figures",
    "used_evidence_is_a_worker_figure",
    "no_look_ahead",
    "latest_year_is_country_estimates",
    "nothing_current_rests_on_expired_evidence",
    "one_observation_counts_once",
)


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
    used = {
        m
        for (m,) in conn.execute(
            "SELECT DISTINCT measure FROM marts.estimate_evidence WHERE first_year_used IS NOT NULL"
        ).fetchall()
    }
    assert used <= counting
    statuses = {s for (s,) in conn.execute("SELECT DISTINCT status FROM marts.country_years").fetchall()}
    # Poland, Senegal, Ghana and Laos: every status but 'present' and 'none_reported', each one of marts.statuses
    assert statuses == {"estimate", "none_reported_remaining", "restaurants_only", "last_reported"}
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
    assert figures(poland[2016]) == ("estimate", 1000, 3000, 2500)
    assert poland[2016]["label"] == "1,000–3,000 (2016)"
    assert poland[2016]["source_ids"] == "gov-a;med-c;res-b" and poland[2016]["n_origins"] == 3
    assert poland[2016]["conflict"] and poland[2016]["confidence"] == "medium"
    for year in (2017, 2018):
        # gov-a's 2014 figure has expired
        assert figures(poland[year]) == ("estimate", 2000, 3000, 2500)
        assert poland[year]["label"] == "2,000–3,000 (2016)" and poland[year]["source_ids"] == "med-c;res-b"
        assert not poland[year]["conflict"] and poland[year]["confidence"] == "medium"
    # nothing describes 2017–2019: what was last reported, never a figure of 2019
    assert figures(poland[2019]) == ("last_reported", None, None, None)
    assert poland[2019]["label"] == "Last reported: 2,000–3,000 (2016)"
    assert (poland[2019]["last_status"], poland[2019]["last_workers_low"], poland[2019]["last_workers_high"]) == (
        "estimate",
        2000,
        3000,
    )
    assert poland[2019]["reference_year"] == 2016 and poland[2019]["confidence"] is None
    # the departure is beside the series, never in it
    assert poland[2019]["repatriated_reported"] == 400
    assert poland[2019]["repatriation_reports"] == "400 sent home (gov-e)"
    assert poland[2019]["repatriation_source_ids"] == "gov-e"
    assert all(pd.isna(poland[y]["repatriated_reported"]) for y in poland if y != 2019)
    for year in (2020, 2021, 2022):
        assert figures(poland[year]) == ("none_reported_remaining", 0, 0, 0)
        assert poland[year]["label"] == "None reported remaining (2020)"
        assert poland[year]["source_ids"] == "gov-e;un-d"
        assert poland[year]["stale"] is False and poland[year]["confidence"] is None
    # after the end, a single newer figure starts a new estimate
    assert figures(poland[2023]) == ("estimate", 500, 500, 500)
    assert (poland[2023]["label"], poland[2023]["confidence"]) == ("about 500 (2023)", "low")
    assert figures(poland[2024]) == ("estimate", 500, 800, 650)
    assert poland[2024]["label"] == "500–800 (2024)" and poland[2024]["source_ids"] == "med-f;res-g"
    assert not poland[2024]["conflict"] and poland[2024]["confidence"] == "medium" and poland[2024]["is_latest"]


def test_reports_that_none_remain_end_the_figures_and_are_traced_to_their_line(conn):
    rows = (
        conn.execute(
            "SELECT source_id, measure, raw_file, source_line, workers_low, workers_high, reference_year, used, "
            "ends_estimate, first_year_used, last_year_used, exclusion_reason FROM marts.estimate_evidence "
            "WHERE iso3 = 'POL' AND raw_file = 'raw/policy_events.csv' ORDER BY source_line"
        )
        .df()
        .to_dict("records")
    )
    assert [(r["source_id"], r["measure"], r["source_line"]) for r in rows] == [
        ("gov-e", "repatriated", 3),
        ("gov-e", "stock", 4),
        ("un-d", "stock", 5),
    ]
    repatriated, *zeros = rows
    assert not repatriated["used"] and pd.isna(repatriated["first_year_used"]) and not repatriated["ends_estimate"]
    assert "never counted" in repatriated["exclusion_reason"]
    for zero in zeros:
        assert (zero["workers_low"], zero["workers_high"], zero["reference_year"]) == (0, 0, 2020)
        assert zero["ends_estimate"] and not zero["used"] and pd.isna(zero["first_year_used"])
        assert (
            zero["exclusion_reason"] == "a report that none remain: ends the figures up to 2020, never a figure itself"
        )
    spans = dict(
        conn.execute(
            "SELECT source_id, [first_year_used, last_year_used] FROM marts.estimate_evidence WHERE iso3 = 'POL' "
            "AND raw_file = 'raw/country_estimates.csv'"
        ).fetchall()
    )
    assert spans == {
        "gov-a": [2014, 2016],
        "res-b": [2016, 2018],
        "med-c": [2016, 2018],
        "med-f": [2023, 2024],
        "res-g": [2024, 2024],
    }
    (reason,) = conn.execute(
        "SELECT exclusion_reason FROM marts.estimate_evidence WHERE source_id = 'gov-a'"
    ).fetchone()
    assert reason == "ended: a report of 2020 says none remain or were sent home"


def test_a_figure_with_no_stated_year(conn):
    senegal, ghana = series(conn, "SEN"), series(conn, "GHA")
    assert sorted(senegal) == list(range(2019, 2025))
    for year in (2019, 2020):
        assert figures(senegal[year]) == ("estimate", 200, 200, 200) and senegal[year]["label"] == "about 200 (2019)"
    row = senegal[2021]
    assert figures(row) == ("estimate", 200, 300, 250)
    # the stated year, not the publication year of the undated figure
    assert row["label"] == "200–300 (2019)" and row["reference_year"] == 2019
    assert not row["reference_year_from_publication"]
    assert row["stale"], "a publication year alone cannot make a country current"
    for year in (2022, 2023):
        # res-b's 2019 figure has expired; the undated one speaks for its publication year and two more
        assert figures(senegal[year]) == ("estimate", 300, 300, 300)
        assert (
            senegal[year]["label"] == "about 300 (reported 2021)" and senegal[year]["reference_year_from_publication"]
        )
    assert (
        senegal[2024]["status"] == "last_reported"
        and senegal[2024]["label"] == "Last reported: about 300 (reported 2021)"
    )
    # published in 2021: nothing before, and it says "reported"
    assert sorted(ghana) == list(range(2021, 2025))
    for year in (2021, 2022, 2023):
        row = ghana[year]
        assert figures(row) == ("estimate", 50, 50, 50)
        assert row["label"] == "about 50 (reported 2021)"
        assert row["reference_year"] == 2021 and row["reference_year_from_publication"]
        assert row["stale"] and row["confidence"] == "low"
    assert ghana[2024]["status"] == "last_reported" and ghana[2024]["last_workers_central"] == 50
    (undated,) = conn.execute(
        "SELECT effective_year, year_from_publication FROM marts.estimate_evidence WHERE iso3 = 'GHA'"
    ).fetchall()
    assert undated == (2021, True)


def test_restaurants_only_from_the_year_reported_until_they_expire(conn):
    laos = series(conn, "LAO")
    assert sorted(laos) == list(range(2015, 2025))
    for year in (2015, 2016, 2017):
        assert (laos[year]["status"], laos[year]["label"]) == (
            "restaurants_only",
            "North Korean restaurants only (2015)",
        )
    for year in range(2018, 2025):
        assert laos[year]["status"] == "last_reported"
        assert laos[year]["label"] == "Last reported: North Korean restaurants (2015)"
        assert laos[year]["last_status"] == "restaurants_only" and laos[year]["reference_year"] == 2015


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
        # as of 2023 (now the latest) med-f's figure, after the end, is Poland's estimate
        (row,) = earlier.execute("SELECT status, label FROM marts.country_estimates WHERE iso3 = 'POL'").fetchall()
        assert row == ("estimate", "about 500 (2023)")
    finally:
        earlier.close()
