"""Issue 22: a mart's code_version follows what it is built from, so Dagster says "code changed"
exactly when its SQL, its checks, its vocabulary or its descriptions did."""

from __future__ import annotations

import dagster as dg

from nk_pipeline.definitions import defs
from nk_pipeline.marts import build
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.shared.sql import read_sql


def test_every_mart_asset_carries_the_version_of_its_content():
    specs = {spec.key: spec for spec in defs().resolve_all_asset_specs()}
    for table in MARTS:
        assert specs[dg.AssetKey(["marts", table.name])].code_version == build.code_version(table.name)
    assert len({build.code_version(t.name) for t in MARTS}) == len(MARTS)


def test_editing_a_marts_sql_changes_its_version_and_only_its(monkeypatch):
    before = {t.name: build.code_version(t.name) for t in MARTS}
    edited = read_sql("country_years") + "\n-- a comment is an edit too\n"
    monkeypatch.setattr(build, "read_sql", lambda name: edited if name == "country_years" else read_sql(name))
    after = {t.name: build.code_version(t.name) for t in MARTS}
    assert [name for name in before if before[name] != after[name]] == ["country_years"]
