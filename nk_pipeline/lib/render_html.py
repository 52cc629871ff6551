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
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from nk_pipeline.lib import geo
from nk_pipeline.lib.about import CAVEATS, SPREADSHEET_NOTE
from nk_pipeline.lib.catalog import MARTS
from nk_pipeline.lib.publishing import written_in_one_step
from nk_pipeline.lib.release import DATAPACKAGE_JSON, FORMATS, REPORTS_XLSX, table_file
from nk_pipeline.settings import DATA_DIR_NAME

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
    "figure describes, and the sources behind it."
)
STATUS_TEXT = {
    "present": "Workers reported, no reliable figure",
    "restaurants_only": "North Korean restaurants only",
}
_URL = re.compile(r"^https?://", re.IGNORECASE)
# index.html sits in map/, the release in data/ beside it: links that work from the folder, offline
DATA_HREF = f"../{DATA_DIR_NAME}/"


def render_html(scene: geo.MapScene, rows: pd.DataFrame, sources: pd.DataFrame, path: Path) -> Path:
    page = html_document(scene, rows, sources)
    with written_in_one_step(path) as tmp:
        tmp.write_text(page, encoding="utf-8", newline="\n")
    return path


def html_document(scene: geo.MapScene, rows: pd.DataFrame, sources: pd.DataFrame) -> str:
    script = (TEMPLATES / "map.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "map.css").read_text(encoding="utf-8")
    by_id = sources.set_index("source_id")
    rows = rows.rename(columns={"country": "name"})
    policy = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    data = {row["iso3"]: _tooltip(row, by_id) for _, row in scene.hosts.iterrows()}
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
        "</header>",
        "<main>",
        '<div id="map-wrap">',
        _svg(scene),
        '<div id="tip" class="tip" hidden></div>',
        "</div>",
        _legend(scene),
        _caveats(),
        _table(rows, by_id),
        _downloads(),
        "</main>",
        _footer(rows),
        f'<script type="application/json" id="map-data">{_script_json(data)}</script>',
        f"<script>{script}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _e(value: object) -> str:
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value), quote=True)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _script_json(value: object) -> str:
    """JSON safe inside <script>: nothing in it can end the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
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


def _fill(host: pd.Series) -> str:
    if host["status"] == "present":
        return "url(#pattern-present)"
    if host["status"] == "restaurants_only":
        return "url(#pattern-restaurants)"
    return host["fill"]


def _aria_label(host: pd.Series) -> str:
    if host["status"] == "estimate":
        detail = f"{host['label']}, estimated North Korean workers; {host['confidence']} confidence"
    else:
        detail = STATUS_TEXT[host["status"]]
    return f"{host['name']}: {detail}"


def _patterns() -> str:
    return (
        "<defs>"
        '<pattern id="pattern-present" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">'
        f'<rect width="4" height="4" fill="{geo.PRESENT_COLOUR}"/>'
        f'<line x1="0" y1="0" x2="0" y2="4" stroke="{geo.PRESENT_HATCH}" stroke-width="1.1"/></pattern>'
        '<pattern id="pattern-restaurants" patternUnits="userSpaceOnUse" width="4" height="4">'
        f'<rect width="4" height="4" fill="{geo.RESTAURANTS_COLOUR}"/>'
        f'<circle cx="2" cy="2" r="0.9" fill="{geo.RESTAURANTS_HATCH}"/></pattern>'
        "</defs>"
    )


def _svg(scene: geo.MapScene) -> str:
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


def _sources_of(row: pd.Series, by_id: pd.DataFrame) -> list[dict[str, str]]:
    ids = [i for i in str(row["source_ids"] or "").split(";") if i]
    found = []
    for source_id in ids:
        if source_id not in by_id.index:
            found.append({"title": source_id, "cite": "", "url": "", "published": ""})
            continue
        source = by_id.loc[source_id]
        cite = ", ".join(_text(source[c]) for c in ("publisher", "published") if _text(source[c]))
        found.append(
            {"title": _text(source["title"]), "cite": cite, "url": _text(source["url"]), "published": _text(source["published"])}
        )
    # newest first: the reader's first question is how current the figure is
    return sorted(found, key=lambda s: (s["published"], s["title"]), reverse=True)


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _notes(row: pd.Series) -> list[str]:
    notes = []
    if pd.isna(row["reference_year"]):
        notes.append("The sources do not say which year they describe.")
    elif row["status"] != "estimate":
        notes.append(f"Last reported for {int(row['reference_year'])}.")
    if bool(row["stale"]):
        notes.append("Predates the UN deadline of December 2019 to send every worker home.")
    if bool(row["has_restaurants"]) and row["status"] != "restaurants_only":
        notes.append("North Korean restaurants are also reported here.")
    return notes


def _status_text(row: pd.Series) -> str:
    n = int(row["n_sources"])
    sources = f"{n} source{'s' if n != 1 else ''}"
    if row["status"] == "estimate":
        return f"Estimated workers · {row['confidence']} confidence · {sources}"
    if row["status"] == "present":
        return f"Named as a host by {sources}; none gives a figure for the workers there"
    if row["status"] == "restaurants_only":
        return f"North Korean restaurants reported by {sources}; no figure for other workers"
    return str(row["status"])


def _tooltip(row: pd.Series, by_id: pd.DataFrame) -> dict[str, object]:
    return {
        "name": _text(row["name"]),
        "label": _text(row["label"]),
        "status": _text(row["status"]),
        "status_text": _status_text(row),
        "notes": _notes(row),
        "sources": [{"title": s["title"], "cite": s["cite"]} for s in _sources_of(row, by_id)],
    }


def _swatch(fill: str, circle: bool = False) -> str:
    shape = (
        f'<circle cx="11" cy="7" r="5" fill="{fill}" stroke="#2b2926" stroke-width="1"/>'
        if circle
        else f'<rect x="0.5" y="0.5" width="21" height="13" fill="{fill}" stroke="#5a5650" stroke-width="0.6"/>'
    )
    return f'<svg class="swatch" viewBox="0 0 22 14" aria-hidden="true">{shape}</svg>'


def _legend(scene: geo.MapScene) -> str:
    items = ['<li class="legend-title">North Korean workers (central estimate)</li>']
    for c in scene.classes:
        countries = "country" if c.count == 1 else "countries"
        items.append(f"<li>{_swatch(c.colour)}{_e(c.label)} ({c.count} {countries})</li>")
    statuses = scene.hosts["status"].value_counts()
    for status, pattern in (("present", "url(#pattern-present)"), ("restaurants_only", "url(#pattern-restaurants)")):
        if statuses.get(status, 0):
            items.append(f"<li>{_swatch(pattern)}{_e(geo.STATUS_LEGEND[status])} ({int(statuses[status])})</li>")
    if scene.hosts["small"].any():
        items.append(f"<li>{_swatch('#ffffff', circle=True)}Small state, marked by a dot</li>")
    items.append(f"<li>{_swatch(geo.LAND_COLOUR)}No report found</li>")
    return '<ul class="legend" aria-label="Legend">' + "".join(items) + "</ul>"


def _caveats() -> str:
    items = "".join(f"<li><strong>{_e(c.headline)}</strong>{_e(c.rest)}</li>" for c in CAVEATS)
    return f'<section class="note" aria-labelledby="caveats"><h2 id="caveats">Read with care</h2><ul>{items}</ul></section>'


def _table(rows: pd.DataFrame, by_id: pd.DataFrame) -> str:
    body = []
    for _, row in rows.sort_values("name", kind="stable").iterrows():
        links = []
        for s in _sources_of(row, by_id):
            title = _e(s["title"])
            linked = f'<a href="{_e(s["url"])}">{title}</a>' if _URL.match(s["url"]) else title
            links.append(f"<li>{linked}{' — ' + _e(s['cite']) if s['cite'] else ''}</li>")
        body.append(
            f'<tr id="row-{_e(row["iso3"])}"><td>{_e(row["name"])}</td><td class="num">{_e(row["label"])}</td>'
            f"<td>{_e(_status_text(row))}</td><td><ul>{''.join(links)}</ul></td></tr>"
        )
    return (
        f'<section aria-labelledby="all-countries"><h2 id="all-countries">All {len(rows)} countries and their sources</h2>'
        "<details><summary>Show the table</summary><table><thead><tr><th>Country</th><th>Estimate</th>"
        "<th>What is known</th><th>Sources</th></tr></thead><tbody>" + "\n".join(body) + "</tbody></table></details></section>"
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
        '<table><thead><tr><th>Table</th><th>What it holds</th><th>Files</th></tr></thead>'
        f"<tbody>{tables}</tbody></table></section>"
    )


def _footer(rows: pd.DataFrame) -> str:
    years = rows["reference_year"].dropna().astype(int)
    span = f" Figures describe {years.min()}–{years.max()}." if len(years) else ""
    return (
        "<footer><p>Built by nk_pipeline from cited public reports; every figure traces to its sources "
        f"(warehouse table marts.estimate_evidence).{span} Boundaries: Natural Earth 1:50m, public domain; "
        "de facto borders, not an endorsement. Projection: Equal Earth.</p></footer>"
    )
