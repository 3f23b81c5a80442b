"""Shared pytest fixtures. Each section belongs to the tests named in its heading."""
from __future__ import annotations

from pathlib import Path

import pytest

# =============================================================================================
# Readers and segmentation (tests/miner/test_read_*.py, test_segment.py): PDFs generated with
# reportlab, so that every expected value in those tests is known from the drawing code.

REPO = Path(__file__).resolve().parents[1]
EVAL_PDFS = REPO.parent / "shared" / "eval" / "pdfs"


@pytest.fixture(scope="session")
def eval_pdfs() -> Path:
    """The shared real PDFs (pdfplumber's and tabula's test files), or skip."""
    if not (EVAL_PDFS / "manifest.json").exists():
        pytest.skip(f"shared evaluation PDFs not found at {EVAL_PDFS}")
    return EVAL_PDFS


def _draw_table(canvas, x0: float, y0: float, rows: list[list[str]], widths: list[float], height: float = 20) -> None:
    """A fully ruled table with its top-left corner at (x0, y0) in PDF coordinates."""
    for i, row in enumerate(rows):
        x = x0
        for cell, width in zip(row, widths):
            canvas.drawString(x + 4, y0 - (i + 1) * height + 6, cell)
            x += width
    for i in range(len(rows) + 1):
        canvas.line(x0, y0 - i * height, x0 + sum(widths), y0 - i * height)
    x = x0
    for width in [0, *widths]:
        x += width
        canvas.line(x, y0, x, y0 - len(rows) * height)


@pytest.fixture(scope="session")
def english_pdf(tmp_path_factory) -> Path:
    """One A4 page: a heading, a date line, a paragraph with a word hyphenated across lines, a
    ruled table with a caption above it, and a closing paragraph."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("pdf") / "inference-report.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)  # A4: 595.27 x 841.89 points
    c.setTitle("Inference Market Monitor")
    c.setAuthor("Northwind Analytics")
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 780, "Inference Market Monitor")
    c.setFont("Helvetica", 10)
    c.drawString(72, 760, "Published 2026-04-14")
    c.setFont("Helvetica", 11)
    c.drawString(72, 730, "Data centres drew 41 TWh in the first quarter, and the cost of electri-")
    c.drawString(72, 716, "city rose to $0.09 per kWh. Demand from U.S. operators grew 18%.")
    c.drawString(72, 690, "Table 3: Regional demand, Q1 2026")
    _draw_table(c, 72, 670, [["Region", "Demand (TWh)", "Share"], ["North", "12.5", "30%"], ["South", "28.5", "70%"]], [150, 150, 100])
    c.drawString(72, 580, "Figures are preliminary and may be revised in May.")
    c.save()
    return path


@pytest.fixture(scope="session")
def chinese_pdf(tmp_path_factory) -> Path:
    """One page in reportlab's built-in CID font STSong-Light; the number 6.4 ends one line and
    its scale word 万亿 starts the next."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path_factory.mktemp("pdf") / "zh-report.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 18)
    c.drawString(72, 780, "算力租赁市场季报")
    c.setFont("STSong-Light", 11)
    c.drawString(72, 752, "发布日期：2026年5月8日")
    c.drawString(72, 720, "一季度全国智能算力调用量约为6.4")
    c.drawString(72, 705, "万亿次，同比增长三成。东部地区占比约为55%！")
    c.save()
    return path


@pytest.fixture(scope="session")
def encrypted_pdf(tmp_path_factory) -> Path:
    """A one-page PDF encrypted with the user password 'opensesame'."""
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("pdf") / "locked.pdf"
    c = canvas.Canvas(str(path), encrypt="opensesame")
    c.drawString(72, 700, "The locked page says utilisation reached 87%.")
    c.save()
    return path


@pytest.fixture(scope="session")
def image_only_pdf(tmp_path_factory) -> Path:
    """A page with a drawing but no text layer, like a scan."""
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("pdf") / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 400, fill=1)
    c.save()
    return path


@pytest.fixture(scope="session")
def three_page_pdf(tmp_path_factory) -> Path:
    """Three pages of prose, each with the same running header and a page number."""
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("pdf") / "three.pdf"
    c = canvas.Canvas(str(path))  # letter: 612 x 792
    for n in range(1, 4):
        c.setFont("Helvetica", 8)
        c.drawString(72, 770, "Quarterly Capacity Review")
        c.drawString(300, 30, str(n))
        c.setFont("Helvetica", 11)
        c.drawString(72, 700, f"Page {n} reports that capacity grew by {n * 10} MW in the period.")
        c.showPage()
    c.save()
    return path


# =============================================================================================
# Every test: settings come from the test, never from the environment the suite runs in (a
# developer's MINER_DATABASE_URL or MINER_API_KEY would otherwise leak into every Settings()).

@pytest.fixture(autouse=True)
def _no_miner_environment(monkeypatch):
    for name in ("MINER_DATABASE_URL", "MINER_API_KEY", "MINER_MODEL", "MINER_PDF_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
