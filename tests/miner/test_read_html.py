from datetime import date

import pytest

from miner.errors import UnreadableDocument
from miner.read import read_bytes

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Rack prices climb | Northgate Wire</title>
<meta property="og:title" content="Rack prices climb">
<meta name="author" content="Northgate Wire">
<meta property="article:published_time" content="2026-08-21T07:30:00+00:00">
<script>var promo = "<p>Subscribe now for 50% off</p>";</script>
<style>p { color: red }</style>
</head><body>
<nav><a href="/">Home</a> | <a href="/markets">Markets</a> | Sign in</nav>
<article>
<h1>Rack prices climb</h1>
<p>Colocation racks cost <b>$1,450</b> a month in July, up 6% on a year earlier, brokers said.</p>
<h2>By region</h2>
<p>Table 1: Monthly rack rate by metro</p>
<table><tr><th>Metro</th><th>Rate</th></tr><tr><td>Ashburn</td><td>$1,600</td></tr><tr><td>Dallas</td><td>$1,300</td></tr></table>
<ul><li>Vacancy fell to 2.8%</li><li>New supply: 450 MW</li></ul>
</article>
<footer>© 2026 Northgate Wire. Privacy policy.</footer>
<script>trackPageView();</script>
</body></html>"""


@pytest.fixture(scope="module")
def page_doc():
    return read_bytes(PAGE.encode(), "racks.html")


def test_main_text_only(page_doc):
    text = "\n".join(b.text for b in page_doc.blocks)
    for noise in ("Home", "Sign in", "Subscribe", "Privacy", "trackPageView", "color: red"):
        assert noise not in text


def test_structure(page_doc):
    assert [(b.kind, b.text) for b in page_doc.blocks if b.kind != "table"] == [
        ("heading", "Rack prices climb"),
        ("text", "Colocation racks cost $1,450 a month in July, up 6% on a year earlier, brokers said."),
        ("heading", "By region"),
        ("text", "Vacancy fell to 2.8%"),
        ("text", "New supply: 450 MW"),
    ]
    (table,) = [b for b in page_doc.blocks if b.kind == "table"]
    assert table.rows == (("Metro", "Rate"), ("Ashburn", "$1,600"), ("Dallas", "$1,300"))
    assert table.caption == "Table 1: Monthly rack rate by metro"


def test_metadata(page_doc):
    assert page_doc.title == "Rack prices climb"  # og:title, without the site name of <title>
    assert page_doc.author == "Northgate Wire"
    assert page_doc.published == date(2026, 8, 21)
    assert page_doc.format == "html"
    assert page_doc.language == "en"


def test_meta_name_date_and_title_tag():
    html = b"""<html><head><title>Cooling update</title><meta name="date" content="2026-09-30"></head>
    <body><p>Cooling spend rose 9% in the third quarter.</p></body></html>"""
    doc = read_bytes(html, "cool.htm")
    assert doc.title == "Cooling update"
    assert doc.published == date(2026, 9, 30)
    assert doc.blocks[-1].text == "Cooling spend rose 9% in the third quarter."


def test_date_from_byline_when_no_meta():
    html = "<html><body><h1>周报</h1><p>发布日期：2026年9月1日</p><p>价格下降了5%。</p></body></html>"
    doc = read_bytes(html.encode(), "w.html")
    assert doc.published == date(2026, 9, 1)
    assert doc.language == "zh"


def test_declared_gbk_charset():
    html = '<html><head><meta charset="gbk"><title>风电</title></head><body><p>新增风电装机约为2100万千瓦。</p></body></html>'
    doc = read_bytes(html.encode("gbk"), "wind.html")
    assert doc.blocks[-1].text == "新增风电装机约为2100万千瓦。"
    assert doc.title == "风电"


def test_deeply_nested_tags():
    # lxml stops at 256 levels, where trafilatura then finds nothing; the fallback still reads it.
    html = "<html><body>" + "<div>" * 3000 + "<h2>Deep</h2><p>Storage reached 7 GWh.</p>" + "</div>" * 3000 + "</body></html>"
    doc = read_bytes(html.encode(), "deep.html")
    assert [(b.kind, b.text) for b in doc.blocks] == [("heading", "Deep"), ("text", "Storage reached 7 GWh.")]


def test_unclosed_tags_and_scripts():
    html = "<html><head><title>x</title><script>if (a < b) { document.write('<p>bad</p>') }</script><body><p>Power use: 12 MW<p>Second 3%"
    doc = read_bytes(html.encode(), "broken.html")
    text = " ".join(b.text for b in doc.blocks)
    assert "12 MW" in text and "3%" in text and "bad" not in text


def test_page_without_text():
    with pytest.raises(UnreadableDocument, match="no readable text"):
        read_bytes(b"<html><head><script>app()</script></head><body><div id='root'></div></body></html>", "app.html")
