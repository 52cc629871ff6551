"""`uv run python -m benchmarks.profile_build`: where `nk-pipeline build`'s time goes, by a sampling profiler.

Runs one cold `nk-pipeline build` of the shipped `raw/` (fresh warehouse, build scratch and Dagster
home) under py-spy, which samples the process's stacks from outside (no instrumentation, so
Dagster's many small Python calls are not inflated as a deterministic profiler inflates them),
and sorts the main thread's samples into what the build does: the work it shares with
`benchmarks/plain.py`, stage by stage, and what orchestration adds. The full benchmark
(`uv run python -m benchmarks`) writes the breakdown into its section of BENCHMARKS.md; run alone,
this module replaces that section and prints it.

py-spy needs to trace a child process (root, or ptrace allowed), as on the CI machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.measure import PROJECT_ROOT

BENCHMARKS_MD = PROJECT_ROOT / "BENCHMARKS.md"
SECTION = "## What orchestration costs, profiled"
RATE = 200  # samples a second

# What each sample is spent on, the first rule that matches its stack (outermost frame first).
# Each rule: a name, whether the plain script does the same work, and the frame it looks for.
PHASES = (
    ("start-up: Python, the libraries and Dagster imported", "partly", None),
    ("loading the definitions", "no", r"\(nk_pipeline/definitions\.py"),
    ("opening the Dagster instance (SQLite stores)", "no", r"create_instance_from|DagsterInstance\.get "),
    ("creating the run: a planned event per asset and check", "no", r"_log_asset_planned_events"),
    ("creating the run: snapshots and run record", "no", r"create_run_for_job"),
    ("writing the run's events to the event log", "no", r"store_event|handle_new_event"),
)
STAGES = ("raw", "staging", "marts", "data", "map", "warehouse")
STAGE_FRAME = re.compile(r"\(nk_pipeline/(\w+)/")
REPORT_FRAME = re.compile(r"\(nk_pipeline/(defs/|reporting\.py|resources\.py)")


def phase_of(stack: str) -> str:
    if "build (nk_pipeline/cli.py" not in stack:
        return PHASES[0][0]
    for name, _, pattern in PHASES[1:]:
        if re.search(pattern, stack):
            return name
    frames = stack.split(";")
    stages = [m.group(1) for f in frames if (m := STAGE_FRAME.search(f)) and m.group(1) in STAGES]
    if stages:
        stage = "raw and staging" if stages[-1] in ("raw", "staging") else stages[-1]
        return f"work: {stage}"
    if any(REPORT_FRAME.search(f) for f in frames):
        return "the assets' own metadata and check results (defs/, reporting)"
    if "execute_in_process" in stack:
        return "Dagster's per-step machinery (plan, inputs, outputs, type checks, logging)"
    return "the build's report, after the run"


def profile(workdir: Path) -> tuple[Counter, float]:
    raw = workdir / "samples.txt"
    env = dict(os.environ)
    env.update(
        DAGSTER_HOME=str(workdir / "dagster_home"),
        NK_WAREHOUSE_DIR=str(workdir / "warehouse"),
        NK_BUILD_DIR=str(workdir / "build"),
    )
    (workdir / "dagster_home").mkdir()
    command = [sys.executable, "-m", "nk_pipeline.cli", "build"]
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    started = time.perf_counter()
    subprocess.run(
        [spy, "record", "--idle", "--rate", str(RATE), "--format", "raw", "-o", str(raw), "--", *command],
        env=env, cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - started
    phases: Counter = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack.startswith("_bootstrap (threading.py"):
            continue  # Dagster's and DuckDB's helper threads: the main thread is the build's path
        phases[phase_of(stack)] += int(count)
    return phases, wall


def section(measured: tuple[Counter, float] | None) -> list[str]:
    if not measured:
        return [SECTION, "", "Not measured in this run: `uv run python -m benchmarks.profile_build` measures it.", ""]
    phases, wall = measured
    total = sum(phases.values())
    plain = {name: same for name, same, _ in PHASES}
    lines = [
        SECTION,
        "",
        f"One cold build of the shipped data under py-spy ({RATE} samples a second, the main thread, waits"
        f" included), {total:,} samples over {wall:.1f} s of wall time (the profiler slows the process"
        " a little); seconds are each phase's share of that time. `uv run python -m benchmarks.profile_build`"
        " measures this section alone.",
        "",
        "| where the build's time goes | s | share | in the plain script too |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, samples in sorted(phases.items(), key=lambda item: -item[1]):
        same = plain.get(name, "yes" if name.startswith("work:") else "no")
        lines.append(f"| {name} | {wall * samples / total:.2f} | {100 * samples / total:.0f}% | {same} |")
    orchestration = sum(n for name, n in phases.items() if plain.get(name) == "no")
    lines += [
        "",
        f"What only orchestration does comes to {100 * orchestration / total:.0f}% of the samples. Most of it is"
        " the event log: Dagster stores each of a run's events in SQLite through a new SQLAlchemy engine and"
        " connection per write (its run shard, then its index), and creating the run writes a planned event"
        " for every asset and check before any step starts. Those events are what the UI shows (each"
        " materialization with its metadata, each check result), so they stay; the build writes them with"
        " `synchronous=NORMAL` (docs/decisions.md). Importing Dagster, opening its instance and loading the"
        " definitions are a floor every Dagster process pays.",
        "",
    ]
    return lines


def measure(workdir: Path) -> tuple[Counter, float]:
    folder = workdir / "profile"
    folder.mkdir()
    return profile(folder)


def main() -> None:
    from benchmarks.timeseries import replace_section

    with tempfile.TemporaryDirectory(dir=PROJECT_ROOT / "benchmarks") as folder:
        lines = section(profile(Path(folder)))
    BENCHMARKS_MD.write_text(
        replace_section(BENCHMARKS_MD.read_text(encoding="utf-8"), lines, SECTION), encoding="utf-8"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
