import hashlib
from datetime import date

import pytest

from miner.errors import TooLarge, UnreadableDocument, UnsupportedFormat
from miner.read import SUPPORTED_EXTENSIONS, read, read_bytes
from miner.read.text import caption_of, decode_text, find_published, join_lines, strip_markup

MARKDOWN = """# Cooling Costs Review — H1 2026
Tideline Research · Published 2026-07-02

## Summary
Liquid cooling now serves **about 22%** of new racks, up from 15%
a year earlier, according to [our survey](https://example.com/s).

- Retrofits cost $1.2m per megawatt
- New builds cost less

## Vendors
Table 4: Share of installed liquid-cooled racks, June 2026

| Vendor | Share | Sites |
|---|---:|---|
| Coolcore | 41% | 12 |
| Frostline | 27% | 8 |
"""


def test_read_markdown_blocks():
    doc = read_bytes(MARKDOWN.encode(), "cooling.md")
    assert [(b.kind, b.text) for b in doc.blocks if b.kind != "table"] == [
        ("heading", "Cooling Costs Review — H1 2026"),
        ("text", "Tideline Research · Published 2026-07-02"),
        ("heading", "Summary"),
        ("text", "Liquid cooling now serves about 22% of new racks, up from 15% a year earlier, according to our survey."),
        ("text", "Retrofits cost $1.2m per megawatt"),
        ("text", "New builds cost less"),
        ("heading", "Vendors"),
    ]
    (table,) = [b for b in doc.blocks if b.kind == "table"]
    assert table.rows == (("Vendor", "Share", "Sites"), ("Coolcore", "41%", "12"), ("Frostline", "27%", "8"))
    assert table.caption == "Table 4: Share of installed liquid-cooled racks, June 2026"
    assert table.text == "Vendor | Share | Sites\nCoolcore | 41% | 12\nFrostline | 27% | 8"
    assert doc.blocks[-1] is table  # the caption is not also a paragraph


def test_read_markdown_document_fields():
    data = MARKDOWN.encode()
    doc = read_bytes(data, "cooling.md")
    assert doc.id == hashlib.sha256(data).hexdigest()
    assert doc.source == "cooling.md"
    assert doc.format == "md"
    assert doc.title == "Cooling Costs Review — H1 2026"
    assert doc.published == date(2026, 7, 2)
    assert doc.language == "en"
    assert doc.pages is None


def test_read_markdown_caption_right_above_table():
    text = "Intro line.\n\n单位：亿元\n| 地区 | 投资 |\n|---|---|\n| 华东 | 120 |\n"
    (table,) = [b for b in read_bytes(text.encode(), "t.md").blocks if b.kind == "table"]
    assert table.caption == "单位：亿元"
    assert table.rows == (("地区", "投资"), ("华东", "120"))


def test_read_markdown_table_without_caption_keeps_paragraph():
    text = "Shares are shown below.\n\n| A | B |\n|---|---|\n| x | 1 |\n"
    doc = read_bytes(text.encode(), "t.md")
    assert [b.kind for b in doc.blocks] == ["text", "table"]
    assert doc.blocks[1].caption is None


def test_read_chinese_markdown():
    text = "# 储能装机月报（2026年6月）\n东岚研究 · 发布日期：2026年7月3日\n\n上半年新增储能装机约为\n4200万千瓦，同比增长35%。\n"
    doc = read_bytes(text.encode(), "storage.md")
    assert doc.language == "zh"
    assert doc.title == "储能装机月报（2026年6月）"
    assert doc.published == date(2026, 7, 3)
    assert doc.blocks[-1].text == "上半年新增储能装机约为4200万千瓦，同比增长35%。"


PLAIN = """Grid Interconnection Notes — May 2026
Published by Larkspur Energy Desk, 2026-05-20

Key numbers

The queue of projects waiting for a grid connection
reached 1,350 GW at the end of April.

About 40% of that capacity is solar.
"""


def test_read_plain_text():
    doc = read_bytes(PLAIN.encode(), "grid.txt")
    assert doc.format == "txt"
    assert doc.title == "Grid Interconnection Notes — May 2026"
    assert doc.published == date(2026, 5, 20)
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "Grid Interconnection Notes — May 2026"),
        ("text", "Published by Larkspur Energy Desk, 2026-05-20"),
        ("heading", "Key numbers"),
        ("text", "The queue of projects waiting for a grid connection reached 1,350 GW at the end of April."),
        ("text", "About 40% of that capacity is solar."),
    ]


def test_plain_text_wrapped_first_paragraph_has_no_heading():
    text = "The queue of projects waiting for a grid connection in the western region\nreached 1,350 GW at the end of April, a record."
    doc = read_bytes(text.encode(), "w.txt")
    assert [b.kind for b in doc.blocks] == ["text"]
    assert doc.blocks[0].text == text.replace("\n", " ")


def test_plain_text_long_first_line_is_not_a_heading():
    doc = read_bytes(b"Prices rose 4% in March, the survey said.\nThey fell in April.", "n.txt")
    assert [b.kind for b in doc.blocks] == ["text"]
    assert doc.title == "Prices rose 4% in March, the survey said."


def test_read_gbk_chinese():
    text = "光伏组件价格周报\n发布日期：2026年6月9日\n\n本周组件均价为每瓦0.68元，环比下降2%。"
    doc = read_bytes(text.encode("gbk"), "prices.txt")
    assert doc.blocks[-1].text == "本周组件均价为每瓦0.68元，环比下降2%。"
    assert doc.language == "zh"
    assert doc.published == date(2026, 6, 9)


def test_decode_short_gbk_and_latin1():
    # charset-normalizer alone calls the first one UTF-16 and the second one cp1006.
    assert decode_text("宁德时代出货45吉瓦时".encode("gbk")) == "宁德时代出货45吉瓦时"
    assert decode_text("Zürich café".encode("latin-1")) == "Zürich café"


def test_read_latin1_text():
    text = "Marché de l'énergie\n\nLe prix moyen a atteint 92 € par MWh à Zürich, selon l'étude."
    doc = read_bytes(text.encode("cp1252"), "fr.txt")
    assert doc.blocks[-1].text == "Le prix moyen a atteint 92 € par MWh à Zürich, selon l'étude."
    latin1 = "Señor Müller's naïve estimate: 5% more crème brûlée.".encode("latin-1")
    assert read_bytes(latin1, "x.txt").blocks[0].text == "Señor Müller's naïve estimate: 5% more crème brûlée."


def test_utf8_bom_is_dropped():
    doc = read_bytes("\ufeffTitle line\n\nBody 5%.".encode("utf-8"), "bom.txt")
    assert doc.title == "Title line"


@pytest.mark.parametrize("name", ["junk.txt", "junk.md", "junk.html"])
def test_binary_named_as_text(name):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(UnreadableDocument, match="binary data, not text"):
        read_bytes(png, name)


def test_unsupported_extension():
    with pytest.raises(UnsupportedFormat) as info:
        read_bytes(b"a,b\n1,2", "numbers.xyz")
    assert info.value.message == "unsupported file type '.xyz'"
    assert ".pdf" in info.value.hint and ".md" in info.value.hint
    assert info.value.status_code == 415


def test_supported_extensions():
    assert set(SUPPORTED_EXTENSIONS) == {".pdf", ".html", ".htm", ".md", ".markdown", ".txt", ".text"}


def test_extension_is_case_insensitive():
    assert read_bytes(b"Hello 5%.", "NOTE.TXT").format == "txt"


def test_empty_file():
    with pytest.raises(UnreadableDocument, match="empty file"):
        read_bytes(b"", "empty.md")


def test_whitespace_only_file():
    with pytest.raises(UnreadableDocument, match="no text"):
        read_bytes(b"  \n\n \n", "blank.txt")


def test_too_large():
    with pytest.raises(TooLarge):
        read_bytes(b"x" * 101, "big.txt", max_bytes=100)


def test_read_path(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Note\n\nCapacity reached 3 GW.", encoding="utf-8")
    doc = read(path)
    assert doc.source == "note.md"
    assert doc.id == hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(TooLarge):
        read(path, max_bytes=10)


def test_read_missing_or_unreadable_path(tmp_path):
    with pytest.raises(UnreadableDocument, match="cannot read file"):
        read(tmp_path / "gone.txt")
    folder = tmp_path / "notes.txt"
    folder.mkdir()
    with pytest.raises(UnreadableDocument, match="cannot read file"):
        read(folder)  # a folder is not a file
    with pytest.raises(UnsupportedFormat):
        read(tmp_path / "gone.xyz")


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["The cost of electri-", "city rose."], "The cost of electricity rose."),
        (["a mid-", "March peak"], "a mid-March peak"),
        (["grew by", "12%"], "grew by 12%"),
        (["in 2025.", "3 firms"], "in 2025. 3 firms"),
        (["其中中国模型贡献5.3", "万亿，占比"], "其中中国模型贡献5.3万亿，占比"),
        (["调用量约为8.", "7万亿"], "调用量约为8.7万亿"),
        (["大模型Tok", "en消耗量"], "大模型Token消耗量"),
        (["约为", "Token"], "约为Token"),
        (["  padded  ", "", "line "], "padded line"),
    ],
)
def test_join_lines(lines, expected):
    assert join_lines(lines) == expected


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["Report title", "Published 2026-10-06"], date(2026, 10, 6)),
        (["Weekly note", "Published by Harbourview Data, 2026-10-15"], date(2026, 10, 15)),
        (["月报", "发布日期：2026年10月12日"], date(2026, 10, 12)),
        (["快讯", "2026-03-03 00:05 来源：某某"], date(2026, 3, 3)),
        (["Outlook", "March 3, 2026"], date(2026, 3, 3)),
        (["Outlook", "Released 14 Feb. 2026"], date(2026, 2, 14)),
        (["Data for 2026-01-01 to 2026-03-31", "Published: 2026/04/09"], date(2026, 4, 9)),
        (["Published March 2026"], date(2026, 3, 1)),
        (["Q3 2026 review", "No date here"], None),
        (["Published 2026-02-30"], None),  # not a real day
    ],
)
def test_find_published(lines, expected):
    assert find_published(lines) == expected


@pytest.mark.parametrize(
    "above, expected",
    [
        (["Table 2: Share of GPU hours"], ("Table 2: Share of GPU hours", 1)),
        (["表 7.5 停车区用地指标（公顷/处）"], ("表 7.5 停车区用地指标（公顷/处）", 1)),
        (["前年度(自 平成24年4月1日)", "(単位：百万円)"], ("前年度(自 平成24年4月1日) (単位：百万円)", 2)),
        (["Table A4-12. Projected use by space type,", "Alternative scenarios, 2007 to 2011"],
         ("Table A4-12. Projected use by space type, Alternative scenarios, 2007 to 2011", 2)),
        (["Shares are shown below."], (None, 0)),
        (["表明价格下降"], (None, 0)),  # 表明 ("shows") is not 表 ("table")
        (["Table 2 shows that prices rose 5%."], (None, 0)),  # a sentence about the table
        ([], (None, 0)),
    ],
)
def test_caption_of(above, expected):
    assert caption_of(above) == expected


def test_strip_markup():
    assert strip_markup("**Bold** and __strong__, *em*, `code`, [link](http://x) and snake_case_name") == (
        "Bold and strong, em, code, link and snake_case_name"
    )
    assert strip_markup("5 * 3 = 15 and a*b") == "5 * 3 = 15 and a*b"
