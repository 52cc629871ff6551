"""Issue 16: every publish says what changed, an implausible jump is held until a curator
reviews it, and a held publish leaves the last good warehouse byte for byte as it was.

These run the guard's SQL (nk_pipeline/warehouse/changes.py) on tiny hand-written marts in
DuckDB files; tests/system/test_publish_guard.py builds tests/handmade/ through Dagster twice (the
second time with an edited copy) and looks at what was published, what was held and what the
messages say.
"""

from __future__ import annotations

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import read_raw
from nk_pipeline.staging.validation import check_table
from nk_pipeline.warehouse import changes
from tests.support.publish_guard import build_state, estimate, observation, presence

REVIEW_HEADER = ",".join(contract.REVIEWED_CHANGES.columns) + "\n"


def second_review(tmp_path, published, estimates, evidence, reviews=()) -> changes.Review:
    conn = build_state(tmp_path / "second.duckdb", estimates, evidence, reviews)
    try:
        return changes.review(conn, published)
    finally:
        conn.close()


UNCHANGED_CHINA = estimate("CHN", "China", 50000, 80000, 65000)

CHINA_LINE = observation("CHN", 4, 50000, 80000)


def test_a_tenfold_high_figure_is_held_naming_the_line(tmp_path, published):
    review = second_review(
        tmp_path,
        published,
        [estimate("RUS", "Russia", 4000, 150000, 43250), UNCHANGED_CHINA, presence("SGP", "Singapore")],
        [observation("RUS", 2, 4000, 4000), observation("RUS", 3, 15000, 150000, "src-b"), CHINA_LINE],
    )
    assert list(review.held["figure"]) == ["workers_central", "workers_high"]
    message = review.hold_message()
    assert "Russia (RUS)" in message and "15,000 → 150,000" in message and "10× up" in message
    assert "raw/country_estimates.csv:3 altered (src-b): workers_high 15,000 → 150,000" in message
    assert "Russia,workers_high,15000,150000," in message, "the row that would acknowledge it"
    assert "China" not in message


def test_a_tenfold_typo_inside_the_range_is_held_by_the_low_figure(tmp_path, published):
    # 4,000 → 40,000 on one of Russia's two rows: high 15,000 → 40,000 (2.67×) and central
    # 9,500 → 27,500 (2.89×) stay within the factor, but the low goes 4,000 → 15,000 (3.75×)
    review = second_review(
        tmp_path,
        published,
        [estimate("RUS", "Russia", 15000, 40000, 27500), UNCHANGED_CHINA, presence("SGP", "Singapore")],
        [observation("RUS", 2, 40000, 40000), observation("RUS", 3, 15000, 15000, "src-b"), CHINA_LINE],
    )
    assert [(j.figure, j.old_value, j.new_value) for j in review.held.itertuples()] == [
        ("workers_low", "4000", "15000")
    ]
    message = review.hold_message()
    assert "workers_low 4,000 → 15,000: 3.75× up" in message
    assert (
        "raw/country_estimates.csv:2 altered (src-a): workers_low 4,000 → 40,000; workers_high 4,000 → 40,000"
        in message
    )


def test_moves_within_the_factor_pass_and_are_listed(tmp_path, published):
    # exactly 3× the high figure is not more than the jump_factor of 3
    review = second_review(
        tmp_path,
        published,
        [estimate("RUS", "Russia", 4000, 45000, 24500), UNCHANGED_CHINA, presence("SGP", "Singapore")],
        [observation("RUS", 2, 4000, 4000), observation("RUS", 3, 45000, 45000, "src-b"), CHINA_LINE],
    )
    assert review.held.empty and review.jumps.empty
    (russia,) = review.changes.countries.itertuples()
    assert (russia.iso3, russia.old_workers_high, russia.new_workers_high, russia.high_factor) == (
        "RUS",
        15000,
        45000,
        3.0,
    )
    assert "high 15,000 → 45,000 (3× up)" in review.changes.text()


def test_a_lost_estimate_and_a_vanished_country_are_held(tmp_path, published):
    review = second_review(
        tmp_path,
        published,
        [estimate("RUS", "Russia", 4000, 15000, 9500), presence("CHN", "China")],
        [observation("RUS", 2, 4000, 4000), observation("RUS", 3, 15000, 15000, "src-b")],
    )
    held = {(j.iso3, j.figure, j.old_value, j.new_value, j.rule) for j in review.held.itertuples()}
    assert held == {
        ("CHN", "status", "estimate", "present", "lost_estimate"),
        ("SGP", "status", "present", "absent", "absent"),
    }
    message = review.hold_message()
    assert "China (CHN)" in message and "loses its estimate" in message
    assert "raw/country_estimates.csv:4 (line of the published version) removed (src-a)" in message
    assert "Singapore (SGP)" in message and "no longer listed" in message


def test_new_countries_and_moved_lines_are_no_jump(tmp_path, published):
    # a row inserted at the top moves every line down by one: that alone is no change
    review = second_review(
        tmp_path,
        published,
        [
            estimate("RUS", "Russia", 4000, 15000, 9500),
            UNCHANGED_CHINA,
            presence("SGP", "Singapore"),
            estimate("MNG", "Mongolia", 100000, 900000, 500000),
        ],
        [
            observation("MNG", 2, 100000, 900000),
            observation("RUS", 3, 4000, 4000),
            observation("RUS", 4, 15000, 15000, "src-b"),
            observation("CHN", 5, 50000, 80000),
        ],
    )
    assert review.jumps.empty
    assert list(review.changes.countries["change"]) == ["added"]
    assert list(zip(review.changes.evidence["iso3"], review.changes.evidence["change"])) == [("MNG", "added")]


def test_a_line_that_changes_no_figure_is_listed_as_such(tmp_path, published):
    # a second source with China's very figures: the estimate stays, the evidence grows
    review = second_review(
        tmp_path,
        published,
        [estimate("RUS", "Russia", 4000, 15000, 9500), UNCHANGED_CHINA, presence("SGP", "Singapore")],
        [
            observation("RUS", 2, 4000, 4000),
            observation("RUS", 3, 15000, 15000, "src-b"),
            CHINA_LINE,
            observation("CHN", 5, 50000, 80000, "src-c"),
        ],
    )
    assert review.jumps.empty and review.changes.countries.empty
    assert review.changes.text().splitlines() == [
        "no change against publish 1: every country's status and figures are as published; 1 raw line(s) changed",
        "  raw lines changed without changing a country's figures:",
        "      raw/country_estimates.csv:5 added (src-c): stock 50,000–80,000 (2020)",
    ]


def test_a_review_lets_through_only_the_change_it_names(tmp_path, published):
    typo = (
        [estimate("RUS", "Russia", 4000, 150000, 43250), UNCHANGED_CHINA, presence("SGP", "Singapore")],
        [observation("RUS", 2, 4000, 4000), observation("RUS", 3, 15000, 150000, "src-b"), CHINA_LINE],
    )
    # the right figure, the wrong values: still held, and the message says which row did not match
    wrong = second_review(
        tmp_path,
        published,
        *typo,
        reviews=[
            ("Russia", "RUS", "workers_high", "15000", "160000", "checked"),
            ("Russia", "RUS", "workers_central", "9,500", "43,250", "follows the high"),
        ],
    )
    assert list(wrong.held["figure"]) == ["workers_high"]
    assert "(line 2: 15000 → 160000) reviews another change of workers_high" in wrong.hold_message()

    (tmp_path / "second.duckdb").unlink()
    right = second_review(
        tmp_path,
        published,
        *typo,
        reviews=[
            ("Russia", "RUS", "workers_high", "15,000", "150000", "WSJ revised"),
            ("Russia", "RUS", "workers_central", "9500", "43250", "follows the high"),
        ],
    )
    assert right.held.empty
    recorded = right.changes.reviewed
    assert list(recorded["figure"]) == ["workers_high", "workers_central"]
    assert set(recorded["publish_id"]) == {2} and list(recorded["source_line"]) == [2, 3]


def test_reviewed_changes_csv_errors_name_file_line_column_and_rule(tmp_path):
    path = tmp_path / "reviewed_changes.csv"
    path.write_text(
        REVIEW_HEADER
        + 'Russia,workers_high,"15,000",150000,WSJ revised the figure\n'  # valid
        + "Russia,workers_centre,9500,43250,typo in the figure\n"
        + "Russia,workers_high,15000,lots,not a number\n"
        + "Russia,status,estimate,absent,\n"
        + "Narnia,status,estimate,present,no such country\n"
        + 'Russia,workers_high,15000,"15,000",no change at all\n',
        encoding="utf-8",
    )
    spec = contract.REVIEWED_CHANGES
    issues = [str(i) for i in check_table(read_raw(path, spec.columns, "raw/reviewed_changes.csv"), spec.name)]
    assert issues == [
        "raw/reviewed_changes.csv:3: column 'figure' value 'workers_centre': figure must be one of: workers_low, workers_central, workers_high, status",
        "raw/reviewed_changes.csv:4: column 'figure, new_value' value 'figure=workers_high; new_value=lots': new_value must be a "
        "whole number up to 10,000,000,000 for workers_low, workers_central and workers_high, a status (e.g. present) or 'absent' (no longer listed) for status",
        "raw/reviewed_changes.csv:5: column 'reason' (blank): required: must not be blank",
        "raw/reviewed_changes.csv:6: column 'country' value 'Narnia': country name does not resolve to an ISO 3166-1 code "
        "(fix the spelling, or add it to nk_pipeline/raw/country_aliases.csv)",
        "raw/reviewed_changes.csv:7: column 'old_value, new_value' value 'old_value=15000; new_value=15,000': "
        "old_value and new_value are the same: that is no change",
    ]


def test_an_empty_reviewed_changes_csv_is_valid(tmp_path):
    path = tmp_path / "reviewed_changes.csv"
    path.write_text(REVIEW_HEADER, encoding="utf-8")
    spec = contract.REVIEWED_CHANGES
    assert check_table(read_raw(path, spec.columns, "raw/reviewed_changes.csv"), spec.name) == []
