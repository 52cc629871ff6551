"""Issue 24: map_countries.sql lists a country's sources, IT-worker sources and origin chains only
up to map_outputs.LISTED and says how many more, on a hand-made mart (no build)."""

from __future__ import annotations

import duckdb
import pytest

from nk_pipeline.map.map_outputs import LISTED, map_rows

COLUMNS = (
    "iso3 VARCHAR, country VARCHAR, status VARCHAR, workers_low BIGINT, workers_high BIGINT, "
    "workers_central BIGINT, reference_year INTEGER, label VARCHAR, has_restaurants BOOLEAN, "
    "has_it_workers BOOLEAN, it_workers_note VARCHAR, it_source_ids VARCHAR, confidence VARCHAR, "
    "stale BOOLEAN, n_sources INTEGER, source_ids VARCHAR, n_origins INTEGER, origin_chain VARCHAR"
)


def _country(conn, iso3: str, n: int) -> None:
    ids = [f"{iso3.lower()}-{i:03d}" for i in range(n)]
    chains = "; ".join(f"Origin {i}" for i in range(n))
    conn.execute(
        "INSERT INTO marts.country_estimates VALUES "
        "(?, ?, 'present', NULL, NULL, NULL, 2020, 'present', false, false, NULL, ?, NULL, false, ?, ?, ?, ?)",
        [iso3, iso3.title(), ";".join(ids), n, ";".join(ids), n, chains],
    )
    conn.executemany("INSERT INTO marts.sources VALUES (?, ?)", [[i, f"Title of {i}"] for i in ids])


@pytest.fixture()
def conn():
    with duckdb.connect() as conn:
        conn.execute("CREATE SCHEMA marts")
        conn.execute(f"CREATE TABLE marts.country_estimates ({COLUMNS})")
        conn.execute("CREATE TABLE marts.sources (source_id VARCHAR, title VARCHAR)")
        _country(conn, "AAA", LISTED)  # at the limit: listed whole
        _country(conn, "BBB", LISTED + 25)  # past it
        _country(conn, "CCC", 1)
        yield conn


def test_a_country_at_the_limit_is_listed_whole(conn):
    row = map_rows(conn, "map_countries").set_index("iso3").loc["AAA"]
    assert row["source_ids"].split(";") == [f"aaa-{i:03d}" for i in range(LISTED)]
    assert row["source_titles"] == " | ".join(f"Title of aaa-{i:03d}" for i in range(LISTED))
    assert "more" not in row["origin_chain"]


def test_a_country_past_the_limit_lists_the_first_and_says_how_many_more(conn):
    row = map_rows(conn, "map_countries").set_index("iso3").loc["BBB"]
    first = [f"bbb-{i:03d}" for i in range(LISTED)]
    assert row["n_sources"] == LISTED + 25
    assert row["source_ids"].split(";") == first
    assert row["it_source_ids"].split(";") == first
    assert row["source_titles"] == " | ".join(f"Title of {i}" for i in first) + " | and 25 more"
    assert row["origin_chain"] == "; ".join(f"Origin {i}" for i in range(LISTED)) + "; and 25 more"


def test_one_source_is_one_title(conn):
    row = map_rows(conn, "map_countries").set_index("iso3").loc["CCC"]
    assert (row["source_ids"], row["source_titles"], row["origin_chain"]) == ("ccc-000", "Title of ccc-000", "Origin 0")
