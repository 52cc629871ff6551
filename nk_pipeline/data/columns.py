"""A mart's columns in table order, selected in the order of its key: how every published copy of a
mart (CSV, Parquet, a spreadsheet sheet) lists its rows, so that equal marts give equal files."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from nk_pipeline.shared.spreadsheet_text import neutralise
from nk_pipeline.shared.tables import Table

# The SQL name of shared.spreadsheet_text.neutralise while the CSV files are written.
SAFE_TEXT_FUNCTION = "spreadsheet_safe_text"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_of(conn: duckdb.DuckDBPyConnection, table: Table) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a mart, in table order."""
    return conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [table.schema, table.name],
    ).fetchall()


def ordered_select(
    conn: duckdb.DuckDBPyConnection,
    table: Table,
    safe_text: bool = False,
    order: tuple[str, ...] = (),
    limit: int | None = None,
) -> str:
    """SELECT of every column of the mart, ordered by `order` (a total order: it must end with the key)
    or by its primary key (text made formula-safe if asked), its first `limit` rows if given."""
    columns = [
        f"{safe_text_sql(ident(c))} AS {ident(c)}" if safe_text and t == "VARCHAR" else ident(c)
        for c, t in columns_of(conn, table)
    ]
    # by the key; a mart whose key is not declared yet (tests/unit/test_release_unit.py flags it) by every
    # column, which is as reproducible
    keys = order or table.primary_key or [c for c, _ in columns_of(conn, table)]
    order = ", ".join(f"{ident(c)} NULLS FIRST" for c in keys)
    first = "" if limit is None else f" LIMIT {int(limit)}"
    return f"SELECT {', '.join(columns)} FROM {table.qualified} ORDER BY {order}{first}"


# A text whose first character is printable ASCII other than these is never formula-like, and
# neutralise gives it back unchanged (no white space to strip, and NFKC leaves ASCII as it is).
_NEUTRALISED_STARTS = "=+-@'"


def safe_text_sql(column: str) -> str:
    """`neutralise` of a text column in SQL: most cells decided by DuckDB from their first
    character, the rest (white space, a formula sign, non-ASCII) by `neutralise` itself, so a
    million cells do not each cross into Python and the rule stays written once."""
    signs = ", ".join("'" + c.replace("'", "''") + "'" for c in _NEUTRALISED_STARTS)
    return (
        f"CASE WHEN regexp_full_match(left({column}, 1), '[!-~]') AND left({column}, 1) NOT IN ({signs}) "
        f"THEN {column} ELSE {SAFE_TEXT_FUNCTION}({column}) END"
    )


@contextlib.contextmanager
def formula_safe_text(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Make `neutralise` callable from SQL for the duration of the block."""
    with contextlib.suppress(duckdb.Error):
        conn.remove_function(SAFE_TEXT_FUNCTION)  # left by a step that died half-way in this process
    conn.create_function(SAFE_TEXT_FUNCTION, neutralise, ["VARCHAR"], "VARCHAR")
    try:
        yield
    finally:
        conn.remove_function(SAFE_TEXT_FUNCTION)


# A column's header where people read it (reports.xlsx); its machine name stays in the CSV, the
# Parquet, the warehouse and the spreadsheet's Columns sheet.
HEADERS = {
    # marts.sources, and the figures reports_sources.sql adds
    "source_id": "Source id",
    "title": "Title",
    "title_en": "Title in English (translation)",
    "publisher": "Publisher",
    "authors": "Authors",
    "published": "Published",
    "published_year": "Year published",
    "url": "Link",
    "kind": "Kind of page",
    "n_figures": "Figures cited",
    "n_countries": "Countries named",
    "n_used_in_estimates": "Figures used in the estimates",
    "figures": "Figures it gives",
    "cited_in": "Cited in (files)",
    "notes": "Notes",
    # marts.country_estimates
    "iso3": "ISO code",
    "country": "Country",
    "status": "Status",
    "workers_low": "Workers (low)",
    "workers_high": "Workers (high)",
    "workers_central": "Workers (central)",
    "reference_year": "Year described",
    "n_sources": "Sources",
    "source_ids": "Source ids",
    "has_restaurants": "Restaurants reported",
    "confidence": "Confidence",
    "conflict": "Sources conflict",
    "spread_ratio": "Spread (high ÷ low)",
    "stale": "Out of date",
    "label": "Label",
    "reference_year_from_publication": "Year is the publication year",
    "n_origins": "Origins",
    "origin_chain": "Who first said it",
    "sent_home_since": "Sent home since",
    "last_status": "Last status",
    "last_workers_low": "Last reported (low)",
    "last_workers_high": "Last reported (high)",
    "last_workers_central": "Last reported (central)",
    "has_it_workers": "IT workers reported",
    "it_workers_note": "IT workers",
    "it_source_ids": "IT workers' source ids",
    # marts.estimate_evidence
    "country_as_reported": "Country as reported",
    "source_title": "Source",
    "source_kind": "Kind of page",
    "source_url": "Link",
    "raw_file": "Input file",
    "source_line": "Line",
    "measure": "What it counts",
    "point": "Figure (one number)",
    "effective_year": "Year used",
    "year_from_publication": "Year from publication date",
    "sectors": "Sectors",
    "evidence": "What the source says",
    "used": "Used now",
    "exclusion_reason": "Why not used",
    "first_year_used": "First year used",
    "last_year_used": "Last year used",
    "origin": "Who first said it",
    "ends_estimate": "Ends the estimate",
    "duplicate_of": "Repeats",
    # the entries sheet
    "host": "Country entered",
    "year": "Year",
    "total": "Total entries",
    "total_qualifier": "Total stated as",
    "caveat": "Caveat",
    # the Columns and About sheets
    "sheet": "Sheet",
    "header": "Header",
    "column": "Column (in the CSV and Parquet files)",
    "description": "What it holds",
    "topic": "Topic",
    "text": "Text",
}
