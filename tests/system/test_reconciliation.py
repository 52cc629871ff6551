"""The publish history answers as-of questions, over two builds of the hand-made inputs
(tests/unit/test_reconciliation.py describes them)."""

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
