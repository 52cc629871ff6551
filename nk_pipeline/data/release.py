"""The open-data release under warehouse/data/: every mart as CSV and Parquet, and datapackage.json.

The tables are written by DuckDB itself (COPY ... TO), ordered by their primary key, so the
same marts give the same bytes: the CSV text cells pass through the one formula-safety rule
(shared/spreadsheet_text), the Parquet files keep the text as it is and carry no timestamp.
datapackage.json (a Frictionless Data Package) describes every file with the descriptions
the warehouse's COMMENT ON carries (marts/catalog), and names the release after the sha256 of
its inputs, never after the clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from nk_pipeline.data import about
from nk_pipeline.data.columns import columns_of, formula_safe_text, ident, ordered_select
from nk_pipeline.data.edition import edition, input_hashes, release_date
from nk_pipeline.data.reports_xlsx import Sheet, sheets, write_reports
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.shared.publishing import written_in_one_step
from nk_pipeline.shared.tables import Table, inputs_digest, quote

# The assets (data/<name>) one step of defs/data.py materializes.
DATA_ASSETS = ("marts_csv", "marts_parquet", "reports_xlsx", "datapackage_json")
FORMATS = ("csv", "parquet")
REPORTS_XLSX = "reports.xlsx"
DATAPACKAGE_JSON = "datapackage.json"
PACKAGE_NAME = "nk-workers-abroad"
XLSX_MEDIATYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIATYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
# DuckDB type → Table Schema type. A mart with another type fails the release until it is mapped.
FIELD_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "SMALLINT": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
}
# Frictionless reads Parquet through pandas, where a NULL in an integer column becomes NaN.
PARQUET_MISSING_VALUES = ["", "nan"]
# Sources the package lists by title and address in its `sources`: a list a reader of the package
# reads (and its size bounded, about 150 bytes each). Past it one more entry points to the sources
# table, which holds every source with its title and address.
PACKAGE_SOURCES = 1_000


def table_file(table: Table, fmt: str) -> str:
    return f"{table.name}.{fmt}"


def release_files() -> list[str]:
    """Every file of data/, in the order a build writes them: datapackage.json, which hashes the rest, last."""
    return [table_file(t, f) for t in MARTS for f in FORMATS] + [REPORTS_XLSX, DATAPACKAGE_JSON]


def resource_name(table: Table, fmt: str) -> str:
    return table.name if fmt == "csv" else f"{table.name}-{fmt}"


def write_tables(conn: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """Every mart as `<name>.csv` and `<name>.parquet` in `folder`, written by DuckDB."""
    written = []
    with formula_safe_text(conn):
        for table in MARTS:
            # every text cell in double quotes: readers that guess the quote character (DuckDB's
            # sniffer, spreadsheets) cannot take the apostrophes of defused cells for quotes
            text = [ident(c) for c, t in columns_of(conn, table) if t == "VARCHAR"]
            quoted = f", FORCE_QUOTE ({', '.join(text)})" if text else ""
            for fmt in FORMATS:
                target = folder / table_file(table, fmt)
                options = f"FORMAT csv, HEADER true{quoted}" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
                with written_in_one_step(target) as tmp:
                    query = ordered_select(conn, table, safe_text=fmt == "csv")
                    conn.execute(f"COPY ({query}) TO {quote(str(tmp))} ({options})")
                written.append(target)
    return written


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_schema(conn: duckdb.DuckDBPyConnection, table: Table, fmt: str) -> dict[str, object]:
    fields = []
    for column, duckdb_type in columns_of(conn, table):
        duckdb_type = "DOUBLE" if duckdb_type.startswith("DECIMAL") else duckdb_type
        if duckdb_type not in FIELD_TYPES:
            raise ValueError(f"{table.qualified}.{column}: no Table Schema type for DuckDB type {duckdb_type}")
        if column not in table.columns:
            raise ValueError(f"{table.qualified}.{column} has no description in marts/catalog.py")
        fields.append({"name": column, "type": FIELD_TYPES[duckdb_type], "description": table.columns[column]})
    schema: dict[str, object] = {"fields": fields}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": [column], "reference": {"resource": resource_name(_mart(target), fmt), "fields": [column]}}
            for column, target in table.foreign_keys.items()
        ]
    if fmt == "parquet":
        schema["missingValues"] = PARQUET_MISSING_VALUES
    return schema


def _cell_type(sheet, column: str) -> str:
    """A sheet that is not a mart: its column's type, from the cells written (numbers or text)."""
    index = sheet.header.index(column)
    values = [row[index] for row in sheet.rows if row[index] is not None and row[index] == row[index]]
    numbers = values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return "number" if numbers else "string"


def workbook_resources(
    conn: duckdb.DuckDBPyConnection, path: Path, digest: str, written: Sequence[Sheet] | None = None
) -> list[dict[str, object]]:
    """reports.xlsx as one tabular resource per sheet (`written`, or the sheets as `sheets` makes them):
    frictionless reads and checks each of them."""
    resources = []
    file_hash, file_bytes = f"sha256:{sha256_file(path)}", path.stat().st_size
    for sheet in sheets(conn, digest) if written is None else written:
        types = dict(columns_of(conn, _mart(sheet.mart))) if sheet.mart else {}
        # a field is named by its header in the sheet (what a reader of the sheet checks it by);
        # the description names the column in the CSV and Parquet files
        fields = [
            {
                "name": shown,
                "type": FIELD_TYPES.get(types.get(c, "VARCHAR"), "string") if sheet.mart else _cell_type(sheet, c),
                "description": f"{sheet.descriptions[c]} (column {c})",
            }
            for shown, c in zip(sheet.shown_header, sheet.header)
        ]
        resources.append(
            {
                "name": "reports-" + sheet.name.lower().replace(" ", "-"),
                "path": path.name,
                "profile": "tabular-data-resource",
                "title": f"reports.xlsx, sheet {sheet.name}",
                "description": (
                    f"The sheet {sheet.name} of the spreadsheet"
                    + (f" (marts.{sheet.mart})" if sheet.mart else "")
                    + "; its text follows the spreadsheet rule."
                ),
                "format": "xlsx",
                "mediatype": XLSX_MEDIATYPE,
                "hash": file_hash,
                "bytes": file_bytes,
                "dialect": {"excel": {"sheet": sheet.name}},
                "schema": {"fields": fields},
            }
        )
    return resources


def _mart(name: str) -> Table:
    return next(t for t in MARTS if t.name == name)


def package_sources(conn: duckdb.DuckDBPyConnection, limit: int = PACKAGE_SOURCES) -> list[dict[str, str]]:
    """The package's `sources`: the first `limit` sources by id, then, if there are more, where all of them are."""
    listed = conn.execute("SELECT title, url FROM marts.sources ORDER BY source_id LIMIT ?", [limit]).fetchall()
    (total,) = conn.execute("SELECT count(*) FROM marts.sources").fetchone()
    sources = [{"title": title, "path": url} for title, url in listed]
    if total > limit:
        table = _mart("sources")
        sources.append(
            {
                "title": f"{total - limit:,} more sources: all {total:,}, each with its title and address, "
                f"are in {table_file(table, 'csv')} and {table_file(table, 'parquet')}",
                "path": table_file(table, "csv"),
            }
        )
    return sources


def datapackage(
    conn: duckdb.DuckDBPyConnection,
    folder: Path,
    hashes: Mapping[str, str],
    workbook: Sequence[Sheet] | None = None,
) -> dict[str, object]:
    """The Frictionless Data Package describing the files already written to `folder` (`workbook`: the
    sheets of reports.xlsx as written, when the caller has them)."""
    digest = inputs_digest(hashes)
    named = edition(conn, hashes)
    resources: list[dict[str, object]] = []
    for table in MARTS:
        for fmt in FORMATS:
            path = folder / table_file(table, fmt)
            resource: dict[str, object] = {
                "name": resource_name(table, fmt),
                "path": path.name,
                "profile": "tabular-data-resource",
                "title": f"{table.qualified} ({fmt.upper()})",
                "description": table.description,
                "format": fmt,
                "mediatype": MEDIATYPES[fmt],
                "hash": f"sha256:{sha256_file(path)}",
            }
            if fmt == "csv":
                resource["encoding"] = "utf-8"
                resource["bytes"] = path.stat().st_size
            # no "bytes" for Parquet: frictionless reads it through pyarrow and cannot count them,
            # so it would report a mismatch (the hash it skips; the tests check both)
            resource["schema"] = table_schema(conn, table, fmt)
            resources.append(resource)
    resources += workbook_resources(conn, folder / REPORTS_XLSX, digest, workbook)
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": about.DATA_TITLE,
        "description": "\n\n".join(
            [about.DATA_DESCRIPTION, "\n".join(f"- {c.text}" for c in about.CAVEATS), about.SPREADSHEET_NOTE]
        ),
        # the release is named by its inputs: identical raw files, identical package
        "version": named.version,
        "created": f"{named.date.isoformat()}T00:00:00Z",
        "inputs": {"sha256": digest, "files": dict(sorted(hashes.items()))},
        "licenses": [about.DATA_LICENCE],
        "contributors": [{"title": about.PUBLISHER, "role": "publisher"}],
        "citation": named.credit,
        "sources": package_sources(conn),
        "resources": resources,
    }


def write_datapackage(package: Mapping[str, object], path: Path) -> Path:
    with written_in_one_step(path) as tmp:
        tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n")
    return path


@dataclass(frozen=True)
class Release:
    tables: list[Path]
    reports: Path
    datapackage: Path
    package: dict[str, object]
    # what the limits took out of reports.xlsx (reports_xlsx.LIMITS_RULE); empty: nothing
    spreadsheet_cuts: list[str] = field(default_factory=list)


def write_release(conn: duckdb.DuckDBPyConnection, folder: Path) -> Release:
    """Every file of data/ from the marts and staging.inputs, datapackage.json last (it hashes the rest)."""

    hashes = input_hashes(conn)
    tables = write_tables(conn, folder)
    reports = write_reports(
        conn, folder / REPORTS_XLSX, release_date(conn), inputs_digest(hashes), edition(conn, hashes)
    )
    package = datapackage(conn, folder, hashes, reports.sheets)
    return Release(tables, reports.path, write_datapackage(package, folder / DATAPACKAGE_JSON), package, reports.cuts)
