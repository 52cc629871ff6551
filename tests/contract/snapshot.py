"""The consumer contract: every column and type of the published `marts` and `history` schemas.

Regenerate after an announced change (docs/consumers.md, "Changes"):
    uv run python -m tests.contract.snapshot warehouse/nk.duckdb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

SNAPSHOT = Path(__file__).with_name("warehouse_schema.json")
CONTRACT_SCHEMAS = ("marts", "history")


def describe(database: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        found = conn.execute(
            """
            SELECT schema_name || '.' || table_name, column_name, data_type
            FROM duckdb_columns()
            WHERE schema_name IN ('marts', 'history')
            ORDER BY 1, column_index
            """
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column, data_type in found:
        tables.setdefault(table, []).append(f"{column} {data_type}")
    return tables


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(describe(Path(sys.argv[1])), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
