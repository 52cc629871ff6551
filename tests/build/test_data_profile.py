"""Issue 14 item 8: the data profile in raw/README.md matches the data.

The raw block is recomputed from raw/ (tests/unit); the places per status need a build of the
shipped data (tests/build). Regenerate both with `uv run python -m nk_pipeline.raw.data_profile --warehouse …`.
"""

from __future__ import annotations

from nk_pipeline.raw import data_profile
from tests.support.data_profile import README


def test_places_per_status_match_a_build(shipped_build):
    readme = README.read_text(encoding="utf-8")
    assert data_profile.block_in(readme, "warehouse") == data_profile.warehouse_block(shipped_build.paths.warehouse_db)
