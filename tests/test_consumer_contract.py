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
