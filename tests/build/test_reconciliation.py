"""The shipped data's known figures, on the session's build. The hand-made reconciliation cases
are in tests/unit/test_reconciliation.py."""

from __future__ import annotations

from tests.support.reconciliation import rows


def country(build, iso3):
    (row,) = rows(build, "SELECT * FROM marts.country_estimates WHERE iso3 = ?", [iso3])
    return row


def test_shipped_data_known_figures(shipped_build):
    russia = country(shipped_build, "RUS")
    # NIS (via Korea Herald) ~4,000 for 2024 and WSJ ~15,000 for 2025
    assert (russia["workers_low"], russia["workers_high"], russia["reference_year"]) == (4000, 15000, 2025)
    # China's 2019 figures have expired: only the 2023 claim of "over 100,000" speaks for 2025, alone,
    # lowered by the 100 KBS saw leave Dandong in December 2024
    china = country(shipped_build, "CHN")
    assert (china["workers_low"], china["workers_high"], china["label"]) == (
        99900,
        None,
        "at least 99,900 (2023), less 100 since sent home",
    )
    assert (china["confidence"], china["n_origins"]) == ("low", 1)
    evidence = rows(
        shipped_build,
        "SELECT used, exclusion_reason FROM marts.estimate_evidence WHERE iso3 = 'CHN' AND source_id = 'ap-2019-headtopics'",
    )
    assert evidence[0]["used"] is False and evidence[0]["exclusion_reason"].startswith("expired: describes 2019")
    # Oman: about 300 in 2015, all sent home (300 ≥ 300) in 2016, nothing since
    oman = {r["year"]: r for r in rows(shipped_build, "SELECT * FROM marts.country_years WHERE iso3 = 'OMN'")}
    assert oman[2015]["label"] == "about 300 (2015)"
    assert (oman[2016]["status"], oman[2016]["label"]) == ("none_reported_remaining", "None reported remaining (2016)")
    assert country(shipped_build, "OMN")["label"] == "Last reported: none remaining (2016)"
    # a nil report from a country no source names as a host is not a host
    usa = country(shipped_build, "USA")
    assert (usa["status"], usa["workers_central"]) == ("none_reported", None)
    # nothing shown as current rests on a figure older than carry_years
    old = rows(
        shipped_build,
        """
        SELECT c.iso3 FROM marts.country_estimates AS c JOIN marts.statuses AS s USING (status)
        WHERE s.is_current AND c.reference_year < (SELECT max(year) FROM marts.country_years) - 2""",
    )
    assert old == []
    headline = rows(
        shipped_build,
        "SELECT count(*) AS n FROM marts.global_totals WHERE scope = 'global_workers' AND source_id = 'nkitw-overseas-workers'",
    )
    assert headline[0]["n"] == 3
