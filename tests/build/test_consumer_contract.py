"""The marts are a contract: a column renamed, dropped, added or retyped fails here until the
change is announced (docs/consumers.md) and the snapshot regenerated."""

import json

from tests.contract.snapshot import SNAPSHOT, describe


def test_published_schema_matches_the_contract(shipped_build):
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    actual = describe(shipped_build.paths.warehouse_db)
    for table in sorted(set(expected) | set(actual)):
        assert actual.get(table) == expected.get(table), (
            f"{table} differs from tests/contract/warehouse_schema.json; if intended, announce it in "
            "docs/consumers.md and run `uv run python -m tests.contract.snapshot warehouse/nk.duckdb`"
        )


def test_warehouse_records_its_storage_version(shipped_build):
    import duckdb

    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        (version,) = conn.execute(
            "SELECT storage_version FROM history.publishes ORDER BY publish_id DESC LIMIT 1"
        ).fetchone()
        (inputs,) = conn.execute(
            "SELECT inputs_sha256 FROM history.publishes ORDER BY publish_id DESC LIMIT 1"
        ).fetchone()
    assert version == "v1.1.0"
    assert "raw/country_estimates.csv" in json.loads(inputs)


def test_every_table_and_column_is_described_as_its_catalog_says(shipped_build):
    """staging, marts and history: every table, view and column has the description its catalog gives
    (staging.catalog, marts.catalog, warehouse.history), and nothing is left without one."""
    import duckdb

    from nk_pipeline.marts.catalog import MARTS
    from nk_pipeline.staging.catalog import STAGING
    from nk_pipeline.warehouse.history import HISTORY_TABLES, HISTORY_VIEWS

    catalog = {t.qualified: t for t in (*STAGING, *MARTS, *HISTORY_TABLES, *HISTORY_VIEWS)}
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        relations = conn.execute(
            "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() "
            "UNION ALL SELECT schema_name || '.' || view_name, comment FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        columns = conn.execute(
            "SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name IN ('staging', 'marts', 'history')"
        ).fetchall()
    found = {name for name, _ in relations}
    assert {n.split(".")[0] for n in found} == {"staging", "marts", "history"}
    assert found == set(catalog), "tables without a catalog entry, or catalog entries without a table"
    for name, comment in relations:
        assert comment and comment == catalog[name].description, name
    for table, column, comment in columns:
        assert comment, f"{table}.{column} has no description"
        assert comment == catalog[table].columns[column], f"{table}.{column}"
    assert len(columns) == sum(len(t.columns) for t in catalog.values())
