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

from tests.conftest import make_raw, run_build
from tests.support.reconciliation import rows


def test_history_answers_as_of_questions(tmp_path):
    raw = make_raw(tmp_path / "raw")
    warehouse = tmp_path / "warehouse"
    assert run_build(raw, warehouse).success
    estimates = raw / "country_estimates.csv"
    estimates.write_text(estimates.read_text().replace("Kuwait,,5000,", "Kuwait,,6000,"), encoding="utf-8")
    second = run_build(raw, warehouse)
    assert second.success
    publishes = rows(second, "SELECT publish_id, inputs_digest FROM history.publishes ORDER BY publish_id")
    assert [p["publish_id"] for p in publishes] == [1, 2]
    assert publishes[0]["inputs_digest"] != publishes[1]["inputs_digest"]
    as_of_first = rows(
        second, "SELECT workers_high FROM history.country_estimates WHERE publish_id = 1 AND iso3 = 'KWT'"
    )
    assert as_of_first == [{"workers_high": 5000}]
    changes = rows(
        second,
        "SELECT iso3, change, old_workers_high, new_workers_high FROM history.country_estimate_changes WHERE publish_id = 2",
    )
    assert changes == [{"iso3": "KWT", "change": "changed", "old_workers_high": 5000, "new_workers_high": 6000}]
