"""Issue 20: the present told truthfully, on hand-made inputs (tests/handmade_present/) whose
answers are worked out here. Window 3 years, carry_years 2, max_spread 10, as
marts.method_parameters ships them; the series runs to 2024, the latest year of any evidence.

- Oman: about 300 (2015); in 2016 as many are reported sent home (300) as the figures then
  current held (the 2014–2016 figures: 300), so the estimate ends: none_reported_remaining from
  2016, naming the report, until 2018; from 2019 (2016 + 2) last_reported.
- Angola: about 1,000 (2016); 154 sent home in 2017 is less than the 1,000 held, a partial
  departure after the figure's year: 2017–2018 are lowered at both ends to 1,000 − 154 = 846;
  from 2019 the 2016 figure has expired: last_reported.
- United States: only a report that there is no one to repatriate (2020), and no source names it
  as a host: none_reported, not drawn.
- Kuwait: the government's 800 for 2019 arrives through raw/country_estimates.csv and
  raw/policy_events.csv; it counts once, beside RFA's 2,000: central = median(800, 2,000) =
  1,400 (counted twice it would be median(800, 800, 2,000) = 800).
- Russia (2024): Yonhap and the Korea Herald both repeat the NIS's 15,000, NK News counts 12,000
  itself: three reports, two origins, no conflict: medium, not high.
- Vietnam (2024): 511 (a government), 40,000 and 20,000: three origins but 40,000 > 10 × 511:
  low, though three origins in conflict would be medium.
- Thailand: a restaurant report with neither a stated year nor a publication date belongs to no
  year: listed in the latest year only, as last reported with no year, never as current.
"""

from __future__ import annotations

import pandas as pd
import pytest

from nk_pipeline.marts.sql_checks import blocking_checks, check_queries
from tests.conftest import HANDMADE_PRESENT, reconcile

HANDMADE = HANDMADE_PRESENT


@pytest.fixture(scope="module")
def conn():
    connection = reconcile(HANDMADE)
    yield connection
    connection.close()


def series(conn, iso3: str) -> dict[int, dict]:
    frame = conn.execute("SELECT * FROM marts.country_years WHERE iso3 = ? ORDER BY year", [iso3]).df()
    return {int(r["year"]): r for r in frame.to_dict("records")}


def figures(row) -> tuple:
    return tuple(None if pd.isna(row[c]) else int(row[c]) for c in ("workers_low", "workers_high", "workers_central"))


def test_every_check_passes(conn):
    for name in blocking_checks():
        assert conn.execute(check_queries()[name]).fetchall() == [], name


def test_a_departure_as_large_as_the_figure_ends_it_and_the_end_expires(conn):
    oman = series(conn, "OMN")
    assert sorted(oman) == list(range(2015, 2025))
    assert (oman[2015]["status"], oman[2015]["label"]) == ("estimate", "about 300 (2015)")
    for year in (2016, 2017, 2018):
        assert (oman[year]["status"], oman[year]["label"]) == (
            "none_reported_remaining",
            "None reported remaining (2016)",
        )
        assert figures(oman[year]) == (0, 0, 0) and oman[year]["source_ids"] == "b-2016"
    for year in range(2019, 2025):
        assert (oman[year]["status"], oman[year]["label"]) == ("last_reported", "Last reported: none remaining (2016)")
        assert figures(oman[year]) == (None, None, None) and oman[year]["last_status"] == "none_reported_remaining"
    (departure,) = conn.execute(
        "SELECT ends_estimate, exclusion_reason FROM marts.estimate_evidence WHERE source_id = 'b-2016'"
    ).fetchall()
    assert departure == (
        True,
        "workers sent home, as many as the figures then current held (300): ends the figures up to 2016",
    )


def test_a_partial_departure_lowers_the_range_until_the_figure_expires(conn):
    angola = series(conn, "AGO")
    assert figures(angola[2016]) == (1000, 1000, 1000) and angola[2016]["label"] == "about 1,000 (2016)"
    for year in (2017, 2018):
        assert figures(angola[year]) == (846, 846, 846) and angola[year]["sent_home_since"] == 154
        assert angola[year]["label"] == "about 846 (2016), less 154 since sent home"
    assert angola[2017]["repatriated_reported"] == 154 and pd.isna(angola[2018]["repatriated_reported"])
    for year in range(2019, 2025):
        assert angola[year]["status"] == "last_reported" and figures(angola[year]) == (None, None, None)
        assert angola[year]["label"] == "Last reported: about 846 (2016), less 154 since sent home"
        assert (angola[year]["last_workers_low"], angola[year]["last_workers_high"]) == (846, 846)
    assert angola[2024]["stale"] and angola[2024]["reference_year"] == 2016


def test_a_nil_report_from_a_country_never_named_is_not_a_host(conn):
    usa = series(conn, "USA")
    assert sorted(usa) == list(range(2020, 2025))
    for row in usa.values():
        assert (row["status"], row["label"], row["source_ids"]) == ("none_reported", "None reported (2020)", "e-2020")
        assert figures(row) == (None, None, None) and row["confidence"] is None


def test_one_figure_through_two_files_counts_once(conn):
    kuwait = series(conn, "KWT")[2019]
    assert figures(kuwait) == (800, 2000, 1400)
    assert (kuwait["n_sources"], kuwait["n_origins"], kuwait["source_ids"]) == (2, 2, "f-2019;g-2019")
    rows = conn.execute(
        "SELECT raw_file, duplicate_of, first_year_used, exclusion_reason FROM marts.estimate_evidence "
        "WHERE source_id = 'f-2019' ORDER BY raw_file"
    ).fetchall()
    assert rows[0] == (
        "raw/country_estimates.csv",
        None,
        2019,
        "expired: describes 2019, more than 2 years before 2024",
    )
    assert rows[1] == (
        "raw/policy_events.csv",
        "raw/country_estimates.csv:4",
        None,
        "duplicate: the same source's figure for this country and year as raw/country_estimates.csv line 4, which counts",
    )


def test_outlets_repeating_one_origin_count_once(conn):
    russia = series(conn, "RUS")[2024]
    assert figures(russia) == (12000, 15000, 15000)
    assert (russia["n_sources"], russia["n_origins"], russia["conflict"]) == (3, 2, False)
    assert russia["confidence"] == "medium"  # three outlets, but two origins: not high
    assert russia["origin_chain"] == "NK News; ROK National Intelligence Service, reported by Korea Herald and Yonhap"


def test_a_range_spread_78_times_is_low_confidence(conn):
    vietnam = series(conn, "VNM")[2024]
    assert figures(vietnam) == (511, 40000, 20000)
    assert (vietnam["n_origins"], vietnam["conflict"], vietnam["confidence"]) == (3, True, "low")
    assert vietnam["has_restaurants"]


def test_a_report_of_no_known_year_is_never_current(conn):
    thailand = series(conn, "THA")
    assert list(thailand) == [2024]
    row = thailand[2024]
    assert (row["status"], row["label"]) == (
        "last_reported",
        "Last reported: North Korean restaurants, year not stated",
    )
    assert (row["last_status"], row["source_ids"], row["stale"]) == ("restaurants_only", "o-undated", True)
    assert pd.isna(row["reference_year"])
