"""One run at a time per build folder: a second run waits for the first, a stuck holder is named."""

from __future__ import annotations

import signal

import pytest

from nk_pipeline.warehouse.build_lock import BuildFolderBusy, BuildLock


def test_a_second_holder_waits_then_fails_naming_the_first(holder):
    build_dir, _ = holder
    told = []
    with pytest.raises(BuildFolderBusy, match="holder-run-1234") as error:
        BuildLock(build_dir).acquire("second-run", timeout=0.5, on_wait=told.append)
    assert str(build_dir) in str(error.value)
    assert told and "holder-run-1234" in told[0], "the waiting run says whom it waits for"


def test_a_killed_holder_releases_the_lock(holder):
    build_dir, process = holder
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    lock = BuildLock(build_dir)
    lock.acquire("after-the-kill", timeout=10)
    assert "after-the-kill" in lock.holder()
    lock.release()
    again = BuildLock(build_dir)
    assert again.acquire("next", timeout=0) >= 0
    again.release()
