"""Small helpers the asset modules share: metadata that makes every materialization explain itself."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from nk_pipeline.lib.catalog import Table

PREVIEW_ROWS = 5


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False))


def table_metadata(frame: pd.DataFrame, table: Table | None = None) -> dict[str, object]:
    columns = [
        dg.TableColumn(name, str(dtype), description=(table.columns.get(name) if table else None))
        for name, dtype in frame.dtypes.items()
    ]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": dg.TableSchema(columns=columns),
        "preview": preview(frame),
    }


def files_list(paths: list[Path], folder: Path) -> dg.MetadataValue:
    """A list of files (as paths within `folder`) and their sizes."""
    return dg.MetadataValue.md("\n".join(f"- `{p.relative_to(folder).as_posix()}` ({p.stat().st_size:,} bytes)" for p in paths))


def file_metadata(path: Path, **extra: object) -> dict[str, object]:
    return {"path": dg.MetadataValue.path(str(path)), "size_bytes": path.stat().st_size, **extra}
