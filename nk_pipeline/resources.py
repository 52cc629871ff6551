"""Dagster resources: the folders of a build, and DuckDB connections to its working database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from nk_pipeline.shared.settings import DUCKDB_MEMORY_LIMIT, DUCKDB_STORAGE_VERSION, Paths
from nk_pipeline.warehouse.build_lock import BuildFolderBusy, BuildLock

BROKEN_SUFFIX = ".broken"
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

    Connections come from DuckDBResource, which waits (with backoff) while another process holds
    the file's lock. The working database is scratch, rebuilt from raw/ by every refresh; a
    build killed at the wrong moment (SIGKILL, power loss, a full disk) can leave it unreadable,
    so before the first connection a file that DuckDB refuses for any reason other than a lock
    or the environment is moved aside to `work.duckdb.broken` and an empty one is started,
    instead of failing every later build until someone deletes it by hand.

    Within a run, every step shares one connection to the file, opened on first use and closed
    when the run (or, under the multiprocess executor, the step's process) ends; each
    `get_connection` hands out a cursor of it. Opening the file reads its whole catalog and
    closing it checkpoints, about 25 ms each time: a quarter of a typical step's own work.

    A run also holds its build folder's lock (warehouse/build_lock.py) for as long: under the
    in-process executor from before its first step to its end, so a second
    run on the same folders waits for the whole of the first.
    """

    _shared: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _opened: ExitStack | None = PrivateAttr(default=None)
    _sharing: bool = PrivateAttr(default=False)
    _run_lock: BuildLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is not None and self.database != ":memory:":
            self._run_lock = self._lock_build_folder(context)
        self._sharing = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._sharing = False
        if self._opened is not None:
            self._shared.close()
            self._opened.close()
            self._shared = self._opened = None
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def _lock_build_folder(self, context: dg.InitResourceContext) -> BuildLock:
        build_dir = Path(self.database).parent
        log = context.log or dg.get_dagster_logger()
        lock = BuildLock(build_dir)
        try:
            waited = lock.acquire(
                context.run.run_id,
                on_wait=lambda holder: log.info(f"build folder {build_dir} is in use by {holder}; waiting"),
            )
        except BuildFolderBusy as error:
            raise dg.Failure(str(error)) from None
        if waited > 1:
            log.info(f"waited {waited:.0f} s for build folder {build_dir}")
        return lock

    def _set_aside_if_broken(self) -> None:
        database = Path(self.database)
        if self.database == ":memory:" or not database.exists():
            return
        try:
            duckdb.connect(self.database, config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION}).close()
        except duckdb.Error as error:
            message = str(error)
            if "Conflicting lock" in message or any(text in message for text in _ENVIRONMENT_ERRORS):
                return  # DuckDBResource waits for the lock; the environment's errors are raised as they are
            moved = set_aside(database)
            dg.get_dagster_logger().warning(
                f"working database {database} could not be opened ({message.splitlines()[0]}); "
                f"moved to {', '.join(map(str, moved))} and starting an empty one. "
                "A run that materializes only part of the graph needs one full refresh first."
            )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._sharing:  # used outside a run: a connection of its own
            self._set_aside_if_broken()
            with super().get_connection() as conn:
                try:
                    yield conn
                finally:
                    # DuckDBResource closes only on success; an open connection after a failed
                    # step would keep the file locked for the rest of the process.
                    conn.close()
            return
        if self._shared is None:
            self._set_aside_if_broken()
            self._opened = ExitStack()
            self._shared = self._opened.enter_context(super().get_connection())
        cursor = self._shared.cursor()
        try:
            yield cursor
        finally:
            cursor.close()  # rolls back whatever a failed step left uncommitted


def duckdb_resource(paths: Paths) -> WorkDuckDBResource:
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    return WorkDuckDBResource(
        database=str(paths.work_db),
        connection_config={
            "storage_compatibility_version": DUCKDB_STORAGE_VERSION,
            "threads": 2,
            "memory_limit": DUCKDB_MEMORY_LIMIT,
        },
    )


def build_resources(paths: Paths | None = None) -> dict[str, object]:
    paths = paths or Paths.from_env()
    return {
        "paths": PathsResource(
            raw_dir=str(paths.raw_dir), warehouse_dir=str(paths.warehouse_dir), build_dir=str(paths.build_dir)
        ),
        "duckdb": duckdb_resource(paths),
    }
