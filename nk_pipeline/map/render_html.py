"""index.html: one self-contained page with the world map as inline SVG.

No CDN and no request of any kind: the shapes are projected here (Equal Earth, shared with
map.png) and written as SVG paths, the styles and the small script are inlined, and a
Content-Security-Policy with `default-src 'none'` makes the browser refuse anything else.

Every string from the data is treated as hostile: text and attributes go through
html.escape, the JSON the script reads is embedded with <, > and & escaped (so no source
title can close the <script> element), the script inserts it with textContent only, and
the policy allows only the page's own script, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import string
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup

from nk_pipeline.data import about, entries_chart
from nk_pipeline.data.about import CAVEATS, SPREADSHEET_NOTE, CurrentEvidence, current_evidence
from nk_pipeline.data.release import DATAPACKAGE_JSON, FORMATS, REPORTS_XLSX, table_file
from nk_pipeline.map import map_features, map_scene
from nk_pipeline.marts import vocabulary
from nk_pipeline.marts.catalog import MARTS, MARTS_BY_NAME
from nk_pipeline.shared.publishing import written_in_one_step
from nk_pipeline.shared.settings import DATA_DIR_NAME

TEMPLATES = Path(__file__).with_name("templates")
VIEW_WIDTH = 1000.0
# Land is background: a tenth of a viewBox unit (~3 km) is finer than any screen shows it.
LAND_DECIMALS = 1
# Hosts keep more, so that Malta or Bahrain are still a shape to hover, not a dot of rounding.
HOST_DECIMALS = 2
# Background islands smaller than this (viewBox units²) are invisible and only cost bytes.
MIN_LAND_PART = 0.05
MARKER_RADIUS = 4.5
TITLE = "North Korean workers abroad"
LEDE = (
    "Where North Korean workers sent abroad by their state have been reported, and how many, according to "
    "cited public reports. Tap, click or tab to a highlighted country (or point at it) to see its estimate, the "
    "year the figure describes, the sources behind it and how it changed; move through the years with the control."
)
YEAR_NOTE = (
    "Each year shows the estimate from the figures describing that year and the years just before, nothing later."
)
_URL = re.compile(r"^https?://", re.IGNORECASE)
# The page's size must not grow with the reports (issue 24: index.html within PAGE_BYTES at every
# input size). The map and the text around it take what they take (bounded by the countries and by
# the budgets below); the data the script redraws the map from gets the room left. Where a state
# per country and year for every year would not fit, the page holds the latest years that do, and
# says which earlier years are left out and where they are (_page_data).
PAGE_BYTES = 1_000_000
# A tooltip lists the newest TIP_SOURCES sources and counts the rest (the table below the map
# lists up to map_outputs.LISTED): four fit a phone's screen beside the chart.
TIP_SOURCES = 4
# A tooltip names at most this many origins of a figure (who first said it), or reports of workers
# sent home, and counts the rest: the most any shipped country and year has is six origins and two
# reports; the map files list up to map_outputs.LISTED.
TIP_NAMES = 6
# A source title on the page is cut here (with "…"): the longest shipped, with its English gloss,
# is 258 characters, and the contract allows 500 for a title and 500 for its gloss.
TITLE_CHARS = 300
# Bytes of names from the data (source titles and citations, origins) the script's texts may hold
# in all: twice what the shipped page's use (30,445 bytes), about 1,000 names of 60 characters.
# Past it, a tooltip counts a name in its "and N more" instead of listing it, the oldest years first.
NAMES_BUDGET = 60_000
# Bytes of the sources the table below the map lists in all (titles, links, citations): twice what
# the shipped table uses (29,964 bytes). Past it, a country counts a source in its "and N more"
# (every one stays in the data files).
TABLE_BUDGET = 60_000
# A host's entry statistics name at most this many sources and count the rest: the shipped China
# statistics cite 25.
ENTRY_TITLES = 30
# What a state of a country holds, in this order (the script reads the names from the page data)
STATE_FIELDS = ("label", "status", "status_text", "confidence", "notes", "sources", "n_sources", "fill", "dot", "class")
# a country's row (a Series or, where thousands are read, a plain dict) and the sources by id
Row = Mapping[str, object]
Sources = dict[str, dict[str, object]]
# index.html sits in map/, the release in data/ beside it: links that work from the folder, offline
DATA_HREF = f"../{DATA_DIR_NAME}/"


def render_html(
    scene: map_scene.MapScene,
    rows: pd.DataFrame,
    sources: pd.DataFrame,
    path: Path,
    years: pd.DataFrame,
    entries: pd.DataFrame | None = None,
    named: about.Edition | None = None,
) -> Path:
    page = html_document(scene, rows, sources, years, entries, named)
    with written_in_one_step(path) as tmp:
        tmp.write_text(page, encoding="utf-8", newline="\n")
    return path


def html_document(
    scene: map_scene.MapScene,
    rows: pd.DataFrame,
    sources: pd.DataFrame,
    years: pd.DataFrame,
    entries: pd.DataFrame | None = None,
    named: about.Edition | None = None,
) -> str:
    script = (TEMPLATES / "map.js").read_text(encoding="utf-8")
    style = _status_properties() + (TEMPLATES / "map.css").read_text(encoding="utf-8")
    by_id = sources.set_index("source_id").to_dict("index")  # looked up per country and year
    rows = rows.rename(columns={"country": "name"})
    policy = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    now = current_evidence(rows, sources)
    page = {
        "policy": policy,
        "title": TITLE,
        "lede": LEDE,
        "style": Markup(style),
        "script": Markup(script),
        "year_note": YEAR_NOTE,
        "svg": _svg(scene),
        "legend_items": _legend(scene, years),
        "caveat_items": CAVEATS,
        "entry_blocks": _entries(entries, by_id),
        "table_rows": _table(rows, by_id),
        "files": _files(),
        "tables": _tables(),
        "spreadsheet_note": SPREADSHEET_NOTE,
        "now": now,
        "credit": named.credit if named else None,
        "licence_note": about.LICENCE_NOTE,
        "publisher": about.PUBLISHER,
    }
    every_year = _years_shown(years)
    # the page without its data, saying the most it could say of years left out: the data's room
    shell = _render(page, now, every_year, every_year[:-1], "")
    data, left_out = _page_data(scene, years, by_id, room=PAGE_BYTES - len(shell.encode("utf-8")))
    return _render(page, now, data["years"], left_out, _script_json(data))


def _render(page: dict[str, object], now: CurrentEvidence, years: list[int], left_out: list[int], data: str) -> str:
    """The page, its year control holding `years` (the latest last), its note naming the years with
    evidence `left_out` of the page's data."""
    return _template().render(
        **page,
        now_text=_now_text(now, years[-1]),
        data_json=Markup(data),
        years=years,
        latest=years[-1],
        left_out=_left_out(left_out) if left_out else None,
    )


def _left_out(years: list[int]) -> dict[str, object]:
    """What the year control's note says of the years with evidence the page leaves out, and the
    file that holds every year."""
    country_years = table_file(MARTS_BY_NAME["country_years"], "csv")
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    which = f"the {len(years)} earlier ones, {span}, are" if len(years) > 1 else f"the earlier one, {span}, is"
    return {
        "text": f"{which} left out to keep the page within {PAGE_BYTES / 1e6:g} MB; every year is in",
        "link": _download(country_years, country_years),
    }


def _status_properties() -> str:
    """The colours the page's CSS draws the map with, as custom properties written from map_scene,
    the one place they are said: sea, land, the hosts' edge, the estimate (the top class), its range
    and each status's ink."""
    colours = {
        "sea": map_scene.SEA_COLOUR,
        "land": map_scene.LAND_COLOUR,
        "host-edge": map_scene.HOST_EDGE,
        "estimate": map_scene.CLASS_COLOURS[-1],
        "range": map_scene.CLASS_COLOURS[1],
        **{f"{style.svg_id}-ink": style.ink for style in map_scene.STATUS_STYLES.values()},
    }
    return ":root { " + " ".join(f"--{name}: {colour};" for name, colour in colours.items()) + " }\n"


def escaped(value: object) -> Markup:
    """How the template writes every value: as html.escape would (quotes included, None and NaN
    as nothing), unless it is Markup, the page's own code. markupsafe's own escaping spells
    ' and " differently (&#39; &#34;), which would change the page's bytes."""
    return value if isinstance(value, Markup) else Markup(html.escape(_text(value), quote=True))


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        finalize=escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["g"] = lambda number: f"{number:g}"
    return env.get_template("page.html.j2")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _script_json(value: object) -> str:
    """JSON safe inside <script>: nothing in it can end the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


# --- the SVG ---------------------------------------------------------------------------------


class _View:
    """Projected km → viewBox units, north up."""

    def __init__(self, outline: shapely.Polygon):
        self.xmin, self.ymin, xmax, self.ymax = outline.bounds
        self.scale = VIEW_WIDTH / (xmax - self.xmin)
        self.height = round((self.ymax - self.ymin) * self.scale, 1)

    def points(self, coords: np.ndarray, decimals: int) -> np.ndarray:
        xy = np.column_stack([(coords[:, 0] - self.xmin) * self.scale, (self.ymax - coords[:, 1]) * self.scale])
        xy = np.round(xy, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
        keep = np.concatenate([[True], np.any(np.diff(xy, axis=0) != 0, axis=1)])
        return xy[keep]

    def path(self, geometry: shapely.Geometry, decimals: int, min_area: float = 0.0) -> str:
        rings = []
        for polygon in shapely.get_parts(geometry):
            if min_area and shapely.area(polygon) * self.scale**2 < min_area:
                continue
            for ring in (polygon.exterior, *polygon.interiors):
                xy = self.points(np.asarray(ring.coords), decimals)[:-1]  # Z closes the ring
                if len(xy) >= 3:
                    rings.append("M" + " ".join(f"{x:g} {y:g}" for x, y in xy) + "Z")
        return "".join(rings)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return round((x - self.xmin) * self.scale, 1), round((self.ymax - y) * self.scale, 1)


_PATTERNS = {status: f"url(#pattern-{style.svg_id})" for status, style in map_scene.STATUS_STYLES.items()}


def _fill(host: Row) -> str:
    return _PATTERNS.get(host["status"], host["fill"])


# A country's accessible name per status, said once: the SVG's labels are written from it here,
# and the script fills it in for the other years ({name}, {label}, {confidence} of that year).
ARIA = {
    **{s.name: "{name}: " + s.label for s in vocabulary.STATUSES},
    "estimate": "{name}: {label}, estimated North Korean workers; {confidence} confidence",
    "none_reported_remaining": "{name}: {label}: no North Korean workers remain, according to the reports",
    "last_reported": "{name}: {label}; nothing more recent is reported",
}


def _aria_label(host: Row) -> str:
    return ARIA[host["status"]].format(name=host["name"], label=host["label"], confidence=host["confidence"])


def _svg(scene: map_scene.MapScene) -> dict[str, object]:
    """What the template draws: every shape's path in viewBox units, the hosts with their labels."""
    view = _View(scene.outline)
    land = [view.path(geometry, LAND_DECIMALS, MIN_LAND_PART) for geometry in scene.land.geometry]
    hosts = []
    for _, host in scene.hosts.iterrows():
        x, y = view.point(host["anchor_x"], host["anchor_y"])
        hosts.append(
            {
                "iso3": host["iso3"],
                "status": host["status"],
                "x": x,
                "y": y,
                "aria": _aria_label(host),
                "fill": _fill(host),
                "dot": host["fill"],
                "small": bool(host["small"]),
                "d": view.path(host.geometry, HOST_DECIMALS),
            }
        )
    patterns = [
        {**vars(style), "mark": Markup(style.svg_mark.format(ink=style.ink))}
        for style in map_scene.STATUS_STYLES.values()
    ]
    return {
        "width": VIEW_WIDTH,
        "height": view.height,
        "radius": MARKER_RADIUS,
        "patterns": patterns,
        "sea": view.path(scene.outline, LAND_DECIMALS),
        "land": [d for d in land if d],
        "hosts": hosts,
        "markers": [{**host, "fill": host["dot"]} for host in hosts if host["small"]],
    }


# --- the text around the map ------------------------------------------------------------------


def _sources_of(row: Row, by_id: Sources) -> list[dict[str, str]]:
    ids = [i for i in str(row["source_ids"] or "").split(";") if i]
    found = []
    for source_id in ids:
        if source_id not in by_id:
            found.append({"title": source_id, "cite": "", "url": "", "published": ""})
            continue
        source = by_id[source_id]
        cite = ", ".join(_text(source[c]) for c in ("publisher", "published") if _text(source[c]))
        found.append(
            {
                "title": _shown(source),
                "cite": cite,
                "url": _text(source["url"]),
                "published": _text(source["published"]),
            }
        )
    # newest first: the reader's first question is how current the figure is
    return sorted(found, key=lambda s: (s["published"], s["title"]), reverse=True)


def _shown(source: Mapping[str, object]) -> str:
    """A source's title as the page shows it (about.shown_title), cut at TITLE_CHARS: the full
    title stays in the data files the page links to."""
    title = about.shown_title(_text(source["title"]), _text(source.get("title_en")))
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "\u2026"


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


@dataclass(frozen=True)
class _Chain:
    """A note that names a list from the data ('; '-separated as map/sql lists it, with its
    "and N more"): who first said it, or the reports of workers sent home."""

    prefix: str
    items: str
    suffix: str = "."


def _notes(row: Row) -> list[str | tuple[str, ...] | _Chain]:
    """A row's notes; a note in parts (a tuple) is read as their concatenation, each part written once
    on the page."""
    notes = []
    undated = pd.isna(row["reference_year"]) or bool(row.get("reference_year_from_publication", False))
    if pd.isna(row["reference_year"]):
        notes.append("The sources do not say which year they describe.")
    elif undated:
        notes.append(
            f"No source says which year it describes; {int(row['reference_year'])} is when it was published, "
            "so the figure may be older."
        )
    if row["status"] == "estimate" and bool(row["stale"]) and undated:
        notes.append("No source states a year after the UN deadline of December 2019 to send every worker home.")
    elif row["status"] == "estimate" and bool(row["stale"]):
        notes.append("Predates the UN deadline of December 2019 to send every worker home.")
    chain = _text(row.get("origin_chain"))
    if chain:
        notes.append(_Chain("Who first said it: ", chain))
    sent_home = row.get("sent_home_since")
    if row["status"] == "estimate" and sent_home is not None and not pd.isna(sent_home):
        notes.append(
            f"{int(sent_home):,} were reported sent home after the figures' year; the range is lowered by as many."
        )
    if bool(row["has_restaurants"]) and row["status"] != "restaurants_only":
        notes.append("North Korean restaurants are also reported here.")
    it_note = _text(row.get("it_workers_note"))
    if it_note:
        notes.append((it_note, ". IT workers are counted apart from the labourers."))
    reports = _text(row.get("repatriation_reports"))
    if reports:
        notes.append(_Chain("Reported sent home this year (not counted in the estimate): ", reports))
    return notes


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _status_text(row: Row, titles: list[str], more: int) -> str:
    """The row's one line; sources are counted by origin (who first said it), then by report, and a
    status that lists its reports lists `titles` and says how many `more` there are."""
    counted = _sources_counted(row)
    reports = "; ".join(titles) + (f"{'; ' if titles else ''}and {more:,} more" if more > 0 else "")
    return vocabulary.STATUS[row["status"]].summary.format(
        sources=counted, confidence=row["confidence"], reports=reports
    )


def _sources_counted(row: Row) -> str:
    """'2 origins in 3 reports': a row's sources counted by origin, then by report."""
    n, origins = int(row["n_sources"]), int(row["n_origins"])
    return _counted(origins, "origin") + (f" in {_counted(n, 'report')}" if n != origins else "")


def _unlisted(row: Row) -> int:
    """How many sources a row's list cut at map_outputs.LISTED (map/sql) leaves out."""
    listed = len([i for i in _text(row["source_ids"]).split(";") if i])
    return max(int(row["n_sources"]) - listed, 0)


def _cited(row: Row) -> list[str]:
    """The sources a row's tooltip lists: those of its status, then those of its IT-worker note."""
    cells = (row["source_ids"], row.get("it_source_ids"))
    ids = [i for cell in cells if isinstance(cell, str) for i in cell.split(";") if i]
    return list(dict.fromkeys(ids))


class _Texts:
    """The strings the page's script reads, each written once: the states refer to them by number.
    Names from the data (source titles, origins) are taken only while the page's budget for them
    lasts (NAMES_BUDGET); a state counts the ones left out in its "and N more"."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.numbers: dict[str, int] = {}
        self.names = 0  # bytes of names taken so far

    def of(self, text: str) -> int:
        if text not in self.numbers:
            self.numbers[text] = len(self.items)
            self.items.append(text)
        return self.numbers[text]

    def name(self, text: str) -> int | None:
        """The number of a name from the data, or None once the budget is spent."""
        if text not in self.numbers:
            cost = len(_script_json(text).encode("utf-8"))  # as written, quotes and escapes included
            if self.names + cost > NAMES_BUDGET:
                return None
            self.names += cost
        return self.of(text)


def _listed(texts: _Texts, names: list[str], more: int, separator: str) -> list[object]:
    """A list of names as the script joins it: [separator, name numbers…] for the names within the
    budget, then "and N more" counting both those left out before (`more`) and those the budget
    left out."""
    numbers = [texts.name(n) for n in names]
    kept = [n for n in numbers if n is not None]
    more += len(numbers) - len(kept)
    pieces: list[object] = [[texts.of(separator), *kept]] if len(kept) > 1 else kept
    if more > 0:
        pieces.append(texts.of(f"{separator if kept else ''}and {more:,} more"))
    return pieces


def _chain_pieces(items: str, texts: _Texts) -> list[object]:
    """A list from map/sql (first_and_more: "a; b; and N more") as pieces: at most TIP_NAMES names,
    each once on the page, within the names' budget; the rest counted."""
    parts = items.split("; ")
    counted = map_features.MORE.fullmatch(parts[-1])
    names = parts[:-1] if counted else parts
    more = (int(counted.group(1)) if counted else 0) + len(names[TIP_NAMES:])
    return _listed(texts, names[:TIP_NAMES], more, "; ")


def _note_pieces(note: str | tuple[str, ...] | _Chain, texts: _Texts) -> list[object]:
    if isinstance(note, _Chain):
        return [texts.of(note.prefix), *_chain_pieces(note.items, texts), texts.of(note.suffix)]
    return [texts.of(part) for part in ((note,) if isinstance(note, str) else note)]


def _template_pieces(template: str, values: Mapping[str, list[object]], texts: _Texts) -> list[object]:
    """A summary template as pieces: its words, and the pieces of each {field} in `values`."""
    pieces: list[object] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(texts.of(literal))
        if field is not None:
            pieces += values[field]
    return pieces


def _status_pieces(row: Row, by_id: Sources, texts: _Texts) -> list[object]:
    """The row's one line (_status_text) as pieces: a list of reports in it is cut like a
    tooltip's sources."""
    values: dict[str, list[object]] = {
        "sources": [texts.of(_sources_counted(row))],
        "confidence": [texts.of(_text(row["confidence"]))],
    }
    summary = vocabulary.STATUS[row["status"]].summary
    if "{reports}" in summary:
        titles = [s["title"] for s in _sources_of(row, by_id)]
        values["reports"] = _listed(texts, titles, _unlisted(row), "; ")
    return _template_pieces(summary, values, texts)


def _tooltip(row: Row, by_id: Sources, sources: _Sources, texts: _Texts) -> list[object]:
    """One state of a country: what its tooltip, shape and label say in a year (or several alike),
    in the order of STATE_FIELDS."""
    ids = sorted(_cited(row), key=lambda i: _source_order(i, by_id), reverse=True)
    listed = [n for n in (sources.number(i, texts) for i in ids) if n is not None]
    notes = [_note_pieces(note, texts) for note in _notes(row)]
    state = {
        "label": texts.of(_text(row["label"])),
        "status": texts.of(_text(row["status"])),
        "status_text": _status_pieces(row, by_id, texts),
        "confidence": texts.of(_text(row["confidence"])),
        "notes": notes,
        "sources": listed[:TIP_SOURCES],
        "n_sources": len(ids),
        "fill": texts.of(_fill(row)),
        "dot": texts.of(_text(row["fill"])),
        "class": -1 if pd.isna(row["class"]) else int(row["class"]),
    }
    return [state[field] for field in STATE_FIELDS]


class _Sources:
    """The page's source lookup: each source the tooltips list once, as [title, cite] text numbers,
    its title within the names' budget."""

    def __init__(self, by_id: Sources) -> None:
        self.by_id = by_id
        self.rows: list[list[int]] = []
        self.numbers: dict[str, int | None] = {}

    def number(self, source_id: str, texts: _Texts) -> int | None:
        if source_id not in self.numbers:
            if source_id in self.by_id:
                source = self.by_id[source_id]
                cite = ", ".join(_text(source[c]) for c in ("publisher", "published") if _text(source[c]))
                title = _shown(source)
            else:
                title, cite = source_id, ""
            number = texts.name(title)
            self.numbers[source_id] = None if number is None else len(self.rows)
            if number is not None:
                cited = texts.name(cite) if cite else None
                self.rows.append([number, -1 if cited is None else cited])
        return self.numbers[source_id]


def _source_order(source_id: str, by_id: Sources) -> tuple[str, str]:
    # newest first: the reader's first question is how current the figure is
    if source_id not in by_id:
        return ("", source_id)
    return (_text(by_id[source_id]["published"]), _text(by_id[source_id]["title"]))


def _figure(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


# the chart's marks (map.css .mark-*): last_reported and none_reported years draw none
_STATUS_CODES = {
    "estimate": "e",
    "none_reported_remaining": "n",
    "present": "p",
    "restaurants_only": "r",
    "it_workers_only": "i",
    "last_reported": "l",
    "none_reported": "o",
}


def _years_shown(years: pd.DataFrame) -> list[int]:
    """The years the year control stops at: those with evidence of their own, and the latest."""
    shown = sorted(set(years.loc[years["reported_in_year"], "year"].astype(int)))
    latest = int(years["year"].max())
    return shown if latest in shown else [*shown, latest]


def _page_data(
    scene: map_scene.MapScene, years: pd.DataFrame, by_id: Sources, room: int
) -> tuple[dict[str, object], list[int]]:
    """The script's data (_page_data_from) within `room` bytes: every year if it fits, else the
    latest years that fit, from a year with evidence on; and the years with evidence left out.
    The first try tells what each year costs (an estimate; the JSON as written decides)."""
    shown = _years_shown(years)
    first, unestimated = shown[0], 0
    while True:
        # a try that runs far past the room stops there: the years it did not reach cannot fit
        data, spent = _page_data_from(scene, years[years["year"] >= first], by_id, give_up=2 * room)
        if data is not None:
            size = len(_script_json(data).encode("utf-8"))
            if size <= room or first == shown[-1] or not spent:
                break
            unestimated = size - spent[min(spent)]  # what every year shares: the sources, names, keys
        later = [y for y in shown if y > first]
        first = next((y for y in later if spent.get(y, math.inf) + unestimated <= room), shown[-1])
    return data, [y for y in shown if y < first]


def _page_data_from(
    scene: map_scene.MapScene, years: pd.DataFrame, by_id: Sources, give_up: float
) -> tuple[dict[str, object] | None, dict[int, int]]:
    """Everything the script needs to redraw the map for any year, each text written once:
    every string once (`texts`; states refer to them by number), every source once, every distinct
    state of a country once (the years refer to it), and each country's series for its chart.
    The latest years are read first, so that if the names' budget runs out, it is the oldest
    years' tooltips that count names instead of listing them. Beside it, the bytes the years from
    each year to the latest take, about (their states, texts and series); past `give_up` of them,
    no data, only the bytes counted so far."""
    shown = _years_shown(years)
    latest = shown[-1]
    every_year = list(range(min(shown), latest + 1))
    hosts = scene.hosts.set_index("iso3")
    yearly = years[years["iso3"].isin(hosts.index)].rename(columns={"country": "name"}).copy()
    yearly["class"] = map_scene.assign_classes(
        yearly["workers_central"].where(yearly["status"] == "estimate"), scene.classes
    )
    yearly["fill"] = [map_scene.fill_of(row, scene.classes) for row in yearly.to_dict("records")]
    texts, sources = _Texts(), _Sources(by_id)
    states: dict[str, list[list[object]]] = {}
    by_year: dict[str, dict[int, int]] = {}
    keys: dict[str, dict[str, int]] = {}
    newest_first = yearly.sort_values(["year", "iso3"], ascending=[False, True], kind="stable")
    spent: dict[int, int] = {}
    total = 0
    for row in newest_first.to_dict("records"):
        iso3 = row["iso3"]
        known = len(texts.items)
        state = _tooltip(row, by_id, sources, texts)
        key = json.dumps(state)
        country_keys = keys.setdefault(iso3, {})
        if key not in country_keys:
            country_keys[key] = len(states.setdefault(iso3, []))
            states[iso3].append(state)
            total += len(key)
        by_year.setdefault(iso3, {})[int(row["year"])] = country_keys[key]
        total += sum(len(t.encode("utf-8")) + 3 for t in texts.items[known:]) + SERIES_ROW_BYTES
        spent[int(row["year"])] = total
        if total > give_up:
            return None, spent
    # the reports of workers sent home, for the charts: their names share the texts and the budget
    reports = {
        (r["iso3"], int(r["year"])): _chain_pieces(_text(r["repatriation_reports"]), texts)
        for r in newest_first.to_dict("records")
        if _text(r["repatriation_reports"])
    }
    renumber = _by_use(texts, [*states.values()], sources.rows, [*reports.values()])
    countries = {}
    for iso3, rows in yearly.groupby("iso3", sort=True):
        in_order = rows.sort_values("year").to_dict("records")
        series = [
            [
                int(r["year"]),
                _figure(r["workers_low"]),
                _figure(r["workers_high"]),
                _figure(r["workers_central"]),
                _STATUS_CODES[r["status"]],
                bool(r["reported_in_year"]),
            ]
            for r in in_order
        ]
        departures = [
            [
                int(r["year"]),
                _figure(r["repatriated_reported"]),
                _renumbered(reports[iso3, int(r["year"])], renumber),
            ]
            for r in in_order
            if (iso3, int(r["year"])) in reports
        ]
        countries[iso3] = {
            "name": _text(hosts.loc[iso3, "name"]),
            "states": [_renumbered_state(state, renumber) for state in states[iso3]],
            "years": [by_year[iso3].get(y, -1) for y in every_year],
            "series": series,
            "departures": departures,
        }
    data = {
        "years": shown,
        "first": every_year[0],
        "latest": latest,
        "land": map_scene.LAND_COLOUR,
        "aria": ARIA,
        "fields": list(STATE_FIELDS),
        "texts": [text for _, text in sorted(zip(renumber, texts.items, strict=True))],
        "sources": [[renumber[title], renumber[cite] if cite >= 0 else -1] for title, cite in sources.rows],
        "countries": countries,
    }
    return data, spent


# about what a country's year adds to its series and year index, as JSON
SERIES_ROW_BYTES = 40


# the fields of a state that hold texts' numbers (or pieces of them)
_TEXT_FIELDS = ("label", "status", "status_text", "confidence", "notes", "fill", "dot")


def _text_numbers(value: object) -> list[int]:
    return [value] if isinstance(value, int) else [n for v in value for n in _text_numbers(v)]  # type: ignore[union-attr]


def _by_use(
    texts: _Texts, states: list[list[list[object]]], sources: list[list[int]], pieces: list[list[object]]
) -> list[int]:
    """Each text's new number, the most used first: a number the states write thousands of times
    takes one or two digits."""
    fields = [STATE_FIELDS.index(f) for f in _TEXT_FIELDS]
    uses = Counter(n for country in states for state in country for f in fields for n in _text_numbers(state[f]))
    uses.update(n for title, cite in sources for n in (title, cite) if n >= 0)
    uses.update(_text_numbers(pieces))
    ranked = sorted(range(len(texts.items)), key=lambda n: (-uses[n], n))
    renumber = [0] * len(ranked)
    for new, old in enumerate(ranked):
        renumber[old] = new
    return renumber


def _renumbered(value: object, renumber: list[int]) -> object:
    return renumber[value] if isinstance(value, int) else [_renumbered(v, renumber) for v in value]  # type: ignore[union-attr]


def _renumbered_state(state: list[object], renumber: list[int]) -> list[object]:
    fields = {STATE_FIELDS.index(f) for f in _TEXT_FIELDS}
    return [_renumbered(value, renumber) if i in fields else value for i, value in enumerate(state)]


def _legend(scene: map_scene.MapScene, years: pd.DataFrame) -> dict[str, object]:
    """The legend of the latest year; the script updates its counts for another year."""
    statuses = scene.hosts["status"].value_counts()
    in_any_year = set(years["status"])
    return {
        "classes": scene.classes,
        "statuses": [
            {"status": status, "text": text, "fill": _PATTERNS[status], "count": int(statuses.get(status, 0))}
            for status, text in map_scene.STATUS_LEGEND.items()
            if status in in_any_year
        ],
        # the swatch of a small state's dot: drawn in a country's colour, as on the map
        "small": map_scene.SMALL_STATE_SWATCH if scene.hosts["small"].any() else "",
        "land": map_scene.LAND_COLOUR,
    }


# the entries charts: one small stacked-bar chart per host
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM, CHART_TOP = 340, 170, 44, 18, 8


def _entries_chart(host: str, table: pd.DataFrame) -> dict[str, object]:
    years = table["year"].astype(int).tolist()
    values = table.drop(columns=["year", "total", "total_qualifier"])
    top = float(table["total"].fillna(0).combine(values.sum(axis=1), max).max()) or 1.0
    step = (CHART_WIDTH - CHART_LEFT) / len(years)
    bar = max(2.0, step * 0.7)
    height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP

    def y_of(value: float) -> float:
        return CHART_TOP + height * (1 - value / top)

    columns = []
    for i, row in enumerate(table.to_dict("records")):
        x = CHART_LEFT + i * step + (step - bar) / 2
        base, bars = 0.0, []
        for purpose in values.columns:
            value = row[purpose]
            if pd.isna(value) or value <= 0:
                continue
            bars.append(
                {
                    "y": f"{y_of(base + value):.1f}",
                    "height": f"{y_of(base) - y_of(base + value):.1f}",
                    "fill": entries_chart.COLOURS[purpose],
                    "title": f"{row['year']}: {entries_chart.LABELS[purpose]} {value:,.0f}",
                }
            )
            base += value
        columns.append({"x": f"{x:.1f}", "middle": f"{x + bar / 2:.1f}", "year": row["year"], "bars": bars})
    return {
        "host": host,
        "first": years[0],
        "last": years[-1],
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "zero": f"{y_of(0):.1f}",
        "top": f"{top:,.0f}",
        "top_y": f"{y_of(top) + 4:.1f}",
        "bar": f"{bar:.1f}",
        "columns": columns,
    }


def _entries(entries: pd.DataFrame | None, by_id: Sources) -> list[dict[str, object]]:
    """Each host's border statistics as a small chart and a table, with what they cannot say."""
    if entries is None or entries.empty:
        return []
    caveats = entries_chart.caveats(entries)
    blocks = []
    for host, table in entries_chart.by_host(entries).items():
        purposes = [c for c in table.columns if c not in ("year", "total", "total_qualifier")]
        cited = sorted(set(entries.loc[entries["host"] == host, "source_id"]))
        blocks.append(
            {
                "host": host,
                "chart": _entries_chart(host, table),
                "purposes": [{"label": entries_chart.LABELS[p], "colour": entries_chart.COLOURS[p]} for p in purposes],
                "caveat": caveats[host],
                "rows": [
                    {
                        "year": int(r["year"]),
                        "qualifier": r["total_qualifier"],
                        "total": _count(r["total"]),
                        "counts": [_count(r[p]) for p in purposes],
                    }
                    for r in table.to_dict("records")
                ],
                "titles": [_shown(by_id[i]) for i in cited[:ENTRY_TITLES] if i in by_id],
                "more": f"and {len(cited) - ENTRY_TITLES:,} more" if len(cited) > ENTRY_TITLES else "",
            }
        )
    return blocks


def _count(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _table(rows: pd.DataFrame, by_id: Sources) -> list[dict[str, object]]:
    """The table of every country and its sources, countries in name order; the sources past the
    page's TABLE_BUDGET are counted in their country's "and N more" instead of listed."""
    table, spent = [], 0
    for row in rows.sort_values("name", kind="stable").to_dict("records"):
        sources = []
        for s in _sources_of(row, by_id):
            source = {**s, "url": s["url"] if _URL.match(s["url"]) else ""}
            # a listed source's bytes: its title in the list and in the line above it, link, citation
            cost = len(html.escape(source["title"]).encode()) * 2 + len(html.escape(source["url"]).encode())
            cost += len(html.escape(source["cite"]).encode())
            if spent + cost <= TABLE_BUDGET:
                spent += cost
                sources.append(source)
        more = _unlisted(row) + len([i for i in _text(row["source_ids"]).split(";") if i]) - len(sources)
        table.append(
            {
                "iso3": row["iso3"],
                "name": row["name"],
                "label": row["label"],
                "status_text": _status_text(row, [s["title"] for s in sources], more),
                "sources": sources,
                "more": f"and {more:,} more" if more > 0 else "",
            }
        )
    return table


FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet"}


def _download(file: str, text: str, label: str = "") -> dict[str, str]:
    return {"href": DATA_HREF + file, "text": text, "label": label}


def _files() -> dict[str, dict[str, str]]:
    return {
        "spreadsheet": _download(REPORTS_XLSX, REPORTS_XLSX),
        "datapackage": _download(DATAPACKAGE_JSON, DATAPACKAGE_JSON),
    }


def _tables() -> list[dict[str, object]]:
    return [
        {
            "name": t.name,
            "description": t.for_readers,
            "links": [
                _download(table_file(t, fmt), FORMAT_NAMES[fmt], f"{t.name} as {FORMAT_NAMES[fmt]}") for fmt in FORMATS
            ],
        }
        for t in MARTS
    ]


def _now_text(now: CurrentEvidence, year: int) -> str:
    """What is known now, counted from the latest year's rows."""
    others = now.n_current - now.n_estimate
    return (
        f"In {year}: {now.n_estimate} {'country has' if now.n_estimate == 1 else 'countries have'} a current estimate "
        f"and {others} more a current report of workers, restaurants or none remaining{now.span_text}; "
        f"for {now.n_last_reported} more, the last report is older and is shown as such, not as a figure."
    )
