"""marts.country_years on the shipped data: its latest year is marts.country_estimates. The
hand-made cases, and how their answers are worked out, are in tests/unit/test_country_years.py."""

from __future__ import annotations

import duckdb
import pandas as pd


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
            "WHERE iso3 = 'DZA' AND raw_file = 'raw/policy_events.csv' AND ends_estimate ORDER BY source_id"
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
    # Algeria's 2020 reports that none remain are more than carry_years old: last reported
    assert (algeria["status"], algeria["last_status"], algeria["stale"]) == (
        "last_reported",
        "none_reported_remaining",
        False,
    )
    assert pd.isna(algeria["workers_central"]) and algeria["label"] == "Last reported: none remaining (2020)"
    assert [s for s, _ in algeria_evidence] == ["rfa-kr-2020-algeria", "voakorea-2020-algeria"]
    assert future == []
