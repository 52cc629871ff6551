"""warehouse/data/ after real builds: every file read back by the tools its users have.

One build of raw/ with hostile text planted in titles, publishers, notes, evidence and references
(shapes beyond those of the unit tests) is checked for formula cells in every CSV, in map.csv and
in the spreadsheet; the shipped build and a second build of the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from nk_pipeline.data.release import DATAPACKAGE_JSON, REPORTS_XLSX, release_files, table_file
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.shared.spreadsheet_text import is_formula_like
from tests.conftest import SHIPPED_RAW, copy_raw, run_build

# Kept to valid contract values (free-text columns, evidence within 15 words).
PLANTED = {
    "sources.csv": {
        "title": "=cmd|' /C calc'!A0",
        "publisher": '+HYPERLINK("http://example.invalid")',
        "notes": "@SUM(1+1)*cmd|' /C calc'!A0",
        "authors": "\t=2+5",
    },
    "country_estimates.csv": {"evidence": "-1+1 said the report", "notes": "\r=1"},
    "restaurants.csv": {"evidence": "  =1+1 restaurants"},
    "border_entries.csv": {"evidence": "＝1+1 entries"},
    "headline_estimates.csv": {"evidence": '=DDE("cmd";"/C calc";"A0")'},
    "policy_events.csv": {"evidence": "@cmd", "reference": "+S/RES/2397"},
}


def _duckdb_cli() -> str:
    cli = Path(sys.executable).with_name("duckdb")
    found = str(cli) if cli.exists() else shutil.which("duckdb")
    assert found, "duckdb-cli is a dev dependency"
    return found


def _frictionless() -> str:
    cli = Path(sys.executable).with_name("frictionless")
    found = str(cli) if cli.exists() else shutil.which("frictionless")
    assert found, "frictionless is a dev dependency"
    return found


def _published(text: str) -> str:
    """How a planted cell comes out of a CSV: the raw reader trims cells, the export adds one apostrophe."""
    return "'" + text.strip()


def _plant(raw: Path, source_id: str) -> None:
    """Overwrite the planted columns of the source's row in sources.csv and of the second data row elsewhere."""
    for name, cells in PLANTED.items():
        path = raw / name
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        row = next(r for r in rows if r["source_id"] == source_id) if name == "sources.csv" else rows[1]
        row.update(cells)
        with path.open("w", encoding="utf-8", newline="") as handle:
            # every cell quoted: a carriage return inside a cell must stay inside it
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n", quoting=csv.QUOTE_ALL)
            writer.writeheader()
            writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory, shipped_build):
    root = tmp_path_factory.mktemp("hostile")
    raw = copy_raw(root / "raw")
    # a source behind Russia's estimate, so that the title reaches map.csv's source_titles too
    (source_id,) = _mart(
        shipped_build, "SELECT split_part(source_ids, ';', 1) AS s FROM marts.country_estimates WHERE iso3 = 'RUS'"
    )["s"]
    _plant(raw, source_id)
    build = run_build(raw, root / "warehouse")
    assert build.success, "hostile text is valid input: it must build and publish"
    return build


def _csv_files(build) -> list[Path]:
    return [build.paths.data_dir / table_file(t, "csv") for t in MARTS] + [build.paths.map_dir / "map.csv"]


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _mart(build, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(build.paths.warehouse_db), read_only=True) as conn:
        return conn.execute(sql).df()


def test_every_release_file_is_published(hostile_build):
    published = sorted(p.name for p in hostile_build.paths.data_dir.iterdir())
    assert published == sorted(release_files())
    assert not list(hostile_build.paths.data_dir.glob(".*")), "no temporaries left"


NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def test_no_csv_cell_starts_like_a_formula(hostile_build):
    for path in _csv_files(hostile_build):
        numeric = {c for c, t in pd.read_csv(path).dtypes.items() if pd.api.types.is_numeric_dtype(t)}
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            for line, row in enumerate(reader, start=2):
                for column, cell in zip(header, row):
                    if column in numeric and NUMBER.fullmatch(cell):
                        continue  # a negative figure is a number, and stays one
                    assert not is_formula_like(cell), f"{path.name}:{line}: {column} {cell!r}"


def test_planted_text_is_published_with_one_apostrophe_and_intact_in_parquet(hostile_build):
    data = hostile_build.paths.data_dir
    for column, text in PLANTED["sources.csv"].items():
        csv_values = {r[column] for r in _cells(data / "sources.csv")}
        assert _published(text) in csv_values, column
        parquet = pd.read_parquet(data / "sources.parquet")
        assert text.strip() in set(parquet[column]), column  # Parquet and DuckDB keep the text as read
    evidence = {r["evidence"] for r in _cells(data / "estimate_evidence.csv")}
    assert _published(PLANTED["country_estimates.csv"]["evidence"]) in evidence
    assert _published(PLANTED["country_estimates.csv"]["notes"]) in {
        r["notes"] for r in _cells(data / "estimate_evidence.csv")
    }
    assert _published(PLANTED["restaurants.csv"]["evidence"]) in evidence
    assert _published(PLANTED["border_entries.csv"]["evidence"]) in {
        r["evidence"] for r in _cells(data / "china_entries.csv")
    }
    assert _published(PLANTED["policy_events.csv"]["reference"]) in {
        r["reference"] for r in _cells(data / "policy_timeline.csv")
    }
    russia = next(r for r in _cells(hostile_build.paths.map_dir / "map.csv") if r["iso3"] == "RUS")
    assert russia["source_titles"].startswith(_published(PLANTED["sources.csv"]["title"]))


def test_the_warn_check_names_every_planted_cell_and_does_not_block(hostile_build):
    evaluations = [
        e for e in hostile_build.result.get_asset_check_evaluations() if e.check_name == "no_formula_like_text"
    ]
    failed = {e.asset_key.path[-1]: e for e in evaluations if not e.passed}
    assert set(failed) == {name.removesuffix(".csv") for name in PLANTED}
    for evaluation in failed.values():
        assert evaluation.severity.value == "WARN"
    sources = failed["sources"]
    assert sources.metadata["cells"].value == len(PLANTED["sources.csv"])
    assert re.search(r"raw/sources\.csv:\d+: column 'title' value ", sources.description)
    assert PLANTED["sources.csv"]["title"] in sources.description
    assert hostile_build.paths.warehouse_db.exists()


def test_numbers_stay_numbers(hostile_build):
    data = hostile_build.paths.data_dir
    totals = pd.read_csv(data / "global_totals.csv")
    assert pd.api.types.is_numeric_dtype(totals["gap_central"])
    expected = _mart(hostile_build, "SELECT gap_central FROM marts.global_totals WHERE gap_central < 0")
    assert len(expected), "the data has a negative gap to check"
    raw_cells = {r["gap_central"] for r in _cells(data / "global_totals.csv")}
    assert all(str(int(v)) in raw_cells for v in expected["gap_central"])  # "-1234", never "'-1234"
    estimates = pd.read_csv(data / "country_estimates.csv")
    for column in ("workers_low", "workers_high", "workers_central", "reference_year", "n_sources"):
        assert pd.api.types.is_numeric_dtype(estimates[column]), column


def test_pandas_reads_every_csv_as_the_mart(hostile_build):
    for table in MARTS:
        frame = pd.read_csv(hostile_build.paths.data_dir / table_file(table, "csv"), keep_default_na=False)
        mart = _mart(hostile_build, f"SELECT * FROM {table.qualified}")
        assert list(frame.columns) == list(mart.columns), table.name
        assert len(frame) == len(mart), table.name
    estimates = pd.read_csv(hostile_build.paths.data_dir / "country_estimates.csv")
    assert estimates["iso3"].str.fullmatch(r"[A-Z]{3}").all()


def test_the_duckdb_cli_reads_every_csv_with_its_types(hostile_build):
    cli = _duckdb_cli()
    for table in MARTS:
        path = hostile_build.paths.data_dir / table_file(table, "csv")
        out = subprocess.run(
            [cli, "-json", "-c", f"DESCRIBE SELECT * FROM read_csv('{path}')"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        read = {row["column_name"]: row["column_type"] for row in json.loads(out)}
        with duckdb.connect(str(hostile_build.paths.warehouse_db), read_only=True) as conn:
            types = dict(
                conn.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?",
                    [table.name],
                ).fetchall()
            )
        assert list(read) == list(types), table.name
        for column, mart_type in types.items():
            if mart_type in ("BIGINT", "INTEGER", "DOUBLE"):
                assert read[column] in ("BIGINT", "INTEGER", "DOUBLE", "SMALLINT", "TINYINT", "VARCHAR") and (
                    read[column] != "VARCHAR" or _all_null(hostile_build, table.qualified, column)
                ), (table.name, column, read[column])
        count = subprocess.run(
            [cli, "-csv", "-noheader", "-c", f"SELECT count(*) FROM read_csv('{path}')"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert int(count.strip()) == len(_mart(hostile_build, f"SELECT 1 FROM {table.qualified}")), table.name


def test_pandas_and_the_duckdb_cli_read_map_csv(hostile_build):
    path = hostile_build.paths.map_dir / "map.csv"
    countries = _mart(hostile_build, "SELECT iso3 FROM marts.country_estimates ORDER BY iso3")["iso3"].tolist()
    frame = pd.read_csv(path)
    assert frame["iso3"].tolist() == countries
    assert pd.api.types.is_numeric_dtype(frame["workers_central"])
    out = subprocess.run(
        [
            _duckdb_cli(),
            "-json",
            "-c",
            f"SELECT iso3, workers_central, source_titles FROM read_csv('{path}') ORDER BY iso3",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = json.loads(out)
    assert [r["iso3"] for r in rows] == countries
    russia = next(r for r in rows if r["iso3"] == "RUS")
    assert russia["source_titles"].startswith(_published(PLANTED["sources.csv"]["title"]))
    assert isinstance(russia["workers_central"], int)


def _all_null(build, qualified: str, column: str) -> bool:
    return _mart(build, f'SELECT count("{column}") AS n FROM {qualified}')["n"][0] == 0


def test_parquet_files_equal_the_marts(hostile_build):
    with duckdb.connect(str(hostile_build.paths.warehouse_db), read_only=True) as conn:
        for table in MARTS:
            path = hostile_build.paths.data_dir / table_file(table, "parquet")
            differ = conn.execute(
                f"SELECT count(*) FROM ((FROM {table.qualified} EXCEPT ALL FROM read_parquet('{path}')) "
                f"UNION ALL (FROM read_parquet('{path}') EXCEPT ALL FROM {table.qualified}))"
            ).fetchone()[0]
            assert differ == 0, table.name
            metadata = conn.execute(f"SELECT count(*) FROM parquet_kv_metadata('{path}')").fetchone()[0]
            assert metadata == 0, "no writer metadata (and so no timestamp) in the file"


@pytest.fixture(scope="module")
def workbook(hostile_build):
    return openpyxl.load_workbook(hostile_build.paths.data_dir / REPORTS_XLSX)


def _columns(workbook, sheet: str) -> list[str]:
    """A sheet's machine column names, read from the Columns sheet beside its human headers."""
    listed = {(r[0].value, r[1].value): r[2].value for r in workbook["Columns"].iter_rows(min_row=2)}
    return [listed[(sheet, c.value)] for c in workbook[sheet][1]]


def test_no_spreadsheet_cell_is_a_formula(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not is_formula_like(cell.value), (sheet.title, cell.coordinate, cell.value)


def test_spreadsheet_sheets_headers_filters_and_widths(workbook, hostile_build):
    assert workbook.sheetnames == ["Sources", "Country estimates", "Evidence", "Border entries", "Columns", "About"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(8 <= w <= 120 for w in widths), (sheet.title, widths)
    sources = workbook["Sources"]
    header = _columns(workbook, "Sources")
    assert {"title", "publisher", "published", "url", "kind", "n_figures", "figures"} <= set(header)
    assert "Title" in [c.value for c in sources[1]] and "title" not in [c.value for c in sources[1]]
    n_sources = len(_mart(hostile_build, "SELECT 1 FROM marts.sources"))
    assert sources.max_row - 1 == n_sources
    rows = [dict(zip(header, (c for c in row))) for row in sources.iter_rows(min_row=2)]
    for row in rows:
        url = row["url"]
        assert url.hyperlink is not None and url.hyperlink.target == url.value, url.value
        assert url.hyperlink.target.startswith(("http://", "https://"))
        assert isinstance(row["n_figures"].value, int)
    assert any(r["figures"].value and "workers" in r["figures"].value for r in rows)
    assert _published(PLANTED["sources.csv"]["title"]) in {r["title"].value for r in rows}


def test_spreadsheet_numbers_are_numbers(workbook, hostile_build):
    sheet = workbook["Country estimates"]
    header = _columns(workbook, "Country estimates")
    mart = list(_mart(hostile_build, "SELECT * FROM marts.country_estimates LIMIT 0").columns)
    assert header[: len(mart)] == mart and all(c.startswith("source_") for c in header[len(mart) :])
    column = header.index("workers_central")
    values = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert any(isinstance(v, (int, float)) for v in values)
    assert all(v is None or isinstance(v, (int, float)) for v in values)
    stale = [row[header.index("stale")].value for row in sheet.iter_rows(min_row=2)]
    assert set(stale) == {True, False}  # booleans, never 0 or 1


def test_estimates_are_sorted_by_country_with_each_source_linked(workbook, hostile_build):
    sheet = workbook["Country estimates"]
    header = _columns(workbook, "Country estimates")
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]
    assert [r["country"].value for r in rows] == sorted(r["country"].value for r in rows)
    urls = dict(_mart(hostile_build, "SELECT source_id, url FROM marts.sources").values.tolist())
    for row in rows:
        ids = row["source_ids"].value.split(";")
        links = [row[c] for c in header if c.startswith("source_") and c != "source_ids" and row[c].value]
        assert [c.value for c in links] == ids[: len(links)] and len(links) == min(len(ids), 5)
        for cell in links:
            if urls[cell.value].startswith(("http://", "https://")):
                assert cell.hyperlink.target == urls[cell.value]


def test_about_sheet_carries_the_caveats(workbook):
    from nk_pipeline.data.about import CAVEATS

    texts = {row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert {c.text for c in CAVEATS} <= texts
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert about["Cut from this spreadsheet"] == "Nothing."
    for sheet in workbook.worksheets:  # prints landscape, one page wide, the header row on each page
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # one page wide (1 is the default, left out of the file), as many tall as it takes
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title


def test_spreadsheet_dates_come_from_the_inputs_not_the_clock(hostile_build):
    with zipfile.ZipFile(hostile_build.paths.data_dir / REPORTS_XLSX) as archive:
        core = archive.read("docProps/core.xml").decode()
        stamps = {info.date_time for info in archive.infolist()}
    published = _mart(hostile_build, "SELECT published FROM marts.sources")["published"]
    newest = max(
        p + {4: "-01-01", 7: "-01"}.get(len(p), "") for p in published if p
    )  # the first day of a year or month
    assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{newest}T00:00:00Z' in core
    assert f'<dcterms:modified xsi:type="dcterms:W3CDTF">{newest}T00:00:00Z' in core
    assert all(stamp[0] == 1980 for stamp in stamps)


def test_frictionless_validates_the_published_package(hostile_build):
    result = subprocess.run(
        [_frictionless(), "validate", "--json", DATAPACKAGE_JSON],
        cwd=hostile_build.paths.data_dir,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], json.dumps(report["tasks"], indent=1)[:4000]
    names = {task["name"] for task in report["tasks"]}
    assert {"country_estimates", "estimate_evidence-parquet", "reports-sources", "reports-evidence"} <= names


def test_the_package_describes_every_file_with_the_warehouse_descriptions(hostile_build):
    data = hostile_build.paths.data_dir
    package = json.loads((data / DATAPACKAGE_JSON).read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert paths == set(release_files()) - {DATAPACKAGE_JSON}
    import hashlib

    for resource in package["resources"]:
        body = (data / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(body).hexdigest(), resource["path"]
        assert resource["format"] == resource["path"].rsplit(".", 1)[1]
    with duckdb.connect(str(hostile_build.paths.warehouse_db), read_only=True) as conn:
        comments = {
            (t, c): text
            for t, c, text in conn.execute(
                "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'"
            ).fetchall()
        }
        (digest,) = conn.execute(
            "SELECT inputs_digest FROM history.publishes ORDER BY publish_id DESC LIMIT 1"
        ).fetchone()
    by_name = {r["name"]: r for r in package["resources"]}
    for table in MARTS:
        for name in (table.name, f"{table.name}-parquet"):
            fields = by_name[name]["schema"]["fields"]
            assert all(f["description"] == comments[(table.name, f["name"])] for f in fields), name
    evidence_keys = by_name["estimate_evidence"]["schema"]["foreignKeys"]
    assert {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}} in evidence_keys
    assert by_name["sources"]["schema"]["primaryKey"] == ["source_id"]
    assert package["version"] == digest[:12] and package["inputs"]["sha256"] == digest
    assert len(package["sources"]) == len(_mart(hostile_build, "SELECT 1 FROM marts.sources"))
    assert package["licenses"]


def test_frictionless_catches_a_broken_key(hostile_build, tmp_path):
    """The validation is not vacuous: a source removed from sources.csv breaks evidence → sources."""
    copy = shutil.copytree(hostile_build.paths.data_dir, tmp_path / "data")
    cited = _cells(copy / "estimate_evidence.csv")[0]["source_id"]
    lines = (copy / "sources.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if next(csv.reader([line]))[0] != cited]
    assert len(kept) == len(lines) - 1
    (copy / "sources.csv").write_text("".join(kept), encoding="utf-8")
    result = subprocess.run(
        [_frictionless(), "validate", "--json", DATAPACKAGE_JSON], cwd=copy, capture_output=True, text=True
    )
    report = json.loads(result.stdout)
    assert result.returncode != 0 and not report["valid"]
    errors = {e["type"] for task in report["tasks"] for e in task["errors"]}
    assert {"foreign-key", "hash-count"} <= errors


def test_identical_inputs_give_byte_identical_release_files(shipped_build, tmp_path):
    again = run_build(SHIPPED_RAW, tmp_path / "warehouse")
    assert again.success
    for name in release_files():
        first = (shipped_build.paths.data_dir / name).read_bytes()
        assert first == (again.paths.data_dir / name).read_bytes(), name
    assert (shipped_build.paths.map_dir / "map.csv").read_bytes() == (again.paths.map_dir / "map.csv").read_bytes()


def test_spreadsheet_charts_entries_by_purpose_per_host(workbook, hostile_build):
    sheet = workbook["Border entries"]
    header = _columns(workbook, "Border entries")
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    hosts = {r["host"] for r in rows}
    assert hosts == {"China", "Russia"}
    russia = {r["year"]: r for r in rows if r["host"] == "Russia"}
    assert russia[2024]["total"] == 13221 and russia[2024]["study"] == 7887
    assert russia[2019]["total_qualifier"] == "about"
    # one stacked column chart per host, titled by it (openpyxl does not load charts: read the parts)
    with zipfile.ZipFile(hostile_build.paths.data_dir / REPORTS_XLSX) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        texts = [archive.read(n).decode("utf-8") for n in charts]
    assert len(charts) == 2
    assert all('<c:grouping val="stacked"/>' in t for t in texts)
    assert sorted(next(h for h in hosts if f"<a:t>{h}: entries by purpose" in t) for t in texts) == ["China", "Russia"]
