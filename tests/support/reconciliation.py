"""Helpers shared by the tiers of test_reconciliation's tests."""

from __future__ import annotations

import duckdb


def rows(build, sql, params=None):
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        cursor = conn.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]
