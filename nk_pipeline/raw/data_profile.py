"""The data profile of raw/README.md: what the curated inputs hold, counted from the files.

Two blocks of raw/README.md are generated, each between its markers, so that the profile can
never drift from the data unnoticed (tests/unit/test_data_profile.py recomputes both):

- `raw`: sources per kind, observations per year and measure, places by the evidence the raw
  files hold, and the lead verdicts (counted from the leads table, also in raw/README.md);
- `warehouse`: places per status in marts.country_estimates, which needs a build.

Regenerate after editing raw/:  uv run python -m nk_pipeline.raw.data_profile --warehouse warehouse/nk.duckdb
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from collections import Counter
from pathlib import Path

from nk_pipeline.raw import contract, countries
from nk_pipeline.raw.reading import read_input

BLOCKS = ("contract", "raw", "warehouse")
NOT_STATED = "not stated"


def markers(block: str) -> tuple[str, str]:
    return f"<!-- profile:{block} -->", f"<!-- /profile:{block} -->"


def _rows(raw_dir: Path, spec: contract.RawFile) -> list[dict[str, str]]:
    # read as the build reads it: a link, a special file or an oversized file is refused
    text = read_input(raw_dir, spec.path, spec.max_bytes).decode("utf-8-sig")
    return [r for r in csv.DictReader(io.StringIO(text, newline="")) if any((v or "").strip() for v in r.values())]


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def place_evidence(raw_dir: Path) -> Counter[str]:
    """Each place by the strongest evidence the raw files hold for it."""
    order = (
        "worker figure (stock or permits)",
        "other figure (residents, site, staff, inflow)",
        "presence only",
        "projects only",
        "IT workers only",
        "restaurants only",
    )
    best: dict[str, int] = {}

    def note(name: str, rank: int) -> None:
        code = countries.to_iso3(name)
        best[code] = min(best.get(code, rank), rank)

    for r in _rows(raw_dir, contract.COUNTRY_ESTIMATES):
        measure = r["measure"].strip()
        rank = (
            0
            if measure in contract.WORKER_MEASURES
            else 2
            if measure == "presence"
            else 3
            if measure == "project"
            else 1
        )
        note(r["country"], rank)
    for r in _rows(raw_dir, contract.IT_WORKERS):
        note(r["country"], 4)
    for r in _rows(raw_dir, contract.RESTAURANTS):
        note(r["country"], 5)
    counts = Counter(order[rank] for rank in best.values())
    return Counter({label: counts[label] for label in order})


def coverage(raw_dir: Path) -> list[list[object]]:
    """Per place: worker-figure rows, other rows, restaurant rows and distinct sources."""
    tally: dict[str, list] = {}
    for spec in (contract.COUNTRY_ESTIMATES, contract.RESTAURANTS):
        for r in _rows(raw_dir, spec):
            entry = tally.setdefault(countries.to_iso3(r["country"]), [0, 0, 0, set()])
            if spec is contract.RESTAURANTS:
                entry[2] += 1
            elif r["measure"].strip() in contract.WORKER_MEASURES:
                entry[0] += 1
            else:
                entry[1] += 1
            entry[3].add(r["source_id"].strip())
    places = sorted(tally.items(), key=lambda kv: countries.display_name(kv[0]))
    return [[countries.display_name(code), w, o, r, len(ids)] for code, (w, o, r, ids) in places]


def lead_verdicts(readme: str) -> Counter[str]:
    """Verdicts of the leads table in raw/README.md (its last column)."""
    section = readme.split("### The 32 leads", 1)[1].split("\n### ", 1)[0]
    verdicts = [line.split("|")[-2].strip() for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    return Counter(verdicts)


def raw_block(raw_dir: Path, readme: str) -> str:
    sources = _rows(raw_dir, contract.SOURCES)
    kinds = Counter(r["kind"].strip() for r in sources)
    estimates = _rows(raw_dir, contract.COUNTRY_ESTIMATES)
    by_year = Counter((r["reference_year"].strip() or NOT_STATED, r["measure"].strip()) for r in estimates)
    measures = [m for m in contract.MEASURES if any(k[1] == m for k in by_year)]
    years = sorted({y for y, _ in by_year}, key=lambda y: (y == NOT_STATED, y))
    lines = [
        f"**Sources per kind** ({len(sources)} sources; official kinds: {', '.join(contract.OFFICIAL_SOURCE_KINDS)})",
        "",
    ]
    lines += _table(["kind", "sources"], [[k, kinds[k]] for k in contract.SOURCE_KINDS])
    lines += [
        "",
        f"**Observations per reference year and measure** (`country_estimates.csv`, {len(estimates)} rows)",
        "",
    ]
    lines += _table(
        ["year", *measures, "all"],
        [[y, *(by_year[(y, m)] or "" for m in measures), sum(by_year[(y, m)] for m in measures)] for y in years],
    )
    lines += ["", "**Other observations**", ""]
    others = [
        (spec.filename, len(_rows(raw_dir, spec)))
        for spec in contract.CITING_FILES
        if spec is not contract.COUNTRY_ESTIMATES
    ]
    lines += _table(["file", "rows"], [[f"`{name}`", n] for name, n in others])
    places = place_evidence(raw_dir)
    lines += ["", f"**Places by the strongest evidence in raw/** ({sum(places.values())} places)", ""]
    lines += _table(["evidence", "places"], [[k, v] for k, v in places.items()])
    lines += [
        "",
        "**Coverage per place** (rows of `country_estimates.csv` and `restaurants.csv`, distinct sources)",
        "",
    ]
    lines += _table(["place", "worker figures", "other rows", "restaurant rows", "sources"], coverage(raw_dir))
    verdicts = lead_verdicts(readme)
    lines += ["", f"**Leads of `leads_2026-12.csv`** ({sum(verdicts.values())} leads; table below)", ""]
    lines += _table(["verdict", "leads"], sorted(([k, v] for k, v in verdicts.items()), key=lambda kv: -kv[1]))
    return "\n".join(lines)


def warehouse_block(warehouse_db: Path) -> str:
    import duckdb

    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        statuses = conn.execute(
            "SELECT status, count(*), string_agg(country, ', ' ORDER BY country) "
            "FROM marts.country_estimates GROUP BY ALL ORDER BY 2 DESC, 1"
        ).fetchall()
    lines = [f"**Places per status in `marts.country_estimates`** ({sum(n for _, n, _ in statuses)} places)", ""]
    return "\n".join(lines + _table(["status", "places", "which"], [list(s) for s in statuses]))


def contract_block() -> str:
    """raw/README.md's contract table, from raw.contract: each file's columns with their rules and
    vocabularies as the contract declares them."""
    rows = []
    for spec in contract.RAW_FILES:
        notes = dict(spec.column_notes)
        cells = ", ".join(f"{c} ({notes[c]})" if c in notes else c for c in spec.columns)
        tail = [spec.file_note] if spec.file_note else []
        if spec.may_be_empty:
            tail.append("a header alone is a valid file")
        rows.append([f"`{spec.filename}`", cells + (" — " + "; ".join(tail) if tail else "")])
    reference = contract.BOUNDARIES
    rows.append(
        [
            f"`{reference.path.split('/')[0]}/`",
            f"{reference.description} Origin, licence and sha256 in `reference/README.md`",
        ]
    )
    return "\n".join([*_table(["file", "columns"], rows), "", *limits_lines()])


def _mib(size: int) -> str:
    return f"{size:,} bytes ({size / 2**20:g} MiB)"


def limits_lines() -> list[str]:
    """raw/README.md's list of the limits, from raw.contract."""
    by_limit: dict[int, list[str]] = {}
    for column, limit in contract.MAX_CHARS_BY_COLUMN.items():
        by_limit.setdefault(limit, []).append(column)
    wider = "; ".join(f"{', '.join(columns)}: {limit:,}" for limit, columns in sorted(by_limit.items()))
    return [
        "**Limits**, each checked before the work it protects (a file's size before it is read, a cell's length before any other rule):",
        "",
        f"- a raw file holds at most {_mib(contract.MAX_FILE_BYTES)}; the boundaries file at most "
        f"{_mib(contract.MAX_REFERENCE_BYTES)}. A symbolic link, a folder, a pipe or a device where a file belongs is "
        "refused unread, its path named: only the raw folder's own files are read.",
        f"- a cell holds at most {contract.MAX_CHARS:,} characters, except {wider}.",
        f"- a figure (every whole-number column, and the values of `reviewed_changes.csv`) is at most "
        f"{contract.MAX_WHOLE_NUMBER:,}.",
        "- a URL holds no control character or invisible direction mark; every message prints such characters as "
        "escapes (`\\x1b`, `\\u202e`).",
    ]


def block_in(readme: str, block: str) -> str:
    start, end = markers(block)
    return readme.split(start, 1)[1].split(end, 1)[0].strip("\n")


def replace_block(readme: str, block: str, text: str) -> str:
    start, end = markers(block)
    head, rest = readme.split(start, 1)
    return f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=Path("raw"))
    parser.add_argument("--warehouse", type=Path, help="a built nk.duckdb, for places per status")
    args = parser.parse_args()
    path = args.raw_dir / "README.md"
    readme = path.read_text(encoding="utf-8")
    readme = replace_block(readme, "contract", contract_block())
    readme = replace_block(readme, "raw", raw_block(args.raw_dir, readme))
    if args.warehouse:
        readme = replace_block(readme, "warehouse", warehouse_block(args.warehouse))
    path.write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
