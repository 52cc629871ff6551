"""CITATION.cff at the root: valid Citation File Format 1.2.0, written from data.about, and
naming no release (a release's version and date change with every edit of raw/)."""

import yaml

from nk_pipeline.data import about
from nk_pipeline.data.citation import CITATION_CFF, citation_cff


def test_citation_cff_is_what_the_module_writes():
    assert CITATION_CFF.read_text(encoding="utf-8") == citation_cff(), (
        "CITATION.cff is out of date: run `uv run python -m nk_pipeline.data.citation`"
    )


def test_citation_cff_is_citation_file_format_1_2_0_for_the_dataset():
    cff = yaml.safe_load(CITATION_CFF.read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert {"message", "title", "authors", "license"} <= set(cff)
    assert cff["authors"] == [{"name": about.PUBLISHER}] and cff["license"] == "CC-BY-4.0"
    assert cff["title"] == about.DATA_TITLE
    # a reuser is told where a release's own line (version, date) is, not given a stale one
    assert "version" not in cff and "date-released" not in cff
    assert "version <version> (<date>)" in cff["message"]
