"""Issue 16: every publish says what changed, an implausible jump is held until a curator
reviews it, and a held publish leaves the last good warehouse byte for byte as it was.

These build tests/handmade/ through Dagster twice (the second time with an edited copy) and look
at what was published, what was held and what the messages say; tests/unit/test_publish_guard.py
runs the guard's SQL on tiny hand-written marts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from nk_pipeline.raw import contract
from nk_pipeline.warehouse import changes
from tests.conftest import make_raw, run_build


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


def test_a_held_sensor_refresh_fails_and_a_reviewed_one_publishes(tmp_path, monkeypatch):
    from nk_pipeline.definitions import defs
    from nk_pipeline.orchestration import REFRESH_JOB, file_hashes
    from nk_pipeline.shared.settings import RAW_DIR_ENV, WAREHOUSE_DIR_ENV, Paths
    from tests.support.orchestration import evaluate

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
