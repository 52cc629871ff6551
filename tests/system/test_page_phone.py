"""Issue 23: index.html on a phone (390 × 844, touch) and a desktop (1366 × 900), in Debian's headless Chromium.

Nothing may scroll sideways, the map fills the width, a tapped country's details open without
hiding the map and close with a button, every download link can be reached, a year without a map
says which year is shown, and the charts and the frame do not mislead.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from nk_pipeline.map import map_scene
from tests.conftest import ARTIFACTS, BROWSER_TESTS, chromium

pytestmark = BROWSER_TESTS

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def browser(shipped_build):
    # the build first (chromium() says why)
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def country_years(shipped_build):
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        rows = conn.execute("SELECT iso3, country, year, status, workers_central FROM marts.country_years").fetchall()
    return rows


class Screen:
    """The page opened from disk in a browser context of one size."""

    def __init__(self, browser, build, size: str, fragment: str = ""):
        self.size = size
        self.touch = SIZES[size].get("has_touch", False)
        self.context = browser.new_context(**SIZES[size])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto((build.paths.map_dir / "index.html").resolve().as_uri() + fragment)
        self.page.wait_for_load_state("load")
        self.width = SIZES[size]["viewport"]["width"]

    def overflow(self) -> int:
        """How far the page reaches past the screen's right edge (0 when nothing scrolls sideways)."""
        scroll, inner = self.page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        assert inner == self.width, "the page is laid out at the screen's width (viewport meta)"
        return scroll - inner

    def anchor(self, iso3: str) -> tuple[float, float]:
        """Where the country's label point is on the screen now."""
        return self.page.evaluate(
            """iso3 => {
                const shape = document.getElementById(`shape-${iso3}`);
                const point = shape.ownerSVGElement.createSVGPoint();
                point.x = +shape.dataset.x; point.y = +shape.dataset.y;
                const screen = point.matrixTransform(shape.ownerSVGElement.getScreenCTM());
                return [screen.x, screen.y];
            }""",
            iso3,
        )

    def tap_at(self, x: float, y: float) -> None:
        if self.touch:
            self.page.touchscreen.tap(x, y)
        else:
            self.page.mouse.click(x, y)

    def tap(self, iso3: str) -> None:
        self.page.locator("#map").scroll_into_view_if_needed()
        self.tap_at(*self.anchor(iso3))

    def box(self, selector: str) -> dict:
        return self.page.locator(selector).bounding_box()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"page-{self.size}-{name}.png"))

    def close(self):
        self.context.close()


@pytest.fixture()
def screen(browser, shipped_build):
    opened = []

    def open_screen(size: str, fragment: str = "") -> Screen:
        opened.append(Screen(browser, shipped_build, size, fragment))
        return opened[-1]

    yield open_screen
    for s in opened:
        assert s.errors == []
        s.close()


def _in_view(box: dict, width: int, height: int) -> bool:
    return (
        box["width"] > 0
        and box["x"] < width
        and box["x"] + box["width"] > 0
        and box["y"] < height
        and box["y"] + box["height"] > 0
    )


@pytest.mark.parametrize("size", SIZES)
def test_nothing_scrolls_sideways_and_the_map_fills_the_width(screen, size):
    page = screen(size)
    assert page.overflow() <= 0
    for summary in page.page.locator("summary").all():  # every table opened, the widest state
        summary.click()
    assert page.overflow() <= 0, "an opened table pushes the page sideways"
    page.page.evaluate("scrollTo(0, 0)")
    map_box, main_box = page.box("#map"), page.box("main")
    if size == "phone":
        assert map_box["x"] == 0 and map_box["width"] == page.width, "the map runs edge to edge"
    else:
        assert map_box["width"] == main_box["width"]
    page.shot("tables-open")


@pytest.mark.parametrize("size", SIZES)
def test_a_tapped_country_shows_its_details_beside_the_map_and_closes(screen, size, country_years):
    page = screen(size)
    name = next(country for iso3, country, *_ in country_years if iso3 == "RUS")
    page.tap("RUS")
    tip = page.page.locator("#tip")
    tip.wait_for(state="visible", timeout=2000)
    assert name in tip.inner_text()
    height = SIZES[size]["viewport"]["height"]
    tip_box, map_box = page.box("#tip"), page.box("#map")
    assert _in_view(tip_box, page.width, height) and _in_view(map_box, page.width, height)
    # the place tapped is still the map, not under the details
    x, y = page.anchor("RUS")
    assert page.page.evaluate(f"document.elementFromPoint({x}, {y}).closest('[data-iso3]')?.dataset.iso3") == "RUS"
    if size == "phone":
        assert tip_box["y"] >= map_box["y"] + map_box["height"] - 1, "the details open below the map"
    page.shot("tapped")
    close = page.page.get_by_role("button", name=re.compile(f"^Close the details of {name}$"))
    assert close.is_visible()
    close_box = close.bounding_box()
    assert close_box["width"] >= 40 and close_box["height"] >= 40, "a control a finger can hit"
    close.click()
    tip.wait_for(state="hidden", timeout=2000)
    assert page.page.locator("#highlight").get_attribute("d") == ""


def test_the_details_follow_the_tapped_country_and_clear_where_there_is_no_report(screen, country_years):
    page = screen("phone")
    names = {iso3: country for iso3, country, *_ in country_years}
    tip = page.page.locator("#tip")
    page.tap("RUS")
    tip.wait_for(state="visible", timeout=2000)
    page.tap("CHN")
    page.page.wait_for_function(f"document.querySelector('#tip .tip-name').textContent === {names['CHN']!r}")
    assert names["RUS"] not in tip.locator(".tip-name").inner_text()
    # a country without any report: a point of the map where the topmost shape is plain land
    point = page.page.evaluate(
        """() => {
            const box = document.getElementById('map').getBoundingClientRect();
            for (let y = box.top + 5; y < box.bottom; y += 4)
                for (let x = box.left + 5; x < box.right; x += 4) {
                    const hit = document.elementFromPoint(x, y);
                    if (hit && hit.closest('.land')) return [x, y];
                }
            return null;
        }"""
    )
    assert point, "some land without a report is drawn"
    page.tap_at(*point)
    tip.wait_for(state="hidden", timeout=2000)


def test_a_country_without_a_report_in_the_year_shown_clears_the_details(screen, country_years):
    first_year = {}
    for iso3, _, year, *_ in country_years:
        first_year[iso3] = min(year, first_year.get(iso3, year))
    # the latest year in which Russia is shown and some host not yet (drawn as land then)
    russia = sorted(year for iso3, _, year, *_ in country_years if iso3 == "RUS")
    year = next(y for y in reversed(russia) if any(f > y for f in first_year.values()))
    page = screen("phone", f"#year={year}")
    late = [iso3 for iso3, f in sorted(first_year.items()) if f > year and page.page.locator(f"#shape-{iso3}").count()]
    target = next(iso3 for iso3 in late if page.page.locator(f"#shape-{iso3}").get_attribute("tabindex") == "-1")
    page.tap("RUS")
    page.page.locator("#tip").wait_for(state="visible", timeout=2000)
    page.tap(target)
    page.page.locator("#tip").wait_for(state="hidden", timeout=2000)


@pytest.mark.parametrize("size", SIZES)
def test_every_download_link_can_be_reached(screen, size):
    page = screen(size)
    links = page.page.locator("a[download]")
    assert links.count() >= 4
    for i in range(links.count()):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert link.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= page.width, link.get_attribute("href")


@pytest.mark.parametrize("size", SIZES)
def test_a_year_without_a_map_says_which_year_is_shown(screen, size, country_years):
    latest = max(year for _, _, year, *_ in country_years)
    page = screen(size, "#year=2030")
    note = page.page.locator("#year-fallback")
    assert note.is_visible()
    text = note.inner_text()
    assert "2030" in text and f"Showing {latest}" in text
    assert page.page.locator("#year-value").inner_text() == f"{latest} (latest)"
    page.shot("year-2030")
    page.page.locator("#year-prev").click()  # choosing a year answers the note
    assert note.is_hidden()


def test_years_with_workers_but_no_figure_are_drawn_apart_from_the_zero_line(screen, country_years):
    figures, presence = {}, {}
    for iso3, _, _, status, central in country_years:
        figures[iso3] = figures.get(iso3, False) or central is not None
        if central is None and status in ("present", "restaurants_only", "it_workers_only"):
            presence[iso3] = True
    mixed = sorted(iso3 for iso3 in presence if figures[iso3])
    only = sorted(iso3 for iso3 in presence if not figures[iso3])
    assert mixed and only
    page = screen("desktop")
    drawn = page.page.locator("path.host:not(.absent)")
    shown = {drawn.nth(i).get_attribute("data-iso3") for i in range(drawn.count())}
    for iso3 in (next(i for i in mixed if i in shown), next(i for i in only if i in shown)):
        page.page.locator(f"#shape-{iso3}").focus()
        chart = page.page.locator("#tip svg.tip-chart")
        chart.wait_for(state="visible", timeout=2000)
        marks = chart.locator("rect.presence")
        assert marks.count() >= 1
        bottoms = [float(m.get_attribute("y")) + float(m.get_attribute("height")) for m in marks.all()]
        axis = chart.locator("line.axis")
        if iso3 in only:
            # no figure ever: no axis of figures, no 0 to read the marks against
            assert axis.count() == 0 and "0" not in chart.locator("text").all_text_contents()
        else:
            zero = float(axis.get_attribute("y1"))
            tops = [float(r.get_attribute("y")) for r in chart.locator("rect.range").all()]
            assert max(bottoms) < min(tops + [zero]), "presence sits above every figure, never on the zero line"
        assert "no figure" in chart.locator("text").all_text_contents()
        assert "workers reported, no figure" in page.page.locator("#tip .tip-key").inner_text()


def test_the_frame_holds_the_whole_world_and_the_legend_dot_is_coloured(screen):
    page = screen("desktop")
    inside = page.page.evaluate(
        """() => {
            const svg = document.getElementById('map');
            const view = svg.viewBox.baseVal;
            return [...svg.querySelectorAll('.land path, .hosts path')].every(p => {
                const b = p.getBBox();
                return b.x >= view.x - 0.05 && b.y >= view.y - 0.05 &&
                       b.x + b.width <= view.x + view.width + 0.05 && b.y + b.height <= view.y + view.height + 0.05;
            });
        }"""
    )
    assert inside, "a country reaches past the map's frame"
    dot = page.page.locator("#legend .swatch circle").get_attribute("fill")
    assert dot in map_scene.CLASS_COLOURS, "the legend's dot is drawn as the map's dots are, in a class colour"


@pytest.mark.parametrize("size", SIZES)
def test_the_tables_read_as_cards_on_a_phone(screen, size):
    page = screen(size)
    page.page.locator("summary", has_text="Show the table").click()
    display = page.page.evaluate("getComputedStyle(document.querySelector('table.stack td')).display")
    assert display == ("block" if size == "phone" else "table-cell")
    assert "Hover over or tab" not in page.page.locator(".lede").first.inner_text()
