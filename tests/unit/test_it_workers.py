"""Issue 21: IT workers are their own evidence, and the research queue, on hand-made inputs whose
answers are worked out here (fast tier).

The inputs are tests/handmade_present (the series runs to 2024; see tests/unit/test_present.py) plus:

- Russia: the MSMT-like 1,000–1,500 IT workers in 2024. Russia's 2024 labour estimate is what
  it was without them, 12,000–15,000 (two origins), and its row notes the IT workers.
- Cambodia: only IT workers, present in 2024: it_workers_only from 2024, with no figure.
- Laos: only IT workers, present in 2021: it_workers_only 2021–2023 (2021 + carry_years 2), then
  last_reported with last_status it_workers_only in 2024.
- A lead on Laos, found 2024-12-01, not yet read.

The research queue in 2024 lists the countries with nothing current, by what they last held:
Kuwait (central 1,400 of 800 and 2,000 in 2019), Angola (846: 1,000 less 154 sent home), Oman
(none remaining since 2016; its last figure, 300 in 2015), then Laos (IT workers, no figure; last
report 2021) and Thailand (an undated restaurant report: no year at all); then the lead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import HANDMADE_PRESENT, SERIES_MARTS, reconcile

HANDMADE = HANDMADE_PRESENT

SOURCES = [
    "p-2024,IT teams abroad,,Monitor,,2024-10,https://gov.example.org/p,government,",
    "q-2021,Front company designated,,Treasury,,2021-05,https://gov.example.org/q,government,",
]

IT_ROWS = [
    "Russia,1000,1500,stock,2024,p-2024,Monitoring team,IT workers in Russia.,",
    "Cambodia,,,presence,2024,p-2024,Monitoring team,IT workers in Cambodia.,",
    "Laos,,,presence,2021,q-2021,Treasury,IT workers in Laos.,",
]

LEAD = "2024-12-01,Laos,2024,https://news.example.org/lead,IT workers in Vientiane,Not yet read."


def _append(path: Path, lines: list[str]) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("".join(f"{line}\n" for line in lines))


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    raw = tmp_path_factory.mktemp("it") / "raw"
    shutil.copytree(HANDMADE, raw, ignore=shutil.ignore_patterns("README.md"))
    _append(raw / "sources.csv", SOURCES)
    _append(raw / "it_workers.csv", IT_ROWS)
    _append(raw / "leads.csv", [LEAD])
    connection = reconcile(raw, (*SERIES_MARTS, "research_queue"))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def without_it():
    connection = reconcile(HANDMADE)
    yield connection
    connection.close()


def year_row(conn, iso3: str, year: int) -> dict:
    frame = conn.execute("SELECT * FROM marts.country_years WHERE iso3 = ? AND year = ?", [iso3, year]).df()
    (row,) = frame.to_dict("records")
    return row


def figures(row: dict) -> tuple:
    return tuple(None if pd.isna(row[c]) else int(row[c]) for c in ("workers_low", "workers_high", "workers_central"))


def test_it_workers_never_join_the_labourers_figure(conn, without_it):
    russia, before = year_row(conn, "RUS", 2024), year_row(without_it, "RUS", 2024)
    assert figures(russia) == figures(before) == (12000, 15000, 15000)
    assert (russia["status"], russia["n_origins"], russia["source_ids"]) == ("estimate", 2, "h-2024;i-2024;j-2024")
    assert russia["has_it_workers"] is True
    assert russia["it_workers_note"] == "North Korean IT workers reported (2024): 1,000–1,500"
    assert russia["it_source_ids"] == "p-2024"
    assert year_row(without_it, "RUS", 2024)["has_it_workers"] is False


def test_a_country_with_only_it_workers_is_it_workers_only(conn):
    cambodia = year_row(conn, "KHM", 2024)
    assert (cambodia["status"], cambodia["label"], cambodia["source_ids"]) == (
        "it_workers_only",
        "North Korean IT workers only (2024)",
        "p-2024",
    )
    assert figures(cambodia) == (None, None, None)
    assert cambodia["it_workers_note"] == "North Korean IT workers reported (2024)"


def test_it_workers_expire_like_every_report(conn):
    for year in (2021, 2022, 2023):
        assert year_row(conn, "LAO", year)["status"] == "it_workers_only", year
    laos = year_row(conn, "LAO", 2024)
    assert (laos["status"], laos["last_status"], laos["label"]) == (
        "last_reported",
        "it_workers_only",
        "Last reported: North Korean IT workers (2021)",
    )
    assert laos["has_it_workers"] is False and laos["it_workers_note"] is None


def test_it_observations_are_evidence_never_used(conn):
    rows = conn.execute(
        "SELECT raw_file, measure, used, exclusion_reason FROM marts.estimate_evidence WHERE raw_file = 'raw/it_workers.csv'"
    ).fetchall()
    assert len(rows) == 3
    assert {(m, used) for _, m, used, _ in rows} == {("it_workers", False)}
    assert all(reason.startswith("IT workers:") for *_, reason in rows)


def test_the_research_queue_ranks_what_is_unknown_by_what_it_last_held(conn):
    queue = conn.execute(
        "SELECT rank, kind, iso3, last_held, last_figure_year, last_report_year, lead_url "
        "FROM marts.research_queue ORDER BY rank"
    ).fetchall()
    assert [(r[1], r[2], r[3]) for r in queue] == [
        ("out_of_date", "KWT", 1400),
        ("out_of_date", "AGO", 846),
        ("out_of_date", "OMN", 300),
        ("out_of_date", "LAO", None),
        ("out_of_date", "THA", None),
        ("lead", "LAO", None),
    ]
    assert [r[0] for r in queue] == list(range(1, 7))
    kuwait, angola, oman, laos, thailand, lead = queue
    assert (kuwait[4], angola[4], oman[4]) == (2019, 2016, 2015)
    assert (laos[4], laos[5]) == (None, 2021)
    assert (thailand[4], thailand[5]) == (None, None)
    assert lead[6] == "https://news.example.org/lead"
