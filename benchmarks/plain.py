"""The build without Dagster: the same library calls as the assets, in one straight script.

It reads, validates and types every raw file with the stage packages of nk_pipeline, reconciles with the same SQL
files, runs the same checks, writes the same map and data files and publishes them atomically. The
benchmark runs it as a cold subprocess beside `nk-pipeline build`: the difference between the
two is what orchestration costs. With `--no-maps` it stops after the reconciliation (the
scaling runs on synthetic data).

Prints one JSON object: the seconds spent in each phase, and the peak memory after each.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from nk_pipeline.data.entries_chart import entries_by_year  # noqa: E402
from nk_pipeline.data.release import release_files, write_release  # noqa: E402
from nk_pipeline.map.map_outputs import MAP_FILES, MapOutputs  # noqa: E402
from nk_pipeline.marts.build import build_mart  # noqa: E402
from nk_pipeline.marts.catalog import marts_in_build_order  # noqa: E402
from nk_pipeline.marts.sql_checks import blocking_checks, check_queries  # noqa: E402
from nk_pipeline.raw import contract, countries  # noqa: E402
from nk_pipeline.raw.reading import sha256_file  # noqa: E402
from nk_pipeline.shared.publishing import atomic_copies, remove_stale_tmp_files  # noqa: E402
from nk_pipeline.shared.settings import DUCKDB_STORAGE_VERSION, Paths  # noqa: E402
from nk_pipeline.shared.sql import read_sql  # noqa: E402
from nk_pipeline.shared.tables import write_frame  # noqa: E402
from nk_pipeline.staging import boundaries  # noqa: E402
from nk_pipeline.staging.inputs import record_input  # noqa: E402
from nk_pipeline.staging.validation import check_folder, to_typed  # noqa: E402
from nk_pipeline.warehouse import changes  # noqa: E402

# as nk_pipeline.cli does once its definitions are loaded: what is imported lives until exit
gc.freeze()
IMPORTED = time.perf_counter()


class Phases(dict):
    """Seconds per phase, and the process's peak resident memory (MB) when each phase ended."""

    def __init__(self, **seconds: float):
        super().__init__(seconds)
        self.peak_mb: dict[str, int] = {}

    @contextmanager
    def timed(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started
            self.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    # the same settings as the pipeline's DuckDB resource
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION, "threads": 2})


def stage_tables(conn: duckdb.DuckDBPyConnection, raw_dir: Path, phases: Phases) -> None:
    with phases.timed("read and validate"):
        checked = check_folder(raw_dir)
    for spec in contract.RAW_FILES:
        raw, issues = checked[spec.name]
        if issues:
            raise SystemExit(f"{len(issues)} problem(s), first: {issues[0]}")
        with phases.timed("type"):
            typed = to_typed(raw, spec.name)
        with phases.timed("load"):
            write_frame(conn, f"staging.{spec.name}", typed, f"raw/{spec.filename}, validated. {spec.description}")
            record_input(conn, f"raw/{spec.filename}", raw.sha256, raw.size_bytes)
        del raw, typed
    del checked
    with phases.timed("countries"):
        union = " UNION ".join(f"SELECT iso3, country FROM staging.{f.name}" for f in contract.COUNTRY_FILES)
        named = conn.execute(f"SELECT DISTINCT iso3, country FROM ({union}) WHERE iso3 IS NOT NULL").df()
        write_frame(conn, "staging.countries", countries.iso3_names(named["iso3"]), "Countries named in the inputs.")
        countries.unused_aliases(named["country"])


def reconcile(conn: duckdb.DuckDBPyConnection, phases: Phases) -> None:
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    for table in marts_in_build_order():
        with phases.timed(f"sql:{table.name}"):
            build_mart(conn, table.name)
    with phases.timed("checks"):
        for name in blocking_checks():  # the warnings (the research queue) never stop a build
            offending = conn.execute(check_queries()[name]).df()
            if len(offending):
                raise SystemExit(f"check {name} failed: {len(offending)} rows")


def write_maps(conn: duckdb.DuckDBPyConnection, paths: Paths, phases: Phases) -> None:
    with phases.timed("boundaries"):
        path = paths.raw_dir / contract.BOUNDARIES.path
        shapes = boundaries.load_boundaries(path)
        boundaries.write_geoparquet(shapes, paths.prepared_boundaries)
        record_input(conn, f"raw/{contract.BOUNDARIES.path}", sha256_file(path), path.stat().st_size)
        write_frame(conn, "staging.boundaries", pd.DataFrame(shapes.drop(columns="geometry")), "Boundaries.")
    outputs = MapOutputs(
        rows=conn.execute(read_sql("map_countries")).df(),
        years=conn.execute(read_sql("map_years")).df(),
        sources=conn.execute(read_sql("map_sources")).df(),
        shapes=boundaries.read_prepared_boundaries(paths.prepared_boundaries),
        folder=paths.build_map_dir,
        entries=entries_by_year(conn),
    )
    if outputs.missing:
        raise SystemExit(f"no boundary shape for: {', '.join(outputs.missing)}")
    for name in MAP_FILES:
        with phases.timed("map_png_html" if name in ("map_png", "index_html", "map_years_png") else "maps"):
            outputs.write(name)


def write_data(conn: duckdb.DuckDBPyConnection, paths: Paths, phases: Phases) -> None:
    with phases.timed("data"):
        write_release(conn, paths.build_data_dir)


def publish(conn: duckdb.DuckDBPyConnection, paths: Paths, phases: Phases) -> None:
    with phases.timed("publish"):
        remove_stale_tmp_files(paths.warehouse_dir)
        review = changes.review(conn, paths.warehouse_db)  # the publish guard, as warehouse/nk_duckdb runs it
        if not review.held.empty:
            raise SystemExit(review.hold_message())
        conn.execute("CHECKPOINT")
        conn.close()
        files = [(paths.build_map_dir / name, paths.map_dir / name) for name in MAP_FILES.values()]
        files += [(paths.build_data_dir / name, paths.data_dir / name) for name in release_files()]
        atomic_copies([*files, (paths.work_db, paths.warehouse_db)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-maps", action="store_true", help="stop after the reconciliation and its checks")
    args = parser.parse_args(argv)
    paths = Paths.from_env()
    phases = Phases(imports=IMPORTED - STARTED)
    paths.work_db.unlink(missing_ok=True)
    conn = connect(paths.work_db)
    stage_tables(conn, paths.raw_dir, phases)
    reconcile(conn, phases)
    if args.no_maps:
        conn.close()
    else:
        write_maps(conn, paths, phases)
        write_data(conn, paths, phases)
        publish(conn, paths, phases)
    phases["total"] = time.perf_counter() - STARTED
    report = {"seconds": {k: round(v, 4) for k, v in phases.items()}, "peak_mb": phases.peak_mb}
    json.dump(report, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    # the same prompt exit as `nk-pipeline build` (nk_pipeline.cli.run), so that neither side
    # of the comparison pays for tearing down the interpreter
    code = main()
    sys.stdout.flush()
    os._exit(code)
