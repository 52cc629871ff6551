"""map.png: the static choropleth, drawn with matplotlib from the shared map scene.

Same data, same bytes: the figure is drawn on an Agg canvas (no pyplot, no display), with
matplotlib's built-in defaults rather than the user's matplotlibrc, its bundled DejaVu fonts,
a fixed size and dpi, and no 'Software' text chunk (the only metadata matplotlib writes into
a PNG, and it carries the matplotlib version).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import pandas as pd
import shapely
import shapely.plotting
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from nk_pipeline.data import about
from nk_pipeline.map import map_scene
from nk_pipeline.marts import vocabulary
from nk_pipeline.shared.publishing import written_in_one_step

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 6.9, 150
PNG_METADATA = {"Software": None}
# Hosts big enough to carry their figure as text on the static map.
LABELLED_HOSTS = 2
TITLE = "North Korean workers abroad: where they are reported, and how many"
SUBTITLE = (
    "Coloured: a reconciled estimate (central figure of the range) from reports describing the latest year or the "
    "years just before it.\nPale: the last report is older, shown as last reported, not as a current figure."
)
YEARS_WIDTH_IN, YEARS_HEIGHT_IN = 12.0, 8.2
YEARS_TITLE = "North Korean workers abroad, year by year: as the cited reports describe each year"
YEARS_SUBTITLE = (
    "Each panel shows the estimate for that year from the figures describing it and the years just before "
    "(nothing later). Same colours in every panel."
)
TEXT_COLOUR = "#2b2926"
MUTED_TEXT = "#5f5b55"


def source_note(rows: pd.DataFrame, sources: pd.DataFrame, named: about.Edition) -> str:
    """The source line: how many reports, of which kinds, describing which years, are behind what the
    map shows as current (computed from the rows, never typed), and the release's credit line."""
    summary = about.current_evidence(rows, sources)
    return (
        f"Source: {about.PUBLISHER}, from {summary.reports_text}{summary.span_text}. "
        "Estimates, not counts; North Koreans who left on their own are not included.\n"
        f"Credit: {named.credit}.\n"
        "Boundaries: Natural Earth 1:50m (public domain). Projection: Equal Earth. "
        "Interactive version with every source: index.html."
    )


def _mathtext_safe(text: str) -> str:
    # matplotlib reads $...$ as mathematics; data never means that
    return text.replace("$", r"\$")


@functools.lru_cache(maxsize=1024)
def _outline(geometry) -> MplPath:
    # every map of map_years.png draws the same ~240 shapes: their outlines are made once
    return shapely.plotting.patch_from_polygon(geometry).get_path()


def _patch(geometry, **style):
    return PathPatch(_outline(geometry), **style)


@contextmanager
def _drawn_png(path: Path, width_in: float, height_in: float, hatch_width: float) -> Iterator[Figure]:
    """A figure to draw on, saved to `path` as a PNG that depends on nothing but what is drawn:
    matplotlib's defaults (not the user's matplotlibrc), a fixed size and dpi, no Software chunk."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(
            {
                "font.family": "DejaVu Sans",
                "hatch.linewidth": hatch_width,
                "path.simplify": False,
                "savefig.pad_inches": 0,
            }
        )
        fig = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        yield fig
        with written_in_one_step(path) as tmp:
            fig.savefig(tmp, dpi=DPI, format="png", metadata=PNG_METADATA, facecolor="white")


def render_png(scene: map_scene.MapScene, path: Path, note: str) -> Path:
    with _drawn_png(path, WIDTH_IN, HEIGHT_IN, hatch_width=0.6) as fig:
        _draw(fig, scene, note)
    return path


def story_years(years: pd.DataFrame) -> list[int]:
    """Four years that tell the story, chosen from the series: the rise (the first year with half the
    peak's countries with a current figure), the peak (most such countries), the year with most
    reports that none remain, and the latest."""
    if years.empty:
        return []
    latest = int(years["year"].max())
    per_year = years.assign(figure=years["status"] == "estimate", ended=years["status"] == "none_reported_remaining")
    counts = per_year.groupby("year")[["figure", "ended"]].sum().sort_index()
    peak = int(counts["figure"].idxmax())
    rise = int(counts.index[counts["figure"] * 2 >= counts["figure"].max()][0])
    after_peak = counts.loc[peak:]
    ended = int(after_peak["ended"].idxmax()) if after_peak["ended"].max() > 0 else peak
    return sorted({rise, peak, ended, latest})


def render_years_png(scene: map_scene.MapScene, years: pd.DataFrame, path: Path, note: str) -> Path:
    """map_years.png: the map of each story year, small, in a grid with one legend."""
    with _drawn_png(path, YEARS_WIDTH_IN, YEARS_HEIGHT_IN, hatch_width=0.5) as fig:
        shown = story_years(years)
        latest = max(shown) if shown else None
        for index, year in enumerate(shown):
            column, row = index % 2, index // 2
            ax = fig.add_axes((0.005 + column * 0.497, 0.535 - row * 0.39, 0.49, 0.354))
            view = map_scene.year_scene(scene, years[years["year"] == year])
            _draw_map(ax, view, labels=0)
            counts = view.hosts["status"].value_counts()
            current = int(view.hosts["status"].isin(vocabulary.CURRENT_STATUSES).sum())
            title = f"{year}{' (latest)' if year == latest else ''}: {current} countries with a current report"
            figures = int(counts.get("estimate", 0))
            ax.set_title(f"{title}, {figures} with a figure", fontsize=9.5, color=TEXT_COLOUR, loc="left", pad=3)
        # above the three lines of the note (source, credit, boundaries)
        legend_ax = fig.add_axes((0.0, 0.06, 1.0, 0.095))
        legend_ax.set_axis_off()
        _legend(legend_ax, scene, counts=False, loc="upper center", ncol=5)
        fig.text(0.012, 0.985, YEARS_TITLE, fontsize=14, fontweight="bold", color=TEXT_COLOUR, va="top")
        fig.text(0.012, 0.952, YEARS_SUBTITLE, fontsize=8.5, color=MUTED_TEXT, va="top")
        fig.text(0.012, 0.006, _mathtext_safe(note), fontsize=6.5, color=MUTED_TEXT, va="bottom", linespacing=1.4)
    return path


def _draw(fig: Figure, scene: map_scene.MapScene, note: str) -> None:
    ax = fig.add_axes((0.005, 0.085, 0.99, 0.765))
    _draw_map(ax, scene, labels=LABELLED_HOSTS)
    _legend(ax, scene)

    fig.text(0.012, 0.965, TITLE, fontsize=16, fontweight="bold", color=TEXT_COLOUR, va="top")
    fig.text(0.012, 0.925, SUBTITLE, fontsize=9, color=MUTED_TEXT, va="top", linespacing=1.4)
    fig.text(0.012, 0.018, _mathtext_safe(note), fontsize=7.5, color=MUTED_TEXT, va="bottom", linespacing=1.45)


def _draw_map(ax, scene: map_scene.MapScene, labels: int) -> None:
    ax.set_axis_off()
    ax.set_aspect("equal")
    xmin, ymin, xmax, ymax = scene.outline.bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)

    # add_artist, not add_patch: the limits are fixed above, and add_patch would recompute the
    # data limits for every one of the ~240 shapes
    ax.add_artist(_patch(scene.outline, facecolor=map_scene.SEA_COLOUR, edgecolor="#c9d3da", linewidth=0.6, zorder=0))
    for geometry in scene.land.geometry:
        ax.add_artist(
            _patch(geometry, facecolor=map_scene.LAND_COLOUR, edgecolor=map_scene.LAND_EDGE, linewidth=0.35, zorder=1)
        )

    hosts = scene.hosts
    for _, host in hosts.iterrows():
        style = {"facecolor": host["fill"], "edgecolor": map_scene.HOST_EDGE, "linewidth": 0.45, "zorder": 2}
        if host["status"] in map_scene.STATUS_STYLES:
            drawn = map_scene.STATUS_STYLES[host["status"]]
            style.update(hatch=drawn.png_hatch, hatchcolor=drawn.ink)
        ax.add_artist(_patch(host.geometry, **style))

    small = hosts[hosts["small"]]
    ax.scatter(
        small["anchor_x"],
        small["anchor_y"],
        s=34,
        c=list(small["fill"]),
        edgecolors=TEXT_COLOUR,
        linewidths=0.8,
        zorder=4,
    )
    if labels:
        _label_largest(ax, hosts, labels)


def _label_largest(ax, hosts: pd.DataFrame, count: int) -> None:
    estimates = hosts[hosts["status"] == "estimate"].sort_values(["workers_central", "iso3"], ascending=[False, True])
    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    for _, host in estimates.head(count).iterrows():
        ax.annotate(
            _mathtext_safe(f"{host['name']}\n{host['label']}"),
            (host["anchor_x"], host["anchor_y"]),
            ha="center",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=TEXT_COLOUR,
            path_effects=halo,
            zorder=5,
        )


def _legend(ax, scene: map_scene.MapScene, counts: bool = True, loc: str = "lower left", ncol: int = 1) -> None:
    handles = [
        Patch(
            facecolor=c.colour,
            edgecolor=map_scene.HOST_EDGE,
            linewidth=0.45,
            label=f"{c.label}  ({c.count} {'country' if c.count == 1 else 'countries'})" if counts else c.label,
        )
        for c in scene.classes
    ]
    statuses = scene.hosts["status"].value_counts()
    for status, text in map_scene.STATUS_LEGEND.items():
        count = int(statuses.get(status, 0))
        if count or not counts:
            handles.append(
                Patch(
                    facecolor=map_scene.STATUS_STYLES[status].fill,
                    edgecolor=map_scene.HOST_EDGE,
                    hatch=map_scene.STATUS_STYLES[status].png_hatch,
                    hatchcolor=map_scene.STATUS_STYLES[status].ink,
                    linewidth=0.45,
                    label=f"{text}  ({count})" if counts else text,
                )
            )
    if scene.hosts["small"].any():
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=6,
                markerfacecolor=map_scene.SMALL_STATE_SWATCH,
                markeredgecolor=TEXT_COLOUR,
                label="Small state, drawn as a dot",
            )
        )
    handles.append(Patch(facecolor=map_scene.LAND_COLOUR, edgecolor="#bdb9b2", linewidth=0.45, label="No report found"))
    legend = ax.legend(
        handles=handles,
        loc=loc,
        bbox_to_anchor=(0.5, 1.0) if loc == "upper center" else (0.0, 0.0),
        ncol=ncol,
        frameon=True,
        fontsize=8,
        title="North Korean workers (central estimate)",
        title_fontsize=8.5,
        alignment="left",
        handlelength=2.2,
        handleheight=1.3,
        borderpad=0.8,
        labelspacing=0.45,
        facecolor="white",
        edgecolor="#d5d1ca",
    )
    legend.get_frame().set_linewidth(0.6)
    legend.set_zorder(6)
