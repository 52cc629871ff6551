"""A release's credit, licence and edition (issue 23): derived from the inputs, the same in every
place a reader or a reuser meets them."""

import html
import json
import re

import duckdb
import pytest

from nk_pipeline.data import about
from nk_pipeline.data.edition import edition
from nk_pipeline.data.release import DATAPACKAGE_JSON
from nk_pipeline.map.map_outputs import map_rows
from nk_pipeline.map.render_png import source_note
from nk_pipeline.shared.sql import read_sql


@pytest.fixture(scope="module")
def named(shipped_build) -> about.Edition:
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        return edition(conn)


def test_the_data_package_carries_licence_edition_and_credit(shipped_build, named):
    package = json.loads((shipped_build.paths.data_dir / DATAPACKAGE_JSON).read_text(encoding="utf-8"))
    (digest,) = (
        duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True)
        .execute("SELECT inputs_digest FROM history.publishes ORDER BY publish_id DESC LIMIT 1")
        .fetchone()
    )
    assert package["version"] == named.version == digest[:12]
    assert package["created"] == f"{named.date.isoformat()}T00:00:00Z"
    assert package["licenses"] == [about.DATA_LICENCE]
    assert package["contributors"] == [{"title": about.PUBLISHER, "role": "publisher"}]
    assert package["citation"] == named.credit
    assert "homepage" not in package  # the repository names none: none is invented


def test_the_page_and_the_pngs_carry_the_credit(shipped_build, named):
    page = (shipped_build.paths.map_dir / "index.html").read_text(encoding="utf-8")
    footer = page.split("<footer", 1)[1]
    assert named.version in footer and named.date.isoformat() in footer and about.DATA_LICENCE_SHORT in footer
    assert "marts." not in footer and "nk_pipeline/" not in footer
    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as conn:
        rows = map_rows(conn, "map_countries")
        sources = conn.execute(read_sql("map_sources")).df()
    # the note both PNGs draw under the map
    note = source_note(rows, sources, named)
    assert f"Credit: {named.credit}." in note
    assert "marts." not in note and "nk_pipeline/" not in note


def test_no_table_name_or_repository_path_in_what_the_page_shows(shipped_build):
    """Issue 23: the page is for readers; table names and paths belong to the data and the docs."""
    page = (shipped_build.paths.map_dir / "index.html").read_text(encoding="utf-8")
    shown = re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", shown))
    found = re.findall(r"\b(?:marts|staging|history)\.\w+|\braw/\S+|\bdocs/\S+|nk_pipeline/\S+|\w+\.py\b", text)
    assert found == []
