"""Publishing: a reader never sees a half-written warehouse, and a failed refresh changes nothing.

Each output is written in full to a temporary file in the destination folder, flushed to disk,
then renamed over the published file in one step (`os.replace` is atomic on POSIX). Readers
that hold the old file open keep reading it until they close it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path

TMP_MARKER = ".tmp-"
_TMP_NAME = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)$")
# A publish writes its temporaries within seconds. One older than this belongs to a dead
# refresh even if its pid is alive again: pids are reused, and a container restarts from 1.
STALE_AFTER_SECONDS = 3600


def tmp_path_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TMP_MARKER}{os.getpid()}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_copy(source: Path, target: Path) -> Path:
    """Copy `source` over `target` so that `target` is always either the old or the new file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_for(target)
    try:
        shutil.copyfile(source, tmp)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_tmp_files(folder: Path) -> list[Path]:
    """Delete temporaries left by a refresh that was killed mid-publish (its process is gone)."""
    removed = []
    if not folder.exists():
        return removed
    for path in folder.rglob(f".*{TMP_MARKER}*"):
        match = _TMP_NAME.match(path.name)
        if not match:
            continue
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            continue  # its own refresh finished with it meanwhile
        if not _pid_alive(int(match["pid"])) or age > STALE_AFTER_SECONDS:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
