"""The docs stay true to the code (issue 23): the figures that drift when the code moves on (the list
of marts, tables named in prose, section numbers, counts, links, refresh times) are checked here,
or left out of the prose (fast tier)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.shared.settings import PROJECT_ROOT
from nk_pipeline.staging.catalog import STAGING
from nk_pipeline.warehouse.history import HISTORY_TABLES, HISTORY_VIEWS

README = PROJECT_ROOT / "README.md"
METHODOLOGY = PROJECT_ROOT / "docs" / "methodology.md"
DOCS = sorted([README, PROJECT_ROOT / "raw" / "README.md", *(PROJECT_ROOT / "docs").glob("*.md")])
TABLES = {t.qualified for t in (*STAGING, *MARTS, *HISTORY_TABLES, *HISTORY_VIEWS)}
# dated records of what was true when written: the changelog of docs/consumers.md and the decisions
HISTORICAL = ("## Changes", "| date | change |")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(path: Path) -> str:
    """The file without its fenced code blocks and without its dated records of past states."""
    text = re.sub(r"```.*?```", "", _text(path), flags=re.S)
    for marker in HISTORICAL:
        text = text.split(marker, 1)[0]
    return text


def _shown(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def test_the_readme_names_every_mart():
    text = _text(README)
    listing = text.split("The core mart is", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`(?:marts\.)?([a-z_]+)`", listing))
    missing = [t.name for t in MARTS if t.name not in named]
    assert not missing, f"README.md's list of marts lacks {missing}"


@pytest.mark.parametrize("path", DOCS, ids=_shown)
def test_every_table_named_in_the_docs_exists(path):
    # (a module path such as marts.build.build_marts is no table)
    named = set(re.findall(r"\b((?:staging|marts|history)\.[a-z_]+[a-z])\b(?!\.\w)", _prose(path)))
    unknown = sorted(n for n in named if n not in TABLES)
    assert not unknown, f"{_shown(path)} names tables the warehouse does not have: {unknown}"


def test_methodology_sections_are_numbered_once_each_in_order():
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", _text(METHODOLOGY), flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1)), numbers


def test_references_to_a_methodology_section_name_it_as_it_is():
    headings = dict(re.findall(r"^## (\d+)\. (.+)$", _text(METHODOLOGY), flags=re.M))
    references = [
        (path, number, title)
        for path in DOCS
        for number, title in re.findall(
            r"methodology\.md,?\s+section\s+(\d+),\s+“([^”]+)”", re.sub(r"\s+", " ", _text(path))
        )
    ]
    assert references  # the rule below checks something
    for path, number, title in references:
        assert headings.get(number, "").startswith(title), f"{_shown(path)}: section {number} is not “{title}”"


@pytest.mark.parametrize("path", DOCS, ids=_shown)
def test_every_relative_link_and_path_stays_inside_the_repository(path):
    text = _text(path)
    assert "../shared" not in text, f"{_shown(path)} points outside the repository"
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        assert (path.parent / target).exists(), f"{_shown(path)} links to {target}, which is not in the repository"


@pytest.mark.parametrize("path", DOCS, ids=_shown)
def test_no_refresh_time_is_stated_in_prose(path):
    """Times are measured by the benchmark and kept in BENCHMARKS.md, which it rewrites; prose that
    copies one drifts (operating.md said 5 s where 9 s was measured)."""
    stated = re.findall(
        r"(?:refresh|build)[^.]{0,60}?\b(?:takes?|took)\s+(?:about|under|over|around)?\s*\d+(?:\.\d+)?\s*(?:s|seconds)\b",
        re.sub(r"\s+", " ", _prose(path)),
    )
    assert not stated, f"{_shown(path)} states a refresh time: {stated}"


def test_counts_in_the_docs_are_the_code_s():
    from nk_pipeline.definitions import defs

    groups = {spec.group_name for spec in defs().resolve_all_asset_specs()}
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    stated = re.findall(
        r"\bassets in (\w+) groups\b", re.sub(r"\s+", " ", _text(PROJECT_ROOT / "docs" / "operating.md"))
    )
    assert stated and all(words.index(w) == len(groups) for w in stated), (stated, sorted(groups))
