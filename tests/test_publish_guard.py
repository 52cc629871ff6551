"""Issue 16: every publish says what changed, an implausible jump is held until a curator
reviews it, and a held publish leaves the last good warehouse byte for byte as it was.

The fast tests run the guard's SQL (nk_pipeline/warehouse/changes.py) on tiny hand-written marts in
DuckDB files; the slow ones build tests/handmade/ through Dagster twice (the second time with
an edited copy) and look at what was published, what was held and what the messages say.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import read_raw
from nk_pipeline.shared.sql import run_sql
from nk_pipeline.staging.validation import check_table
from nk_pipeline.warehouse import changes
from tests.conftest import make_raw, run_build

ESTIMATE_COLUMNS = [
    "iso3",
    "country",
    "status",
    "workers_low",
    "workers_high",
    "workers_central",
    "reference_year",
    "label",
]
REVIEW_HEADER = ",".join(contract.REVIEWED_CHANGES.columns) + "\n"


# --- The rules, on hand-written marts -----------------------------------------------------------


def estimate(iso3, country, low, high, central, year=2020):
    return [iso3, country, "estimate", low, high, central, year, f"{low:,}–{high:,} ({year})"]


def presence(iso3, country, year=2020):
    return [iso3, country, "present", None, None, None, year, "Workers reported, no reliable figure"]


def observation(iso3, line, low, high, source="src-a", year=2020):
    return [iso3, "raw/country_estimates.csv", source, line, "stock", low, high, year, year, "A source said so."]


def build_state(path: Path, estimates, evidence, reviews=()) -> duckdb.DuckDBPyConnection:
    """A working database holding just what the guard reads."""
    conn = duckdb.connect(str(path))
    conn.execute("CREATE SCHEMA marts")
    run_sql(conn, "method_parameters")
    frames = {
        "marts.country_estimates": pd.DataFrame(estimates, columns=ESTIMATE_COLUMNS).astype(
            {c: "Int64" for c in ("workers_low", "workers_high", "workers_central", "reference_year")}
        ),
        "marts.estimate_evidence": pd.DataFrame(evidence, columns=list(changes.EVIDENCE_COLUMNS)).astype(
            {c: "Int64" for c in ("source_line", "workers_low", "workers_high", "reference_year", "effective_year")}
        ),
        "staging.reviewed_changes": pd.DataFrame(
            [[line, *row] for line, row in enumerate(reviews, start=2)],
            columns=["source_line", "country", "iso3", "figure", "old_value", "new_value", "reason"],
        ).astype(
            {
                "source_line": "int64",
                **{c: "string" for c in ("country", "iso3", "figure", "old_value", "new_value", "reason")},
            }
        ),
        "staging.inputs": pd.DataFrame({"file": ["raw/country_estimates.csv"], "sha256": [str(len(estimates))]}),
    }
    for name, frame in frames.items():
        # only the columns the guard reads: written as they are, without the catalog's descriptions
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
        conn.register("_frame", frame)
        conn.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        conn.unregister("_frame")
    return conn


@pytest.fixture()
def published(tmp_path: Path) -> Path:
    """A published warehouse of three countries (publish 1)."""
    target = tmp_path / "published.duckdb"
    conn = build_state(
        tmp_path / "first.duckdb",
        [
            estimate("RUS", "Russia", 4000, 15000, 9500),
            estimate("CHN", "China", 50000, 80000, 65000),
            presence("SGP", "Singapore"),
        ],
        [
            observation("RUS", 2, 4000, 4000),
            observation("RUS", 3, 15000, 15000, "src-b"),
            observation("CHN", 4, 50000, 80000),
        ],
    )
    first = changes.review(conn, target)
    assert first.changes.first and first.jumps.empty, "the first publish has nothing to jump from"
    conn.close()
    shutil.copyfile(tmp_path / "first.duckdb", target)
    return target


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


# --- The pipeline, on tests/handmade/ -----------------------------------------------------------


def digest_tree(folder: Path) -> dict[str, str]:
    """sha256 of every published file."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_review(raw: Path, *rows: str) -> None:
    with (raw / contract.REVIEWED_CHANGES.filename).open("a", encoding="utf-8") as handle:
        handle.writelines(f"{row}\n" for row in rows)


def rows(warehouse_db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def failed_checks(build) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in build.result.get_asset_check_evaluations() if not e.passed}


def changes_metadata(build) -> dict:
    (event,) = [
        e
        for e in build.result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["warehouse", "changes"])
    ]
    return event.materialization.metadata


@pytest.fixture()
def handmade(tmp_path: Path):
    """tests/handmade/ copied and published once: (raw copy, warehouse folder, published digests)."""
    raw, warehouse = make_raw(tmp_path / "raw"), tmp_path / "warehouse"
    first = run_build(raw, warehouse)
    assert first.success
    assert "first" in changes_metadata(first)["changes"].value
    return raw, warehouse, digest_tree(warehouse)


@pytest.mark.slow
def test_a_tenfold_typo_is_held_and_the_warehouse_stays_byte_identical(handmade):
    raw, warehouse, before = handmade
    # China's only used figure: 50,000–80,000 → 50,000–800,000 (an extra zero), line 10
    edit(raw / "country_estimates.csv", "China,50000,80000,", "China,50000,800000,")
    held = run_build(raw, warehouse)

    assert not held.success
    check = failed_checks(held)["no_unreviewed_jump"]
    assert check.asset_key == dg.AssetKey(["warehouse", "changes"])
    assert "China (CHN)" in check.description and "workers_high 80,000 → 800,000: 10× up" in check.description
    assert "raw/country_estimates.csv:10 altered (research-2019)" in check.description
    assert check.metadata["held"].value == 2  # the high figure, and the central one with it
    assert "80,000 → 800,000" in changes_metadata(held)["changes"].value
    assert not [
        e for e in held.result.get_asset_materialization_events() if e.asset_key.path == ["warehouse", "nk_duckdb"]
    ]
    assert digest_tree(warehouse) == before

    # the publish asset alone (as "Materialize selected" in the UI would) makes the same check
    from nk_pipeline.defs.warehouse import publish_warehouse
    from nk_pipeline.resources import build_resources
    from nk_pipeline.shared.settings import Paths

    alone = dg.materialize(
        [publish_warehouse], resources=build_resources(Paths.create(raw, warehouse)), raise_on_error=False
    )
    assert not alone.success
    assert digest_tree(warehouse) == before
    assert rows(warehouse / "nk.duckdb", "SELECT max(publish_id) FROM history.publishes") == [(1,)]


@pytest.mark.slow
def test_a_small_correction_and_a_new_country_are_published_with_what_changed(handmade):
    raw, warehouse, _ = handmade
    estimates = raw / "country_estimates.csv"
    edit(estimates, "Kuwait,,5000,", "Kuwait,,6000,")
    # a new country in the first data row: every other line moves down one, which is no change
    header, body = estimates.read_text(encoding="utf-8").split("\n", 1)
    estimates.write_text(
        f"{header}\nMongolia,90000,90000,stock,2019,,research-2019,research-2019,Large figure.,\n{body}",
        encoding="utf-8",
    )
    published = run_build(raw, warehouse)

    assert published.success, failed_checks(published)
    db = warehouse / "nk.duckdb"
    assert rows(
        db,
        "SELECT iso3, change, old_workers_high, new_workers_high, high_factor FROM history.country_estimate_changes "
        "WHERE publish_id = 2 ORDER BY iso3",
    ) == [("KWT", "changed", 5000, 6000, 1.2), ("MNG", "added", None, 90000, None)]
    assert rows(
        db,
        "SELECT iso3, change, old_source_line, new_source_line, old_workers_high, new_workers_high "
        "FROM history.evidence_changes WHERE publish_id = 2 ORDER BY iso3",
    ) == [
        ("KWT", "altered", 9, 10, 5000, 6000),
        ("MNG", "added", None, 2, None, 90000),
    ]
    report = changes_metadata(published)["changes"].value
    assert "Kuwait (KWT)" in report and "5,000 → 6,000 (1.2× up)" in report and "Mongolia (MNG)" in report
    (publish,) = [
        e for e in published.result.get_asset_materialization_events() if e.asset_key.path == ["warehouse", "nk_duckdb"]
    ]
    assert publish.materialization.metadata["changes"].value == report

    again = run_build(raw, warehouse)
    assert again.success
    assert changes.published_changes(db).text().startswith("no change against publish 2")


@pytest.mark.slow
def test_an_acknowledged_jump_is_published_and_recorded_but_only_if_it_matches(handmade):
    raw, warehouse, before = handmade
    edit(raw / "country_estimates.csv", "China,50000,80000,", "China,50000,800000,")
    # reviewed, but with other values than the actual change (central 65,000 → 425,000)
    add_review(
        raw, "China,workers_high,80000,800000,Checked the paper again", "China,workers_central,65000,400000,Guessed"
    )
    mismatched = run_build(raw, warehouse)
    assert not mismatched.success
    message = failed_checks(mismatched)["no_unreviewed_jump"].description
    assert "workers_central 65,000 → 425,000" in message and "workers_high" not in message.split("behind it")[0]
    assert "(line 3: 65000 → 400000) reviews another change of workers_central" in message
    assert digest_tree(warehouse) == before

    edit(raw / "reviewed_changes.csv", "65000,400000,Guessed", '"65,000",425000,Median of the range')
    published = run_build(raw, warehouse)
    assert published.success, failed_checks(published)
    assert rows(warehouse / "nk.duckdb", "SELECT workers_high FROM marts.country_estimates WHERE iso3 = 'CHN'") == [
        (800000,)
    ]
    assert rows(
        warehouse / "nk.duckdb",
        "SELECT publish_id, iso3, figure, old_value, new_value, reason, raw_file, source_line FROM history.reviewed_changes",
    ) == [
        (2, "CHN", "workers_high", "80000", "800000", "Checked the paper again", "raw/reviewed_changes.csv", 2),
        (2, "CHN", "workers_central", "65,000", "425000", "Median of the range", "raw/reviewed_changes.csv", 3),
    ]

    # the review stays in the file; it does not let an unrelated jump through
    edit(raw / "country_estimates.csv", "Kuwait,,5000,", "Kuwait,,50000,")
    unrelated = run_build(raw, warehouse)
    assert not unrelated.success
    assert "Kuwait (KWT)" in failed_checks(unrelated)["no_unreviewed_jump"].description


@pytest.mark.slow
def test_a_country_that_disappears_or_loses_its_estimate_is_held(handmade):
    raw, warehouse, before = handmade
    estimates = raw / "country_estimates.csv"
    edit(estimates, "Kuwait,,5000,stock,2018,,media-2018,media-2018,At most five thousand.,\n", "")
    edit(estimates, "China,50000,80000,stock,", "China,,,presence,")
    held = run_build(raw, warehouse)
    assert not held.success
    message = failed_checks(held)["no_unreviewed_jump"].description
    assert "Kuwait (KWT)" in message and "no longer listed" in message
    assert "raw/country_estimates.csv:9 (line of the published version) removed (media-2018)" in message
    assert "China (CHN)" in message and "status estimate → present" in message
    assert digest_tree(warehouse) == before


@pytest.mark.slow
def test_a_held_sensor_refresh_fails_and_a_reviewed_one_publishes(tmp_path, monkeypatch):
    from nk_pipeline.definitions import defs
    from nk_pipeline.orchestration import REFRESH_JOB, file_hashes
    from nk_pipeline.shared.settings import RAW_DIR_ENV, WAREHOUSE_DIR_ENV, Paths
    from tests.test_orchestration import evaluate

    raw, warehouse = make_raw(tmp_path / "raw"), tmp_path / "warehouse"
    folders = Paths.create(raw, warehouse)
    # the folders the code server reads when it loads the definitions
    monkeypatch.setenv(RAW_DIR_ENV, str(raw))
    monkeypatch.setenv(WAREHOUSE_DIR_ENV, str(warehouse))
    definitions = defs()
    job = definitions.resolve_job_def(REFRESH_JOB)
    check_key = dg.AssetCheckKey(dg.AssetKey(["warehouse", "changes"]), "no_unreviewed_jump")

    # one instance throughout, as the daemon's
    with dg.instance_for_test() as instance:
        assert job.execute_in_process(instance=instance).success
        before = digest_tree(warehouse)
        cursor = json.dumps(file_hashes(raw))

        def unattended(cursor):
            """One sensor tick and the run the daemon would launch for it."""
            (request,), cursor = evaluate(definitions, folders, cursor)
            assert request.asset_selection is None, "the sensor requests the whole refresh_all job"
            result = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
            evaluation = instance.get_latest_asset_check_evaluation_record(
                check_key
            ).event.dagster_event.event_specific_data
            return request, result, evaluation, cursor

        edit(raw / "country_estimates.csv", "Kuwait,,5000,", "Kuwait,,50000,")
        request, result, check, cursor = unattended(cursor)
        assert request.tags["nk_pipeline/changed_files"] == "country_estimates.csv"
        assert not result.success
        assert check.passed is False  # what the UI shows on the check
        assert "Kuwait (KWT)" in check.description and "5,000 → 50,000: 10× up" in check.description
        assert digest_tree(warehouse) == before

        # the curator reviews it: the sensor sees the reviewed_changes.csv change, and the refresh publishes
        add_review(
            raw,
            "Kuwait,workers_high,5000,50000,The ministry's figure was misread",
            "Kuwait,workers_central,5000,50000,The ministry's figure was misread",
        )
        request, result, check, _ = unattended(cursor)
        assert request.tags["nk_pipeline/changed_files"] == "reviewed_changes.csv"
        assert result.success
        assert check.passed is True
    assert rows(
        warehouse / "nk.duckdb", "SELECT iso3, figure, publish_id FROM history.reviewed_changes ORDER BY figure"
    ) == [
        ("KWT", "workers_central", 2),
        ("KWT", "workers_high", 2),
    ]
    assert rows(warehouse / "nk.duckdb", "SELECT workers_high FROM marts.country_estimates WHERE iso3 = 'KWT'") == [
        (50000,)
    ]
