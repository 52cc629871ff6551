"""One run at a time per build folder, whoever started it.

The run queue starts one run at a time, but `nk-pipeline build` does not go through it, and two
curators may start one each, from two machines, against one warehouse. Two runs interleaving in
one build folder would mix their work: both build into the same working database and render the
map files into the same folder before publishing them. DuckDB's own file lock only guards each
connection, and a waiting run gives up after its connection retries (about 100 s). So a run holds
an exclusive lock on `run.lock` in the build folder from its first step to its end; another run
waits for it (up to WAIT_SECONDS, well under run monitoring's 10-minute limit, then fails saying
who holds it, as the run wrote it in `run.lock.holder`). The lock is filelock's (flock on Unix):
the operating system releases the lock of a killed process, so a dead run never holds it. flock
works on local filesystems and, on Linux, over NFS.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import filelock

from nk_pipeline.shared.settings import shown_path

LOCK_NAME = "run.lock"
# A full refresh takes seconds to a minute; a run still waiting after this is not in a queue but stuck.
WAIT_SECONDS = 300.0
# Who holds the lock, written beside it: the lock file itself is filelock's to open and close.
HOLDER_NAME = "run.lock.holder"


class BuildFolderBusy(RuntimeError):
    pass


# DuckDB's words for a file another process holds open read-write, and who that is
DUCKDB_LOCK_ERROR = re.compile(r"Could not set lock on file .*?: (Conflicting lock is held in .*? \(PID \d+\))", re.S)


class PublishedWarehouseInUse(RuntimeError):
    """The published database is open read-write in another process: DuckDB lets one process write
    a file and then no other open it, so the build cannot read the publish it compares with."""

    def __init__(self, path: Path, error: duckdb.IOException):
        found = DUCKDB_LOCK_ERROR.search(str(error))
        holder = found.group(1) if found else str(error)
        super().__init__(
            f"{shown_path(path)} is locked: another process holds it open read-write ({holder}), and DuckDB lets no "
            "other process open a file while one writes it, this build included. Close that connection; to look at "
            f"the warehouse while builds run, open it read-only: `duckdb -readonly {shown_path(path)}` (DuckDB's "
            f'command line opens read-write by default) or `duckdb.connect("{shown_path(path)}", read_only=True)` '
            "in Python. Nothing was published; build again once it is closed."
        )

    @staticmethod
    def is_lock_error(error: duckdb.IOException) -> bool:
        return DUCKDB_LOCK_ERROR.search(str(error)) is not None


class BuildLock:
    def __init__(self, build_dir: Path) -> None:
        self.path = Path(build_dir) / LOCK_NAME
        self.holder_path = Path(build_dir) / HOLDER_NAME
        # not reentrant within a process: a second run in the same process must wait like any other.
        # The file is kept after release: removed, a waiter could lock the old file while a newcomer
        # locks a new one; kept, flock(1) on it (docs/operating.md) shares the runs' lock.
        self._lock = filelock.FileLock(self.path, is_singleton=False, thread_local=False, preserve_lock_file=True)

    def holder(self) -> str:
        """Who holds the lock, as its holder wrote it (empty while none does or it is being written)."""
        try:
            info = json.loads(self.holder_path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        if not info:
            return "another process"
        return f"run {info.get('run_id')} (pid {info.get('pid')} on {info.get('host')}, since {info.get('since')})"

    def acquire(self, run_id: str, timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> float:
        """Take the lock, waiting up to `timeout` seconds (WAIT_SECONDS); returns how long it waited."""
        timeout = WAIT_SECONDS if timeout is None else timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            if on_wait is not None:
                on_wait(self.holder())
            try:
                self._lock.acquire(timeout=max(timeout - (time.monotonic() - started), 0), poll_interval=0.2)
            except filelock.Timeout:
                waited = time.monotonic() - started
                raise BuildFolderBusy(
                    f"build folder {self.path.parent} is in use by {self.holder()}; waited {waited:.0f} s "
                    "for it to finish. Start this run again when it has."
                ) from None
        info = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.holder_path.write_text(json.dumps(info), encoding="utf-8")
        return time.monotonic() - started

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        try:
            self.holder_path.write_text("", encoding="utf-8")
        finally:
            self._lock.release()
