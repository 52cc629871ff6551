"""Issue 24: the real `nk-pipeline build` (maps, page and release included) on synthetic folders,
beside validation and marts alone (`benchmarks/plain.py --no-maps`) at the same size.

Each case is one cold build and one cold plain run in fresh folders; the build's peak is the
sampled resident memory of its whole process tree. At every size a second build of the same folder
is compared with the first byte for byte (map and data files), as the README promises identical
outputs.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks.measure import Measured
from nk_pipeline.map.map_features import GEOJSON_BYTES
from nk_pipeline.map.map_outputs import LISTED, MAP_FILES
from nk_pipeline.map.render_html import PAGE_BYTES

SECTION = "## The real build at scale (issue 24)"
# observations, sources (None: scaled), every country with a shape in every year (the page's worst case)
CASES = (
    (10_000, None, False),
    (100_000, None, False),
    (100_000, 100_000, False),
    (100_000, None, True),
    (1_000_000, None, False),
)
EVERY_COUNTRY = "every country and year"  # how the tables name a case with every_country set
SMOKE_CASES = ((1_000, None, False),)
BUILD_MEMORY_MIB = 2048.0
BUILD_RATIO = 3.0  # the 10^6 build within this many times validation and marts alone
GROWTH_ALLOWANCE = 1.2  # as report.GROWTH_ALLOWANCE: timing noise on a shared machine
SIZES = (
    "map/countries.geojson",
    "map/index.html",
    "map/country_years.csv",
    "data/datapackage.json",
    "data/reports.xlsx",
)
# the steps whose time is shown on their own (asset keys as read_steps gives them)
STEPS = ("staging_tables", "marts", "map_files", "data_release", "warehouse/nk_duckdb")


@dataclass
class Case:
    observations: int
    sources: int
    input_mb: float
    build: Measured
    steps: dict[str, float]
    plain_work: float  # validation and marts alone, without start-up and imports
    plain: Measured
    sizes: dict[str, int]
    warehouse_mb: float
    page: dict[str, int]  # what index.html is made of (page_parts)
    every_country: bool = False  # every country with a shape, every year from the contract's earliest


def page_parts(page_path: Path) -> dict[str, int]:
    """Bytes of index.html's map and of its embedded data, and how many countries, states (one per
    country and year that differs from the year before) and sources the data holds, the years it
    spans and how many years with evidence it leaves out."""
    page = page_path.read_text(encoding="utf-8")
    svg_start = page.index('<svg id="map"')
    data_start = page.index('id="map-data">') + len('id="map-data">')
    data_end = page.index("</script>", data_start)
    data = json.loads(page[data_start:data_end])
    return {
        "svg": len(page[svg_start : page.index("</svg>", svg_start)].encode()),
        "data": len(page[data_start:data_end].encode()),
        "countries": len(data["countries"]),
        "states": sum(len(c["states"]) for c in data["countries"].values()),
        "sources": len(data["sources"]),
        "first_year": data["first"],
        "latest": data["latest"],
        "left_out": _left_out(page_path.with_name(MAP_FILES["country_years_csv"]), data["first"]),
    }


def _left_out(country_years: Path, first: int) -> int:
    """How many years with evidence (a row reported in its own year, as the page's year control
    counts them) come before the page's first year: those its note says it leaves out."""
    years = pd.read_csv(country_years, usecols=["year", "reported_in_year"])
    return int(years.loc[years["reported_in_year"] & (years["year"] < first), "year"].nunique())


def _outputs(warehouse: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(warehouse)): p.read_bytes()
        for d in ("map", "data")
        for p in sorted((warehouse / d).iterdir())
    }


def measure(workdir: Path, cases=CASES, identical_check: bool = True) -> dict:
    # imported here: __main__ imports this module, and these live there
    from benchmarks.__main__ import child_env, cold_build, plain
    from benchmarks.synthetic import source_count, write_raw

    results, identical = [], []
    for observations, sources, every_country in cases:
        raw_dir = write_raw(
            workdir / f"real-raw-{observations}-{sources}-{every_country}",
            observations,
            n_sources=sources,
            every_country=every_country,
        )
        root = Path(tempfile.mkdtemp(prefix="real-build-", dir=workdir))
        build = cold_build(root, child_env(root, raw_dir))
        warehouse = root / "warehouse"
        sizes = {name: (warehouse / name).stat().st_size for name in SIZES if (warehouse / name).exists()}
        total = sum(p.stat().st_size for p in warehouse.rglob("*") if p.is_file())
        page = page_parts(warehouse / "map" / "index.html")
        if identical_check:
            again = Path(tempfile.mkdtemp(prefix="real-again-", dir=workdir))
            cold_build(again, child_env(again, raw_dir))
            first, second = _outputs(warehouse), _outputs(again / "warehouse")
            identical.append(
                {
                    "observations": observations,
                    "sources": sources,
                    "every_country": every_country,
                    "files": len(first),
                    "differing": sorted(
                        name for name in first.keys() | second.keys() if first.get(name) != second.get(name)
                    ),
                }
            )
            shutil.rmtree(again, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        plain_root = Path(tempfile.mkdtemp(prefix="real-plain-", dir=workdir))
        base = plain(child_env(plain_root, raw_dir), "--no-maps")
        shutil.rmtree(plain_root, ignore_errors=True)
        results.append(
            Case(
                observations=observations,
                sources=source_count(observations) if sources is None else sources,
                input_mb=sum(p.stat().st_size for p in raw_dir.glob("*.csv")) / 1e6,
                build=build.measured,
                steps=build.steps,
                plain_work=base.seconds["total"] - base.seconds["imports"],
                plain=base.measured,
                sizes=sizes,
                warehouse_mb=total / 1e6,
                page=page,
                every_country=every_country,
            )
        )
        shutil.rmtree(raw_dir, ignore_errors=True)
        print(
            f"  {_label(results[-1])}, {results[-1].sources:,} sources: build {build.measured.wall:.1f} s, "
            f"{build.measured.tree_peak_mb:,.0f} MiB; validation and marts {base.measured.wall:.1f} s",
            flush=True,
        )
    return {"cases": results, "identical": identical}


def save(result: dict, path: Path) -> None:
    """The measurements as JSON, so that the section can be written again without measuring."""
    plain = {**result, "cases": [dataclasses.asdict(c) for c in result["cases"]]}
    path.write_text(json.dumps(plain, indent=1), encoding="utf-8")


def parse_cases(text: str) -> tuple[tuple[int, int | None, bool], ...]:
    """ "10000,100000:100000,100000::every" as CASES."""
    cases = []
    for case in text.split(","):
        observations, sources, every = (case.split(":") + ["", ""])[:3]
        cases.append((int(observations), int(sources) if sources else None, every == "every"))
    return tuple(cases)


def load(path: Path) -> dict:
    result = json.loads(path.read_text(encoding="utf-8"))
    result["cases"] = [
        Case(**{**c, "build": Measured(**c["build"]), "plain": Measured(**c["plain"])}) for c in result["cases"]
    ]
    return result


def _size(case: dict) -> str:
    sources = case.get("sources")
    return (
        f"{case['observations']:,}" + (f" ({sources:,} sources)" if sources else "") + _every(case.get("every_country"))
    )


def _label(case: Case) -> str:
    """A case's observations, and where it names every country in every year."""
    return f"{case.observations:,}" + _every(case.every_country)


def _every(every_country: bool | None) -> str:
    return f" ({EVERY_COUNTRY})" if every_country else ""


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "**MISS**"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows] + [""]


def section(result: dict) -> list[str]:
    """The BENCHMARKS.md section: the targets of issue 24, then the numbers behind them."""
    cases: list[Case] = result.get("cases", [])
    out = [SECTION, ""]
    if result.get("when"):
        out += [f"Measured {result['when']}.", ""]
    if not cases:
        return out + ["Not measured.", ""]
    out += [
        "What users run: `nk-pipeline build` in a cold process on a synthetic folder (`benchmarks/synthetic.py`:"
        " the countries the shipped data names, each with a shape, and the shipped boundaries; in the case"
        f" marked *{EVERY_COUNTRY}*, every country with a shape, with figures in every year from the"
        " contract's earliest), maps, page,"
        " release and publish included; beside it `benchmarks/plain.py --no-maps` on the same folder"
        " (validation and marts alone, its *work* without start-up and imports). Each case once: the machine's"
        " 2 CPUs are shared, so times carry noise (CPU times beside them); memory is reliable. *Peak* is the"
        " largest sampled sum of resident memory over the build's process tree (it runs in one process). The"
        f" map files and the page list at most {LISTED} (`map_outputs.LISTED`) sources, origin chains and departure"
        ' reports per country and year, with "and N more"; the marts and the release keep every one.',
        "",
    ]
    series = [c for c in cases if c.sources == _default_sources(c.observations) and not c.every_country]
    largest = max(cases, key=lambda c: (c.observations, -c.sources, -c.every_country))
    at_scale = largest.observations >= 1_000_000
    growth = [(b.build.wall / a.build.wall, b.observations / a.observations) for a, b in zip(series, series[1:])]
    worst = max(growth, key=lambda g: g[0] / g[1]) if growth else None
    page = max(c.sizes.get("map/index.html", 0) for c in cases)
    geojson = max(c.sizes.get("map/countries.geojson", 0) for c in cases)
    identical = result.get("identical") or []
    if isinstance(identical, dict):  # saved by an earlier version: the smallest size only
        identical = [identical]
    differing = [f"{i['observations']:,}: {', '.join(i['differing'])}" for i in identical if i["differing"]]
    out += _table(
        ["target", "measured", "result"],
        [
            [
                f"10^6 build under {BUILD_MEMORY_MIB / 1024:.0f} GiB peak (process tree)",
                f"{largest.build.tree_peak_mb:,.0f} MiB" if at_scale else "not measured",
                _verdict(largest.build.tree_peak_mb < BUILD_MEMORY_MIB if at_scale else None),
            ],
            [
                f"10^6 build within {BUILD_RATIO:.0f}× validation and marts alone",
                f"{largest.build.wall / largest.plain_work:.1f}× ({largest.build.wall:.1f} s / {largest.plain_work:.1f} s)"
                if at_scale
                else "not measured",
                _verdict(largest.build.wall <= BUILD_RATIO * largest.plain_work if at_scale else None),
            ],
            [
                f"build time growing no faster than linearly (≤ {GROWTH_ALLOWANCE:.1f}× the growth in rows)",
                f"at most {worst[0]:.1f}× time for {worst[1]:.0f}× rows" if worst else "not measured",
                _verdict(worst[0] <= worst[1] * GROWTH_ALLOWANCE if worst else None),
            ],
            [
                f"countries.geojson ≤ {GEOJSON_BYTES // 1000} kB at every size",
                f"largest {geojson:,} bytes",
                _verdict(geojson <= GEOJSON_BYTES),
            ],
            [
                f"index.html ≤ {PAGE_BYTES // 1_000_000} MB at every size",
                f"largest {page:,} bytes",
                _verdict(page <= PAGE_BYTES),
            ],
            [
                "two builds of the same inputs give the same bytes (every map and data file), at every size",
                (
                    f"{max(i['files'] for i in identical)} files at "
                    + ", ".join(_size(i) for i in identical)
                    + " observations: "
                    + ("differing at " + "; ".join(differing) if differing else "all identical")
                )
                if identical
                else "not measured",
                _verdict(not differing if identical else None),
            ],
        ],
    )
    out += _why(largest, cases)
    rows = []
    for c in cases:
        rows.append(
            [
                _label(c),
                f"{c.sources:,}",
                f"{c.input_mb:.1f}",
                f"{c.build.wall:.1f}",
                f"{c.build.cpu:.1f}",
                f"{c.build.tree_peak_mb:,.0f}",
                f"{c.plain_work:.1f}",
                f"{c.plain.peak_mb:,.0f}",
                f"{c.build.wall / c.plain_work:.1f}×",
                *(f"{c.steps[s]:.1f}" if s in c.steps else "–" for s in STEPS),
            ]
        )
    out += _table(
        [
            "observations",
            "sources",
            "input MB",
            "build wall s",
            "build CPU s",
            "build peak MiB",
            "validation + marts s",
            "its peak MiB",
            "build / validation + marts",
            *(f"`{s}` s" for s in STEPS),
        ],
        rows,
    )
    out += _table(
        [
            "observations",
            "sources",
            "page: map bytes",
            "page: data bytes",
            "countries",
            "years on the page",
            "years with evidence left out",
            "states",
            "sources listed",
        ],
        [
            [
                _label(c),
                f"{c.sources:,}",
                f"{c.page['svg']:,}",
                f"{c.page['data']:,}",
                c.page["countries"],
                f"{c.page['first_year']}–{c.page['latest']}" if "first_year" in c.page else "–",
                c.page.get("left_out", "–"),
                f"{c.page['states']:,}",
                f"{c.page['sources']:,}",
            ]
            for c in cases
        ],
    )
    out += [
        "index.html holds the map (one path per country), a table of every country, and the data its script"
        " redraws the map from: one tooltip *state* per country and year that differs from the year before"
        " (label, status line, notes, the sources it cites by number), every cited source once, and each"
        " country's series. With the source lists bounded, the page grows with the countries and years, not"
        " with the observations or sources (a synthetic country has evidence in every year, and its figures"
        " change every year, so every year is a state). The data gets the room the map and its text leave"
        f" within {PAGE_BYTES:,} bytes (`render_html.PAGE_BYTES`); where every year does not fit, the page holds"
        " the latest years that do, and its year note names the years left out and links `country_years.csv`.",
        "",
    ]
    out += _table(
        ["observations", "sources", *(f"`{name}` bytes" for name in SIZES), "warehouse MB"],
        [
            [
                _label(c),
                f"{c.sources:,}",
                *(f"{c.sizes[name]:,}" if name in c.sizes else "–" for name in SIZES),
                f"{c.warehouse_mb:.1f}",
            ]
            for c in cases
        ],
    )
    return out


def _why(largest: Case, cases: list[Case]) -> list[str]:
    """Where the largest build's time goes, and what makes the page and the GeoJSON what they are,
    from the measurements."""
    slowest = max(largest.steps.items(), key=lambda item: item[1], default=None)
    lines = []
    if slowest:
        lines.append(
            f"- At {largest.observations:,} observations the slowest step is `{slowest[0]}`: {slowest[1]:.0f} s of the"
            f" build's {largest.build.wall:.0f} s; the map step (`map_files`, every map file and the page) takes"
            f" {largest.steps.get('map_files', float('nan')):.1f} s. `data_release` writes the CSV and Parquet files,"
            " `datapackage.json` and `reports.xlsx`, the spreadsheet being nearly all of it (profiled at 10^5"
            f" observations). Validation and marts alone peak at {largest.plain.peak_mb:,.0f} MiB; the build's"
            f" {largest.build.tree_peak_mb:,.0f} MiB is reached after them."
        )
    biggest = max(cases, key=lambda c: c.sizes.get("map/index.html", 0))
    per_state = (biggest.page["data"]) / max(1, biggest.page["states"])
    page_fits = biggest.sizes.get("map/index.html", 0) <= PAGE_BYTES
    lines.append(
        f"- index.html at {_label(biggest)} observations and {biggest.sources:,} sources: the map"
        f" {biggest.page['svg']:,} bytes, the data {biggest.page['data']:,} bytes for {biggest.page['states']:,}"
        f" states of {biggest.page['countries']} countries (about {per_state:,.0f} bytes each with its share of"
        f" the {biggest.page['sources']:,} sources listed), {'within' if page_fits else 'over'} the budget. Each"
        " text is written once in a page-wide table and the names a page lists share a byte budget"
        " (map/render_html.py), so what differs between sizes is the states' own labels, status lines and"
        " notes, which change from year to year."
    )
    cut = [c for c in cases if c.page.get("left_out")]
    lines.append(
        "- Years left out of the page: "
        + (
            "; ".join(
                f"at {_label(c)} observations ({c.page['countries']} countries) the page holds"
                f" {c.page['first_year']}–{c.page['latest']} and leaves out {c.page['left_out']} earlier years with"
                " evidence"
                for c in cut
            )
            if cut
            else "none at any size measured"
        )
        + "; every year stays in `country_years.csv` and the release."
    )
    geojson = max(c.sizes.get("map/countries.geojson", 0) for c in cases)
    most = max(cases, key=lambda c: c.page.get("countries", 0))
    lines.append(
        "- countries.geojson holds the shapes of the countries named and each one's properties; the features'"
        " source titles and ids share byte budgets, and the more countries there are, the more coarsely the"
        f" shapes are simplified (map/map_features.py): with {most.page.get('countries', 0)} countries the"
        f" file is {most.sizes.get('map/countries.geojson', 0):,} bytes, so it is"
        f" {'within' if geojson <= GEOJSON_BYTES else 'over'} its budget at every size measured."
    )
    return lines + [""]


def _default_sources(observations: int) -> int:
    from benchmarks.synthetic import source_count

    return source_count(observations)
