"""The malformed corpus through real builds: each case refused with the published warehouse
unchanged, failures as asset check results, the accepted quirks building together (the
validator's own messages: tests/unit/test_malformed_inputs.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from nk_pipeline.cli import failure_report
from tests.conftest import SHIPPED_RAW, run_build
from tests.support.malformed_inputs import EXPECTED, assert_named, raw_with


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("published") / "warehouse"
    assert run_build(SHIPPED_RAW, warehouse).success
    return warehouse


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_malformed_input_is_refused_and_nothing_changes(case, published, tmp_path):
    before = digest(published)
    build = run_build(raw_with(case, tmp_path), published)
    assert not build.success
    assert_named(case, "\n".join(failure_report(build.result)))
    assert digest(published) == before
    with duckdb.connect(str(published / "nk.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0] > 0


def test_failures_are_also_asset_check_results(published, tmp_path):
    build = run_build(raw_with("04_words_in_number", tmp_path), published)
    evaluations = build.result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [("staging/country_estimates", "contract")]
    issues = failed[0].metadata["issues"].value
    assert "workers_low" in issues and "about 500" in issues


def test_all_quirks_together_still_build(tmp_path):
    raw = raw_with("ok_quoted_newline_and_comma", tmp_path)
    text = (raw / "country_estimates.csv").read_text(encoding="utf-8")
    (raw / "country_estimates.csv").write_bytes(
        ("\ufeff" + text.replace("\n", "\r\n") + ",,,,,,,,\r\n").encode("utf-8")
    )
    build = run_build(raw, tmp_path / "warehouse")
    assert build.success, "\n".join(failure_report(build.result))
