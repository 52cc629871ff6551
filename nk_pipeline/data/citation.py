"""CITATION.cff (Citation File Format 1.2.0) at the repository's root, written from data.about.

It cites the dataset, not one release of it: a release's version and date follow from its inputs
(data.edition) and change with every edit of raw/, so the root file names neither (it would be
stale after the next edit) and tells a reuser to cite the release they used by the credit line
that release carries. A test holds the file to what this module writes:

    uv run python -m nk_pipeline.data.citation
"""

from __future__ import annotations

import json
from pathlib import Path

from nk_pipeline.data import about
from nk_pipeline.shared.settings import PROJECT_ROOT

CITATION_CFF = PROJECT_ROOT / "CITATION.cff"
MESSAGE = (
    "If you use this dataset, cite the release you used by the credit line it carries, with its version "
    "and date (the map page's footer, datapackage.json's citation, the spreadsheet's About sheet): "
    + about.credit_line("<version>", "<date>")
    + "."
)


def _quoted(text: str) -> str:
    # a JSON string is a YAML double-quoted scalar: no character of a title can break the file
    return json.dumps(text, ensure_ascii=False)


def citation_cff() -> str:
    lines = [
        "# Written by `uv run python -m nk_pipeline.data.citation` from nk_pipeline/data/about.py.",
        'cff-version: "1.2.0"',
        "message: " + _quoted(MESSAGE),
        "type: dataset",
        "title: " + _quoted(about.DATA_TITLE),
        "abstract: " + _quoted(about.DATA_DESCRIPTION),
        "authors:",
        "  - name: " + _quoted(about.PUBLISHER),
        "license: " + about.DATA_LICENCE["name"],
    ]
    return "\n".join(lines) + "\n"


def write_citation(target: Path = CITATION_CFF) -> Path:
    target.write_text(citation_cff(), encoding="utf-8", newline="\n")
    return target


if __name__ == "__main__":
    print(f"wrote {write_citation()}")
