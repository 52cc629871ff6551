"""Which Dagster home `nk-pipeline build` uses, and when it gives it the project's settings."""

from __future__ import annotations

import yaml

from nk_pipeline import cli
from nk_pipeline.shared.settings import PROJECT_ROOT

PROJECT_SETTINGS = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))


def settings(home) -> dict:
    return yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))


def test_the_default_home_gets_the_project_settings_even_when_dagster_dev_made_it(tmp_path, monkeypatch):
    default = tmp_path / ".dagster"
    (default / "history").mkdir(parents=True)  # as `dagster dev` leaves it: history, no dagster.yaml
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(cli, "default_dagster_home", lambda: default)
    assert cli._ensure_dagster_home() == default
    assert settings(default) == {key: PROJECT_SETTINGS[key] for key in cli.INSTANCE_SETTINGS}
    assert settings(default)["telemetry"] == {"enabled": False}


def test_a_new_home_of_your_choosing_gets_them_an_existing_one_keeps_its_own(tmp_path, monkeypatch):
    new = tmp_path / "new_home"
    monkeypatch.setenv("DAGSTER_HOME", str(new))
    assert cli._ensure_dagster_home() == new
    assert settings(new)["concurrency"] == PROJECT_SETTINGS["concurrency"]

    existing = tmp_path / "team_home"
    (existing / "storage").mkdir(parents=True)
    monkeypatch.setenv("DAGSTER_HOME", str(existing))
    assert cli._ensure_dagster_home() == existing
    assert not (existing / "dagster.yaml").exists(), "a home someone else set up is left alone"
