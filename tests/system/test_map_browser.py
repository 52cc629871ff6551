"""index.html in a real browser: Debian's headless Chromium, driven by Playwright, opening the file from disk.

One browser per module; each test gets a fresh page. Two builds are used: the shipped one
(shared session fixture) and one variant of raw/ in a temporary folder, which at once adds a
restaurants-only country (by removing its worker rows, never by adding facts) and plants a
script in a source title. One variant build instead of two keeps the suite fast.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ARTIFACTS, BROWSER_TESTS, chromium, copy_raw, run_build

INJECTED = "<script>window.__pwned=1</script>Title"

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def browser(variant_build):
    # the build first (chromium() says why)
    with chromium() as browser:
        yield browser


class Page:
    """A page opened from disk, with everything it asked the network for and every error it logged."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url)

    def hover_country(self, iso3: str) -> str:
        """Point at the country's anchor (its bounding box centre can be elsewhere: Russia spans the map)."""
        x, y = self.page.evaluate(
            """iso3 => {
                const shape = document.querySelector(`path[data-iso3="${iso3}"]`);
                const point = shape.ownerSVGElement.createSVGPoint();
                point.x = +shape.dataset.x; point.y = +shape.dataset.y;
                const screen = point.matrixTransform(shape.ownerSVGElement.getScreenCTM());
                return [screen.x, screen.y];
            }""",
            iso3,
        )
        self.page.mouse.move(x, y)
        return self.tooltip()

    def tooltip(self) -> str:
        tip = self.page.locator("#tip")
        tip.wait_for(state="visible", timeout=2000)
        return tip.inner_text()

    def close(self):
        self.page.close()


@pytest.fixture()
def shipped_page(browser, shipped_build):
    page = Page(browser, shipped_build.paths.map_dir / "index.html")
    yield page
    page.close()


def _labels(build) -> dict[str, tuple[str, str, str]]:
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        rows = conn.execute("SELECT iso3, country, status, label FROM marts.country_estimates").fetchall()
    return {iso3: (name, status, label) for iso3, name, status, label in rows}


def _rewrite_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def variant_build(tmp_path_factory, shipped_build):
    """raw/ with one restaurant country's worker rows removed and a script planted in one source title."""
    root = tmp_path_factory.mktemp("map-variant")
    raw = copy_raw(root / "raw")
    with (raw / "restaurants.csv").open(encoding="utf-8", newline="") as handle:
        restaurant_countries = {row["country"] for row in csv.DictReader(handle)}
    with (raw / "country_estimates.csv").open(encoding="utf-8", newline="") as handle:
        estimates = list(csv.DictReader(handle))
    # the restaurant country with the fewest worker rows: the smallest change that yields restaurants_only
    counts = {c: sum(r["country"] == c for r in estimates) for c in restaurant_countries}
    dropped = min(sorted(counts), key=lambda c: counts[c] if counts[c] else 10**9)
    _rewrite_csv(raw / "country_estimates.csv", lambda rows: [r for r in rows if r["country"] != dropped])
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        russia_source = conn.execute(
            "SELECT split_part(source_ids, ';', 1) FROM marts.country_estimates WHERE iso3 = 'RUS'"
        ).fetchone()[0]

    def plant(rows):
        for row in rows:
            if row["source_id"] == russia_source:
                row["title"] = INJECTED
        return rows

    _rewrite_csv(raw / "sources.csv", plant)
    build = run_build(raw, root / "warehouse")
    assert build.success, "the variant data must build"
    restaurants_only = [iso3 for iso3, (_, status, _) in _labels(build).items() if status == "restaurants_only"]
    assert restaurants_only, f"removing {dropped}'s worker rows should leave it restaurants_only"
    yield build, restaurants_only[0]
    shutil.rmtree(root, ignore_errors=True)


def test_page_loads_from_disk_without_errors_or_network(shipped_page):
    shipped_page.page.wait_for_load_state("load")
    assert shipped_page.requests == [shipped_page.url]
    assert shipped_page.errors == []
    assert shipped_page.page.locator("path[data-iso3]").count() >= 40


def test_hovering_russia_shows_its_label_and_sources(shipped_page, shipped_build):
    name, _, label = _labels(shipped_build)["RUS"]
    text = shipped_page.hover_country("RUS")
    assert name in text and label in text and "Source" in text
    assert shipped_page.page.locator("#highlight").get_attribute("d")
    ARTIFACTS.mkdir(exist_ok=True)
    shipped_page.page.screenshot(path=str(ARTIFACTS / "map-hover-russia.png"))
    assert (ARTIFACTS / "map-hover-russia.png").stat().st_size > 10_000


def test_presence_only_small_state_shows_its_own_text_from_its_dot(shipped_page, shipped_build):
    name, status, label = _labels(shipped_build)["MUS"]
    assert status == "present"
    shipped_page.page.locator('circle[data-iso3="MUS"]').hover()
    text = shipped_page.tooltip()
    assert name in text and label in text
    assert "4,000" not in text  # not another country's figure


def test_a_country_with_only_it_workers_says_so_and_is_counted_apart(shipped_page, shipped_build):
    name, status, label = _labels(shipped_build)["KHM"]
    assert status == "it_workers_only"
    text = shipped_page.hover_country("KHM")
    assert name in text and label in text
    assert "IT workers are counted apart from the labourers" in text
    # the legend counts the status, and China's row notes its IT workers beside its estimate
    assert "Only North Korean IT workers reported" in shipped_page.page.locator("#legend").inner_text()
    assert "North Korean IT workers reported (2025): 1,000–1,500" in shipped_page.hover_country("CHN")


def test_border_statistics_are_drawn_per_host(shipped_page):
    figures = shipped_page.page.locator("figure.entries")
    assert figures.count() == 2
    text = shipped_page.page.locator("#entries").locator("xpath=..").inner_text()
    assert "Russia" in text and "student visa" in text
    bars = shipped_page.page.locator("figure.entries").nth(1).locator("rect title")
    assert any("2024: study 7,887" in (bars.nth(i).text_content() or "") for i in range(bars.count()))


def test_moving_off_the_countries_hides_the_tooltip(shipped_page):
    shipped_page.hover_country("CHN")
    shipped_page.page.mouse.move(2, 2)
    shipped_page.page.locator("#tip").wait_for(state="hidden", timeout=2000)


def test_keyboard_focus_shows_the_tooltip(shipped_page):
    page = shipped_page.page
    for _ in range(8):  # the countries come right after the year control's four controls (issue 12)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-iso3')"):
            break
    focused = page.evaluate("[document.activeElement.dataset.iso3, document.activeElement.getAttribute('aria-label')]")
    assert focused[0], "Tab reaches a country"
    text = shipped_page.tooltip()
    assert focused[1].split(":")[0] in text
    page.keyboard.press("Tab")
    following = page.evaluate("document.activeElement.dataset.iso3")
    assert following and following != focused[0]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-keyboard.png"))
    page.keyboard.press("Escape")
    page.locator("#tip").wait_for(state="hidden", timeout=2000)


def test_restaurants_only_country_shows_its_own_text(browser, variant_build):
    build, iso3 = variant_build
    name, _, label = _labels(build)[iso3]
    page = Page(browser, build.paths.map_dir / "index.html")
    try:
        text = page.hover_country(iso3)
        assert name in text and label in text and "restaurants" in text.lower()
        assert page.page.locator(f'path[data-iso3="{iso3}"]').get_attribute("fill") == "url(#pattern-restaurants)"
    finally:
        page.close()


def test_a_script_in_a_source_title_is_shown_as_text_not_run(browser, variant_build):
    build, _ = variant_build
    page = Page(browser, build.paths.map_dir / "index.html")
    try:
        assert page.page.evaluate("typeof window.__pwned") == "undefined"
        text = page.hover_country("RUS")
        assert INJECTED in text
        page.page.locator("summary", has_text="Show the table").click()  # the table of every source
        assert page.page.locator("table").get_by_text(INJECTED).first.is_visible()
        assert page.page.evaluate("typeof window.__pwned") == "undefined"
        assert page.errors == [] and page.requests == [page.url]
    finally:
        page.close()
