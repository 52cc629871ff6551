"""Running a command as a cold child process and measuring it: wall time, CPU time, peak memory."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds, spawn to exit
    cpu: float  # user + system seconds of the child and the descendants it waited for
    peak_mb: float  # largest resident set of the child or any such descendant
    returncode: int
    stdout: str
    stderr: str
    started: float  # epoch seconds at spawn, to line up with timestamps the child records


def run(command: list[str], env: dict[str, str], timeout: float = 900) -> Measured:
    """Run `command` and wait for it with wait4(), whose rusage is this child's alone.

    (getrusage(RUSAGE_CHILDREN) would mix every child this process has had.)
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started_epoch, started = time.time(), time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=err)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Measured(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
            returncode=child.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            started=started_epoch,
        )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
