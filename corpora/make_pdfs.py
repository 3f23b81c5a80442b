"""Render the demo corpus PDFs from the text held in this script.

Run:  .venv/bin/python corpora/make_pdfs.py   (writes the PDFs next to this file)

The output is byte-for-byte reproducible (reportlab's invariant mode plus a fixed
creation date equal to each document's publication date), so re-running it does not
change the committed files and does not make `miner ingest` see "new" documents.

Fonts: the English PDF uses the standard Helvetica fonts; the Chinese PDF uses
reportlab's built-in CID font STSong-Light (Adobe-GB1, not embedded, no font file
needed). Text of both extracts with pypdfium2 and pdfplumber.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from reportlab import rl_config

rl_config.invariant = 1  # fixed document ID, no timestamps in the file

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.colors import Color  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

HERE = Path(__file__).resolve().parent / "reports"


def fixed_date(iso: str) -> Callable[..., str]:
    """A PDF date formatter that always writes the given YYYY-MM-DD (09:00 UTC)."""
    y, m, d = iso.split("-")
    stamp = f"D:{y}{m}{d}090000+00'00'"
    return lambda *_args: stamp


def ruled_table(
    rows: list[list[str]], col_widths: list[float], *, header_font: str = "Helvetica-Bold",
    body_font: str = "Helvetica", bold_rows: Sequence[int] = (), numbers_from: int = 1,
) -> Table:
    """A fully ruled table with a grey header row (repeated on a page the table runs on to); the
    columns from `numbers_from` on are right-aligned, as figures are."""
    table = Table(rows, repeatRows=1, hAlign="LEFT", colWidths=col_widths)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9d9d9")),
        ("FONTNAME", (0, 0), (-1, 0), header_font),
        ("FONTNAME", (0, 1), (-1, -1), body_font),
        *[("FONTNAME", (0, row), (-1, row), header_font) for row in bold_rows],
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def build_pages(
    path: Path, story: list[Flowable], *, title: str, author: str, subject: str, creator: str, date: str,
    margin: float, footer: Callable[[int], str], footer_font: str = "Helvetica",
) -> None:
    """Render `story` on A4 with `margin` all round, `footer(page number)` at the foot of every
    page, and `date` (YYYY-MM-DD) as the PDF's creation date."""

    class _Doc(SimpleDocTemplate):
        # The footer is drawn after the page's content, so that text extraction
        # yields the title and date first and the footer last.
        def afterPage(self):
            self.canv.setFont(footer_font, 8)
            self.canv.drawString(margin, 12 * mm, footer(self.page))

    def on_page(canv, doc):
        canv.setDateFormatter(fixed_date(date))

    doc = _Doc(
        str(path), pagesize=A4, title=title, author=author, subject=subject, creator=creator,
        leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)


def build_english_report(
    path: Path, *, title: str, house: str, date: str, subject: str, creator: str, summary: list[str],
    caption: str, table: Table, source: str, sections: list[tuple[str, str]], footer: Callable[[int], str],
    source_colour: Color = colors.HexColor("#444444"),
) -> None:
    """Two pages: the title, house and date, the summary's paragraphs, a captioned table and its
    source; then the sections, each ("h", heading) or ("p", paragraph)."""
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=14)
    caption_style = ParagraphStyle("caption", parent=body, fontName="Helvetica-Bold", spaceBefore=6)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=source_colour)
    story = [
        Paragraph(title, styles["Title"]),
        Paragraph(f"{house} · Published {date}", body),
        Spacer(1, 6 * mm),
        *[Paragraph(text, body) for text in summary],
        Spacer(1, 4 * mm),
        Paragraph(caption, caption_style),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 2 * mm),
        Paragraph(source, small),
        PageBreak(),
        *[Paragraph(text, styles["Heading2"] if kind == "h" else body) for kind, text in sections],
    ]
    build_pages(path, story, title=title, author=house, subject=subject, creator=creator, date=date,
                margin=20 * mm, footer=footer)


# --------------------------------------------------------------------------------------
# 1. English PDF with a ruled table
# --------------------------------------------------------------------------------------

EN_FILE = "openrouter-model-family-shares.pdf"
EN_TITLE = "Who Serves the Tokens on OpenRouter?"
EN_HOUSE = "Tideway Research"
EN_DATE = "2026-03-12"

EN_SUMMARY = [
    "Chinese model families took 61% of all tokens processed on OpenRouter in February 2026, "
    "up from 53% in January and 47% in December 2025. Their share has risen by "
    "14 percentage points in two months, while the three largest US families fell to a "
    "combined 35%.",
    "Table 1 breaks the traffic down by model family. Shares are of total monthly tokens "
    "and are rounded to whole percentages.",
]

EN_TABLE_CAPTION = (
    "Table 1: Share of OpenRouter tokens by model family, December 2025 to February 2026"
)
EN_TABLE = [
    ["Model family", "Developer", "Origin", "Dec 2025", "Jan 2026", "Feb 2026"],
    ["DeepSeek", "DeepSeek", "China", "17%", "18%", "19%"],
    ["Qwen", "Alibaba", "China", "11%", "12%", "13%"],
    ["MiniMax", "MiniMax", "China", "7%", "9%", "11%"],
    ["Kimi", "Moonshot AI", "China", "6%", "7%", "9%"],
    ["GLM", "Zhipu AI", "China", "6%", "7%", "9%"],
    ["Chinese models, total", "", "China", "47%", "53%", "61%"],
    ["Claude", "Anthropic", "US", "20%", "18%", "15%"],
    ["Gemini", "Google", "US", "15%", "13%", "11%"],
    ["GPT", "OpenAI", "US", "12%", "11%", "9%"],
    ["Other", "", "", "6%", "5%", "4%"],
]
EN_TABLE_SOURCE = "Source: OpenRouter public rankings; Tideway Research calculations."

EN_PAGE2 = [
    ("h", "Why cheap tokens win"),
    ("p", "Serving inference is becoming a power business. By our estimate, electricity now "
          "accounts for around 40% of the operating cost of an inference cluster, more than "
          "networking and staff combined."),
    ("p", "Chinese providers list their flagship models at a median of $0.60 per million "
          "output tokens, against $7.50 for US frontier models. For an agent that makes "
          "dozens of calls per task, that gap decides which model gets picked."),
    ("h", "Outlook"),
    ("p", "We expect the Chinese share of OpenRouter tokens to settle between 55% and 65% "
          "over the rest of 2026."),
]


def _check_table_sums() -> None:
    """The table must add up: family rows give the Chinese total, all rows give 100%."""
    rows = EN_TABLE[1:]
    for col in range(3, 6):
        val = lambda r: int(r[col].rstrip("%"))  # noqa: E731
        cn = sum(val(r) for r in rows if r[2] == "China" and r[1])
        total_row = next(r for r in rows if r[0] == "Chinese models, total")
        assert cn == val(total_row), (col, cn)
        assert sum(val(r) for r in rows if r is not total_row) == 100, col


def build_en(path: Path) -> None:
    _check_table_sums()
    table = ruled_table(EN_TABLE, [42 * mm, 26 * mm, 18 * mm, 22 * mm, 22 * mm, 22 * mm], bold_rows=[6],
                        numbers_from=3)
    build_english_report(
        path, title=EN_TITLE, house=EN_HOUSE, date=EN_DATE, subject="OpenRouter token shares by model family",
        creator="corpora/make_pdfs.py", summary=EN_SUMMARY, caption=EN_TABLE_CAPTION, table=table,
        source=EN_TABLE_SOURCE, sections=EN_PAGE2, footer=lambda page: f"{EN_HOUSE} | Page {page}",
    )


# --------------------------------------------------------------------------------------
# 2. Chinese PDF (CID font), hand-wrapped lines
# --------------------------------------------------------------------------------------
# The lines are wrapped by hand, the way a typeset Chinese report breaks them: mid-word
# and, deliberately, inside figures: "8.7" ends a line and "万亿Token" starts the next;
# "全" / "国" is split too. Extractors must join such lines without inserting a space.

ZH_FILE = "ai-power-cost-cn.pdf"
ZH_TITLE = "算力的电费账：AI推理成本中的电力因素"
ZH_HOUSE = "青岚智库 产业研究部"
ZH_DATE = "2026-03-08"
ZH_FONT = "STSong-Light"

ZH_LINES = [
    ("title", ZH_TITLE),
    ("meta", ZH_HOUSE),
    ("meta", "发布日期：2026年3月8日"),
    ("gap", ""),
    ("h", "一、Token调用量"),
    ("p", "据OpenRouter平台公开数据，2026年2月平台总调用量约为8.7"),
    ("p", "万亿Token，其中中国模型调用量达5.3万亿Token，占比约61%，"),
    ("p", "较1月的53%提高8个百分点。开发者转向国产模型的主要原因是"),
    ("p", "价格：完成同等任务，国产模型的Token花费只是美国模型的零头。"),
    ("gap", ""),
    ("h", "二、电费在推理成本中的比重"),
    ("p", "我们测算，电费目前约占AI推理运营成本的三成，是仅次于芯片折"),
    ("p", "旧的第二大成本项。调用量越大，电费在成本中的权重越高。"),
    ("gap", ""),
    ("h", "三、中美电价对比"),
    ("p", "美国数据中心平均电价约为每千瓦时0.08美元；中国西部算力枢纽"),
    ("p", "的大工业电价约为每千瓦时0.35元（约合0.049美元）。据此测算，"),
    ("p", "美国电价约为中国的2倍。"),
    ("gap", ""),
    ("h", "四、数据中心用电需求"),
    ("p", "2025年全国数据中心用电量约为1700亿千瓦时。预计到2030年，全"),
    ("p", "国数据中心用电量将达到约3800亿千瓦时，数据中心将成为全球新"),
    ("p", "增用电需求的前四大来源之一。"),
    ("p", "为保障算力用电，“十五五”期间西部地区计划新增清洁能源装机"),
    ("p", "1.9亿千瓦，约四成将配套建设储能。"),
    ("gap", ""),
    ("h", "五、出海企业"),
    ("p", "稀宇科技（MiniMax）约七成收入来自海外；月之暗面、智谱AI的"),
    ("p", "海外API调用量也在快速增长。电价低廉、电网充裕，正在成为国产"),
    ("p", "模型出海的底气。"),
]

ZH_STYLE = {  # kind: (font size, line advance)
    "title": (18, 30),
    "meta": (10.5, 17),
    "h": (13, 22),
    "p": (11.5, 19),
    "gap": (0, 8),
}


def build_zh(path: Path) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(ZH_FONT))
    width, height = A4
    left = 22 * mm
    usable = width - 2 * left
    canv = rl_canvas.Canvas(str(path), pagesize=A4, invariant=1)
    canv.setDateFormatter(fixed_date(ZH_DATE))
    canv.setTitle(ZH_TITLE)
    canv.setAuthor(ZH_HOUSE)
    canv.setSubject("AI推理成本中的电费与中美电价")
    canv.setCreator("corpora/make_pdfs.py")
    y = height - 25 * mm
    for kind, text in ZH_LINES:
        size, advance = ZH_STYLE[kind]
        if text:
            w = pdfmetrics.stringWidth(text, ZH_FONT, size)
            assert w <= usable, f"line too long ({w:.0f} > {usable:.0f}pt): {text}"
            canv.setFont(ZH_FONT, size)
            if kind == "title":
                canv.drawCentredString(width / 2, y, text)
            else:
                canv.drawString(left, y, text)
        y -= advance
    assert y > 25 * mm, "Chinese PDF overflows its single page"
    canv.setFont(ZH_FONT, 8)
    canv.drawString(left, 12 * mm, "青岚智库 · 第1页")
    canv.showPage()
    canv.save()


def write_pdfs(builds: Sequence[tuple[str, Callable[[Path], None]]], default_folder: Path) -> int:
    """Run each (file name, build) into the folder named on the command line, else `default_folder`."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default_folder
    out.mkdir(parents=True, exist_ok=True)
    for name, build in builds:
        target = out / name
        build(target)
        size = target.stat().st_size
        assert size < 100_000, f"{name} is {size} bytes"
        print(f"wrote {target} ({size} bytes)")
    return 0


def main() -> int:
    return write_pdfs([(EN_FILE, build_en), (ZH_FILE, build_zh)], HERE)


if __name__ == "__main__":
    raise SystemExit(main())
