"""The research queue in one line, for the build's report (marts.research_queue has the rows)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# how many out-of-date countries the line names
NAMED = 5


def queue_summary(warehouse_db: Path) -> str:
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        counts = dict(conn.execute("SELECT kind, count(*) FROM marts.research_queue GROUP BY kind").fetchall())
        first = conn.execute(
            "SELECT country, last_label FROM marts.research_queue WHERE kind = 'out_of_date' ORDER BY rank LIMIT ?",
            [NAMED],
        ).fetchall()
    out_of_date, leads = counts.get("out_of_date", 0), counts.get("lead", 0)
    named = "; ".join(f"{country} ({label.removeprefix('Last reported: ')})" for country, label in first)
    text = f"{out_of_date} countries with nothing current"
    if named:
        text += f", first {named}"
    return f"{text}; {leads} leads not yet read (marts.research_queue)"
