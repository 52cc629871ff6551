"""The release's file list and keys, without a build (fast tier)."""

import duckdb
import pandas as pd

from nk_pipeline.data.columns import formula_safe_text, safe_text_sql
from nk_pipeline.data.release import DATAPACKAGE_JSON, PACKAGE_SOURCES, REPORTS_XLSX, package_sources, release_files
from nk_pipeline.marts.catalog import MARTS, MARTS_BY_NAME
from nk_pipeline.shared.spreadsheet_text import neutralise


def test_every_mart_is_released_as_csv_and_parquet_and_the_package_comes_last():
    files = release_files()
    assert files[-1] == DATAPACKAGE_JSON and REPORTS_XLSX in files
    for table in MARTS:
        assert {f"{table.name}.csv", f"{table.name}.parquet"} <= set(files)
    assert len(files) == len(set(files)) == 2 * len(MARTS) + 2


def test_every_mart_declares_its_key_and_its_keys_point_at_marts():
    for table in MARTS:
        assert table.primary_key, (
            f"{table.qualified}: declare primary_key in marts/catalog.py (datapackage.json needs it)"
        )
        assert set(table.primary_key) <= set(table.columns), table.name
        for column, target in table.foreign_keys.items():
            assert column in table.columns and target in MARTS_BY_NAME, (table.name, column, target)
            assert MARTS_BY_NAME[target].primary_key == (column,), (table.name, column, target)


def _sources(n: int) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA marts")
    conn.execute(
        "CREATE TABLE marts.sources AS SELECT printf('S%05d', range) AS source_id, printf('Title %d', range) AS title, "
        "printf('https://example.org/%d', range) AS url FROM range(?)",
        [n],
    )
    return conn


def test_the_package_lists_every_source_up_to_its_limit():
    listed = package_sources(_sources(5))
    assert listed == [{"title": f"Title {n}", "path": f"https://example.org/{n}"} for n in range(5)]
    assert PACKAGE_SOURCES >= 1_000  # the shipped sources, and many more, listed whole


def test_past_its_limit_the_package_lists_its_first_sources_and_points_to_the_sources_table():
    listed = package_sources(_sources(12_345), limit=3)
    assert listed[:3] == [{"title": f"Title {n}", "path": f"https://example.org/{n}"} for n in range(3)]
    assert listed[3] == {
        "title": "12,342 more sources: all 12,345, each with its title and address, are in sources.csv and sources.parquet",
        "path": "sources.csv",
    }
    assert len(listed) == 4


def test_the_csv_text_rule_in_sql_is_neutralise_for_every_first_character():
    """safe_text_sql decides most cells in DuckDB; for every start (ASCII, white space, full-width and
    small forms, CJK) it gives what neutralise gives."""
    starts = [*range(0x0, 0x3100), *range(0xFE50, 0xFE70), *range(0xFF00, 0xFFF0)]
    texts = [None, "", *(chr(c) + "x" for c in starts), *(chr(c) for c in starts), " =x", "\u00a0+1"]
    conn = duckdb.connect()
    frame = pd.DataFrame({"i": range(len(texts)), "x": pd.Series(texts, dtype=object)})
    conn.register("frame", frame)
    conn.execute("CREATE TABLE t AS SELECT i, x::VARCHAR AS x FROM frame")
    with formula_safe_text(conn):
        cells = [c for (c,) in conn.execute(f"SELECT {safe_text_sql('x')} FROM t ORDER BY i").fetchall()]
    assert cells == [None if t is None else neutralise(t) for t in texts]
