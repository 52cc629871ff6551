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
import contextlib  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402

from nk_pipeline.data.release import write_release  # noqa: E402
from nk_pipeline.map.map_outputs import MAP_FILES, map_outputs  # noqa: E402
from nk_pipeline.marts.build import build_marts  # noqa: E402
from nk_pipeline.shared.settings import DUCKDB_MEMORY_LIMIT, DUCKDB_STORAGE_VERSION, Paths  # noqa: E402
from nk_pipeline.staging.stage import stage_boundaries, stage_raw  # noqa: E402
from nk_pipeline.warehouse.publish import PublishHeld, publish  # noqa: E402

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
    return duckdb.connect(
        str(path),
        config={
            "storage_compatibility_version": DUCKDB_STORAGE_VERSION,
            "threads": 2,
            "memory_limit": DUCKDB_MEMORY_LIMIT,
        },
    )


def stage_tables(conn: duckdb.DuckDBPyConnection, raw_dir: Path, phases: Phases) -> None:
    staged = stage_raw(conn, raw_dir, timed=phases.timed)
    if staged.failed:
        first = staged.failed[0].issues[0]
        raise SystemExit(f"{sum(len(f.issues) for f in staged.failed)} problem(s), first: {first}")


def reconcile(conn: duckdb.DuckDBPyConnection, phases: Phases) -> None:
    marts = build_marts(conn)
    while True:
        # each mart is built and checked when the door is asked for it
        started = time.perf_counter()
        built = next(marts, None)
        if built is None:
            return
        phases[f"sql:{built.table.name}"] = time.perf_counter() - started
        failed = [c for c in built.checks if c.blocking and not c.passed]
        if failed:
            raise SystemExit(f"check {failed[0].name} failed: {len(failed[0].offending)} rows")


def write_maps(conn: duckdb.DuckDBPyConnection, paths: Paths, phases: Phases) -> None:
    with phases.timed("boundaries"):
        stage_boundaries(conn, paths.raw_dir, paths.prepared_boundaries)
    outputs = map_outputs(conn, paths.prepared_boundaries, paths.build_map_dir)
    if outputs.missing:
        raise SystemExit(f"no boundary shape for: {', '.join(outputs.missing)}")
    for name in MAP_FILES:
        with phases.timed("map_png_html" if name in ("map_png", "index_html", "map_years_png") else "maps"):
            outputs.write(name)


def write_data(conn: duckdb.DuckDBPyConnection, paths: Paths, phases: Phases) -> None:
    with phases.timed("data"):
        write_release(conn, paths.build_data_dir)


def publish_build(conn: duckdb.DuckDBPyConnection, paths: Paths, phases: Phases) -> None:
    with phases.timed("publish"):
        try:
            publish(paths, lambda: contextlib.closing(conn))
        except PublishHeld as held:
            raise SystemExit(str(held)) from held


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
        publish_build(conn, paths, phases)
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
