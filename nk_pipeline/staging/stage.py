"""The door of the staging stage: the raw folder checked, and every file that passes typed into
`staging.<name>` with the version read, then `staging.countries`.

The Dagster assets, benchmarks/plain.py and the tests all stage the raw folder through
`stage_raw`, so the wiring exists once.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow

from nk_pipeline.raw import contract, countries
from nk_pipeline.raw.reading import LINE_COLUMN, InputRefused, read_input, sha256_bytes
from nk_pipeline.shared.issues import Issue
from nk_pipeline.shared.settings import shown_path
from nk_pipeline.shared.spreadsheet_text import formula_like_cells
from nk_pipeline.shared.tables import PREVIEW_ROWS, write_frame
from nk_pipeline.staging import boundaries
from nk_pipeline.staging.catalog import STAGING_BY_NAME
from nk_pipeline.staging.inputs import record_input
from nk_pipeline.staging.validation import check_folder, to_typed

FORMULA_TEXT_RULE = "starts like a spreadsheet formula: published with a leading apostrophe in CSV and XLSX"


@dataclass
class StagedFile:
    spec: contract.RawFile
    issues: list[Issue]  # what breaks the contract
    # cells that start like a spreadsheet formula (a warning); None when the file could not be read
    formula_cells: list[Issue] | None = None
    rows: int = 0  # rows written to staging.<name> (0 when the file broke the contract)
    sha256: str | None = None  # of the file written
    head: pd.DataFrame | None = None  # its first rows, typed


@dataclass
class Staged:
    files: list[StagedFile]
    countries: pd.DataFrame | None = None  # staging.countries, written only when every file passed
    unused_aliases: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[StagedFile]:
        return [f for f in self.files if f.issues]


def _untimed(_: str) -> AbstractContextManager[None]:
    return nullcontext()


def stage_raw(
    conn: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    timed: Callable[[str], AbstractContextManager[None]] = _untimed,
) -> Staged:
    """Every raw file checked (all of them, so a curator sees every problem at once); each that
    passes is typed and written; staging.countries follows only when all of them passed.
    `timed(phase)` wraps each phase, for the benchmark."""
    with timed("read and validate"):
        checked = check_folder(raw_dir)
    staged = Staged(files=[])
    for spec in contract.RAW_FILES:
        table, issues = checked.pop(spec.name)
        done = StagedFile(spec, issues)
        staged.files.append(done)
        if table is not None:
            done.formula_cells = [
                Issue(table.file, line, column, value, FORMULA_TEXT_RULE)
                for line, column, value in formula_like_cells(table.frame, LINE_COLUMN)
            ]
        if issues:
            continue
        with timed("type"):
            typed = to_typed(table, spec.name)
        with timed("load"):
            write_frame(conn, STAGING_BY_NAME[spec.name], typed)
            record_input(conn, f"raw/{spec.filename}", table.sha256, table.size_bytes)
        done.rows, done.head, done.sha256 = len(typed), typed.head(PREVIEW_ROWS), table.sha256
        del table, typed  # one file in memory at a time
    # Arrow's allocator keeps what the reading freed for reuse: hundreds of MB at a million rows,
    # held through the marts beside DuckDB's own memory unless handed back now
    pyarrow.default_memory_pool().release_unused()
    if staged.failed:
        return staged
    with timed("countries"):
        union = " UNION ".join(f"SELECT iso3, country FROM staging.{f.name}" for f in contract.COUNTRY_FILES)
        named = conn.execute(f"SELECT DISTINCT iso3, country FROM ({union}) WHERE iso3 IS NOT NULL").df()
        staged.countries = countries.iso3_names(named["iso3"])
        write_frame(conn, STAGING_BY_NAME["countries"], staged.countries)
        staged.unused_aliases = countries.unused_aliases(named["country"])
    return staged


def stage_boundaries(conn: duckdb.DuckDBPyConnection, raw_dir: Path, prepared: Path) -> pd.DataFrame:
    """The boundaries read once: the shapes prepared for the map stage (GeoParquet at `prepared`),
    their attributes in staging.boundaries, with the version read. Returns the attributes."""
    spec = contract.BOUNDARIES
    path = raw_dir / spec.path
    try:
        data = read_input(raw_dir, spec.path, spec.max_bytes)  # the bytes checked are the bytes read
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{shown_path(path)}: boundaries file not found (see raw/reference/README.md for its origin)"
        ) from None
    except InputRefused as refused:
        raise InputRefused(f"{shown_path(path)}: {refused}") from None
    shapes = boundaries.load_boundaries(io.BytesIO(data))
    boundaries.write_geoparquet(shapes, prepared)
    frame = pd.DataFrame(shapes.drop(columns="geometry"))
    record_input(conn, f"raw/{spec.path}", sha256_bytes(data), len(data))
    write_frame(conn, STAGING_BY_NAME["boundaries"], frame)
    return frame
