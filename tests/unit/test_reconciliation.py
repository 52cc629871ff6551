"""Issue 4 and 20: the reconciliation on hand-made inputs whose right answers are worked out here,
the publish history, and the shipped data's known figures.

tests/handmade/ holds a few synthetic sources (example.org) and figures; each source is its own
origin. The series runs to 2020, the latest year of any evidence. Russia's worker figures
describe 2009, 2017, 2018 (publication year), 2019 and 2020. As of 2019 the figures allowed
describe 2017–2019 (2009 has expired); the windows ending at 2017, 2018 and 2019 hold 1, 2 and 3
origins, so the window ends in 2019 and uses 20,000–30,000, 10,000 and 12,000. Low = 10,000,
high = 30,000, central = median(25,000, 10,000, 12,000) = 12,000; 25,000 > 2 × 10,000 is a
conflict, so three origins give medium confidence, and 2019 predates the 2397 deadline: stale.
As of 2020 the figures allowed describe 2018–2020 (2017 has expired): 10,000, 12,000 and 5,000,
three origins: 5,000–12,000, central 10,000, 12,000 > 2 × 5,000 a conflict: medium; 2020 is
stated, so not stale.

Qatar's only worker figure is the implementation report in policy_events.csv (70 remain, 2019):
about 70 (2019), still current in 2020. Its 2018 residents count makes it "present" in 2018.
Singapore's 2018 presence, Kuwait's "up to 5,000" of 2018 and Laos's 2018 restaurants are
current in 2020 too. The country sums of global_totals in 2020: central 10,000 + 5,000 + 65,000
+ 70 = 80,070; low 5,000 + 5,000 (Kuwait's central: no low) + 50,000 + 70 = 60,070; high
12,000 + 5,000 + 80,000 + 70 = 97,070.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_raw, run_build
from tests.support.reconciliation import rows


@pytest.fixture(scope="module")
def handmade_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("handmade")
    build = run_build(make_raw(root / "raw"), root / "warehouse")
    assert build.success
    return build


def country(build, iso3):
    (row,) = rows(build, "SELECT * FROM marts.country_estimates WHERE iso3 = ?", [iso3])
    return row


def year_row(build, iso3, year):
    (row,) = rows(build, "SELECT * FROM marts.country_years WHERE iso3 = ? AND year = ?", [iso3, year])
    return row


def test_conflicting_and_superseded_sources(handmade_build):
    russia = year_row(handmade_build, "RUS", 2019)
    assert (russia["workers_low"], russia["workers_high"], russia["workers_central"]) == (10000, 30000, 12000)
    assert russia["reference_year"] == 2019
    assert russia["source_ids"] == "gov-2017;media-2018;research-2019"
    assert russia["n_sources"] == 3 and russia["n_origins"] == 3
    assert russia["conflict"] is True
    assert russia["confidence"] == "medium"
    assert russia["stale"] is True
    assert russia["has_restaurants"] is True
    assert russia["label"] == "10,000–30,000 (2019)"
    latest = country(handmade_build, "RUS")
    assert (latest["workers_low"], latest["workers_high"], latest["workers_central"]) == (5000, 12000, 10000)
    assert (latest["label"], latest["confidence"], latest["conflict"], latest["stale"]) == (
        "5,000–12,000 (2020)",
        "medium",
        True,
        False,
    )
    evidence = {
        r["source_id"]: r for r in rows(handmade_build, "SELECT * FROM marts.estimate_evidence WHERE iso3 = 'RUS'")
    }
    assert evidence["old-2009"]["used"] is False
    assert evidence["old-2009"]["exclusion_reason"] == "expired: describes 2009, more than 2 years before 2020"
    assert (evidence["old-2009"]["first_year_used"], evidence["old-2009"]["last_year_used"]) == (2009, 2011)
    assert (evidence["gov-2017"]["first_year_used"], evidence["gov-2017"]["last_year_used"]) == (2017, 2019)
    assert evidence["gov-2017"]["exclusion_reason"] == "expired: describes 2017, more than 2 years before 2020"
    assert evidence["new-2020"]["used"] is True and evidence["new-2020"]["exclusion_reason"] is None
    assert evidence["media-2018"]["year_from_publication"] is True and evidence["media-2018"]["effective_year"] == 2018


def test_presence_only_and_non_worker_measures(handmade_build):
    singapore = year_row(handmade_build, "SGP", 2018)
    assert singapore["status"] == "present"
    assert singapore["workers_low"] is None and singapore["workers_central"] is None and singapore["confidence"] is None
    assert singapore["label"] == "Workers reported, no reliable figure (2018)"
    assert country(handmade_build, "SGP")["label"] == "Workers reported, no reliable figure (2018)"
    # Qatar's residents count is not a worker figure; its report of 70 remaining is
    assert year_row(handmade_build, "QAT", 2018)["status"] == "present"
    qatar = country(handmade_build, "QAT")
    assert (qatar["status"], qatar["label"], qatar["source_ids"]) == ("estimate", "about 70 (2019)", "research-2019")
    evidence = {
        r["raw_file"]: r for r in rows(handmade_build, "SELECT * FROM marts.estimate_evidence WHERE iso3 = 'QAT'")
    }
    assert "not only workers" in evidence["raw/country_estimates.csv"]["exclusion_reason"]
    remaining = evidence["raw/policy_events.csv"]
    assert (
        remaining["measure"],
        remaining["source_line"],
        remaining["first_year_used"],
        remaining["last_year_used"],
    ) == ("stock", 4, 2019, 2020)


def test_restaurants_only(handmade_build):
    laos = country(handmade_build, "LAO")
    assert laos["status"] == "restaurants_only" and laos["has_restaurants"] is True
    assert laos["reference_year"] == 2018 and laos["source_ids"] == "rest-2018"
    assert laos["label"] == "North Korean restaurants only (2018)"
    # the restaurant report is its evidence, never a figure
    (evidence,) = rows(handmade_build, "SELECT * FROM marts.estimate_evidence WHERE iso3 = 'LAO'")
    assert (evidence["measure"], evidence["raw_file"], evidence["source_line"]) == (
        "restaurant",
        "raw/restaurants.csv",
        2,
    )
    assert (
        evidence["used"] is False
        and evidence["source_url"]
        and evidence["exclusion_reason"].startswith("restaurant report")
    )
    assert evidence["workers_low"] is None and evidence["point"] is None


def test_every_country_traces_to_evidence_with_a_source_url(handmade_build):
    untraced = rows(
        handmade_build,
        """
        SELECT c.iso3 FROM marts.country_estimates AS c
        WHERE NOT EXISTS (
            SELECT 1 FROM marts.estimate_evidence AS e
            WHERE e.iso3 = c.iso3 AND e.source_url IS NOT NULL
              AND list_contains(string_split(c.source_ids, ';'), e.source_id)
        )
        """,
    )
    assert untraced == []


def test_upper_bound_only(handmade_build):
    kuwait = country(handmade_build, "KWT")
    assert (kuwait["workers_low"], kuwait["workers_high"], kuwait["workers_central"]) == (None, 5000, 5000)
    assert kuwait["label"] == "up to 5,000 (2018)" and kuwait["confidence"] == "low"


def test_china_entries_beside_the_china_estimate(handmade_build):
    entries = {(r["period"], r["category"]): r for r in rows(handmade_build, "SELECT * FROM marts.china_entries")}
    workers = entries[("full_year", "workers_and_crew")]
    assert workers["entrants"] == 94000 and workers["total_entrants_same_source"] == 188000
    assert workers["share_of_total"] == pytest.approx(0.5)
    assert workers["china_estimate_label"] == "50,000–80,000 (2019)"
    assert "not people" in workers["caveat"]


def test_global_totals_against_headlines(handmade_build):
    totals = {
        r["year"]: r for r in rows(handmade_build, "SELECT * FROM marts.global_totals WHERE scope = 'global_workers'")
    }
    # the 2020 sums worked out in the module's docstring; lows use the central where a low is missing
    assert (totals[2017]["country_sum_low"], totals[2017]["country_sum_central"], totals[2017]["country_sum_high"]) == (
        60070,
        80070,
        97070,
    )
    assert totals[2017]["gap_central"] == 19930
    assert totals[2017]["comparison"] == "headline above the sum of country highs"
    # "more than 50,000" has no upper bound, so it is never below the sums
    assert totals[2015]["comparison"] == "headline overlaps the range of the country sums"
    assert totals[2016]["comparison"] == "headline below the sum of country lows"


def test_policy_timeline_latest_status(handmade_build):
    latest = rows(handmade_build, "SELECT iso3, event, figure FROM marts.policy_timeline WHERE is_latest_for_country")
    assert latest == [{"iso3": "QAT", "event": "implementation_report", "figure": 70}]
