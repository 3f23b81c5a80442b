import csv
import hashlib
import json
import unicodedata
from datetime import date

import pytest

from miner.errors import EncryptedDocument, TooLarge, UnreadableDocument
from miner.read import read, read_bytes
from miner.read.text import join_lines


@pytest.fixture(scope="module")
def english(english_pdf):
    return read(english_pdf)


def test_english_blocks(english):
    assert [(b.kind, b.text) for b in english.blocks] == [
        ("heading", "Inference Market Monitor"),
        ("text", "Published 2026-04-14"),
        (
            "text",
            "Data centres drew 41 TWh in the first quarter, and the cost of electricity rose to $0.09 per kWh. "
            "Demand from U.S. operators grew 18%.",
        ),
        ("table", "Region | Demand (TWh) | Share\nNorth | 12.5 | 30%\nSouth | 28.5 | 70%"),
        ("text", "Figures are preliminary and may be revised in May."),
    ]
    assert all(b.page == 1 for b in english.blocks)


def test_english_table(english):
    (table,) = [b for b in english.blocks if b.kind == "table"]
    assert table.rows == (("Region", "Demand (TWh)", "Share"), ("North", "12.5", "30%"), ("South", "28.5", "70%"))
    assert table.caption == "Table 3: Regional demand, Q1 2026"
    # Drawn from y=670 down 3 rows of 20 points on an 841.89-point page: top-left coordinates.
    assert (table.box.x0, table.box.x1) == pytest.approx((72, 472))
    assert (table.box.top, table.box.bottom) == pytest.approx((841.89 - 670, 841.89 - 610), abs=0.01)
    # Neither the cells nor the caption come back as paragraphs.
    prose = " ".join(b.text for b in english.blocks if b.kind != "table")
    assert "North" not in prose and "28.5" not in prose and "Table 3" not in prose


def test_english_metadata(english, english_pdf):
    assert english.title == "Inference Market Monitor"
    assert english.author == "Northwind Analytics"
    assert english.published == date(2026, 4, 14)  # from the text, not the file's CreationDate
    assert english.language == "en"
    assert english.pages == 1
    assert english.format == "pdf"
    assert english.source == "inference-report.pdf"
    assert english.id == hashlib.sha256(english_pdf.read_bytes()).hexdigest()


def test_english_line_boxes(english):
    paragraph = english.blocks[2]
    first, second = paragraph.lines
    # The mended word "electricity" straddles the two lines: "electri" ends line one.
    assert paragraph.text[first.start : first.end].endswith("cost of electri")
    assert paragraph.text[second.start : second.end].startswith("city rose")
    assert first.box.x0 == pytest.approx(72)
    assert first.box.top < second.box.top < second.box.bottom
    # Helvetica 11 pt on baselines 730 and 716: each line box spans the baseline.
    assert first.box.top < 841.89 - 730 < first.box.bottom
    assert second.box.top < 841.89 - 716 < second.box.bottom
    assert paragraph.box == first.box.union(second.box)


def test_heading_is_above_body(english):
    heading, date_line = english.blocks[0], english.blocks[1]
    assert heading.box.bottom <= date_line.box.top


def test_chinese_cid_font(chinese_pdf):
    doc = read(chinese_pdf)
    assert doc.language == "zh"
    assert doc.title == "算力租赁市场季报"
    assert doc.published == date(2026, 5, 8)
    # "6.4" ends a line and "万亿" starts the next: joined without a space.
    assert doc.blocks[-1].text == "一季度全国智能算力调用量约为6.4万亿次，同比增长三成。东部地区占比约为55%！"
    assert doc.blocks[0].kind == "heading"


def test_running_header_and_page_numbers_dropped(three_page_pdf):
    doc = read(three_page_pdf)
    assert [(b.page, b.text) for b in doc.blocks] == [
        (n, f"Page {n} reports that capacity grew by {n * 10} MW in the period.") for n in (1, 2, 3)
    ]


def test_encrypted_without_password(encrypted_pdf):
    with pytest.raises(EncryptedDocument) as info:
        read(encrypted_pdf)
    assert info.value.message == "encrypted PDF: password required"
    assert info.value.hint == "pass --password"
    assert info.value.status_code == 422


def test_encrypted_wrong_password(encrypted_pdf):
    with pytest.raises(EncryptedDocument, match="wrong password"):
        read(encrypted_pdf, password="letmein")


def test_encrypted_right_password(encrypted_pdf):
    doc = read(encrypted_pdf, password="opensesame")
    assert doc.blocks[0].text == "The locked page says utilisation reached 87%."


def test_empty_pdf():
    with pytest.raises(UnreadableDocument, match="empty file"):
        read_bytes(b"", "nothing.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage \x00\x01\x02", b"not a pdf at all", b"%PDF-"])
def test_corrupt_pdf(data):
    with pytest.raises(UnreadableDocument) as info:
        read_bytes(data, "broken.pdf")
    assert "PDF" in str(info.value) and "Traceback" not in str(info.value)
    assert len(info.value.message) < 80


def test_truncated_pdf_reads_or_fails_cleanly(english_pdf):
    data = english_pdf.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 40):
        try:
            doc = read_bytes(data[:cut], "cut.pdf")
        except UnreadableDocument as exc:
            assert len(exc.message) < 80
        else:
            assert doc.pages == 1


def test_image_only_pdf(image_only_pdf):
    with pytest.raises(UnreadableDocument) as info:
        read(image_only_pdf)
    assert info.value.message == "no text layer: scanned document, OCR not supported"


def test_too_many_pages(three_page_pdf):
    with pytest.raises(TooLarge, match="3 pages"):
        read(three_page_pdf, max_pages=2)
    assert read(three_page_pdf, max_pages=3).pages == 3


# ---------------------------------------------------------------------------------------------
# The shared real PDFs (pdfplumber's and tabula-java's test files)


def _cell(text: str) -> str:
    """A cell as compared with tabula's gold: line breaks joined the way miner joins them, and
    NFKC so that full-width parentheses match tabula's half-width ones."""
    return unicodedata.normalize("NFKC", join_lines(text.split("\n")))


def _trimmed(row) -> list[str]:
    cells = [_cell(cell) for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def test_twotables_rows_match_gold(eval_pdfs):
    doc = read(eval_pdfs / "tabula__twotables.pdf")
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 2
    mine = [_trimmed(row) for table in tables for row in table.rows]
    with open(eval_pdfs / "gold" / "tabula__twotables.expected.csv", encoding="utf-8", newline="") as f:
        gold = [_trimmed(row) for row in csv.reader(f)]
    assert len(mine) == len(gold) == 22
    matching = sum(m == g for m, g in zip(mine, gold))
    # 21 of 22: the one difference is the second table's spanning header row, where tabula
    # packs "少数株主持分" and "純資産合計" left while pdfplumber keeps them in their columns.
    assert matching == 21
    assert mine[11] == ["", "その他の包括利益累計額", "", "", "", "", "少数株主持分", "純資産合計"]
    assert tables[0].caption == "前連結会計年度(自 平成24年４月１日 至 平成25年３月31日) (単位：百万円)"


def test_password_example(eval_pdfs):
    path = eval_pdfs / "pdfplumber__password-example.pdf"
    with pytest.raises(EncryptedDocument, match="password required"):
        read(path)
    doc = read(path, password="test")
    assert doc.pages == 4
    assert sum(len(b.text) for b in doc.blocks) > 1000


def test_empty_real_file(eval_pdfs):
    with pytest.raises(UnreadableDocument, match="empty file"):
        read(eval_pdfs / "pdfplumber__empty.pdf")


def test_malformed_from_issue_932(eval_pdfs):
    # pdfium repairs it on open; pdfplumber's suite checks a char's box lies below the page.
    doc = read(eval_pdfs / "pdfplumber__malformed-from-issue-932.pdf")
    assert doc.pages == 1
    assert doc.blocks and all(b.box.bottom > b.box.top for b in doc.blocks)


def test_issue_336_chinese_ruled_tables(eval_pdfs):
    doc = read(eval_pdfs / "pdfplumber__issue-336-example.pdf")
    assert doc.language == "zh"
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [len(t.rows) for t in tables] == [8, 11, 2]  # pdfplumber's own test expects these counts
    assert [t.caption for t in tables] == [
        "表 7.5 停车区用地指标基准值（公顷/处）",
        "表 7.6 停车区用地指标调整系数",
        "表 7.7 监控通信设施用地指标（公顷/处）",
    ]
    assert tables[0].rows[2] == ("高速公路", "八", "2.5000", "60000≤Q＜80000", "20＜μ≤30")
    assert tables[2].rows == (("路段监控通信分中心", "路段监控通信站", "桥隧监控通信站"), ("1.7333", "0.8667", "0.5333"))
    prose = [b.text for b in doc.blocks if b.kind == "text"]
    assert "第 7.9 条 服务设施出入口加减速车道用地指标，平原一般不宜超过 3.4 公顷/处，丘陵、山区一般不宜超过 4.0 公顷/处。" in prose
    assert not any("2.5000" in text for text in prose)  # table text is not repeated as prose


def test_manifest_lists_the_files_read_here(eval_pdfs):
    manifest = {entry["file"] for entry in json.loads((eval_pdfs / "manifest.json").read_text())}
    assert {"tabula__twotables.pdf", "pdfplumber__issue-336-example.pdf", "pdfplumber__password-example.pdf"} <= manifest


def test_pdfplumber_runs_only_on_ruled_pages(english_pdf, chinese_pdf, monkeypatch):
    import miner.read.pdf as pdf_reader

    calls = []
    real = pdf_reader._find_tables
    monkeypatch.setattr(pdf_reader, "_find_tables", lambda data, password, pages: calls.append(pages) or real(data, password, pages))
    read(chinese_pdf)
    assert calls == []  # no vector rules on that page: pdfplumber is never opened
    read(english_pdf)
    assert calls == [[0]]


def test_creation_date_is_the_last_resort(three_page_pdf):
    # No date in the text: the file's CreationDate (reportlab stamps the time of writing).
    published = read(three_page_pdf).published
    assert published is not None and abs((date.today() - published).days) <= 1


def test_table_cells_cleaned():
    from miner.read.pdf import _clean_rows

    rows = [
        ["Notice Date", "Effective", None, ""],
        ["06/22/2015", "0 3 / 2 5 / 2 0 16", None, ""],  # letter-spaced, as in the WARN report
        ["A B C Corp", "Line one\nline two", None, ""],
        [None, None, None, None],
    ]
    assert _clean_rows(rows) == [
        ["Notice Date", "Effective"],
        ["06/22/2015", "03/25/2016"],
        ["A B C Corp", "Line one line two"],
    ]
    assert _clean_rows([["Only one column"], ["here"]]) == []  # a frame around text
