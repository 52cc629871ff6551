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
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from nk_pipeline.data import about, entries_chart
from nk_pipeline.data.about import CAVEATS, SPREADSHEET_NOTE, CurrentEvidence, current_evidence
from nk_pipeline.data.release import DATAPACKAGE_JSON, FORMATS, REPORTS_XLSX, table_file
from nk_pipeline.map import map_scene
from nk_pipeline.marts import vocabulary
from nk_pipeline.marts.catalog import MARTS
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
    "cited public reports. Hover over or tab to a highlighted country to see its estimate, the year the "
    "figure describes, the sources behind it and how it changed; move through the years with the control."
)
YEAR_NOTE = (
    "Each year shows the estimate from the figures describing that year and the years just before, nothing later."
)
_URL = re.compile(r"^https?://", re.IGNORECASE)
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
) -> Path:
    page = html_document(scene, rows, sources, years, entries)
    with written_in_one_step(path) as tmp:
        tmp.write_text(page, encoding="utf-8", newline="\n")
    return path


def html_document(
    scene: map_scene.MapScene,
    rows: pd.DataFrame,
    sources: pd.DataFrame,
    years: pd.DataFrame,
    entries: pd.DataFrame | None = None,
) -> str:
    script = (TEMPLATES / "map.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "map.css").read_text(encoding="utf-8")
    by_id = sources.set_index("source_id").to_dict("index")  # looked up per country and year
    rows = rows.rename(columns={"country": "name"})
    policy = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    data = _page_data(scene, years, by_id)
    now = current_evidence(rows, sources)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(policy)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(TITLE)}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1 id="map-title">{_e(TITLE)}</h1>',
        f'<p class="lede">{_e(LEDE)}</p>',
        f'<p class="lede" id="lede-now">{_e(_now_text(now, data["latest"]))}</p>',
        "</header>",
        "<main>",
        _year_control(data["years"], data["latest"]),
        '<div id="map-wrap">',
        _svg(scene),
        '<div id="tip" class="tip" hidden></div>',
        "</div>",
        _legend(scene, years),
        _caveats(),
        _entries(entries, by_id),
        _table(rows, by_id),
        _downloads(),
        "</main>",
        _footer(now),
        f'<script type="application/json" id="map-data">{_script_json(data)}</script>',
        f"<script>{script}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _e(value: object) -> str:
    return html.escape(
        "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value), quote=True
    )


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


def _aria_label(host: Row) -> str:
    if host["status"] == "estimate":
        detail = f"{host['label']}, estimated North Korean workers; {host['confidence']} confidence"
    elif host["status"] == "none_reported_remaining":
        detail = f"{host['label']}: no North Korean workers remain, according to the reports"
    elif host["status"] == "last_reported":
        detail = f"{host['label']}; nothing more recent is reported"
    else:
        detail = vocabulary.STATUS[host["status"]].label
    return f"{host['name']}: {detail}"


def _pattern(style: map_scene.StatusStyle) -> str:
    tile = style.svg_tile
    rotate = f' patternTransform="rotate({style.svg_rotate})"' if style.svg_rotate else ""
    return (
        f'<pattern id="pattern-{style.svg_id}" patternUnits="userSpaceOnUse" width="{tile}" height="{tile}"{rotate}>'
        f'<rect width="{tile}" height="{tile}" fill="{style.fill}"/>{style.svg_mark.format(ink=style.ink)}</pattern>'
    )


def _patterns() -> str:
    return "<defs>" + "".join(_pattern(style) for style in map_scene.STATUS_STYLES.values()) + "</defs>"


def _svg(scene: map_scene.MapScene) -> str:
    view = _View(scene.outline)
    lines = [
        # tabindex -1: Chromium otherwise puts the <svg> itself in the Tab order, before the countries
        (
            f'<svg id="map" viewBox="0 0 {VIEW_WIDTH:g} {view.height:g}" role="group" aria-labelledby="map-title" '
            'tabindex="-1" xmlns="http://www.w3.org/2000/svg">'
        ),
        _patterns(),
        f'<path class="sea" aria-hidden="true" d="{view.path(scene.outline, LAND_DECIMALS)}"/>',
        '<g class="land" aria-hidden="true">',
    ]
    for _, country in scene.land.iterrows():
        d = view.path(country.geometry, LAND_DECIMALS, MIN_LAND_PART)
        if d:
            lines.append(f'<path d="{d}"/>')
    lines.append("</g>")
    lines.append('<g class="hosts">')
    for _, host in scene.hosts.iterrows():
        x, y = view.point(host["anchor_x"], host["anchor_y"])
        lines.append(
            f'<path id="shape-{_e(host["iso3"])}" class="host status-{_e(host["status"])}" data-iso3="{_e(host["iso3"])}" '
            f'data-x="{x:g}" data-y="{y:g}" tabindex="0" role="img" aria-label="{_e(_aria_label(host))}" '
            f'aria-describedby="tip" fill="{_e(_fill(host))}" d="{view.path(host.geometry, HOST_DECIMALS)}"/>'
        )
    lines.append("</g>")
    lines.append('<g class="markers">')
    for _, host in scene.hosts[scene.hosts["small"]].iterrows():
        x, y = view.point(host["anchor_x"], host["anchor_y"])
        lines.append(
            f'<circle class="marker status-{_e(host["status"])}" data-iso3="{_e(host["iso3"])}" data-x="{x:g}" '
            f'data-y="{y:g}" cx="{x:g}" cy="{y:g}" r="{MARKER_RADIUS:g}" tabindex="0" role="img" '
            f'aria-label="{_e(_aria_label(host))} (small state, marked by a dot)" aria-describedby="tip" '
            f'fill="{_e(host["fill"])}"/>'
        )
    lines.append("</g>")
    lines.append('<path id="highlight" aria-hidden="true" d=""/>')
    lines.append("</svg>")
    return "\n".join(lines)


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
                "title": about.shown_title(_text(source["title"]), _text(source.get("title_en"))),
                "cite": cite,
                "url": _text(source["url"]),
                "published": _text(source["published"]),
            }
        )
    # newest first: the reader's first question is how current the figure is
    return sorted(found, key=lambda s: (s["published"], s["title"]), reverse=True)


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _notes(row: Row) -> list[str]:
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
        notes.append(f"Who first said it: {chain}.")
    sent_home = row.get("sent_home_since")
    if row["status"] == "estimate" and sent_home is not None and not pd.isna(sent_home):
        notes.append(
            f"{int(sent_home):,} were reported sent home after the figures' year; the range is lowered by as many."
        )
    if bool(row["has_restaurants"]) and row["status"] != "restaurants_only":
        notes.append("North Korean restaurants are also reported here.")
    it_note = _text(row.get("it_workers_note"))
    if it_note:
        notes.append(f"{it_note}. IT workers are counted apart from the labourers.")
    reports = _text(row.get("repatriation_reports"))
    if reports:
        notes.append(f"Reported sent home this year (not counted in the estimate): {reports}.")
    return notes


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _status_text(row: Row, by_id: Sources) -> str:
    """The row's one line; sources are counted by origin (who first said it), then by report."""
    n, origins = int(row["n_sources"]), int(row["n_origins"])
    counted = _counted(origins, "origin") + (f" in {_counted(n, 'report')}" if n != origins else "")
    reports = "; ".join(s["title"] for s in _sources_of(row, by_id)) + _more_text(row, "; ")
    return vocabulary.STATUS[row["status"]].summary.format(
        sources=counted, confidence=row["confidence"], reports=reports
    )


def _more_text(row: Row, separator: str) -> str:
    """What follows a source list cut at map_outputs.LISTED (map/sql): how many more there are."""
    listed = len([i for i in _text(row["source_ids"]).split(";") if i])
    more = int(row["n_sources"]) - listed
    return f"{separator}and {more:,} more" if more > 0 else ""


def _cited(row: Row) -> list[str]:
    """The sources a row's tooltip lists: those of its status, then those of its IT-worker note."""
    cells = (row["source_ids"], row.get("it_source_ids"))
    ids = [i for cell in cells if isinstance(cell, str) for i in cell.split(";") if i]
    return list(dict.fromkeys(ids))


def _tooltip(row: Row, by_id: Sources, source_index: dict[str, int]) -> dict[str, object]:
    """One state of a country: what its tooltip, shape and label say in a year (or several alike)."""
    ids = _cited(row)
    ordered = sorted(ids, key=lambda i: _source_order(i, by_id), reverse=True)
    return {
        "label": _text(row["label"]),
        "status": _text(row["status"]),
        "status_text": _status_text(row, by_id),
        "notes": _notes(row),
        "sources": [source_index[i] for i in ordered],
        "aria": _aria_label(row),
        "fill": _fill(row),
        "dot": _text(row["fill"]),
        "class": -1 if pd.isna(row["class"]) else int(row["class"]),
    }


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


def _page_data(scene: map_scene.MapScene, years: pd.DataFrame, by_id: Sources) -> dict[str, object]:
    """Everything the script needs to redraw the map for any year, each text written once:
    every source once (countries refer to them by number), every distinct state of a country once
    (the years refer to it), and each country's series for its chart."""
    shown = sorted(set(years.loc[years["reported_in_year"], "year"].astype(int)))
    latest = int(years["year"].max())
    if latest not in shown:
        shown.append(latest)
    every_year = list(range(min(shown), latest + 1))
    hosts = scene.hosts.set_index("iso3")
    yearly = years[years["iso3"].isin(hosts.index)].rename(columns={"country": "name"}).copy()
    yearly["class"] = map_scene.assign_classes(
        yearly["workers_central"].where(yearly["status"] == "estimate"), scene.classes
    )
    yearly["fill"] = [map_scene.fill_of(row, scene.classes) for row in yearly.to_dict("records")]
    source_ids = sorted({i for row in yearly.to_dict("records") for i in _cited(row)})
    source_index = {source_id: number for number, source_id in enumerate(source_ids)}
    sources = []
    for source_id in source_ids:
        if source_id in by_id:
            source = by_id[source_id]
            cite = ", ".join(_text(source[c]) for c in ("publisher", "published") if _text(source[c]))
            sources.append([about.shown_title(_text(source["title"]), _text(source.get("title_en"))), cite])
        else:
            sources.append([source_id, ""])
    countries = {}
    for iso3, rows in yearly.groupby("iso3", sort=True):
        states, keys, by_year = [], {}, {}
        in_order = rows.sort_values("year").to_dict("records")
        for row in in_order:
            state = _tooltip(row, by_id, source_index)
            key = json.dumps(state, sort_keys=True)
            if key not in keys:
                keys[key] = len(states)
                states.append(state)
            by_year[int(row["year"])] = keys[key]
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
            [int(r["year"]), _figure(r["repatriated_reported"]), _text(r["repatriation_reports"])]
            for r in rows.to_dict("records")
            if _text(r["repatriation_reports"])
        ]
        countries[iso3] = {
            "name": _text(hosts.loc[iso3, "name"]),
            "states": states,
            "years": [by_year.get(y, -1) for y in every_year],
            "series": series,
            "departures": departures,
        }
    return {
        "years": shown,
        "first": every_year[0],
        "latest": latest,
        "land": map_scene.LAND_COLOUR,
        "sources": sources,
        "countries": countries,
    }


def _year_control(years: list[int], latest: int) -> str:
    last = len(years) - 1
    return (
        '<section class="year-control" aria-labelledby="year-heading">'
        '<h2 id="year-heading" class="year-heading">Year shown: '
        f'<output id="year-value" for="year" aria-live="polite">{latest} (latest)</output></h2>'
        '<div class="year-row">'
        '<button type="button" id="year-prev" aria-label="Previous year with evidence">&#8249;</button>'
        f'<input type="range" id="year" min="0" max="{last}" step="1" value="{last}" '
        f'aria-label="Year shown on the map" aria-valuetext="{latest} (latest)" aria-describedby="year-note" '
        f'data-years="{",".join(str(y) for y in years)}">'
        '<button type="button" id="year-next" aria-label="Next year with evidence">&#8250;</button>'
        '<button type="button" id="year-latest">Latest</button>'
        "</div>"
        f'<p class="year-note" id="year-note">{_e(YEAR_NOTE)} Years with evidence: {years[0]}–{latest}; '
        "links such as <code>#year=2017</code> open that year.</p>"
        "</section>"
    )


def _swatch(fill: str, circle: bool = False) -> str:
    shape = (
        f'<circle cx="11" cy="7" r="5" fill="{fill}" stroke="#2b2926" stroke-width="1"/>'
        if circle
        else f'<rect x="0.5" y="0.5" width="21" height="13" fill="{fill}" stroke="#5a5650" stroke-width="0.6"/>'
    )
    return f'<svg class="swatch" viewBox="0 0 22 14" aria-hidden="true">{shape}</svg>'


def _legend(scene: map_scene.MapScene, years: pd.DataFrame) -> str:
    """The legend of the latest year; each count has an id, so that the script updates it for another year."""
    items = ['<li class="legend-title">North Korean workers (central estimate)</li>']
    for number, c in enumerate(scene.classes):
        items.append(
            f'<li data-legend="class-{number}"{"" if c.count else " hidden"}>{_swatch(c.colour)}<span>{_e(c.label)} '
            f'(<span class="legend-count">{c.count}</span> <span class="legend-unit">'
            f"{'country' if c.count == 1 else 'countries'}</span>)</span></li>"
        )
    statuses = scene.hosts["status"].value_counts()
    in_any_year = set(years["status"])
    for status, text in map_scene.STATUS_LEGEND.items():
        if status in in_any_year:
            count = int(statuses.get(status, 0))
            items.append(
                f'<li data-legend="{_e(status)}"{"" if count else " hidden"}>{_swatch(_PATTERNS[status])}<span>{_e(text)} '
                f'(<span class="legend-count">{count}</span>)</span></li>'
            )
    if scene.hosts["small"].any():
        items.append(f"<li>{_swatch('#ffffff', circle=True)}Small state, marked by a dot</li>")
    items.append(f"<li>{_swatch(map_scene.LAND_COLOUR)}No report found</li>")
    return '<ul class="legend" id="legend" aria-label="Legend">' + "".join(items) + "</ul>"


def _caveats() -> str:
    items = "".join(f"<li><strong>{_e(c.headline)}</strong>{_e(c.rest)}</li>" for c in CAVEATS)
    return f'<section class="note" aria-labelledby="caveats"><h2 id="caveats">Read with care</h2><ul>{items}</ul></section>'


# the entries charts: one small stacked-bar chart per host
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM, CHART_TOP = 340, 170, 44, 18, 8


def _entries_svg(host: str, table: pd.DataFrame) -> str:
    years = table["year"].astype(int).tolist()
    values = table.drop(columns=["year", "total", "total_qualifier"])
    top = float(table["total"].fillna(0).combine(values.sum(axis=1), max).max()) or 1.0
    step = (CHART_WIDTH - CHART_LEFT) / len(years)
    bar = max(2.0, step * 0.7)
    height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP

    def y_of(value: float) -> float:
        return CHART_TOP + height * (1 - value / top)

    parts = [
        f'<svg class="entries-chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-label="{_e(host)}: entries of North Koreans by purpose, {years[0]}–{years[-1]}">',
        f'<line class="axis" x1="{CHART_LEFT}" y1="{y_of(0):.1f}" x2="{CHART_WIDTH}" y2="{y_of(0):.1f}"/>',
        f'<text x="{CHART_LEFT - 4}" y="{y_of(top) + 4:.1f}" text-anchor="end">{top:,.0f}</text>',
        f'<text x="{CHART_LEFT - 4}" y="{y_of(0):.1f}" text-anchor="end">0</text>',
    ]
    purposes = list(values.columns)
    for i, row in enumerate(table.to_dict("records")):
        x = CHART_LEFT + i * step + (step - bar) / 2
        base = 0.0
        for purpose in purposes:
            value = row[purpose]
            if pd.isna(value) or value <= 0:
                continue
            label = f"{row['year']}: {entries_chart.LABELS[purpose]} {value:,.0f}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y_of(base + value):.1f}" width="{bar:.1f}" '
                f'height="{y_of(base) - y_of(base + value):.1f}" fill="{entries_chart.COLOURS[purpose]}">'
                f"<title>{_e(label)}</title></rect>"
            )
            base += value
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{CHART_HEIGHT - 4}" text-anchor="middle">{_e(row["year"])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _entries(entries: pd.DataFrame | None, by_id: Sources) -> str:
    """Each host's border statistics as a small chart and a table, with what they cannot say."""
    if entries is None or entries.empty:
        return ""
    caveats = entries_chart.caveats(entries)
    blocks = []
    for host, table in entries_chart.by_host(entries).items():
        purposes = [c for c in table.columns if c not in ("year", "total", "total_qualifier")]
        keys = "".join(f"<li>{_swatch(entries_chart.COLOURS[p])}{_e(entries_chart.LABELS[p])}</li>" for p in purposes)
        head = "".join(f"<th>{_e(entries_chart.LABELS[p])}</th>" for p in purposes)
        body = "".join(
            f'<tr><td>{int(r["year"])}</td><td class="num">{_e(_text(r["total_qualifier"]))} {_count(r["total"])}</td>'
            + "".join(f'<td class="num">{_count(r[p])}</td>' for p in purposes)
            + "</tr>"
            for r in table.to_dict("records")
        )
        cited = sorted(set(entries.loc[entries["host"] == host, "source_id"]))
        titles = "; ".join(
            _e(about.shown_title(_text(by_id[i]["title"]), _text(by_id[i].get("title_en"))))
            for i in cited
            if i in by_id
        )
        blocks.append(
            f'<figure class="entries"><figcaption><strong>{_e(host)}</strong>: entries by purpose, full years</figcaption>'
            f"{_entries_svg(host, table)}"
            f'<ul class="entries-key">{keys}</ul>'
            f'<p class="entries-caveat">{_e(caveats[host])}</p>'
            f"<details><summary>The figures and their sources</summary><table><thead><tr><th>Year</th><th>Total</th>{head}"
            f"</tr></thead><tbody>{body}</tbody></table><p>Sources: {titles}</p></details></figure>"
        )
    return (
        '<section aria-labelledby="entries"><h2 id="entries">Who crosses the border: China\'s and Russia\'s entry '
        "statistics</h2>" + "".join(blocks) + "</section>"
    )


def _count(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _table(rows: pd.DataFrame, by_id: Sources) -> str:
    body = []
    for row in rows.sort_values("name", kind="stable").to_dict("records"):
        links = []
        for s in _sources_of(row, by_id):
            title = _e(s["title"])
            linked = f'<a href="{_e(s["url"])}">{title}</a>' if _URL.match(s["url"]) else title
            links.append(f"<li>{linked}{' — ' + _e(s['cite']) if s['cite'] else ''}</li>")
        more = _more_text(row, "")
        if more:
            links.append(f"<li>{_e(more)} (every one in the data below)</li>")
        body.append(
            f'<tr id="row-{_e(row["iso3"])}"><td>{_e(row["name"])}</td><td class="num">{_e(row["label"])}</td>'
            f"<td>{_e(_status_text(row, by_id))}</td><td><ul>{''.join(links)}</ul></td></tr>"
        )
    return (
        f'<section aria-labelledby="all-countries"><h2 id="all-countries">All {len(rows)} countries and their sources</h2>'
        "<details><summary>Show the table</summary><table><thead><tr><th>Country</th><th>Estimate</th>"
        "<th>What is known</th><th>Sources</th></tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></details></section>"
    )


FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet"}


def _download(file: str, text: str, label: str | None = None) -> str:
    aria = f' aria-label="{_e(label)}"' if label else ""
    return f'<a href="{_e(DATA_HREF + file)}" download{aria}>{_e(text)}</a>'


def _downloads() -> str:
    files = [
        f"<li>{_download(REPORTS_XLSX, REPORTS_XLSX)}: the list of reports with the figures each contributes, "
        "the country estimates and their evidence, as a spreadsheet</li>",
        f"<li>{_download(DATAPACKAGE_JSON, DATAPACKAGE_JSON)}: what every file and column holds "
        "(a Frictionless Data Package)</li>",
    ]
    tables = "".join(
        f"<tr><td>{_e(t.name)}</td><td>{_e(t.description)}</td>"
        '<td class="files">'
        + " · ".join(
            _download(table_file(t, fmt), FORMAT_NAMES[fmt], f"{t.name} as {FORMAT_NAMES[fmt]}") for fmt in FORMATS
        )
        + "</td></tr>"
        for t in MARTS
    )
    return (
        '<section aria-labelledby="downloads"><h2 id="downloads">Download the data</h2>'
        "<p>Every table as CSV (for spreadsheets, Datawrapper or R) and Parquet (for pandas, DuckDB or R). "
        f"{_e(SPREADSHEET_NOTE)}</p>"
        f"<ul>{''.join(files)}</ul>"
        "<table><thead><tr><th>Table</th><th>What it holds</th><th>Files</th></tr></thead>"
        f"<tbody>{tables}</tbody></table></section>"
    )


def _now_text(now: CurrentEvidence, year: int) -> str:
    """What is known now, counted from the latest year's rows."""
    others = now.n_current - now.n_estimate
    return (
        f"In {year}: {now.n_estimate} {'country has' if now.n_estimate == 1 else 'countries have'} a current estimate "
        f"and {others} more a current report of workers, restaurants or none remaining{now.span_text}; "
        f"for {now.n_last_reported} more, the last report is older and is shown as such, not as a figure."
    )


def _footer(now: CurrentEvidence) -> str:
    return (
        f"<footer><p>Built by nk_pipeline. What the map shows as current rests on {_e(now.reports_text)}"
        f"{_e(now.span_text)}; every figure traces to its sources (warehouse table marts.estimate_evidence). "
        "Boundaries: Natural Earth 1:50m, public domain; de facto borders, not an endorsement. Projection: Equal Earth.</p></footer>"
    )
