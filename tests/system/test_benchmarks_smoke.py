"""The benchmark harness still runs end to end (benchmarks are not tests: no timing is asserted)."""

import subprocess
import sys

from benchmarks.report import SECTIONS
from nk_pipeline.shared.settings import PROJECT_ROOT


def test_smoke_benchmark_writes_every_section(tmp_path):
    output = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    report = output.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert section in report
    assert "cold `nk-pipeline build`" in report and "1,000" in report
    assert "`staging_tables`" in report and "`marts`" in report, "time per step comes from the run's event log"
    assert "countries.geojson" in report
