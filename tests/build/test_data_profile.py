"""The places per status in raw/README.md's data profile match a build of the shipped data
(tests/unit/test_data_profile.py checks the rest of the profile)."""

from __future__ import annotations

from nk_pipeline.raw import data_profile
from tests.support.data_profile import README


def test_places_per_status_match_a_build(shipped_build):
    readme = README.read_text(encoding="utf-8")
    assert data_profile.block_in(readme, "warehouse") == data_profile.warehouse_block(shipped_build.paths.warehouse_db)
