"""What a publish changes against the last one, and the guard that holds an implausible jump.

The inputs are typed by hand, and a figure can be well-formed and still wrong (an extra zero).
Before anything is published, the build is compared with the published warehouse: which
countries' status, low, high or central figure changed, and which raw lines (observations of
marts.estimate_evidence, compared by content) changed to cause it. A change that looks like a
typo — a low, central or high figure more than `jump_factor` times up or down, an estimate that
becomes a status without a figure, a country no longer listed — holds the publish until a
curator names that very change in raw/reviewed_changes.csv. The comparison is recorded in
`history` with the publish (history.country_estimate_changes, history.evidence_changes,
history.reviewed_changes), so the report printed after a build is read back from there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from nk_pipeline.raw import contract, countries
from nk_pipeline.shared.sql import read_sql
from nk_pipeline.warehouse.history import attached_previous, carry_history, record_snapshot

REVIEWED_FILE = f"raw/{contract.REVIEWED_CHANGES.filename}"
# What the evidence comparison reads of the published warehouse's marts.estimate_evidence.
EVIDENCE_COLUMNS = (
    "iso3",
    "raw_file",
    "source_id",
    "source_line",
    "measure",
    "workers_low",
    "workers_high",
    "reference_year",
    "effective_year",
    "evidence",
)
FIGURE_NAMES = {"workers_low": "low", "workers_high": "high", "workers_central": "central"}
NOTHING = "—"


@dataclass(frozen=True)
class Changes:
    """One publish against the one before it, as history records it."""

    publish_id: int
    previous_publish_id: int | None
    countries: pd.DataFrame  # rows of history.country_estimate_changes
    evidence: pd.DataFrame  # rows of history.evidence_changes
    reviewed: pd.DataFrame  # rows of history.reviewed_changes

    @property
    def first(self) -> bool:
        return self.previous_publish_id is None

    def summary(self) -> str:
        if self.first:
            return f"publish {self.publish_id} is the first: nothing to compare with"
        against = f"against publish {self.previous_publish_id}"
        if self.countries.empty:
            head = f"no change {against}: every country's status and figures are as published"
        else:
            head = f"{len(self.countries)} countr{'y' if len(self.countries) == 1 else 'ies'} changed {against}"
        if not self.evidence.empty:
            head += f"; {len(self.evidence)} raw line(s) changed"
        return head

    def text(self) -> str:
        """The report a person reads after a build: each changed country, then the lines behind it."""
        lines = [self.summary()]
        shown: set[str] = set()
        for row in self.countries.itertuples(index=False):
            lines.append(f"  {country_change(row)}")
            lines += [f"      {evidence_change(e)}" for e in self.evidence_of(row.iso3)]
            shown.add(row.iso3)
        rest = self.evidence[~self.evidence["iso3"].isin(shown)]
        if not rest.empty:
            lines.append("  raw lines changed without changing a country's figures:")
            lines += [f"      {evidence_change(e)}" for e in rest.itertuples(index=False)]
        for row in self.reviewed.itertuples(index=False):
            lines.append(f"  reviewed: {reviewed_change(row)}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The same report as a table, for the materialization's metadata."""
        if self.countries.empty and self.evidence.empty:
            return self.summary()
        rows = []
        for row in self.countries.itertuples(index=False):
            rows.append(
                {
                    "country": f"{row.country} ({row.iso3})",
                    "change": row.change,
                    "status": _arrow(row.old_status, row.new_status),
                    "low": _arrow(_number(row.old_workers_low), _number(row.new_workers_low), row.low_factor),
                    "high": _arrow(_number(row.old_workers_high), _number(row.new_workers_high), row.high_factor),
                    "central": _arrow(
                        _number(row.old_workers_central), _number(row.new_workers_central), row.central_factor
                    ),
                    "raw lines": "<br>".join(evidence_change(e) for e in self.evidence_of(row.iso3)) or "none",
                }
            )
        unchanged = self.evidence[~self.evidence["iso3"].isin(set(self.countries["iso3"]))]
        for iso3, group in unchanged.groupby("iso3", sort=True):
            rows.append(
                {
                    "country": iso3,
                    "change": "figures unchanged",
                    "raw lines": "<br>".join(map(evidence_change, group.itertuples(index=False))),
                }
            )
        table = pd.DataFrame(rows).fillna("").to_markdown(index=False)
        reviewed = "".join(f"\n- reviewed: {reviewed_change(r)}" for r in self.reviewed.itertuples(index=False))
        return f"{self.summary()}\n\n{table}{reviewed}"

    def evidence_of(self, iso3: str) -> Iterable:
        return self.evidence[self.evidence["iso3"] == iso3].itertuples(index=False)


@dataclass(frozen=True)
class Review:
    """A build's changes before they are published, with the jumps that hold them."""

    changes: Changes
    jumps: pd.DataFrame  # nk_pipeline/warehouse/sql/jumps.sql: every jump, reviewed or not

    @property
    def held(self) -> pd.DataFrame:
        return self.jumps[self.jumps["reviewed_line"].isna()]

    def hold_message(self) -> str:
        """Per held country: what moved, the raw lines behind it, and the rows that would let it through."""
        held = self.held
        if held.empty:
            return ""
        by_country = held.groupby("iso3", sort=True)
        lines = [
            f"publish held: {by_country.ngroups} countr{'y' if by_country.ngroups == 1 else 'ies'} changed against "
            f"publish {self.changes.previous_publish_id} in a way that needs a review first:"
        ]
        for iso3, jumps in by_country:
            (change,) = self.changes.countries[self.changes.countries["iso3"] == iso3].itertuples(index=False)
            lines.append(f"✗ {change.country} ({iso3}): {_arrow(change.old_label, change.new_label)}")
            lines += [f"    {jump_text(jump)}" for jump in jumps.itertuples(index=False)]
            behind = [evidence_change(e) for e in self.changes.evidence_of(iso3)]
            lines += [f"    behind it: {line}" for line in behind] or [
                "    behind it: no observation of the country changed (sources.csv or the method did)"
            ]
            for jump in jumps.itertuples(index=False):
                if isinstance(jump.other_reviews, str):
                    lines.append(
                        f"    {REVIEWED_FILE} ({jump.other_reviews}) reviews another change of {jump.figure}, not this one"
                    )
            lines.append(f"    if this is meant, add to {REVIEWED_FILE}, saying why:")
            lines += [f"      {suggested_row(jump)}" for jump in jumps.itertuples(index=False)]
        lines.append("If it is a typo, correct the raw line and build again.")
        return "\n".join(lines)


def review(conn: duckdb.DuckDBPyConnection, published_db: Path) -> Review:
    """Compare the build in `conn` with the published warehouse, recording the comparison in
    the build's history as the coming publish. Run again by the publish itself, so a publish
    never relies on a comparison made before the marts last changed."""
    input_hashes = dict(conn.execute("SELECT file, sha256 FROM staging.inputs ORDER BY file").fetchall())
    earlier = carry_history(conn, published_db)
    publish_id = record_snapshot(conn, input_hashes)
    if earlier:
        record_evidence_changes(conn, published_db, publish_id)
    jumps = conn.execute(read_sql("jumps"), {"publish_id": publish_id}).df()
    reviewed = [int(line) for line in jumps["reviewed_line"].dropna()]
    if reviewed:
        conn.execute(
            """
            INSERT INTO history.reviewed_changes
            SELECT $publish_id, iso3, country, figure, old_value, new_value, reason, $raw_file, source_line
            FROM staging.reviewed_changes WHERE list_contains($lines, source_line) ORDER BY source_line
            """,
            {"publish_id": publish_id, "raw_file": REVIEWED_FILE, "lines": reviewed},
        )
    return Review(load_changes(conn, publish_id), jumps)


def record_evidence_changes(conn: duckdb.DuckDBPyConnection, published_db: Path, publish_id: int) -> bool:
    """history.evidence_changes of the publish; False when the published warehouse predates the
    columns the comparison needs (then no line is listed)."""
    with attached_previous(conn, published_db):
        present = {
            name
            for (name,) in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'previous' "
                "AND schema_name = 'marts' AND table_name = 'estimate_evidence'"
            ).fetchall()
        }
        if not set(EVIDENCE_COLUMNS) <= present:
            return False
        conn.execute(read_sql("evidence_changes"), {"publish_id": publish_id})
        return True


def load_changes(conn: duckdb.DuckDBPyConnection, publish_id: int) -> Changes:
    (previous,) = conn.execute(
        "SELECT max(publish_id) FROM history.publishes WHERE publish_id < ?", [publish_id]
    ).fetchone()

    def rows(table: str, order: str) -> pd.DataFrame:
        return conn.execute(f"SELECT * FROM history.{table} WHERE publish_id = ? ORDER BY {order}", [publish_id]).df()

    return Changes(
        publish_id=publish_id,
        previous_publish_id=previous,
        countries=rows("country_estimate_changes", "iso3"),
        evidence=conn.execute(read_sql("evidence_changes_read"), {"publish_id": publish_id}).df(),
        reviewed=rows("reviewed_changes", "source_line"),
    )


def published_changes(warehouse_db: Path) -> Changes | None:
    """The changes of the latest publish of a warehouse, read back from its history."""
    if not warehouse_db.exists():
        return None
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        (latest,) = conn.execute("SELECT max(publish_id) FROM history.publishes").fetchone()
        return None if latest is None else load_changes(conn, latest)


# --- Wording ----------------------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _same(old, new) -> bool:
    if _missing(old) or _missing(new):
        return _missing(old) and _missing(new)
    return old == new


def _number(value) -> str:
    return NOTHING if _missing(value) else f"{int(value):,}"


def _factor(factor) -> str:
    if _missing(factor) or factor == 0:
        return ""
    if factor >= 1:
        return f"{factor:.3g}× up"
    return f"{1 / factor:.3g}× down"


def _arrow(old, new, factor=None) -> str:
    old, new = (NOTHING if _missing(v) else v for v in (old, new))
    if old == new:
        return str(old)
    moved = _factor(factor)
    return f"{old} → {new}" + (f" ({moved})" if moved else "")


def country_change(row) -> str:
    """One line per changed country of history.country_estimate_changes."""
    name = f"{row.country} ({row.iso3})"
    if row.change == "added":
        return f"{name}: new, {row.new_status}: {row.new_label}"
    if row.change == "removed":
        return f"{name}: no longer listed (was {row.old_status}: {row.old_label})"
    parts = []
    if not _same(row.old_status, row.new_status):
        parts.append(f"status {row.old_status} → {row.new_status}")
    for figure, factor in (
        ("workers_low", row.low_factor),
        ("workers_high", row.high_factor),
        ("workers_central", row.central_factor),
    ):
        old, new = getattr(row, f"old_{figure}"), getattr(row, f"new_{figure}")
        if _number(old) != _number(new):
            parts.append(f"{FIGURE_NAMES[figure]} {_arrow(_number(old), _number(new), factor)}")
    if not parts:
        parts.append("reference year changed")
    return f"{name}: {'; '.join(parts)} — {row.old_label} → {row.new_label}"


def _observation(measure, figures, year) -> str:
    worded = "no figure" if _missing(figures) else figures
    return f"{measure} {worded}" + ("" if _missing(year) else f" ({int(year)})")


def evidence_change(row) -> str:
    """One raw line of history.evidence_changes: where it is and what it says (or said)."""
    if row.change == "added":
        where, what = (
            f"{row.raw_file}:{row.new_source_line}",
            _observation(row.new_measure, row.new_figures, row.new_effective_year),
        )
    elif row.change == "removed":
        where, what = (
            f"{row.raw_file}:{row.old_source_line} (line of the published version)",
            _observation(row.old_measure, row.old_figures, row.old_effective_year),
        )
    else:
        where = f"{row.raw_file}:{row.new_source_line}"
        if not _same(row.old_source_line, row.new_source_line):
            where += f" (was line {row.old_source_line})"
        fields = []
        for field in ("measure", "workers_low", "workers_high", "reference_year", "effective_year"):
            old, new = getattr(row, f"old_{field}"), getattr(row, f"new_{field}")
            if _same(old, new):
                continue
            shown = str if field in ("measure", "reference_year", "effective_year") else _number
            fields.append(
                f"{field} {NOTHING if _missing(old) else shown(old)} → {NOTHING if _missing(new) else shown(new)}"
            )
        what = "; ".join(fields)
    return f"{where} {row.change} ({row.source_id}): {what}"


def reviewed_change(row) -> str:
    return (
        f"{row.country} {row.figure} {row.old_value} → {row.new_value} ({row.raw_file}:{row.source_line}: {row.reason})"
    )


def _value(figure: str, value) -> str:
    return value if figure == "status" else _number(int(value))


def jump_text(jump) -> str:
    """Why one figure of a country is held (a row of nk_pipeline/warehouse/sql/jumps.sql)."""
    old, new = _value(jump.figure, jump.old_value), _value(jump.figure, jump.new_value)
    if jump.rule == "factor":
        if _missing(jump.factor):  # the old figure was 0
            moved = "up from 0"
        elif jump.factor == 0:
            moved = "down to 0"
        else:
            moved = _factor(jump.factor)
        return f"{jump.figure} {old} → {new}: {moved}, more than the jump_factor of {jump.jump_factor:g} allows"
    if jump.rule == "absent":
        return f"status {old} → {new}: the country is no longer listed in marts.country_estimates"
    return f"status {old} → {new}: the country loses its estimate"


def suggested_row(jump) -> str:
    """The raw/reviewed_changes.csv row that acknowledges exactly this change."""
    name = jump.country if countries.to_iso3(jump.country) == jump.iso3 else jump.iso3
    name = f'"{name}"' if "," in name else name
    return f"{name},{jump.figure},{jump.old_value},{jump.new_value},<why the change is right>"
