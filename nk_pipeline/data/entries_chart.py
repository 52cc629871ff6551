"""Entries of North Koreans by purpose and year, one table per host: what the charts of index.html
and reports.xlsx draw (data/sql/entries_by_year.sql picks one full-year figure per purpose)."""

from __future__ import annotations

import duckdb
import pandas as pd

from nk_pipeline.shared.sql import read_sql

# the part of a year's total that its purposes, as reported, do not cover
NOT_SPLIT = "not_split"
LABELS = {
    "workers_and_crew": "workers and crew",
    "work": "work",
    "study": "study",
    "business": "business",
    "official": "official",
    "tourism": "tourism",
    "visiting": "visiting",
    "private": "private",
    "transit": "transit",
    "conference": "conference",
    "other": "other",
    NOT_SPLIT: "purpose not reported",
}
# work and study first and strongest: the purposes under which workers are reported to enter
COLOURS = {
    "workers_and_crew": "#b30000",
    "work": "#b30000",
    "study": "#e34a33",
    "business": "#fc8d59",
    "official": "#fdbb84",
    "tourism": "#9ecae1",
    "visiting": "#6baed6",
    "private": "#6baed6",
    "transit": "#4292c6",
    "conference": "#c6dbef",
    "other": "#a8a49c",
    NOT_SPLIT: "#dcd8d0",
}
PURPOSE_ORDER = (
    "workers_and_crew",
    "work",
    "study",
    "business",
    "official",
    "tourism",
    "visiting",
    "private",
    "transit",
    "conference",
    "other",
)


def entries_by_year(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute(read_sql("entries_by_year")).df()


def by_host(entries: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Host → one row per year: a column per purpose it reports (in PURPOSE_ORDER), then
    not_split (what the purposes leave of the total), total and how the page states the total
    (total_qualifier: about, over…); blank where nothing is reported."""
    tables = {}
    for host, rows in entries.groupby("host", sort=True):
        wide = rows.pivot_table(index="year", columns="category", values="entrants", aggfunc="first")
        # every year of the span, so that a year with no full-year figure shows as a gap
        wide = wide.reindex(range(int(wide.index.min()), int(wide.index.max()) + 1))
        purposes = [p for p in PURPOSE_ORDER if p in wide.columns]
        total = wide["total"] if "total" in wide.columns else pd.Series(float("nan"), index=wide.index)
        split = wide[purposes].sum(axis=1, min_count=1) if purposes else pd.Series(0.0, index=wide.index)
        wide[NOT_SPLIT] = (total - split.fillna(0)).clip(lower=0).where(total.notna())
        wide["total"] = total
        table = wide[[*purposes, NOT_SPLIT, "total"]].rename_axis("year").reset_index()
        stated = rows[rows["category"] == "total"].set_index("year")["qualifier"]
        table["total_qualifier"] = table["year"].map(stated)
        tables[str(host)] = table
    return tables


def caveats(entries: pd.DataFrame) -> dict[str, str]:
    return {str(host): str(text) for host, text in entries.groupby("host")["caveat"].first().items()}
