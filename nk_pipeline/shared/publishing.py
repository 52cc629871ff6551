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
from collections.abc import Iterator
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


@contextlib.contextmanager
def written_in_one_step(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write `target` to; on success it replaces `target` in one rename.

    For files in the build folder that a later step (or a partial run from the UI) reads: a
    step killed mid-write leaves the previous file, never a truncated one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_for(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_copies(pairs: list[tuple[Path, Path]]) -> list[Path]:
    """Copy each source over its target so that every target is always the old or the new file.

    Every copy is written and flushed to a temporary beside its target first; only then are
    they renamed over the targets, one after the other, so the window in which the published
    files disagree with each other is a few renames long, not a few copies long.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for source, target in pairs:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = tmp_path_for(target)
            staged.append((tmp, target))
            shutil.copyfile(source, tmp)
            _fsync(tmp)
        for tmp, target in staged:
            os.replace(tmp, target)
        for folder in {target.parent for _, target in staged}:
            _fsync(folder)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return [target for _, target in pairs]


def pid_alive(pid: int) -> bool:
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
        if not pid_alive(int(match["pid"])) or age > STALE_AFTER_SECONDS:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
