"""Issue 12: index.html's year control in a real browser (Debian's headless Chromium via Playwright).

The page is opened from disk with and without a `#year=` fragment; the labels it shows are
compared with marts.country_years; the control is operated by keyboard only; and the page
must ask the network for nothing but itself.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import ARTIFACTS, BROWSER_TESTS, chromium

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def browser(shipped_build):
    # the build first (chromium() says why)
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def series(shipped_build):
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        rows = conn.execute("SELECT iso3, country, year, status, label FROM marts.country_years").fetchall()
        titles = dict(conn.execute("SELECT source_id, title FROM marts.sources").fetchall())
    return {(iso3, year): (name, status, label) for iso3, name, year, status, label in rows}, titles


class YearPage:
    def __init__(self, browser, build, fragment: str = ""):
        self.file = (build.paths.map_dir / "index.html").resolve().as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.goto(self.file + fragment)
        self.page.wait_for_load_state("load")

    def year(self) -> str:
        return self.page.locator("#year-value").inner_text()

    def tooltip_of(self, iso3: str) -> str:
        self.page.locator(f'path[data-iso3="{iso3}"]').focus()
        tip = self.page.locator("#tip")
        tip.wait_for(state="visible", timeout=2000)
        return tip.inner_text()

    def only_itself_was_requested(self) -> bool:
        return [url.split("#")[0] for url in self.requests] == [self.file]

    def close(self):
        self.page.close()


@pytest.fixture()
def opened(browser, shipped_build):
    pages = []

    def open_page(fragment: str = "") -> YearPage:
        pages.append(YearPage(browser, shipped_build, fragment))
        return pages[-1]

    yield open_page
    for page in pages:
        page.close()


def test_a_year_fragment_selects_the_year_and_its_labels(opened, series):
    rows, _ = series
    page = opened("#year=2017")
    assert page.year() == "2017"
    name, _, label = rows[("RUS", 2017)]
    text = page.tooltip_of("RUS")
    assert name in text and label in text and "As of 2017" in text
    # the tooltip's chart: one mark per year of the series, the chosen year marked
    assert page.page.locator("#tip svg.tip-chart line.now").count() == 1
    assert page.page.locator("#tip svg.tip-chart circle").count() >= 10
    # a country first reported after 2017 is drawn as land and left out of the tab order
    late = sorted(iso3 for (iso3, year) in rows if year == 2025 and (iso3, 2017) not in rows)[0]
    shape = page.page.locator(f'path[data-iso3="{late}"]')
    assert shape.get_attribute("tabindex") == "-1" and shape.get_attribute("aria-hidden") == "true"
    # the legend counts the countries of 2017
    counted = page.page.evaluate(
        "[...document.querySelectorAll('#legend [data-legend]:not([hidden]) .legend-count')].reduce((n, e) => n + +e.textContent, 0)"
    )
    assert counted == sum(1 for (_, year) in rows if year == 2017)
    assert page.errors == [] and page.only_itself_was_requested()
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "map-year-2017.png"))


def test_without_a_fragment_the_page_shows_the_latest_year(opened, series):
    rows, titles = series
    page = opened()
    latest = max(year for _, year in rows)
    assert page.year() == f"{latest} (latest)"
    # Algeria: its government's 2020 report that none remain is more than two years old: what was
    # last reported, drawn pale and lined, never as a current figure
    name, status, label = rows[("DZA", latest)]
    assert (status, label) == ("last_reported", "Last reported: none remaining (2020)")
    text = page.tooltip_of("DZA")
    assert name in text and label in text and "not an estimate of this year" in text
    assert page.page.locator('path[data-iso3="DZA"]').get_attribute("fill") == "url(#pattern-last)"
    assert page.page.locator('#legend [data-legend="last_reported"]').is_visible()
    assert page.only_itself_was_requested()


def test_in_2020_the_page_names_the_report_that_none_remain(opened, series):
    rows, titles = series
    page = opened("#year=2020")
    name, status, label = rows[("DZA", 2020)]
    assert (status, label) == ("none_reported_remaining", "None reported remaining (2020)")
    text = page.tooltip_of("DZA")
    assert name in text and label in text and "no North Korean workers remain" in text
    assert titles["rfa-kr-2020-algeria"] in text
    assert page.page.locator('path[data-iso3="DZA"]').get_attribute("fill") == "url(#pattern-none)"
    assert page.page.locator('#legend [data-legend="none_reported_remaining"]').is_visible()


def test_a_fragment_outside_the_years_falls_back_to_the_latest(opened, series):
    rows, _ = series
    page = opened("#year=1850")
    latest = max(year for _, year in rows)
    assert page.year() == f"{latest} (latest)"
    # and says so: which year was asked for, which is shown
    note = page.page.locator("#year-fallback")
    assert note.is_visible() and "1850" in note.inner_text() and f"Showing {latest}" in note.inner_text()


def test_the_year_control_works_by_keyboard_and_says_the_year(opened, series):
    rows, _ = series
    page = opened()
    keyboard = page.page.keyboard
    for _ in range(6):
        keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.id") == "year":
            break
    assert page.page.evaluate("document.activeElement.id") == "year", "Tab reaches the year slider"
    years = [int(y) for y in page.page.locator("#year").get_attribute("data-years").split(",")]
    keyboard.press("ArrowLeft")
    previous = years[-2]
    assert page.year() == str(previous)
    assert page.page.locator("#year").get_attribute("aria-valuetext") == str(previous)
    assert page.page.evaluate("location.hash") == f"#year={previous}"
    keyboard.press("Home")
    assert page.year() == str(years[0])
    # the buttons too: Tab to "next", Enter
    keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.id") == "year-next"
    keyboard.press("Enter")
    assert page.year() == str(years[1])
    keyboard.press("Tab")
    keyboard.press("Enter")  # "Latest"
    assert page.year() == f"{years[-1]} (latest)" and page.page.evaluate("location.hash") == ""
    # the map follows: a country's shape now speaks for the latest year
    name, _, label = rows[("RUS", years[-1])]
    assert label in page.page.locator('path[data-iso3="RUS"]').get_attribute("aria-label")
    assert page.errors == [] and page.only_itself_was_requested()


def test_legend_entries_without_countries_that_year_are_hidden(opened, series):
    rows, _ = series
    first_zero = min(year for (_, year), (_, status, _) in rows.items() if status == "none_reported_remaining")
    page = opened(f"#year={first_zero - 1}")
    assert not page.page.locator('#legend [data-legend="none_reported_remaining"]').is_visible()
    page.page.keyboard.press("Tab")  # into the page, then the buttons: move to the first year with a zero
    page.page.evaluate(f"location.hash = '#year={first_zero}'")
    page.page.wait_for_function(f"document.getElementById('year-value').textContent.startsWith('{first_zero}')")
    assert page.page.locator('#legend [data-legend="none_reported_remaining"]').is_visible()
