"""Trial (issue 22): could DuckDB's CSV reader, with its rejects table, replace raw.reading's layout
parser? Each malformed case of tests/malformed is read by both; the report says, per case, what
each names (line, column, rule). `uv run python -m benchmarks.csv_rejects_trial`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from nk_pipeline.raw import contract
from nk_pipeline.staging.validation import check_folder

CASES = Path(__file__).resolve().parent.parent / "tests" / "malformed"
SHIPPED_RAW = Path(__file__).resolve().parent.parent / "raw"


def duckdb_view(path: Path, spec: contract.RawFile) -> str:
    conn = duckdb.connect()
    columns = {c: "VARCHAR" for c in spec.columns}
    try:
        conn.execute(
            "SELECT * FROM read_csv(?, header = true, columns = ?, store_rejects = true, strict_mode = true)",
            [str(path), columns],
        ).fetchall()
    except duckdb.Error as error:
        return "refused, no line: " + str(error).splitlines()[0][:90]
    rejects = conn.execute("SELECT line, column_name, error_type FROM reject_errors ORDER BY line").fetchall()
    return "; ".join(f"line {line}, {column or '-'}: {kind}" for line, column, kind in rejects) or "accepted"


def ours(case: Path, name: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        shutil.copytree(SHIPPED_RAW, raw)
        for replacement in case.iterdir():
            shutil.copyfile(replacement, raw / replacement.name)
        issues = check_folder(raw)[name][1]
    return "; ".join(f"line {i.line}, {i.column or '-'}: {i.rule[:40]}" for i in issues[:2]) or "accepted"


def main() -> None:
    for case in sorted(p for p in CASES.iterdir() if p.is_dir()):
        for path in sorted(case.iterdir()):
            spec = contract.RAW_FILES_BY_NAME.get(path.stem)
            if spec is None:
                continue
            print(f"{case.name}\n  duckdb: {duckdb_view(path, spec)}\n  ours:   {ours(case, spec.name)}")


if __name__ == "__main__":
    main()
