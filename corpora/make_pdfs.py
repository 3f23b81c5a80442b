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
from pathlib import Path

from reportlab import rl_config

rl_config.invariant = 1  # fixed document ID, no timestamps in the file

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

HERE = Path(__file__).resolve().parent / "reports"


def _fixed_date(iso: str):
    """A PDF date formatter that always writes the given YYYY-MM-DD (09:00 UTC)."""
    y, m, d = iso.split("-")
    stamp = f"D:{y}{m}{d}090000+00'00'"
    return lambda *_args: stamp


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
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=14)
    caption = ParagraphStyle("caption", parent=body, fontName="Helvetica-Bold", spaceBefore=6)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11,
                           textColor=colors.HexColor("#444444"))

    class _Doc(SimpleDocTemplate):
        # The footer is drawn after the page's content, so that text extraction
        # yields the title and date first and the footer last.
        def afterPage(self):
            self.canv.setFont("Helvetica", 8)
            self.canv.drawString(20 * mm, 12 * mm, f"{EN_HOUSE} | Page {self.page}")

    def on_page(canv, doc):
        canv.setDateFormatter(_fixed_date(EN_DATE))

    doc = _Doc(
        str(path), pagesize=A4, title=EN_TITLE, author=EN_HOUSE,
        subject="OpenRouter token shares by model family", creator="corpora/make_pdfs.py",
        leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
    )
    story = [
        Paragraph(EN_TITLE, styles["Title"]),
        Paragraph(f"{EN_HOUSE} · Published {EN_DATE}", body),
        Spacer(1, 6 * mm),
    ]
    for text in EN_SUMMARY:
        story.append(Paragraph(text, body))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(EN_TABLE_CAPTION, caption))
    story.append(Spacer(1, 2 * mm))
    table = Table(EN_TABLE, repeatRows=1, hAlign="LEFT",
                  colWidths=[42 * mm, 26 * mm, 18 * mm, 22 * mm, 22 * mm, 22 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9d9d9")),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTNAME", (0, 6), (-1, 6), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    story.append(table)
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(EN_TABLE_SOURCE, small))
    story.append(PageBreak())
    for kind, text in EN_PAGE2:
        story.append(Paragraph(text, styles["Heading2"] if kind == "h" else body))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)


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
    canv.setDateFormatter(_fixed_date(ZH_DATE))
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


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, build in ((EN_FILE, build_en), (ZH_FILE, build_zh)):
        target = out / name
        build(target)
        size = target.stat().st_size
        assert size < 100_000, f"{name} is {size} bytes"
        print(f"wrote {target} ({size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
