"""Render the two PDFs of the held-out QA probe set from the text held in this script.

Run:  .venv/bin/python benchmarks/qa/make_pdf.py   (writes into benchmarks/qa/corpus/)

Byte-for-byte reproducible: drawn with the helpers of corpora/make_pdfs.py (reportlab's invariant
mode, a fixed creation date equal to each document's publication date).

1. gpu-rental-index-2026-01.pdf (English, 2 pages): prose figures, a ruled table whose cells are
   bare numbers (the currency is only in the caption and header), a price ratio and a forecast.
2. renewables-by-province-cn.pdf (Chinese, CID font STSong-Light): a ruled table whose unit
   (万千瓦) is only in the column headers, and a sum stated in the text.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

# Importing corpora.make_pdfs puts reportlab in invariant mode before anything is drawn.
from corpora.make_pdfs import build_english_report, build_pages, ruled_table, write_pdfs  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.platypus import Paragraph, Spacer  # noqa: E402

HERE = Path(__file__).resolve().parent / "corpus"


# --------------------------------------------------------------------------------------------
# 1. English GPU rental index
# --------------------------------------------------------------------------------------------

EN_FILE = "gpu-rental-index-2026-01.pdf"
EN_TITLE = "Kestrel GPU Rental Index: January 2026"
EN_HOUSE = "Kestrel Compute Research"
EN_DATE = "2026-02-04"

EN_P1 = [
    "On-demand GPU rental prices kept falling over the winter. The Kestrel index of H100 hours "
    "averaged $1.90 per GPU-hour in January 2026, against $2.25 in October 2025.",
    "H200 capacity averaged $3.20 per GPU-hour in January 2026, 15% below its October 2025 level.",
]
EN_CAPTION = "Table 1: Average on-demand price per GPU-hour (USD), October 2025 and January 2026"
EN_TABLE = [
    ["GPU", "Oct 2025", "Jan 2026", "Change"],
    ["H100", "2.25", "1.90", "-16%"],
    ["H200", "3.75", "3.20", "-15%"],
    ["B200", "6.10", "5.40", "-11%"],
    ["A100", "1.20", "1.04", "-13%"],
]
EN_SOURCE = "Source: Kestrel Compute survey of 14 cloud providers."
EN_P2 = [
    ("h", "Marketplaces"),
    ("p", "Peer-to-peer marketplaces listed H100 hours at a median $0.63 in January 2026, three "
          "times cheaper than the on-demand average of $1.90."),
    ("h", "Outlook"),
    ("p", "We expect the on-demand H100 average to fall to $1.50 per GPU-hour by December 2026."),
]


def _check_en_table() -> None:
    for row in EN_TABLE[1:]:
        old, new, change = float(row[1]), float(row[2]), float(row[3].rstrip("%"))
        assert round((new - old) / old * 100) == change, row


def build_en(path: Path) -> None:
    _check_en_table()
    build_english_report(
        path, title=EN_TITLE, house=EN_HOUSE, date=EN_DATE, subject="GPU rental prices",
        creator="benchmarks/qa/make_pdf.py", summary=EN_P1, caption=EN_CAPTION,
        table=ruled_table(EN_TABLE, [30 * mm, 28 * mm, 28 * mm, 24 * mm]), source=EN_SOURCE, sections=EN_P2,
        footer=lambda page: f"Kestrel Compute | Page {page}", source_colour=colors.black,
    )


# --------------------------------------------------------------------------------------------
# 2. Chinese provincial table
# --------------------------------------------------------------------------------------------

ZH_FILE = "renewables-by-province-cn.pdf"
ZH_TITLE = "分省风光新增装机（2025年上半年）"
ZH_HOUSE = "江澄能源数据中心"
ZH_DATE = "2025-08-20"
ZH_FONT = "STSong-Light"

ZH_TABLE = [
    ["省份", "新增光伏（万千瓦）", "新增风电（万千瓦）"],
    ["新疆", "1820", "760"],
    ["内蒙古", "1240", "980"],
    ["河北", "1050", "310"],
    ["江苏", "1430", "120"],
]
ZH_TOTAL = 7710  # 万千瓦, the sum of the table, stated in the text


def build_zh(path: Path) -> None:
    assert sum(int(r[1]) + int(r[2]) for r in ZH_TABLE[1:]) == ZH_TOTAL
    pdfmetrics.registerFont(UnicodeCIDFont(ZH_FONT))
    title = ParagraphStyle("t", fontName=ZH_FONT, fontSize=17, leading=26, alignment=1)
    body = ParagraphStyle("b", fontName=ZH_FONT, fontSize=11, leading=18, wordWrap="CJK")
    story = [
        Paragraph(ZH_TITLE, title),
        Paragraph(f"{ZH_HOUSE} · 发布日期：2025年8月20日", body),
        Spacer(1, 5 * mm),
        Paragraph("2025年上半年，新疆、内蒙古、河北、江苏四省区新增风光装机合计7710万千瓦。"
                  "其中新疆新增风光装机2580万千瓦，居四省区首位。", body),
        Spacer(1, 3 * mm),
        Paragraph("表1：2025年上半年四省区新增风光装机", body),
        Spacer(1, 2 * mm),
        ruled_table(ZH_TABLE, [30 * mm, 45 * mm, 45 * mm], header_font=ZH_FONT, body_font=ZH_FONT),
        Spacer(1, 2 * mm),
        Paragraph("注：并网口径。", body),
    ]
    build_pages(path, story, title=ZH_TITLE, author=ZH_HOUSE, subject="分省风光新增装机",
                creator="benchmarks/qa/make_pdf.py", date=ZH_DATE, margin=22 * mm,
                footer=lambda page: f"{ZH_HOUSE} · 第{page}页", footer_font=ZH_FONT)


def main() -> int:
    return write_pdfs([(EN_FILE, build_en), (ZH_FILE, build_zh)], HERE)


if __name__ == "__main__":
    raise SystemExit(main())
