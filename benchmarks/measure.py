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
    tree_peak_mb: float = float("nan")  # largest sampled sum of resident sets of the child and its descendants


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and every process below it, from /proc (0 once it has gone)."""
    total, pending, page_kib = 0, [pid], os.sysconf("SC_PAGE_SIZE") // 1024
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * page_kib
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending += [int(c) for c in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


class _TreeSampler(threading.Thread):
    """Samples the process tree's resident memory until stopped: ru_maxrss gives the largest
    single process, not what a build and any children hold together."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.pid))


def run(command: list[str], env: dict[str, str], timeout: float = 3600) -> Measured:
    """Run `command` and wait for it with wait4(), whose rusage is this child's alone.

    (getrusage(RUSAGE_CHILDREN) would mix every child this process has had.)
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started_epoch, started = time.time(), time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=err)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        sampler = _TreeSampler(child.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
            sampler.done.set()
            sampler.join()
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
            tree_peak_mb=max(sampler.peak_kib, usage.ru_maxrss) / 1024,
        )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
