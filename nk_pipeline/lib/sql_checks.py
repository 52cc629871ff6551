"""Named checking queries from nk_pipeline/sql/checks.sql: each returns the offending rows."""

from __future__ import annotations

import re
from functools import cache

from nk_pipeline.lib.sql import read_sql

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


@cache
def check_queries() -> dict[str, str]:
    text = read_sql("checks")
    parts = _HEADER.split(text)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2])}
