"""Dagster resources: the folders of a build, and DuckDB connections to its working database."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from nk_pipeline.lib.build_lock import BuildFolderBusy, BuildLock
from nk_pipeline.lib.publishing import pid_alive
from nk_pipeline.settings import DUCKDB_STORAGE_VERSION, Paths

BROKEN_SUFFIX = ".broken"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in .*\(PID (?P<pid>\d+)\)")
# Errors about the environment, not the file: moving the file aside would not help.
_ENVIRONMENT_ERRORS = ("Permission denied", "No space left", "Read-only file system")


class PathsResource(dg.ConfigurableResource):
    """Input, output and scratch folders of a build (absolute paths; see settings.Paths)."""

    raw_dir: str
    warehouse_dir: str
    build_dir: str

    @property
    def paths(self) -> Paths:
        return Paths.create(self.raw_dir, self.warehouse_dir, self.build_dir)


def set_aside(database: Path) -> list[Path]:
    """Move a broken working database (and its WAL) to `*.broken`, replacing an older one."""
    moved = []
    for path in (database, database.with_name(database.name + ".wal")):
        if path.exists():
            target = path.with_name(path.name + BROKEN_SUFFIX)
            os.replace(path, target)
            moved.append(target)
    return moved


class WorkDuckDBResource(DuckDBResource):
    """DuckDB connections to the build's working database, which a killed build cannot wedge.

    The working database is scratch, rebuilt from raw/ by every full refresh. A build killed
    at the wrong moment (SIGKILL, power loss, a full disk) can leave it unreadable; the next
    connection then moves it aside to `work.duckdb.broken` and starts an empty one instead of
    failing every later build until someone deletes it by hand. A lock held by a live process
    (another build, or a sibling step under the multiprocess executor) is waited for, as
    DuckDBResource does; one whose holder is gone is treated like a broken file.

    Within a run, every step shares one connection to the file, opened on first use and closed
    when the run (or, under the multiprocess executor, the step's process) ends; each
    `get_connection` hands out a cursor of it. Opening the file reads its whole catalog and
    closing it checkpoints, about 25 ms each time: a quarter of a typical step's own work.

    A run also holds its build folder's lock (lib/build_lock.py) for as long: under the
    in-process executor from before its first step (ingest included) to its end, so a second
    run on the same folders waits for the whole of the first.
    """

    lock_retries: int = 10
    _shared: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _sharing: bool = PrivateAttr(default=False)
    _run_lock: BuildLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is not None and self.database != ":memory:":
            self._run_lock = self._lock_build_folder(context)
        self._sharing = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._sharing = False
        if self._shared is not None:
            self._shared.close()
            self._shared = None
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def _lock_build_folder(self, context: dg.InitResourceContext) -> BuildLock:
        build_dir = Path(self.database).parent
        log = context.log or dg.get_dagster_logger()
        lock = BuildLock(build_dir)
        try:
            waited = lock.acquire(
                context.run.run_id, on_wait=lambda holder: log.info(f"build folder {build_dir} is in use by {holder}; waiting")
            )
        except BuildFolderBusy as error:
            raise dg.Failure(str(error)) from None
        if waited > 1:
            log.info(f"waited {waited:.0f} s for build folder {build_dir}")
        return lock

    def _open(self) -> duckdb.DuckDBPyConnection:
        config = {"custom_user_agent": "dagster", **self.connection_config}
        return duckdb.connect(self.database, read_only=False, config=config)

    def _diagnose(self, error: duckdb.Error) -> str:
        """What a failed open calls for: "wait" (a live lock holder), "set_aside" or "raise"."""
        message = str(error)
        holder = _LOCK_HOLDER.search(message)
        if holder:
            return "wait" if pid_alive(int(holder["pid"])) else "set_aside"
        if self.database == ":memory:" or any(text in message for text in _ENVIRONMENT_ERRORS):
            return "raise"
        return "set_aside"

    def _set_aside(self, error: duckdb.Error) -> None:
        database = Path(self.database)
        moved = set_aside(database)
        dg.get_dagster_logger().warning(
            f"working database {database} could not be opened ({str(error).splitlines()[0]}); "
            f"moved to {', '.join(map(str, moved)) or 'nowhere (no file)'} and starting an empty one. "
            "A run that materializes only part of the graph needs one full refresh first."
        )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._sharing:  # used outside a run: a connection of its own, as DuckDBResource does
            with self._own_connection() as conn:
                yield conn
            return
        if self._shared is None:
            self._shared = self._open_recovering()
        cursor = self._shared.cursor()
        try:
            yield cursor
        finally:
            cursor.close()  # rolls back whatever a failed step left uncommitted

    @contextmanager
    def _own_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = self._open_recovering()
        try:
            yield conn
        finally:
            # DuckDBResource closes only on success; an open connection after a failed step
            # would keep the file locked for the rest of the process.
            conn.close()

    def _open_recovering(self) -> duckdb.DuckDBPyConnection:
        waits, moved = 0, False
        while True:
            try:
                conn = self._open()
                break
            except duckdb.Error as error:
                action = self._diagnose(error)
                if action == "wait" and waits < self.lock_retries:
                    time.sleep(min(0.1 * 2**waits, 10.0))
                    waits += 1
                elif action == "set_aside" and not moved:
                    self._set_aside(error)
                    moved = True
                else:
                    raise
        return conn


def duckdb_resource(paths: Paths) -> WorkDuckDBResource:
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    return WorkDuckDBResource(
        database=str(paths.work_db),
        connection_config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION, "threads": 2},
    )


def build_resources(paths: Paths | None = None) -> dict[str, object]:
    paths = paths or Paths.from_env()
    return {
        "paths": PathsResource(
            raw_dir=str(paths.raw_dir), warehouse_dir=str(paths.warehouse_dir), build_dir=str(paths.build_dir)
        ),
        "duckdb": duckdb_resource(paths),
    }
