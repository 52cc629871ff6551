"""Issue 14 item 8: the data profile in raw/README.md matches the data.

The raw block is recomputed from raw/ (tests/unit); the places per status need a build of the
shipped data (tests/build). Regenerate both with `uv run python -m nk_pipeline.raw.data_profile --warehouse …`.
"""

from __future__ import annotations

import shutil

from nk_pipeline.raw import data_profile
from tests.conftest import SHIPPED_RAW
from tests.support.data_profile import README


def test_raw_profile_matches_the_raw_files():
    readme = README.read_text(encoding="utf-8")
    assert data_profile.block_in(readme, "raw") == data_profile.raw_block(SHIPPED_RAW, readme)


def test_the_profile_counts_what_the_files_hold(tmp_path):
    # one more source of a new kind and one more restaurants-only place change the profile
    raw = tmp_path / "raw"
    shutil.copytree(SHIPPED_RAW, raw)
    readme = README.read_text(encoding="utf-8")
    before = data_profile.raw_block(raw, readme)
    with (raw / "sources.csv").open("a", encoding="utf-8") as handle:
        handle.write("x-blog,A blog,,Someone,,2020,https://blog.example.org/a,blog,\n")
    with (raw / "restaurants.csv").open("a", encoding="utf-8") as handle:
        handle.write("Iceland,2020,x-blog,A restaurant.\n")
    after = data_profile.raw_block(raw, readme)
    assert after != before
    blogs = (SHIPPED_RAW / "sources.csv").read_text(encoding="utf-8").count(",blog,")
    assert f"| blog | {blogs + 1} |" in after and "| restaurants only | 1 |" in after


def test_every_lead_has_a_verdict():
    verdicts = data_profile.lead_verdicts(README.read_text(encoding="utf-8"))
    assert sum(verdicts.values()) == 32
    assert set(verdicts) <= {"holds", "holds, corrected", "rejected"}


def test_the_contract_table_is_the_contract():
    # raw/README.md's table of files and columns is generated from raw.contract: a column, a rule
    # or a vocabulary changed there shows here, or this fails
    readme = README.read_text(encoding="utf-8")
    assert data_profile.block_in(readme, "contract") == data_profile.contract_block()
    for spec in data_profile.contract.RAW_FILES:
        assert f"`{spec.filename}`" in data_profile.contract_block()
