"""`uv run python -m benchmarks`: measure the pipeline and write BENCHMARKS.md.

What it measures, each in cold child processes with fresh folders (warehouse, build scratch
and Dagster home in a new temporary directory per run):

- `nk-pipeline build` beside `benchmarks/plain.py` (the same library calls without Dagster),
  alternating, median of several runs: wall time, CPU time, peak memory, and their ratio;
- time per asset, from the step events the build's run left in its Dagster instance;
- validation and reconciliation of synthetic inputs of 10^3 to 10^6 observations;
- the real build (maps, page and release) on synthetic inputs of 10^4 to 10^6 observations and
  with 10^5 sources, beside validation and marts alone: time, peak memory, output sizes;
- the sizes of the map files, and a consumer's query (open read-only, one country's estimate
  and its evidence) over many repetitions.

`--smoke` runs a minute-long version (1 build, 10^3 observations) for the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import profile_build, real_build, report, timeseries
from benchmarks.measure import PROJECT_ROOT, Measured, median, percentile, run

RUNS_DIR = PROJECT_ROOT / "benchmarks" / ".runs"  # beside the project, like a real build (git-ignored)
SIZES = (1_000, 10_000, 100_000, 1_000_000)
CONSUMER_QUERIES = (
    "SELECT * FROM marts.country_estimates WHERE iso3 = ?",
    "SELECT * FROM marts.estimate_evidence WHERE iso3 = ? ORDER BY used DESC, effective_year DESC NULLS LAST, source_id",
)


@dataclass
class BuildRun:
    measured: Measured
    steps: dict[str, float] = field(default_factory=dict)  # asset (or check) → seconds
    run_seconds: float = float("nan")  # RUN_START to RUN_SUCCESS
    before_run: float = float("nan")  # spawn to RUN_START: start-up, imports, definitions, instance
    events: int = 0
    event_types: dict[str, int] = field(default_factory=dict)


@dataclass
class PlainRun:
    measured: Measured
    seconds: dict[str, float]
    peak_mb: dict[str, float]


def child_env(root: Path, raw_dir: Path, *, bytecode_cache: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NK_RAW_DIR=str(raw_dir),
        NK_WAREHOUSE_DIR=str(root / "warehouse"),
        NK_BUILD_DIR=str(root / "build"),
        DAGSTER_HOME=str(root / "dagster_home"),
    )
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return env


def read_steps(home: Path, run: BuildRun) -> None:
    """Per-step durations and the run's span, from the event log the build left in `home`."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_runs(limit=1)
        if not records:
            return
        logs = instance.all_logs(records[0].run_id)
    run.events = len(logs)
    started: dict[str, float] = {}
    run_start = run_end = None
    for entry in logs:
        kind = entry.dagster_event_type
        if kind == dg.DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE) and entry.step_key in started:
            run.steps[entry.step_key.replace("__", "/")] = entry.timestamp - started[entry.step_key]
        elif kind == dg.DagsterEventType.RUN_START:
            run_start = entry.timestamp
        elif kind in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
            run_end = entry.timestamp
        if kind is not None:
            run.event_types[kind.name] = run.event_types.get(kind.name, 0) + 1
    if run_start is not None and run_end is not None:
        run.run_seconds = run_end - run_start
        run.before_run = run_start - run.measured.started


def cold_build(root: Path, env: dict[str, str]) -> BuildRun:
    measured = run([sys.executable, "-m", "nk_pipeline.cli", "build"], env)
    if measured.returncode:
        raise SystemExit(f"nk-pipeline build failed:\n{measured.stdout}\n{measured.stderr[-3000:]}")
    result = BuildRun(measured)
    read_steps(Path(env["DAGSTER_HOME"]), result)
    return result


def kept_home_builds(workdir: Path, runs: int, raw_dir: Path) -> list[BuildRun]:
    """Cold processes and fresh folders, but one Dagster home that an earlier build created: the
    everyday case, where .dagster/ outlives each build."""
    home = workdir / "kept_dagster_home"
    builds = []
    for index in range(runs + 1):
        root = Path(tempfile.mkdtemp(prefix="kept-", dir=workdir))
        env = child_env(root, raw_dir)
        env["DAGSTER_HOME"] = str(home)
        build = cold_build(root, env)
        if index:  # the first one creates the home
            builds.append(build)
            print(f"  build, kept home {index}/{runs}: {build.measured.wall:.1f} s", flush=True)
        shutil.rmtree(root, ignore_errors=True)
    return builds


def plain(env: dict[str, str], *args: str) -> PlainRun:
    measured = run([sys.executable, "-m", "benchmarks.plain", *args], env)
    if measured.returncode:
        raise SystemExit(f"benchmarks/plain.py failed:\n{measured.stdout}\n{measured.stderr[-3000:]}")
    data = json.loads(measured.stdout.strip().splitlines()[-1])
    return PlainRun(measured, data["seconds"], data["peak_mb"])


def compare_builds(workdir: Path, runs: int, raw_dir: Path, bytecode_cache: Path | None, keep: Path | None):
    """Alternate cold builds and cold plain runs, so that a busy spell hits both alike."""
    builds, plains = [], []
    for index in range(runs):
        for kind in ("build", "plain"):
            root = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir))
            env = child_env(root, raw_dir, bytecode_cache=bytecode_cache)
            if kind == "build":
                builds.append(cold_build(root, env))
                if keep is not None and index == 0:
                    shutil.copytree(root / "warehouse", keep)
            else:
                plains.append(plain(env))
            shutil.rmtree(root, ignore_errors=True)
            print(
                f"  {kind} {index + 1}/{runs}: {(builds if kind == 'build' else plains)[-1].measured.wall:.1f} s",
                flush=True,
            )
    return builds, plains


def scaling(workdir: Path, sizes: tuple[int, ...], runs: int) -> list[dict]:
    from benchmarks.synthetic import write_raw

    rows = []
    for size in sizes:
        raw_dir = write_raw(workdir / f"raw-{size}", size)
        results = []
        for index in range(runs):
            root = workdir / f"scale-{size}-{index}"
            results.append(plain(child_env(root, raw_dir), "--no-maps"))
            keep_db = index == runs - 1 and size == max(sizes)
            if not keep_db:
                shutil.rmtree(root, ignore_errors=True)
            print(f"  {size:>9,} observations, run {index + 1}/{runs}: {results[-1].measured.wall:.1f} s", flush=True)
        rows.append(
            {
                "observations": size,
                "input_mb": sum(p.stat().st_size for p in raw_dir.glob("*.csv")) / 1e6,
                "runs": results,
                "work_db": workdir / f"scale-{size}-{runs - 1}" / "build" / "work.duckdb",
            }
        )
        shutil.rmtree(raw_dir, ignore_errors=True)
    return rows


def consumer_latency(database: Path, repeats: int) -> dict:
    """A typical reader: connect read-only, fetch one country's estimate and its evidence, close.

    Beside it, the same queries on a connection kept open (the warehouse's own share), and
    opening an empty in-memory database (DuckDB's fixed cost of starting a database).
    """
    import duckdb

    with duckdb.connect(str(database), read_only=True) as conn:
        countries = [
            r[0]
            for r in conn.execute(
                "SELECT iso3 FROM marts.country_estimates WHERE status = 'estimate' ORDER BY iso3"
            ).fetchall()
        ]

    def fetch(conn, iso3: str) -> int:
        conn.execute(CONSUMER_QUERIES[0], [iso3]).fetchall()
        return len(conn.execute(CONSUMER_QUERIES[1], [iso3]).fetchall())

    opened, kept, empty, evidence_rows = [], [], [], []
    for index in range(repeats):  # no other connection to the file is open: each one starts it
        iso3 = countries[index % len(countries)]
        started = time.perf_counter()
        with duckdb.connect(str(database), read_only=True) as conn:
            evidence_rows.append(fetch(conn, iso3))
        opened.append(time.perf_counter() - started)
    with duckdb.connect(str(database), read_only=True) as conn:
        for index in range(repeats):
            started = time.perf_counter()
            fetch(conn, countries[index % len(countries)])
            kept.append(time.perf_counter() - started)
    for _ in range(repeats):
        started = time.perf_counter()
        duckdb.connect(":memory:").close()
        empty.append(time.perf_counter() - started)

    def summary(timings: list[float]) -> dict:
        return {
            "median_ms": median(timings) * 1000,
            "p95_ms": percentile(timings, 0.95) * 1000,
            "max_ms": max(timings) * 1000,
        }

    return {
        "repeats": repeats,
        "countries": len(countries),
        **summary(opened),
        "kept_open": summary(kept),
        "empty_open": summary(empty),
        "evidence_rows_median": median(evidence_rows),
    }


def environment() -> dict:
    import dagster
    import duckdb
    import pandas
    import pandera
    import pyarrow

    site = Path(pandas.__file__).parent
    compiled = any(site.rglob("__pycache__/*.pyc"))
    return {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "load": os.getloadavg(),
        "versions": {
            "dagster": dagster.__version__,
            "duckdb": duckdb.__version__,
            "pandas": pandas.__version__,
            "pandera": pandera.__version__,
            "pyarrow": pyarrow.__version__,
        },
        "site_packages_compiled": compiled,
        "dont_write_bytecode": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a quick run: 1 build, 10^3 observations")
    parser.add_argument("--runs", type=int, default=3, help="cold builds (and plain runs) to take the median of")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per synthetic size")
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES)
    parser.add_argument("--queries", type=int, default=200, help="consumer query repetitions")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    parser.add_argument("--recolours", type=int, default=60, help="year switches of index.html to time")
    parser.add_argument(
        "--only-timeseries",
        action="store_true",
        help="measure only issue 12's targets (one build, the largest size once) and replace their section in --output",
    )
    parser.add_argument(
        "--only-real-build",
        action="store_true",
        help="measure only issue 24's real build at scale (each case once) and replace its section in --output",
    )
    parser.add_argument(
        "--real-from",
        type=Path,
        help="with --only-real-build: write the section from the measurements an earlier run saved (no measuring)",
    )
    parser.add_argument(
        "--real-cases",
        type=real_build.parse_cases,
        default=real_build.CASES,
        help="observations[:sources][:every],… for the real build at scale (every: every country, every year)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs, args.scale_runs, args.sizes, args.queries, args.recolours = 1, 1, (1_000,), 20, 10
        args.real_cases = real_build.SMOKE_CASES
    if args.only_timeseries:
        return only_timeseries(args)
    if args.only_real_build:
        return only_real_build(args)
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=RUNS_DIR))
    try:
        env_info = environment()
        raw_dir = PROJECT_ROOT / "raw"
        published = workdir / "published"
        print(f"cold build vs plain script, {args.runs} run(s) each:", flush=True)
        builds, plains = compare_builds(workdir, args.runs, raw_dir, None, published)
        cached, kept = None, None
        if not args.smoke:
            print("cold builds into a Dagster home an earlier build created:", flush=True)
            kept = kept_home_builds(workdir, args.runs, raw_dir)
            print("the same with a warm bytecode cache (what `uv sync --compile-bytecode` gives):", flush=True)
            cache = workdir / "pycache"
            compare_builds(workdir, 1, raw_dir, cache, None)  # fills the cache
            cached = compare_builds(workdir, args.runs, raw_dir, cache, None)
        print("validation + reconciliation on synthetic observations:", flush=True)
        scale = scaling(workdir, args.sizes, args.scale_runs)
        # The children measured by their peak go first, while this process is small: Linux starts a
        # child's peak resident memory at its parent's (the pages it shares until exec), so after
        # the in-process queries and browser below every small child would report this process's size.
        print("the real build on synthetic observations:", flush=True)
        real = real_build.measure(workdir, args.real_cases)
        print("where a cold build's time goes, sampled by py-spy:", flush=True)
        profile = None if args.smoke else profile_build.measure(workdir)
        large = scale[-1]
        print("change over time: the series beside a single reconciliation, and re-colouring the page:", flush=True)
        changes = {
            "series": timeseries.series_at_scale(large["work_db"], args.scale_runs),
            "recolour": timeseries.recolour(published / "map" / "index.html", args.recolours),
        }
        print(f"consumer query, {args.queries} repetitions:", flush=True)
        latency = consumer_latency(published / "nk.duckdb", args.queries)
        large_latency = consumer_latency(large["work_db"], args.queries) if large["work_db"].exists() else None
        maps = {p.name: p.stat().st_size for p in sorted((published / "map").glob("*")) if p.is_file()}
        env_info["load_after"] = os.getloadavg()
        text = report.render(
            env=env_info,
            builds=builds,
            plains=plains,
            cached=cached,
            kept=kept,
            scale=scale,
            latency=latency,
            large_latency=large_latency,
            maps=maps,
            smoke=args.smoke,
            timeseries=changes,
            real=real,
            profile=profile,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.output}")
    return 0


def only_timeseries(args) -> int:
    """Issue 12's measurements alone, written into the existing report's section for them."""
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ts-", dir=RUNS_DIR))
    try:
        root = workdir / "shipped"
        plain(child_env(root, PROJECT_ROOT / "raw"))  # the shipped map files, published into root/warehouse
        load = os.getloadavg()[0]
        size = max(args.sizes)
        print(f"validation + reconciliation of {size:,} synthetic observations, once:", flush=True)
        (large,) = scaling(workdir, (size,), 1)
        print("the series beside a single reconciliation, and re-colouring the page:", flush=True)
        changes = {
            "series": timeseries.series_at_scale(large["work_db"], args.scale_runs),
            "recolour": timeseries.recolour(root / "warehouse" / "map" / "index.html", args.recolours),
            "when": f"on {dt.date.today().isoformat()} by `--only-timeseries` (load average {load:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs shared with other work)",
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = timeseries.section(changes)
    existing = args.output.read_text(encoding="utf-8") if args.output.exists() else "# Benchmarks\n"
    args.output.write_text(timeseries.replace_section(existing, lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {args.output}")
    return 0


def only_real_build(args) -> int:
    """Issue 24's measurements alone, written into the existing report's section for them."""
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    if args.real_from:
        real = real_build.load(args.real_from)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bench-real-", dir=RUNS_DIR))
        load = os.getloadavg()[0]
        try:
            print("the real build on synthetic observations:", flush=True)
            real = real_build.measure(workdir, args.real_cases)
            real["when"] = (
                f"on {dt.date.today().isoformat()} by `--only-real-build` (load average {load:.1f} before, "
                f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs shared with other work; each case once)"
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        saved = RUNS_DIR / "real_build.json"
        real_build.save(real, saved)
        print(f"measurements saved to {saved} (--real-from writes the section again from them)")
    lines = real_build.section(real)
    existing = args.output.read_text(encoding="utf-8") if args.output.exists() else "# Benchmarks\n"
    args.output.write_text(timeseries.replace_section(existing, lines, real_build.SECTION), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
