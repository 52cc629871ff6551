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
