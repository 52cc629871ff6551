"""A build that cannot get the build folder fails clearly and publishes nothing (the lock itself:
tests/unit/test_build_lock.py)."""

from __future__ import annotations

from nk_pipeline.shared.settings import Paths
from nk_pipeline.warehouse import build_lock
from tests.conftest import SHIPPED_RAW


def test_a_build_that_cannot_get_the_folder_fails_clearly_and_publishes_nothing(holder, tmp_path, monkeypatch, capsys):
    from nk_pipeline import cli
    from nk_pipeline.shared.settings import BUILD_DIR_ENV

    build_dir, _ = holder
    monkeypatch.setattr(build_lock, "WAIT_SECONDS", 1.0)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv(BUILD_DIR_ENV, str(build_dir))
    warehouse = tmp_path / "warehouse"
    code = cli.main(["build", "--raw-dir", str(SHIPPED_RAW), "--warehouse-dir", str(warehouse)])
    out = capsys.readouterr().out
    assert code == 1
    assert "BUILD FAILED" in out
    assert "holder-run-1234" in out and "in use by" in out, out
    assert not Paths.create(SHIPPED_RAW, warehouse, build_dir).warehouse_db.exists()
