"""Deterministic synthetic raw folders of any size, shaped like the curated data.

Every file of the contract is written and every row passes it, and the shipped boundaries are
copied beside them, so that `nk-pipeline build` accepts the folder and a run measures the whole
build (maps, page and release) rather than an early failure. The figures are invented: these
folders live in a temporary directory and never go near raw/.

Shapes follow the real inputs: many sources of five kinds, each with its own id and title; the
countries are those the shipped data names (each with a shape on the map), spelled as the
shipped files spell them, a few named far more often than the rest; ranges, floors, ceilings and
bare presence; figures sometimes printed with thousands separators; sectors, evidence and notes
as free text.
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from nk_pipeline.raw import contract, countries
from nk_pipeline.raw.schemas import EARLIEST_YEAR, MAX_EVIDENCE_WORDS
from nk_pipeline.staging import boundaries

SHIPPED_RAW = Path(__file__).resolve().parent.parent / "raw"

FIRST_YEAR, LAST_YEAR = 1990, 2025
WORDS = (
    "workers report north korean laborers sent abroad construction sites logging camps embassy "
    "restaurants fishing vessels estimate ministry data permits issued dispatched according "
    "officials interview defectors sanctions resolution remaining repatriated government says "
    "about least more than thousand hundreds employed companies contracts wages state earn "
    "revenue overseas via brokers region province city factory textile shipyard farm mining"
).split()
MEASURE_WEIGHTS = {
    "stock": 0.45,
    "permits": 0.15,
    "presence": 0.15,
    "residents": 0.08,
    "site": 0.07,
    "restaurant_staff": 0.05,
    "inflow": 0.05,
}
PERIODS = ("full_year", "Q1", "Q2", "Q3", "Q4", "H1", "H2", "Jan-Sep")


def country_names(raw_dir: Path = SHIPPED_RAW) -> list[str]:
    """The countries the shipped data names, as its files spell them: real places the validator
    resolves and the boundaries draw (a name with no shape would stop the map step)."""
    names = set()
    for raw_file in (contract.COUNTRY_ESTIMATES, contract.RESTAURANTS, contract.IT_WORKERS):
        with (raw_dir / raw_file.filename).open(encoding="utf-8", newline="") as handle:
            names.update(row["country"] for row in csv.DictReader(handle))
    return sorted(names)


def every_country_name(raw_dir: Path = SHIPPED_RAW) -> list[str]:
    """Every country the shipped boundaries draw, by a name the validator resolves back to it (North
    Korea aside): the most places a folder can name, for the map's and the page's worst case."""
    shapes = boundaries.load_boundaries(raw_dir / contract.BOUNDARIES.path)
    names = (countries.display_name(iso3) for iso3 in shapes["iso3"] if iso3 != "PRK")
    return sorted({name for name in names if countries.to_iso3(name) in set(shapes["iso3"])})


def _phrases(rng: np.random.Generator, count: int, max_words: int) -> np.ndarray:
    lengths = rng.integers(3, max_words + 1, size=count)
    words = np.array(WORDS, dtype=object)
    return np.array([" ".join(rng.choice(words, size=n)) for n in lengths], dtype=object)


def _zipf_weights(count: int, rng: np.random.Generator) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** 0.8
    rng.shuffle(weights)
    return weights / weights.sum()


def _thousands(values: np.ndarray, grouped: np.ndarray) -> np.ndarray:
    text = values.astype(np.int64).astype(str).astype(object)
    text[grouped] = [f"{v:,}" for v in values[grouped].astype(np.int64)]
    return text


def _years_text(years: np.ndarray, blank: np.ndarray) -> np.ndarray:
    text = years.astype(str).astype(object)
    text[blank] = ""
    return text


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def sources(rng: np.random.Generator, count: int) -> pd.DataFrame:
    weights = {"un": 0.1, "government": 0.2, "research": 0.25, "media": 0.35, "ngo": 0.05, "mirror": 0.05}
    kinds = rng.choice(list(weights), size=count, p=list(weights.values()))
    ids = np.array([f"{kind}-{i:06d}" for i, kind in enumerate(kinds)], dtype=object)
    year = rng.integers(1995, LAST_YEAR + 1, size=count)
    month = rng.integers(1, 13, size=count)
    day = rng.integers(1, 29, size=count)
    precision = rng.choice(3, size=count, p=[0.2, 0.2, 0.6])
    published = [
        f"{y}" if p == 0 else f"{y}-{m:02d}" if p == 1 else f"{y}-{m:02d}-{d:02d}"
        for y, m, d, p in zip(year, month, day, precision)
    ]
    # distinct titles, as distinct reports have: the map and the page list them by title
    titles = [f"{phrase} ({i})" for i, phrase in enumerate(_phrases(rng, count, 12))]
    return pd.DataFrame(
        {
            "source_id": ids,
            "title": titles,
            # a tenth of the titles are in another language and carry an English gloss
            "title_en": np.where(rng.random(count) < 0.9, "", _phrases(rng, count, 12)),
            "publisher": rng.choice(
                ["UN Panel of Experts", "Reuters", "NK News", "Ministry", "", "Institute"], size=count
            ),
            "authors": np.where(rng.random(count) < 0.6, "", "A. Author; B. Author"),
            "published": published,
            "url": [f"https://example.org/{source_id}" for source_id in ids],
            "kind": kinds,
            "notes": np.where(rng.random(count) < 0.9, "", "mirror read, original offline"),
        }
    )


def country_estimates(
    rng: np.random.Generator, count: int, source_ids: np.ndarray, names: list[str], first_year: int = FIRST_YEAR
) -> pd.DataFrame:
    # draw extra rows so that dropping duplicate keys still leaves `count`
    draw = int(count * 1.1) + 100
    country = rng.choice(np.array(names, dtype=object), size=draw, p=_zipf_weights(len(names), rng))
    source = rng.choice(source_ids, size=draw)
    measures = np.array(list(MEASURE_WEIGHTS), dtype=object)
    measure = rng.choice(measures, size=draw, p=list(MEASURE_WEIGHTS.values()))
    year = rng.integers(first_year, LAST_YEAR + 1, size=draw)
    year_blank = rng.random(draw) < 0.1
    low = rng.integers(0, 60_000, size=draw)
    high = low + rng.integers(0, 40_000, size=draw)
    shape = rng.choice(4, size=draw, p=[0.5, 0.2, 0.15, 0.15])  # range, floor, ceiling, point
    presence = measure == "presence"
    has_low = ~presence & (shape != 2)
    has_high = ~presence & (shape != 1)
    high = np.where(shape == 3, low, high)
    key = pd.DataFrame(
        {
            "country": country,
            "source": source,
            "year": np.where(year_blank, -1, year),
            "measure": measure,
            "low": np.where(has_low, low, -1),
            "high": np.where(has_high, high, -1),
        }
    )
    keep = ~key.duplicated().to_numpy()
    keep &= np.cumsum(keep) <= count
    grouped = rng.random(draw) < 0.1
    sector_sets = np.array(
        [""]
        + [";".join(sorted(rng.choice(contract.SECTORS, size=k, replace=False))) for k in rng.integers(1, 4, size=199)],
        dtype=object,
    )
    low_text = _thousands(low, grouped)
    high_text = _thousands(high, grouped)
    low_text[~has_low] = ""
    high_text[~has_high] = ""
    frame = pd.DataFrame(
        {
            "country": country,
            "workers_low": low_text,
            "workers_high": high_text,
            "measure": measure,
            "reference_year": _years_text(year, year_blank),
            "sectors": rng.choice(sector_sets, size=draw),
            "source_id": source,
            "evidence": rng.choice(_phrases(rng, 5000, MAX_EVIDENCE_WORDS), size=draw),
            "notes": np.where(rng.random(draw) < 0.85, "", rng.choice(_phrases(rng, 500, 20), size=draw)),
        }
    )
    return frame[keep].reset_index(drop=True)


def it_workers(rng: np.random.Generator, count: int, source_ids: np.ndarray, names: list[str]) -> pd.DataFrame:
    draw = int(count * 1.2) + 10
    year = rng.integers(2015, LAST_YEAR + 1, size=draw)
    counted = rng.random(draw) < 0.3
    low = rng.integers(10, 2_000, size=draw)
    frame = pd.DataFrame(
        {
            "country": rng.choice(np.array(names, dtype=object), size=draw),
            "workers_low": np.where(counted, low.astype(str), ""),
            "workers_high": np.where(counted, (low + rng.integers(0, 1_000, size=draw)).astype(str), ""),
            "measure": np.where(counted, "stock", "presence"),
            "reference_year": _years_text(year, rng.random(draw) < 0.2),
            "source_id": rng.choice(source_ids, size=draw),
            "evidence": rng.choice(_phrases(rng, 500, 15), size=draw),
            "notes": "",
        }
    )
    key = ["country", "source_id", "reference_year", "measure", "workers_low", "workers_high"]
    return frame.drop_duplicates(key).head(count)


def restaurants(rng: np.random.Generator, count: int, source_ids: np.ndarray, names: list[str]) -> pd.DataFrame:
    draw = int(count * 1.2) + 10
    year = rng.integers(2005, LAST_YEAR + 1, size=draw)
    blank = rng.random(draw) < 0.2
    frame = pd.DataFrame(
        {
            "country": rng.choice(np.array(names, dtype=object), size=draw),
            "reference_year": _years_text(year, blank),
            "source_id": rng.choice(source_ids, size=draw),
            "evidence": rng.choice(_phrases(rng, 500, 15), size=draw),
        }
    )
    return frame.drop_duplicates(["country", "source_id", "reference_year"]).head(count)


def border_entries(rng: np.random.Generator, count: int, source_ids: np.ndarray) -> pd.DataFrame:
    draw = int(count * 1.2) + 10
    frame = pd.DataFrame(
        {
            "host": rng.choice(contract.ENTRY_HOSTS, size=draw),
            "year": rng.integers(2000, LAST_YEAR + 1, size=draw).astype(str),
            "period": rng.choice(PERIODS, size=draw),
            "category": rng.choice(contract.ENTRY_CATEGORIES, size=draw),
            "entrants": rng.integers(100, 200_000, size=draw).astype(str),
            "qualifier": rng.choice(["", *contract.ENTRY_QUALIFIERS], size=draw),
            "source_id": rng.choice(source_ids[: max(5, len(source_ids) // 20)], size=draw),
            "evidence": rng.choice(_phrases(rng, 200, 15), size=draw),
        }
    )
    return frame.drop_duplicates(["host", "year", "period", "category", "source_id"]).head(count)


def headline_estimates(rng: np.random.Generator, count: int, source_ids: np.ndarray) -> pd.DataFrame:
    low = rng.integers(1_000, 150_000, size=count)
    high = low + rng.integers(0, 100_000, size=count)
    year = rng.integers(2005, LAST_YEAR + 1, size=count)
    frame = pd.DataFrame(
        {
            "year": _years_text(year, rng.random(count) < 0.05),
            "scope": rng.choice(contract.HEADLINE_SCOPES, size=count),
            "low": low.astype(str),
            "high": np.where(rng.random(count) < 0.3, "", high.astype(str)),
            "source_id": rng.choice(source_ids, size=count),
            "evidence": rng.choice(_phrases(rng, 200, 15), size=count),
        }
    )
    return frame.drop_duplicates(["scope", "year", "source_id", "low", "high"])


def policy_events(rng: np.random.Generator, count: int, source_ids: np.ndarray, names: list[str]) -> pd.DataFrame:
    year = rng.integers(2006, LAST_YEAR + 1, size=count)
    month = rng.integers(1, 13, size=count)
    event = rng.choice(contract.POLICY_EVENTS, size=count)
    un = event == "un_resolution"
    has_figure = rng.random(count) < 0.3
    return pd.DataFrame(
        {
            "date": [f"{y}-{m:02d}" for y, m in zip(year, month)],
            "country": np.where(un, "", rng.choice(np.array(names, dtype=object), size=count)),
            "event": event,
            "reference": np.where(un, "S/RES/2397 (2017)", ""),
            "figure": np.where(has_figure, rng.integers(0, 20_000, size=count).astype(str), ""),
            "figure_meaning": np.where(has_figure, rng.choice(contract.FIGURE_MEANINGS, size=count), ""),
            "source_id": rng.choice(source_ids, size=count),
            "evidence": rng.choice(_phrases(rng, 200, 15), size=count),
        }
    )


def _with_origin(frame: pd.DataFrame, origin_of: dict[str, str]) -> pd.DataFrame:
    """The frame with its `origin` column after `source_id`, as the contract orders it."""
    frame.insert(frame.columns.get_loc("source_id") + 1, "origin", frame["source_id"].map(origin_of))
    return frame


def source_count(observations: int) -> int:
    """How many sources a folder of `observations` cites unless told otherwise."""
    return int(np.clip(observations // 100, 50, 20_000))


def write_raw(
    folder: Path, observations: int, seed: int = 2397, n_sources: int | None = None, every_country: bool = False
) -> Path:
    """A raw folder with `observations` rows in country_estimates.csv and the other files scaled
    to it, citing `n_sources` sources (by default `source_count(observations)`), with the shipped
    boundaries; `every_country`: estimates for every country with a shape, in every year from the
    earliest the contract accepts."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    boundaries = folder / contract.BOUNDARIES.path
    boundaries.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHIPPED_RAW / contract.BOUNDARIES.path, boundaries)
    names = every_country_name() if every_country else country_names()
    source_frame = sources(rng, source_count(observations) if n_sources is None else n_sources)
    ids = source_frame["source_id"].to_numpy()
    _write(source_frame, folder / contract.SOURCES.filename)
    # every source repeats one of a third as many origins, so that windows count echoes once
    origin_of = {source_id: f"Origin {i % max(1, len(ids) // 3)}" for i, source_id in enumerate(ids)}
    _write(
        _with_origin(
            country_estimates(rng, observations, ids, names, EARLIEST_YEAR if every_country else FIRST_YEAR),
            origin_of,
        ),
        folder / contract.COUNTRY_ESTIMATES.filename,
    )
    _write(
        restaurants(rng, int(np.clip(observations // 50, 20, 20_000)), ids, names),
        folder / contract.RESTAURANTS.filename,
    )
    _write(
        _with_origin(border_entries(rng, int(np.clip(observations // 100, 20, 5_000)), ids), origin_of),
        folder / contract.BORDER_ENTRIES.filename,
    )
    _write(
        _with_origin(headline_estimates(rng, int(np.clip(observations // 1000, 10, 2_000)), ids), origin_of),
        folder / contract.HEADLINE_ESTIMATES.filename,
    )
    _write(
        _with_origin(policy_events(rng, int(np.clip(observations // 100, 20, 10_000)), ids, names), origin_of),
        folder / contract.POLICY_EVENTS_FILE.filename,
    )
    it_frame = it_workers(rng, int(np.clip(observations // 100, 20, 10_000)), ids, names)
    _write(_with_origin(it_frame, origin_of), folder / contract.IT_WORKERS.filename)
    # nothing reviewed (a first build has no publish to jump from) and no lead waiting
    _write(pd.DataFrame(columns=list(contract.REVIEWED_CHANGES.columns)), folder / contract.REVIEWED_CHANGES.filename)
    _write(pd.DataFrame(columns=list(contract.LEADS.columns)), folder / contract.LEADS.filename)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("observations", type=int)
    parser.add_argument("--seed", type=int, default=2397)
    parser.add_argument("--sources", type=int, default=None, help="distinct sources cited (default: scaled)")
    parser.add_argument(
        "--every-country", action="store_true", help="every country with a shape, every year from the earliest"
    )
    args = parser.parse_args()
    write_raw(args.folder, args.observations, args.seed, args.sources, args.every_country)


if __name__ == "__main__":
    main()
