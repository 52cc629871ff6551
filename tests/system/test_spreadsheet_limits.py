"""A build whose spreadsheet meets a limit (issue 24): published, with the cut stated on the About
sheet and a warning from the check data/reports_xlsx:nothing_cut_from_spreadsheet; a build that meets
none passes the check. Excel's row limit is lowered for the build, so the shipped data meets it."""

import openpyxl

from nk_pipeline.data import reports_xlsx
from nk_pipeline.data.release import REPORTS_XLSX
from nk_pipeline.reporting import SPREADSHEET_CUTS_CHECK
from tests.conftest import copy_raw, run_build


def _evaluation(build):
    (found,) = [e for e in build.result.get_asset_check_evaluations() if e.check_name == SPREADSHEET_CUTS_CHECK]
    return found


def test_nothing_is_cut_from_the_shipped_spreadsheet(shipped_build):
    evaluation = _evaluation(shipped_build)
    assert evaluation.passed and evaluation.metadata["cuts"].value == 0


def test_a_sheet_over_the_row_limit_is_cut_stated_and_warned(tmp_path, monkeypatch):
    monkeypatch.setattr(reports_xlsx, "LIMITS", reports_xlsx.Limits(rows=50))
    build = run_build(copy_raw(tmp_path / "raw"), tmp_path / "warehouse")
    assert build.success  # a warning, not a block
    evaluation = _evaluation(build)
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert "reports.xlsx: Evidence: the first 49 of" in evaluation.description
    assert "estimate_evidence.csv and estimate_evidence.parquet" in evaluation.description
    workbook = openpyxl.load_workbook(build.paths.data_dir / REPORTS_XLSX)
    assert workbook["Evidence"].max_row == 51  # the header, 49 rows and the note
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert "Evidence: the first 49 of" in about["Cut from this spreadsheet"]
