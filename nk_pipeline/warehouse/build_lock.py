"""One run at a time per build folder, whoever started it.

The run queue starts one run at a time, but `nk-pipeline build` does not go through it, and two
curators may start one each, from two machines, against one warehouse. Two runs interleaving in
one build folder would mix their work: both build into the same working database and render the
map files into the same folder before publishing them. DuckDB's own file lock only guards each
connection, and a waiting run gives up after its connection retries (about 100 s). So a run holds
an exclusive lock on `run.lock` in the build folder from its first step to its end; another run
waits for it (up to WAIT_SECONDS, well under run monitoring's 10-minute limit, then fails saying
who holds it). The operating system releases
the lock of a killed process, so a dead run never holds it. flock works on local filesystems
and, on Linux, over NFS.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = "run.lock"
# A full refresh takes seconds to a minute; a run still waiting after this is not in a queue but stuck.
WAIT_SECONDS = 300.0


class BuildFolderBusy(RuntimeError):
    pass


class BuildLock:
    def __init__(self, build_dir: Path) -> None:
        self.path = Path(build_dir) / LOCK_NAME
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as its holder wrote it (empty while none does or it is being written)."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        if not info:
            return "another process"
        return f"run {info.get('run_id')} (pid {info.get('pid')} on {info.get('host')}, since {info.get('since')})"

    def acquire(self, run_id: str, timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> float:
        """Take the lock, waiting up to `timeout` seconds (WAIT_SECONDS); returns how long it waited."""
        timeout = WAIT_SECONDS if timeout is None else timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        started = time.monotonic()
        delay, told = 0.05, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    os.close(fd)
                    raise BuildFolderBusy(
                        f"build folder {self.path.parent} is in use by {self.holder()}; waited {waited:.0f} s "
                        "for it to finish. Start this run again when it has."
                    ) from None
                if not told and on_wait is not None:
                    on_wait(self.holder())
                    told = True
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        info = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return time.monotonic() - started

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
