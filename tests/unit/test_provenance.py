"""Raw files are what their provenance says they are, and cite only known sources."""

import csv
import hashlib
import re

from nk_pipeline.raw import contract
from nk_pipeline.shared.settings import PROJECT_ROOT

RAW = PROJECT_ROOT / "raw"


def test_boundaries_match_their_recorded_checksum():
    readme = (RAW / "reference" / "README.md").read_text(encoding="utf-8")
    recorded_sha = re.search(r"\| sha256 \| `([0-9a-f]{64})` \|", readme).group(1)
    recorded_bytes = int(re.search(r"\| bytes \| (\d+) \|", readme).group(1))
    data = (RAW / contract.BOUNDARIES.path).read_bytes()
    assert len(data) == recorded_bytes
    assert hashlib.sha256(data).hexdigest() == recorded_sha


def _rows(name):
    with (RAW / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_cited_source_exists_with_a_url():
    sources = {r["source_id"]: r for r in _rows("sources")}
    for spec in contract.CITING_FILES:
        for row in _rows(spec.name):
            assert row["source_id"] in sources, (spec.name, row)
            assert sources[row["source_id"]]["url"].startswith(("http://", "https://"))


def test_the_original_map_page_figures_are_cited():
    china = [r for r in _rows("border_entries") if r["host"] == "China"]
    assert {"year": "2015", "period": "full_year", "category": "total", "entrants": "188000"}.items() <= next(
        r for r in china if r["source_id"] == "nkitw-overseas-workers" and r["category"] == "total"
    ).items()
    headline = [
        (r["scope"], r["low"], r["high"])
        for r in _rows("headline_estimates")
        if r["source_id"] == "nkitw-overseas-workers"
    ]
    assert ("global_workers", "50000", "50000") in headline
    assert ("global_workers", "", "120000") in headline
    assert ("global_revenue_usd", "500000000", "") in headline
    resolutions = [r for r in _rows("policy_events") if r["event"] == "un_resolution" and "2397" in r["reference"]]
    assert resolutions
