import time

import pytest

from miner.model import Block, Box, Document, LineSpan
from miner.read import read, read_bytes
from miner.segment import segment, sentence_spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Output reached 8.7 trillion tokens. Chinese labs produced 5.3 trillion of them.",
            ["Output reached 8.7 trillion tokens.", "Chinese labs produced 5.3 trillion of them."],
        ),
        (
            "Firms in the U.S. and the U.K. grew. Acme Inc. ranked No. 5 in the list, e.g. above Beta Ltd. in May.",
            ["Firms in the U.S. and the U.K. grew.", "Acme Inc. ranked No. 5 in the list, e.g. above Beta Ltd. in May."],
        ),
        ("J. K. Rowling wrote it. It sold well.", ["J. K. Rowling wrote it.", "It sold well."]),
        (
            "Prices fell 26% in one quarter [1]. Spot use rose.[2] Both trends held.",
            ["Prices fell 26% in one quarter [1].", "Spot use rose.[2]", "Both trends held."],
        ),
        ("It cost $2.10. Then $1.95.", ["It cost $2.10.", "Then $1.95."]),
        ("Usage rose (see Fig. 3. and Sec. 2.) in March. Then it fell.", ["Usage rose (see Fig. 3. and Sec. 2.) in March.", "Then it fell."]),
        ('He said "Prices rose." Then they fell! Really? Yes.', ['He said "Prices rose."', "Then they fell!", "Really?", "Yes."]),
        ("Yahoo! reported gains. Costs rose.", ["Yahoo! reported gains.", "Costs rose."]),
        ("1. Introduction of the study. 2. Methods follow.", ["1. Introduction of the study.", "2. Methods follow."]),
        ("On Sept. 30, 2026 it closed. The end of Dec. Prices fell.", ["On Sept. 30, 2026 it closed.", "The end of Dec.", "Prices fell."]),
        (
            "2026年9月，Token总消耗量约为8.7万亿。其中中国模型贡献5.3万亿！占比约61%？海外下降；完毕",
            ["2026年9月，Token总消耗量约为8.7万亿。", "其中中国模型贡献5.3万亿！", "占比约61%？", "海外下降；", "完毕"],
        ),
        ("他说：“价格上涨了。”随后回落。", ["他说：“价格上涨了。”", "随后回落。"]),
        ("价格（见图3。）下降了。", ["价格（见图3。）下降了。"]),
        ("Revenue grew 5%.中国市场增长了12%。", ["Revenue grew 5%.", "中国市场增长了12%。"]),
        ("First line\nSecond line.", ["First line", "Second line."]),
        ("  Padded sentence.  ", ["Padded sentence."]),
        ("", []),
    ],
)
def test_sentence_spans(text, expected):
    assert sentences(text) == expected


def test_passages_from_markdown():
    md = (
        "# Cooling Review\n\nLiquid cooling serves 22% of racks. Retrofits cost $1.2m per MW.\n\n"
        "## Vendors\n\nTable 4: Installed racks, June 2026\n\n| Vendor | Share | Sites |\n|---|---|---|\n"
        "| Coolcore | 41% | 12 |\n| Frostline |  | 8 |\n"
    )
    passages = segment(read_bytes(md.encode(), "c.md"))
    assert [(p.index, p.kind, p.text, p.context) for p in passages] == [
        (0, "heading", "Cooling Review", None),
        (1, "sentence", "Liquid cooling serves 22% of racks.", "Cooling Review"),
        (2, "sentence", "Retrofits cost $1.2m per MW.", "Cooling Review"),
        (3, "heading", "Vendors", "Cooling Review"),
        (4, "table_row", "Vendor: Coolcore; Share: 41%; Sites: 12", "Table 4: Installed racks, June 2026"),
        (5, "table_row", "Vendor: Frostline; Sites: 8", "Table 4: Installed racks, June 2026"),
    ]
    row = passages[4]
    assert row.headers == ("Vendor", "Share", "Sites")
    assert row.cells == ("Coolcore", "41%", "12")
    assert passages[5].cells == ("Frostline", "", "8")
    assert [p.block for p in passages] == [0, 1, 1, 2, 3, 3]


def test_offsets_point_into_block_text():
    doc = read_bytes("# T\n\nFirst one is here. Second one, e.g. this.\n\n| A | B |\n|---|---|\n| x | 1 |\n".encode(), "o.md")
    for p in segment(doc):
        block = doc.blocks[p.block]
        if p.kind == "table_row":
            assert block.text[p.start : p.end] == "x | 1"
        else:
            assert block.text[p.start : p.end] == p.text


def test_language_per_passage():
    doc = read_bytes("Prices rose 4% in March.\n\n价格在三月上涨了4%。".encode(), "mixed.txt")
    assert [(p.text, p.language) for p in segment(doc)] == [
        ("Prices rose 4% in March.", "en"),
        ("价格在三月上涨了4%。", "zh"),
    ]


def test_box_is_union_of_touched_lines():
    line1 = LineSpan(start=0, end=30, box=Box(x0=72, top=100, x1=500, bottom=112))
    line2 = LineSpan(start=30, end=60, box=Box(x0=72, top=114, x1=480, bottom=126))
    line3 = LineSpan(start=60, end=75, box=Box(x0=72, top=128, x1=300, bottom=140))
    text = "The first sentence runs over the line. The second one ends here."
    block = Block(kind="text", text=text, page=3, box=Box(x0=72, top=100, x1=500, bottom=140), lines=(line1, line2, line3))
    doc = Document(id="x", title="t", source="s.pdf", format="pdf", blocks=(block,))
    first, second = segment(doc)
    assert (first.start, first.end) == (0, 38)
    assert first.box == Box(x0=72, top=100, x1=500, bottom=126)
    assert second.box == Box(x0=72, top=114, x1=480, bottom=140)
    assert first.page == second.page == 3


def test_pdf_passages(english_pdf):
    passages = segment(read(english_pdf))
    assert [p.text for p in passages] == [
        "Inference Market Monitor",
        "Published 2026-04-14",
        "Data centres drew 41 TWh in the first quarter, and the cost of electricity rose to $0.09 per kWh.",
        "Demand from U.S. operators grew 18%.",
        "Region: North; Demand (TWh): 12.5; Share: 30%",
        "Region: South; Demand (TWh): 28.5; Share: 70%",
        "Figures are preliminary and may be revised in May.",
    ]
    first, second = passages[2], passages[3]
    assert first.box.top < second.box.top  # the first sentence starts on the upper line
    assert first.box.bottom == pytest.approx(second.box.bottom)  # both reach the lower line
    assert passages[4].context == "Table 3: Regional demand, Q1 2026"
    assert passages[4].box is not None and passages[4].page == 1


def test_chinese_pdf_passages(chinese_pdf):
    passages = segment(read(chinese_pdf))
    assert [p.text for p in passages if p.kind == "sentence"][-2:] == [
        "一季度全国智能算力调用量约为6.4万亿次，同比增长三成。",
        "东部地区占比约为55%！",
    ]
    assert all(p.language == "zh" for p in passages)


def test_two_row_headers_and_merged_labels():
    rows = (
        ("", "Capital", "", ""),
        ("", "Stock", "Surplus", "Total"),
        ("Opening", "5,664", "749", "6,413"),
        ("Dividends", "", "", "△525"),
        ("Region", "", "", ""),
        ("East", "Grid", "1.2", "3"),
        ("", "", "1.4", "4"),
        ("", "Solar", "0.8", "2"),
    )
    text = "\n".join(" | ".join(r) for r in rows)
    doc = Document(id="x", title="t", source="t.pdf", format="pdf", blocks=(Block(kind="table", text=text, rows=rows),))
    passages = segment(doc)
    assert passages[0].headers == ("", "Capital Stock", "Capital Surplus", "Capital Total")
    assert [p.text for p in passages] == [
        "Opening; Capital Stock: 5,664; Capital Surplus: 749; Capital Total: 6,413",
        "Dividends; Capital Total: △525",
        "Region",
        "East; Capital Stock: Grid; Capital Surplus: 1.2; Capital Total: 3",
        "East; Capital Stock: Grid; Capital Surplus: 1.4; Capital Total: 4",  # merged cells filled in
        "East; Capital Stock: Solar; Capital Surplus: 0.8; Capital Total: 2",
    ]
    assert passages[4].cells == ("East", "Grid", "1.4", "4")
    assert (passages[4].start, passages[4].end) == (text.index(" |  | 1.4"), text.index(" |  | 1.4") + len(" |  | 1.4 | 4"))


def test_twotables_rows(eval_pdfs):
    passages = segment(read(eval_pdfs / "tabula__twotables.pdf"))
    rows = [p for p in passages if p.kind == "table_row"]
    assert rows[0].text == (
        "当期首残高; 株主資本 資本金: 5,664; 株主資本 資本剰余金: 749; 株主資本 利益剰余金: 12,017; "
        "株主資本 自己株式: △747; 株主資本 株主資本合計: 17,683"
    )
    assert rows[0].context.endswith("(単位：百万円)")


def test_segment_is_fast():
    paragraph = "Output rose 4.5% to 8.7 trillion tokens in the U.S. market, e.g. at Acme Inc. in May. " * 40
    text = "\n\n".join([paragraph] * 50)  # 2,000 sentences
    doc = read_bytes(text.encode(), "big.txt")
    start = time.perf_counter()
    passages = segment(doc)
    assert len(passages) == 2000
    assert time.perf_counter() - start < 2.0
