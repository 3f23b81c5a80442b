from datetime import date

import pytest

from miner.claims import extract_claims, extract_text
from miner.read import read_bytes
from miner.segment import segment


def claims_of(markdown: str, name: str = "r.md"):
    doc = read_bytes(markdown.encode("utf-8"), name)
    return doc, extract_claims(doc, segment(doc), ner=False)


def one(claims, raw):
    found = [c for c in claims if c.raw == raw]
    assert len(found) == 1, [c.raw for c in claims]
    return found[0]


def test_claims_price_per_hour_from_context_and_compared_price():
    claims = extract_text("The rental price of a B200 GPU hour dropped to $3.40 in May 2026, down from $4.10 in January.",
                          published=date(2026, 6, 1))
    now, before = one(claims, "$3.40"), one(claims, "$4.10")
    assert (now.unit, now.value, now.period, now.entity) == ("USD/h", 3.4, "2026-05", "B200")
    assert (before.unit, before.period) == ("USD/h", "2026-01")
    assert before.metric == now.metric and "price" in now.metric


def test_claims_bare_scaled_figure_takes_the_unit_of_its_sibling():
    claims = extract_text("Users consumed 12 trillion tokens in March 2026, of which open models handled 7.2 trillion.")
    part = one(claims, "7.2 trillion")
    assert (part.value, part.unit, part.period) == (7.2e12, "tokens", "2026-03")


def test_claims_chinese_token_total_and_share():
    claims = extract_text("3月平台Token总消耗量约为12万亿，其中国产模型贡献7.2万亿，占比六成。", lang="zh",
                          published=date(2026, 4, 2))
    total, part, share = one(claims, "12万亿"), one(claims, "7.2万亿"), one(claims, "六成")
    assert (total.unit, total.value, total.approximate) == ("tokens", 1.2e13, True)
    assert (part.unit, part.entity) == ("tokens", "Chinese models")
    assert (share.value, share.unit, share.entity, share.period) == (60, "%", "Chinese models", "2026-03")
    assert all(c.language == "zh" for c in claims)


def test_claims_continuation_sentence_keeps_subject_and_period():
    _, claims = claims_of("# 简报\n发布日期：2026年5月3日\n\n2026年1-4月，全国新增风电装机约为3000万千瓦。其中海上风电占比约两成。\n")
    offshore = one(claims, "两成")
    assert (offshore.value, offshore.entity, offshore.period, offshore.approximate) == (20, "China", "2026-01/2026-04", True)


def test_claims_the_same_period_named_in_other_words_carries_over():
    _, claims = claims_of("# Note\nPublished 2025-07-20\n\nChina added 212 GW of solar in the first half of 2025. "
                          "Offshore wind made up 20% of the wind added over the same six months.\n")
    assert one(claims, "20%").period == "2025-01/2025-06"


def test_claims_forecast_kind_in_both_languages():
    en = one(extract_text("Analysts expect the platform to process 30 trillion tokens by 2028."), "30 trillion tokens")
    zh = one(extract_text("预计到2028年，全国智算中心装机将超过5000万千瓦。"), "5000万千瓦")
    reported = one(extract_text("The platform processed 9 trillion tokens in 2025."), "9 trillion tokens")
    assert (en.kind, en.period) == ("forecast", "2028")
    assert (zh.kind, zh.period, zh.bound, zh.value, zh.unit) == ("forecast", "2028", "at_least", 5e7, "kW")
    assert reported.kind == "reported"


def test_claims_multiple_belongs_to_the_subject_named_first():
    assert one(extract_text("Power in Japan costs roughly 2.5 times what it costs in China."), "2.5 times").entity == "Japan"
    assert one(extract_text("日本的工业电价约为中国的2.5倍。"), "2.5倍").entity == "Japan"


def test_claims_leave_out_dates_word_counts_and_units_of_account():
    claims = extract_text("In the first nine months of 2026 the ten largest labs sold a million tokens for $0.40.")
    assert [c.raw for c in claims] == ["$0.40"]
    assert extract_text("第3章第2节引用了文献[7]。") == []


def test_claims_from_a_table_with_date_headers_and_a_unit_in_the_caption():
    doc, claims = claims_of(
        "# Monitor\nPublished 2026-04-02\n\n"
        "Table 4: Share of routed tokens by lab (%), 2026\n\n"
        "| Lab | Jan 2026 | Feb 2026 |\n|---|---|---|\n| DeepSeek | 18 | 21 |\n| Zhipu AI | 6 | 8 |\n"
    )
    feb = [c for c in claims if c.entity == "Zhipu AI" and c.period == "2026-02"]
    assert len(claims) == 4 and len(feb) == 1
    assert (feb[0].value, feb[0].unit, feb[0].metric) == (8, "%", "share of routed tokens by lab")
    assert feb[0].quote.startswith("Lab: Zhipu AI") and feb[0].document_id == doc.id


def test_claims_from_a_table_with_value_headers_and_per_unit_prices():
    _, claims = claims_of(
        "# Prices\nPublished 2026-04-02\n\nTable 2: List prices, March 2026\n\n"
        "| Provider group | Output, USD per million tokens | Staff |\n|---|---|---|\n| Chinese models | $0.60 | 120 |\n"
    )
    price, staff = one(claims, "$0.60"), one(claims, "120")
    assert price.unit == "USD/token" and price.value == pytest.approx(6e-7)
    assert (price.entity, price.period) == ("Chinese models", "2026-03")
    assert (staff.unit, staff.metric) == ("", "staff")


def test_claims_from_a_table_whose_column_unit_is_a_count_of_units():
    _, claims = claims_of(
        "# Grid\nPublished 2025-08-01\n\n"
        "| Province | New solar (10,000 kW) | Output (1,000 t) | Price (USD per MWh) |\n|---|---|---|---|\n"
        "| Gansu | 600 | 12.5 | 45 |\n"
    )
    solar, output, price = one(claims, "600"), one(claims, "12.5"), one(claims, "45")
    assert (solar.value, solar.unit, solar.metric) == (6e6, "kW", "new solar")
    assert (output.value, output.unit) == (12_500, "t")
    assert (price.value, price.unit) == (pytest.approx(0.045), "USD/kWh")


def test_claim_ids_are_stable_and_distinct():
    text = "# R\nPublished 2026-01-05\n\nMiniMax raised $600 million and Zhipu AI raised $400 million in 2025.\n"
    _, first = claims_of(text)
    _, again = claims_of(text)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == 2
    assert [c.entity for c in first] == ["MiniMax", "Zhipu AI"]


def test_claims_entities_are_found_in_one_call_per_language_and_only_where_figures_are(monkeypatch):
    """So that spaCy's NER runs once over a document's sentences, in batches."""
    import miner.claims

    calls = []

    def counting(texts, lang=None, *, ner=True):
        calls.append((list(texts), lang))
        return real(texts, lang, ner=ner)

    real = miner.claims.find_entities_many
    monkeypatch.setattr(miner.claims, "find_entities_many", counting)
    doc, claims = claims_of("# Brief\n\nMiniMax raised $600 million. It has offices in Shanghai. "
                            "Zhipu AI raised $400 million.\n\n智谱海外收入占比约为30%。\n")
    assert [c.entity for c in claims] == ["MiniMax", "Zhipu AI", "Zhipu AI"]
    assert calls == [(["MiniMax raised $600 million.", "Zhipu AI raised $400 million."], "en"),
                     (["智谱海外收入占比约为30%。"], "zh")]
