"""Issue 24: index.html stays within 1 MB and countries.geojson within its 300 kB budget whatever
the reports: a generated worst case (every country with a shape on the map, every year the
contract accepts, a figure that changes every year, ten sources per country and year with ids,
titles, glosses, publishers and origins at the contract's limits, full of characters JSON and HTML
escape) rendered through the functions the build uses (no build)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from nk_pipeline.map import map_features, map_scene, render_html
from nk_pipeline.map.map_outputs import LISTED
from nk_pipeline.marts import vocabulary
from nk_pipeline.raw import contract, countries
from nk_pipeline.raw.schemas import EARLIEST_YEAR, current_year
from nk_pipeline.staging import boundaries
from tests.conftest import SHIPPED_RAW

LONGEST = contract.MAX_CHARS_BY_COLUMN["title"]  # 500, as for title_en, publisher and origin
ID_CHARS = contract.SOURCES.max_chars("source_id")
STATUSES = ("estimate", "estimate", "none_reported_remaining", "present", "estimate")


def _long(tag: str) -> str:
    """A text at the contract's limit whose every character costs the most once escaped."""
    return (f"{tag} " + '<&>"é' * LONGEST)[:LONGEST]


def _row(iso3: str, year: int, latest: int) -> dict[str, object]:
    status = STATUSES[year % len(STATUSES)]
    ids = [f"{iso3.lower()}-{year}-{i}-".ljust(ID_CHARS, "x") for i in range(LISTED)]
    central = 1_000 + 37 * year + len(iso3) if status == "estimate" else None
    return {
        "iso3": iso3,
        "country": countries.display_name(iso3),
        "year": year,
        "status": status,
        "workers_low": None if central is None else central // 2,
        "workers_high": None if central is None else central * 2,
        "workers_central": central,
        "reference_year": year,
        "reference_year_from_publication": False,
        "label": f"{central:,} ({year})" if central else vocabulary.STATUS[status].label,
        "has_restaurants": True,
        "has_it_workers": True,
        "it_workers_note": f"North Korean IT workers reported ({year}): 10–{year}",
        "it_source_ids": ";".join(ids),
        "confidence": "low" if central else None,
        "stale": year < 2020,
        "n_sources": 10_000,
        "source_ids": ";".join(ids),
        "n_origins": 5_000,
        "origin_chain": "; ".join(_long(f"Origin {iso3} {year} {i}") for i in range(LISTED)) + "; and 4990 more",
        "sent_home_since": None,
        "source_titles": " | ".join(_long(f"Title {i}") for i in ids) + " | and 9990 more",
        "repatriated_reported": 1_000,
        "repatriation_reports": "; ".join(f"1,000 sent home ({i})" for i in ids) + "; and 9990 more",
        "repatriation_source_ids": ";".join(ids),
        "reported_in_year": True,
        "is_latest": year == latest,
    }


@pytest.fixture(scope="module")
def worst_case():
    shapes = boundaries.load_boundaries(SHIPPED_RAW / contract.BOUNDARIES.path)
    hosts = sorted(iso3 for iso3 in shapes["iso3"] if iso3 != "PRK" and countries.iso3_to_numeric(iso3))
    latest = current_year()
    years = pd.DataFrame([_row(iso3, y, latest) for iso3 in hosts for y in range(EARLIEST_YEAR, latest + 1)])
    ids = [i for cell in years["source_ids"] for i in cell.split(";")]
    sources = pd.DataFrame(
        {
            "source_id": ids,
            "title": [_long(f"Title {i}") for i in ids],
            "title_en": [_long(f"Gloss {i}") for i in ids],
            "publisher": [_long(f"Publisher {i}") for i in ids],
            "published": "2024-01-01",
            "url": [f"https://example.org/{i}" for i in ids],
            "kind": "media",
            "current": True,
        }
    )
    rows = years[years["is_latest"]].drop(columns=["year", "is_latest", "reported_in_year"]).reset_index(drop=True)
    return shapes, rows, years, sources


def test_the_page_stays_within_its_budget(worst_case):
    shapes, rows, years, sources = worst_case
    scene = map_scene.build_scene(rows, shapes, map_scene.series_classes(years))
    page = render_html.html_document(scene, rows, sources, years)
    assert len(page.encode("utf-8")) <= render_html.PAGE_BYTES
    # the tooltips still name the latest year's sources and count the rest
    data = json.loads(page.split('id="map-data">')[1].split("</script>")[0])
    assert data["sources"] and any("more" in text for text in data["texts"])
    # a state per country and year for 77 years cannot fit: the page holds the latest years that do,
    # every country in each, and its note says which years it leaves out and where they are
    kept = data["years"]
    assert kept[-1] == current_year() and len(kept) > 1 and kept == list(range(kept[0], kept[-1] + 1))
    assert all(len(c["years"]) == len(kept) and -1 not in c["years"] for c in data["countries"].values())
    note = re.search(r'<p class="year-note" id="year-note">(.*?)</p>', page).group(1)
    left_out = kept[0] - EARLIEST_YEAR
    assert (
        f"on this page: {kept[0]}–{kept[-1]} (the {left_out} earlier ones, {EARLIEST_YEAR}–{kept[0] - 1}, are left out"
        in note
    )
    assert '<a href="../data/country_years.csv" download>country_years.csv</a>' in note


def test_the_geojson_stays_within_its_budget(worst_case, tmp_path):
    shapes, rows, _, _ = worst_case
    features, _ = map_features.country_features(rows, shapes)
    path = map_features.write_geojson(features, tmp_path / "countries.geojson")
    assert path.stat().st_size <= map_features.GEOJSON_BYTES
    # each feature keeps whole titles, and says how many more there are
    assert all(t.endswith("more") for t in features["source_titles"])
