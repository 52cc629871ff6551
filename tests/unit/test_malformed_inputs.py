"""Issue 3: every malformed input in tests/malformed/ is refused with a message naming file, line,
column and rule, and the published warehouse stays byte-identical; accepted quirks build.

Each case folder holds replacement raw files (one mistake or quirk each); the rest of the
inputs are the shipped ones.
"""

from __future__ import annotations

import pytest

from nk_pipeline.staging.validation import check_folder
from tests.conftest import SHIPPED_RAW
from tests.support.malformed_inputs import CASES, EXPECTED, assert_named, raw_with

ACCEPTED = sorted(p.name for p in CASES.iterdir() if p.name.startswith("ok_"))


def test_the_corpus_is_complete():
    folders = sorted(p.name for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("ok_"))
    assert folders == sorted(EXPECTED)
    assert len(folders) >= 20


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_the_validator_names_file_line_column_and_rule(case, tmp_path):
    checked = check_folder(raw_with(case, tmp_path))
    problems = [issue for _, issues in checked.values() for issue in issues]
    assert problems, "the case is refused"
    assert_named(case, "\n".join(map(str, problems)))


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_quirks_build_the_same_rows(case, tmp_path):
    from nk_pipeline.raw import contract
    from nk_pipeline.raw.reading import read_raw
    from nk_pipeline.staging.validation import validate

    (replacement,) = list((CASES / case).iterdir())
    spec = contract.RAW_FILES_BY_NAME[replacement.stem]
    sources = read_raw(SHIPPED_RAW / "sources.csv", contract.SOURCES.columns, "raw/sources.csv")
    known = set(sources.frame["source_id"])
    clean = validate(read_raw(CASES / "ok_utf8_bom" / replacement.name, spec.columns, "clean"), spec.name, known)
    quirky = validate(read_raw(replacement, spec.columns, "quirky"), spec.name, known)
    columns = [c for c in clean.columns if c not in ("source_line", "notes")]
    assert quirky[columns].equals(clean[columns])
