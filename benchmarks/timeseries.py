"""Issue 12 in the benchmark: the series for every year beside a single reconciliation at scale,
and re-colouring index.html for another year in headless Chromium.

The single reconciliation is the one this project ran before the series existed (one latest
window per country): its two SQL files are read from git at BASELINE_COMMIT and run into a
schema of their own, on the same staging tables, in the same kind of cold child process.

    python -m benchmarks.timeseries reconcile <work.duckdb> series|single   (one child run)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import PROJECT_ROOT, median, percentile, run

# The last commit whose marts held one latest window per country (before marts.country_years).
BASELINE_COMMIT = "d2b4fb7"
SERIES_MARTS = ("estimate_evidence", "country_years", "country_estimates")
RECOLOUR_MS = 50.0
SERIES_RATIO = 2.0
SERIES_MEMORY_MIB = 2048.0
MIN_YEARS = 15
SECTION = "## Change over time (issue 12)"


def baseline_sql() -> list[str] | None:
    statements = []
    for name in ("estimate_evidence", "country_estimates"):
        done = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:nk_pipeline/sql/{name}.sql"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            return None
        statements.append(
            done.stdout.replace("marts.estimate_evidence", "baseline.estimate_evidence")
            .replace("marts.country_estimates", "baseline.country_estimates")
            # staging.countries has called its name column `country` since issue 23
            .replace("n.name AS country", "n.country")
        )
    return statements


def _reconcile(database: Path, which: str) -> dict:
    import duckdb

    from nk_pipeline.marts.build import build_mart
    from nk_pipeline.shared.settings import DUCKDB_STORAGE_VERSION

    conn = duckdb.connect(str(database), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION, "threads": 2})
    started = time.perf_counter()
    if which == "series":
        for name in SERIES_MARTS:
            build_mart(conn, name)
        extra = conn.execute(
            "SELECT count(*), count(DISTINCT iso3), max(year) - min(year) + 1 FROM marts.country_years"
        ).fetchone()
    else:
        conn.execute("CREATE SCHEMA IF NOT EXISTS baseline")
        for statement in baseline_sql():
            conn.execute(statement)
        extra = conn.execute("SELECT count(*), count(*), 1 FROM baseline.country_estimates").fetchone()
    seconds = time.perf_counter() - started
    observations = conn.execute("SELECT count(*) FROM marts.estimate_evidence").fetchone()[0]
    conn.close()
    return {
        "seconds": seconds,
        "rows": extra[0],
        "countries": extra[1],
        "years": extra[2],
        "observations": observations,
    }


def series_at_scale(database: Path, runs: int) -> dict | None:
    """Alternate cold runs of the single reconciliation and of the series on one work database."""
    if not database.exists() or baseline_sql() is None:
        return None
    import os

    env = dict(os.environ)
    results: dict[str, list] = {"single": [], "series": []}
    for index in range(runs):
        for which in ("single", "series"):
            measured = run([sys.executable, "-m", "benchmarks.timeseries", "reconcile", str(database), which], env)
            if measured.returncode:
                raise SystemExit(f"benchmarks.timeseries {which} failed:\n{measured.stderr[-3000:]}")
            data = json.loads(measured.stdout.strip().splitlines()[-1])
            results[which].append((measured, data))
            print(
                f"  {which} {index + 1}/{runs}: {data['seconds']:.2f} s, peak {measured.peak_mb:,.0f} MiB", flush=True
            )
    single = median([d["seconds"] for _, d in results["single"]])
    series = median([d["seconds"] for _, d in results["series"]])
    _, last = results["series"][-1]
    return {
        "runs": runs,
        "observations": last["observations"],
        "rows": last["rows"],
        "countries": last["countries"],
        "years": last["years"],
        "single_s": single,
        "series_s": series,
        "ratio": series / single,
        "single_peak": median([m.peak_mb for m, _ in results["single"]]),
        "series_peak": median([m.peak_mb for m, _ in results["series"]]),
    }


RECOLOUR_SCRIPT = """async ({order, withTip}) => {
  const slider = document.getElementById('year');
  if (withTip) document.querySelector('path[data-iso3="RUS"]').focus();
  const script = [], frame = [];
  for (const index of order) {
    const started = performance.now();
    slider.value = index;
    slider.dispatchEvent(new Event('input'));
    document.body.getBoundingClientRect();  // style and layout, forced now
    const recoloured = performance.now();
    // the frame's callbacks, then a task after it: the new colours have been painted
    await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
    script.push(recoloured - started);
    frame.push(performance.now() - started);
  }
  return {script, frame, years: slider.dataset.years.split(',').length};
}"""


def recolour(page_path: Path, repeats: int) -> dict | None:
    """Switch the page to another year `repeats` times; the time to recolour it, and to the next frame."""
    try:
        from playwright.sync_api import sync_playwright

        from tests.conftest import CHROMIUM, CHROMIUM_ARGS
    except ImportError:
        return None
    if not CHROMIUM.exists() or not page_path.exists():
        return None
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for with_tip in (False, True):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(page_path.resolve().as_uri())
                count = len(page.locator("#year").get_attribute("data-years").split(","))
                # every step a different year: alternate the ends and walk between them
                order = [(i * 7) % count for i in range(1, repeats + 1)]
                measured = page.evaluate(RECOLOUR_SCRIPT, {"order": order, "withTip": with_tip})
                results["with_tooltip" if with_tip else "map_only"] = {
                    "repeats": repeats,
                    "years": measured["years"],
                    "script_median_ms": median(measured["script"]),
                    "script_p95_ms": percentile(measured["script"], 0.95),
                    "frame_median_ms": median(measured["frame"]),
                    "frame_p95_ms": percentile(measured["frame"], 0.95),
                }
                page.close()
        finally:
            browser.close()
    return results


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "**MISS**"


def section(result: dict) -> list[str]:
    """The BENCHMARKS.md section: its own targets, then the numbers behind them."""
    series, page = result.get("series"), result.get("recolour")
    out = [SECTION, ""]
    if result.get("when"):
        out += [f"Measured {result['when']}.", ""]
    rows = []
    if series:
        enough = series["years"] >= MIN_YEARS and series["observations"] >= 1_000_000
        rows.append(
            [
                f"series of every year for 10^6 observations within {SERIES_RATIO:.0f}× a single reconciliation",
                f"{series['ratio']:.2f}× ({series['series_s']:.2f} s / {series['single_s']:.2f} s; "
                f"{series['observations']:,} observations, {series['years']} years)",
                _verdict(series["ratio"] <= SERIES_RATIO if enough else None),
            ]
        )
        rows.append(
            [
                "… with peak memory under 2 GiB",
                f"{series['series_peak']:,.0f} MiB (single: {series['single_peak']:,.0f} MiB)",
                _verdict(series["series_peak"] < SERIES_MEMORY_MIB if enough else None),
            ]
        )
    else:
        rows.append(["series of every year for 10^6 observations", "not measured", "n/a"])
    if page:
        worst = max(v["frame_median_ms"] for v in page.values())
        tail = max(v["frame_p95_ms"] for v in page.values())
        rows.append(
            [
                f"re-colouring index.html for another year under {RECOLOUR_MS:.0f} ms (headless Chromium, input to the"
                " painted frame, median; tooltip open or not, the slower)",
                f"{worst:.1f} ms (p95 {tail:.1f} ms)",
                _verdict(worst < RECOLOUR_MS),
            ]
        )
    else:
        rows.append(["re-colouring index.html for another year", "not measured (no Chromium)", "n/a"])
    out += (
        ["| target | measured | result |", "| --- | --- | --- |"] + ["| " + " | ".join(r) + " |" for r in rows] + [""]
    )
    if series:
        out += [
            f"Series: `estimate_evidence.sql`, `country_years.sql` and `country_estimates.sql` on the staging tables of"
            f" {series['observations']:,} synthetic observations (the work database of the largest scaling run:"
            f" {series['countries']} countries over {series['years']} years, {series['rows']:,} country-years)."
            f" Single: the reconciliation as it was at commit `{BASELINE_COMMIT}` (one latest window per country),"
            f" its SQL read from git, on the same tables. Each is a cold child process (DuckDB with 2 threads, as"
            f" the pipeline), alternating, median of {series['runs']}; the time is the SQL alone, the peak the"
            " process's.",
            "",
            "| reconciliation | median s | peak MiB |",
            "| --- | --- | --- |",
            f"| single (latest window per country) | {series['single_s']:.2f} | {series['single_peak']:,.0f} |",
            f"| series (every country and year) | {series['series_s']:.2f} | {series['series_peak']:,.0f} |",
            "",
        ]
    if page:
        out += [
            "Re-colouring: the shipped `index.html` opened from disk in Debian's headless Chromium (Playwright);"
            " the slider set to another year and its `input` event sent, then style and layout forced"
            " (*recolour*), then the next animation frame and a task after it awaited (*to the painted frame*,"
            " which includes waiting for the frame clock, up to 16.7 ms at 60 Hz). Every step a different year.",
            "",
            "| page state | switches | recolour median ms | recolour p95 ms | to painted frame median ms | to painted frame p95 ms |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for state, label in (("map_only", "map only"), ("with_tooltip", "Russia's tooltip open (chart redrawn)")):
            v = page[state]
            out.append(
                f"| {label} | {v['repeats']} | {v['script_median_ms']:.1f} | {v['script_p95_ms']:.1f} |"
                f" {v['frame_median_ms']:.1f} | {v['frame_p95_ms']:.1f} |"
            )
        out.append("")
    return out


def replace_section(report: str, lines: list[str], title: str = SECTION) -> str:
    """`report` with its section `title` (issue 12's unless told) replaced by `lines` (or inserted
    before the method notes)."""
    parts = report.split("\n")
    new = "\n".join(lines)
    if title in parts:
        start = parts.index(title)
        end = next((i for i in range(start + 1, len(parts)) if parts[i].startswith("## ")), len(parts))
        return "\n".join(parts[:start] + new.split("\n") + parts[end:])
    marker = "## How it was measured"
    if marker in parts:
        at = parts.index(marker)
        return "\n".join(parts[:at] + new.split("\n") + parts[at:])
    return report.rstrip("\n") + "\n\n" + new + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["reconcile"]:
        print(json.dumps(_reconcile(Path(sys.argv[2]), sys.argv[3])))
