"""CITATION.cff (Citation File Format 1.2.0) for the release built from the repository's raw/.

The file at the root names a version and a date, which the inputs decide (data.edition); it is
written from a built warehouse, never by hand, and a test holds it to what the build derives:

    uv run python -m nk_pipeline.data.citation warehouse/nk.duckdb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

from nk_pipeline.data import about
from nk_pipeline.data.edition import edition
from nk_pipeline.shared.settings import PROJECT_ROOT

CITATION_CFF = PROJECT_ROOT / "CITATION.cff"


def _quoted(text: str) -> str:
    # a JSON string is a YAML double-quoted scalar: no character of a title can break the file
    return json.dumps(text, ensure_ascii=False)


def citation_cff(named: about.Edition) -> str:
    lines = [
        "# Written by `uv run python -m nk_pipeline.data.citation warehouse/nk.duckdb`; the version and",
        "# date are those of the release the inputs in raw/ give (tests hold the two together).",
        'cff-version: "1.2.0"',
        "message: " + _quoted(f"If you use this dataset, please cite it as below: {named.credit}."),
        "type: dataset",
        "title: " + _quoted(about.DATA_TITLE),
        "abstract: " + _quoted(about.DATA_DESCRIPTION),
        "authors:",
        "  - name: " + _quoted(about.PUBLISHER),
        "version: " + _quoted(named.version),
        "date-released: " + _quoted(named.date.isoformat()),
        "license: " + about.DATA_LICENCE["name"],
    ]
    return "\n".join(lines) + "\n"


def write_citation(database: Path, target: Path = CITATION_CFF) -> Path:
    with duckdb.connect(str(database), read_only=True) as conn:
        target.write_text(citation_cff(edition(conn)), encoding="utf-8", newline="\n")
    return target


if __name__ == "__main__":
    print(f"wrote {write_citation(Path(sys.argv[1]))}")
