"""reports.xlsx printed by LibreOffice (Debian's libreoffice-calc-nogui, with poppler-utils to read
the PDF): every sheet is one landscape page wide with its headers on each page, and the wrapped text
of the About sheet is laid out without one row printing over the next (issue 23).

To look at the pages yourself:
    soffice --headless --convert-to pdf --outdir /tmp warehouse/data/reports.xlsx
    pdftoppm -r 80 -png -f 1 -l 2 /tmp/reports.pdf /tmp/reports
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from nk_pipeline.data.release import REPORTS_XLSX

pytestmark = [
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdfinfo")),
        reason="needs LibreOffice (apt-get install libreoffice-calc-nogui) and poppler-utils",
    ),
]
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)


@pytest.fixture(scope="module")
def printed(shipped_build, tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("print")
    workbook = shutil.copy(shipped_build.paths.data_dir / REPORTS_XLSX, folder / REPORTS_XLSX)
    profile = folder / "profile"  # a profile of its own: no clash with a LibreOffice already running
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return Path(workbook), folder / "reports.pdf"


def _pages(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words with their boxes."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [
        [(float(a), float(b), float(c), float(d), html.unescape(w)) for a, b, c, d, w in _WORD.findall(page)]
        for page in _PAGE.findall(out)
    ]


def _footer_sheet(words) -> str | None:
    """The sheet a page prints, from its footer ('<sheet>, page n of m': LibreOffice counts the pages
    of the whole export)."""
    text = " ".join(w[4] for w in words)
    found = re.search(r"([A-Z][A-Za-z ]+), page \d+ of \d+", text)
    return found.group(1).strip() if found else None


def test_every_sheet_prints_landscape_one_page_wide_with_its_headers(printed):
    workbook_path, pdf = printed
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # landscape
    pages = _pages(pdf)
    by_sheet: dict[str, list] = {}
    for words in pages:
        by_sheet.setdefault(_footer_sheet(words), []).append(words)
    firsts = {sheet: printed_pages[0] for sheet, printed_pages in by_sheet.items()}
    workbook = openpyxl.load_workbook(workbook_path)
    assert set(workbook.sheetnames) <= set(firsts), (workbook.sheetnames, list(firsts))
    for sheet in workbook.worksheets:
        text = " ".join(w[4] for w in firsts[sheet.title])
        # every header on the sheet's first page: the page is as wide as the sheet
        for cell in sheet[1]:
            for word in str(cell.value).split():
                assert word in text, (sheet.title, cell.value)
    # the header row repeats: a second page of the Sources sheet starts with its headers too
    second = by_sheet["Sources"][1]
    assert "Publisher" in " ".join(w[4] for w in second[:40])


def test_wrapped_rows_do_not_print_over_each_other(printed):
    """On the About sheet's page no two words overlap: every row is as tall as its wrapped text."""
    _, pdf = printed
    about = next(words for words in _pages(pdf) if _footer_sheet(words) == "About")
    assert len(about) > 200  # the caveats, wrapped
    for i, (x0, y0, x1, y1, word) in enumerate(about):
        for a0, b0, a1, b1, other in about[i + 1 :]:
            overlap_x = min(x1, a1) - max(x0, a0)
            overlap_y = min(y1, b1) - max(y0, b0)
            # the boxes of two lines of one cell touch (ascent and descent); text printed over text
            # shares most of its height
            line = min(y1 - y0, b1 - b0)
            assert overlap_x <= 0.5 or overlap_y <= 0.3 * line, f"{word!r} and {other!r} overlap"
