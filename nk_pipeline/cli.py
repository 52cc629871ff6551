"""`nk-pipeline build`: materialize every asset through Dagster and report what was published.

Runs are recorded in the project's Dagster instance (.dagster/ unless DAGSTER_HOME is set), so
`dagster dev` shows them afterwards. The exit status is non-zero when anything failed; the
published warehouse is then left exactly as it was.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from pathlib import Path

from nk_pipeline.reporting import CONTRACT_CHECK
from nk_pipeline.shared.settings import PROJECT_ROOT, RAW_DIR_ENV, WAREHOUSE_DIR_ENV, Paths, default_dagster_home
from nk_pipeline.shared.terminal_text import visible

# The parts of the project's dagster.yaml that are not about where things are stored: under
# DAGSTER_HOME=.dagster Dagster's default layout is already the one that file sets up.
INSTANCE_SETTINGS = ("concurrency", "run_monitoring", "telemetry")


def _ensure_dagster_home() -> Path:
    """DAGSTER_HOME, defaulting to the project's .dagster/. That home, or any new (empty) one, gets
    the project's instance settings (a queue of one run, run monitoring, no telemetry), as `dagster
    dev` here has them; a home of someone else's making keeps its own."""
    explicit = os.environ.get("DAGSTER_HOME")
    home = Path(explicit or default_dagster_home())
    os.environ["DAGSTER_HOME"] = str(home)
    ours = not explicit or not home.exists() or not any(home.iterdir())
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if ours and not config.exists():
        import yaml

        project = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
        settings = {key: project[key] for key in INSTANCE_SETTINGS if key in project}
        header = "# Written by `nk-pipeline build` from the project's dagster.yaml (its non-storage settings).\n"
        config.write_text(header + yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return home


def _run_history_without_fsync() -> None:
    """Dagster writes every event of a run (about 250 here) in its own SQLite transactions, about
    750 commits a build, each waiting for the disk (about 2 ms here) at SQLite's default
    synchronous=FULL. In WAL mode, which Dagster's SQLite storages use, synchronous=NORMAL keeps
    the history whole through a killed build and leaves only the last commits to a power cut; the
    warehouse itself is published with its own fsyncs (shared.publishing). Measured trial:
    docs/decisions.md."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _normal_synchronous(dbapi_connection, _record) -> None:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


def failure_report(result) -> list[str]:
    """What went wrong in a run, for a person: every failed check, then every failed step."""
    from dagster import AssetCheckSeverity

    lines = []
    for event in result.all_events:
        if event.event_type_value == "RESOURCE_INIT_FAILURE":
            # before any step ran, e.g. another run holds the build folder (warehouse/build_lock.py)
            error = event.event_specific_data.error
            message = error.message.split(": ", 1)[-1].strip() if error else "unknown error"
            lines.append(f"✗ run not started: {message}")
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.severity == AssetCheckSeverity.WARN:
            continue  # a warning (the research queue) is reported by a successful build too
        asset = evaluation.asset_key.to_user_string()
        if evaluation.check_name == CONTRACT_CHECK:
            lines.append(f"✗ {asset}: {evaluation.description}")  # the curator's list of problems
        else:
            lines.append(f"✗ check {asset}:{evaluation.check_name} failed: {evaluation.description or ''}".rstrip())
    for event in result.get_step_failure_events():
        failure = event.step_failure_data
        step = event.step_key.replace("__", "/")  # op names are asset keys joined by "__"
        if failure.error is not None and "DagsterAssetCheckFailedError" in (
            failure.error.cls_name,
            getattr(failure.error.cause, "cls_name", None),
        ):
            continue  # a blocking check failed: listed above with its own message
        if failure.user_failure_data is not None:  # a dg.Failure: its description is the report
            message = failure.user_failure_data.description or ""
        elif failure.error is not None:
            cause = failure.error.cause or failure.error
            message = f"{cause.cls_name}: {cause.message.strip()}"
        else:
            message = "unknown error"
        lines.append(f"✗ {step}: {message}")
    return lines


def say(text: str) -> None:
    """A line of the report, raw text in it made harmless: control and direction characters
    (an escape sequence in a header, an override in a reason) are printed as escapes, never act."""
    print(visible(text, lines=True))


def warning_report(result, instance) -> list[str]:
    """Every warning of a run, for a person: each warning check that found something (a raw cell
    that starts like a formula, the research queue), with what it found, then every warning the
    steps logged (country aliases no input uses, say)."""
    from dagster import AssetCheckSeverity

    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.severity != AssetCheckSeverity.WARN:
            continue
        check = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.description:
            first, *rest = evaluation.description.splitlines()
            lines += [f"⚠ {check}: {first}", *(f"    {line}" for line in rest)]
        else:
            found = evaluation.metadata.get("offending_rows")
            lines.append(f"⚠ {check}: {found.value if found else 'some'} row(s), listed in the check's metadata")
    for entry in instance.all_logs(result.run_id):
        if entry.level == logging.WARNING and entry.dagster_event is None:
            lines.append(f"⚠ {entry.step_key or 'run'}: {entry.user_message}")
    return lines


def build(args: argparse.Namespace) -> int:
    if args.raw_dir:
        os.environ[RAW_DIR_ENV] = str(Path(args.raw_dir).resolve())
    if args.warehouse_dir:
        os.environ[WAREHOUSE_DIR_ENV] = str(Path(args.warehouse_dir).resolve())
    home = _ensure_dagster_home()
    paths = Paths.from_env()
    _run_history_without_fsync()

    import warnings

    import dagster as dg

    # beta-API notices are for developers, not for people running a build
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)

    from nk_pipeline.definitions import defs
    from nk_pipeline.orchestration import REFRESH_JOB

    started = time.perf_counter()
    definitions = defs()
    job = definitions.resolve_job_def(REFRESH_JOB)
    # Everything loaded so far (Dagster, pandas, GDAL bindings, the definitions: ~400,000 objects)
    # lives until exit; moved out of the collector's reach, it is no longer rescanned by every
    # full collection the map drawing sets off.
    gc.freeze()
    level = "INFO" if args.verbose else "CRITICAL"
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": level}}}},
            tags={"launched_by": "nk-pipeline build"},
        )
        warnings_found = warning_report(result, instance)
    elapsed = time.perf_counter() - started
    say(f"raw inputs:    {paths.raw_dir}")
    if not result.success:
        say(f"BUILD FAILED after {elapsed:.1f}s (run {result.run_id}); the published warehouse was not changed.\n")
        for line in failure_report(result):
            say(line)
        if warnings_found:
            say("\nwarnings:")
            for line in warnings_found:
                say(line)
        say(f"\nRun details: `uv run dg dev` (Dagster home {home})")
        return 1
    materialized = sorted({e.asset_key.to_user_string() for e in result.get_asset_materialization_events()})
    say(f"built {len(materialized)} assets in {elapsed:.1f}s (run {result.run_id}):")
    for key in materialized:
        say(f"  ✓ {key}")
    say(f"published:     {paths.warehouse_db}")
    for path in [*sorted(paths.map_dir.glob("*")), *sorted(paths.data_dir.glob("*"))]:
        say(f"               {path} ({path.stat().st_size:,} bytes)")
    from nk_pipeline.warehouse.changes import published_changes

    say(f"changes:       {published_changes(paths.warehouse_db).text()}")
    from nk_pipeline.warehouse.research_queue import queue_summary

    say(f"research:      {queue_summary(paths.warehouse_db)}")
    count = sum(line.startswith("⚠") for line in warnings_found)  # a warning's further lines are indented
    say(f"warnings:      {count or 'none'}")
    for line in warnings_found:
        say(f"  {line}")
    say(f"run history:   {home} (browse it with `uv run dg dev`)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nk-pipeline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="materialize every asset and publish the warehouse")
    build_parser.add_argument("--raw-dir", help=f"input folder (default: ${RAW_DIR_ENV} or raw/)")
    build_parser.add_argument("--warehouse-dir", help=f"output folder (default: ${WAREHOUSE_DIR_ENV} or warehouse/)")
    build_parser.add_argument("-v", "--verbose", action="store_true", help="show Dagster's run log")
    build_parser.set_defaults(func=build)
    args = parser.parse_args(argv)
    return args.func(args)


def run() -> None:
    """The `nk-pipeline` console script: main(), then a prompt exit.

    By the time main() returns, every file is closed, the DuckDB connection and the Dagster
    instance are disposed of and the report is printed. What is left is the interpreter tearing
    down Dagster, pandas, scipy and GDAL module by module: about a second of work nobody waits
    for, so the process ends without it.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
