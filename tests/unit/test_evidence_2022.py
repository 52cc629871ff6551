"""Issue 21 on the shipped data: the last four years are in, Russia's border statistics sit beside
China's, and the largest hosts' latest figures rest on the strongest stored page (fast tier: the
raw files and the marts built in memory, no Dagster run)."""

from __future__ import annotations

import csv

import pytest

from nk_pipeline.raw import contract
from tests.conftest import SERIES_MARTS, SHIPPED_RAW, reconcile

# what a page that is only a copy or a personal site is: never alone behind a largest host's figure
WEAK_KINDS = ("mirror", "blog")

LARGEST_HOSTS = 10


def _rows(name: str) -> list[dict[str, str]]:
    with (SHIPPED_RAW / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def conn():
    connection = reconcile(SHIPPED_RAW, (*SERIES_MARTS, "sources", "border_entries", "china_entries", "research_queue"))
    yield connection
    connection.close()


def test_at_least_sixty_figure_or_presence_rows_describe_2022_or_later():
    rows = [r for name in ("country_estimates", "it_workers") for r in _rows(name)]
    recent = [r for r in rows if r["reference_year"] and int(r["reference_year"]) >= 2022]
    assert len(recent) >= 60, len(recent)


def test_russias_series_runs_from_2019_to_its_last_published_quarter(conn):
    years = dict(
        conn.execute(
            "SELECT year, string_agg(DISTINCT period, ',' ORDER BY period) FROM marts.border_entries "
            "WHERE host = 'Russia' GROUP BY year"
        ).fetchall()
    )
    assert sorted(years) == list(range(2019, 2026))
    # the FSB published nothing on North Koreans after the first quarter of 2025
    assert years[2025] == "Q1"
    purposes = {
        r[0]
        for r in conn.execute("SELECT DISTINCT category FROM marts.border_entries WHERE host = 'Russia'").fetchall()
    }
    assert {"total", "work", "study", "business"} <= purposes


def test_china_entries_is_chinas_rows_of_border_entries(conn):
    china = conn.execute("SELECT count(*) FROM marts.china_entries").fetchone()[0]
    border = conn.execute("SELECT count(*) FROM marts.border_entries WHERE host = 'China'").fetchone()[0]
    assert china == border == sum(1 for r in _rows("border_entries") if r["host"] == "China")
    caveats = dict(conn.execute("SELECT DISTINCT host, caveat FROM marts.border_entries").fetchall())
    assert set(caveats) == set(contract.ENTRY_HOSTS)
    assert "student visa" in caveats["Russia"] and "2025" in caveats["Russia"]


def test_the_largest_hosts_latest_figures_rest_on_more_than_a_copy(conn):
    # the ten countries with the largest worker figures; for each, the sources of its latest
    # figure year: at least one is not a mirror or a blog
    weak = conn.execute(
        f"""
        WITH figures AS (
            SELECT e.iso3, e.effective_year, e.source_id, e.source_kind, coalesce(e.workers_high, e.workers_low) AS top
            FROM marts.estimate_evidence AS e
            JOIN marts.measures AS m USING (measure)
            WHERE m.counts_for_figure AND coalesce(e.workers_high, e.workers_low) > 0
                AND e.duplicate_of IS NULL AND e.effective_year IS NOT NULL
        ),
        largest AS (SELECT iso3 FROM figures GROUP BY iso3 ORDER BY max(top) DESC, iso3 LIMIT {LARGEST_HOSTS}),
        latest AS (
            SELECT f.* FROM figures AS f
            WHERE f.iso3 IN (SELECT iso3 FROM largest)
            QUALIFY f.effective_year = max(f.effective_year) OVER (PARTITION BY f.iso3)
        )
        SELECT iso3, string_agg(source_id, ';') FROM latest
        GROUP BY iso3
        HAVING bool_and(source_kind IN {WEAK_KINDS})
        """
    ).fetchall()
    assert weak == []


def test_it_workers_are_marked_where_the_msmt_names_them(conn):
    rows = dict(conn.execute("SELECT iso3, status FROM marts.country_estimates WHERE has_it_workers").fetchall())
    # the MSMT's report of October 2025 names IT workers in these countries
    assert {"CHN", "RUS", "LAO", "KHM", "GNQ", "GIN", "NGA", "TZA"} <= set(rows)
    assert rows["KHM"] == "it_workers_only" and rows["RUS"] == "estimate"
    china = conn.execute("SELECT it_workers_note FROM marts.country_estimates WHERE iso3 = 'CHN'").fetchone()[0]
    assert china == "North Korean IT workers reported (2025): 1,000–1,500"


def test_every_non_english_title_has_its_translation_and_none_is_typed_twice():
    sources = _rows("sources")
    glossed = [s for s in sources if s["title_en"]]
    assert all(s["title_en"] != s["title"] for s in glossed)
    # a title in a script other than Latin needs its English gloss
    for source in sources:
        if any(ord(ch) > 0x2FF and ch.isalpha() for ch in source["title"]):
            assert source["title_en"], source["source_id"]


def test_the_research_queue_starts_with_what_the_largest_unknowns_held(conn):
    first = conn.execute("SELECT kind, country, last_held FROM marts.research_queue ORDER BY rank LIMIT 1").fetchone()
    held = conn.execute("SELECT max(last_held) FROM marts.research_queue WHERE kind = 'out_of_date'").fetchone()[0]
    assert first[0] == "out_of_date" and first[2] == held
    leads = conn.execute("SELECT count(*) FROM marts.research_queue WHERE kind = 'lead'").fetchone()[0]
    assert leads == len(_rows("leads"))
