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
    "cited public reports. Tap, click or tab to a highlighted country (or point at it) to see its estimate, the "
    "year the figure describes, the sources behind it and how it changed; move through the years with the control."
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
    data = _page_data(scene, years, by_id)
    now = current_evidence(rows, sources)
    return _template().render(
        policy=policy,
        title=TITLE,
        lede=LEDE,
        now_text=_now_text(now, data["latest"]),
        style=Markup(style),
        script=Markup(script),
        data_json=Markup(_script_json(data)),
        years=data["years"],
        latest=data["latest"],
        year_note=YEAR_NOTE,
        svg=_svg(scene),
        legend_items=_legend(scene, years),
        caveat_items=CAVEATS,
        entry_blocks=_entries(entries, by_id),
        table_rows=_table(rows, by_id),
        files=_files(),
        tables=_tables(),
        spreadsheet_note=SPREADSHEET_NOTE,
        now=now,
        credit=named.credit if named else None,
        licence_note=about.LICENCE_NOTE,
        publisher=about.PUBLISHER,
    )


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
                "titles": [
                    about.shown_title(_text(by_id[i]["title"]), _text(by_id[i].get("title_en")))
                    for i in cited
                    if i in by_id
                ],
            }
        )
    return blocks


def _count(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _table(rows: pd.DataFrame, by_id: Sources) -> list[dict[str, object]]:
    table = []
    for row in rows.sort_values("name", kind="stable").to_dict("records"):
        sources = [{**s, "url": s["url"] if _URL.match(s["url"]) else ""} for s in _sources_of(row, by_id)]
        table.append(
            {
                "iso3": row["iso3"],
                "name": row["name"],
                "label": row["label"],
                "status_text": _status_text(row, by_id),
                "sources": sources,
                "more": _more_text(row, ""),
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
