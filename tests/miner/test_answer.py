"""Answers through the real pipeline: small English and Chinese reports ingested into a fresh
home with the packaged embedding model, then asked in both languages."""
from __future__ import annotations

import re
from functools import partial

import pytest

import miner.ingest
from miner.answer import ask, fit, say_period, say_value
from miner.claims import extract_claims
from miner.config import Settings
from miner.home import Home
from miner.ingest import ingest
from miner.model import Claim
from miner.question import understand

REPORTS = {
    "rental_watch.md": """# GPU Rental Watch
Harbor Compute Notes · Published 2026-10-02

The average on-demand price of an H100 GPU hour was $2.10 in September 2026,
down from $2.40 in June 2026, a 12.5% decline.
CoreWeave held 31% of rented GPU hours in September 2026.
We expect the average H100 hourly price to reach $1.60 by the end of 2027.
""",
    "compute_brief.md": """# 算力租赁月报
青松研究 · 发布日期：2026年10月5日

2026年9月，H100每小时的平均租赁价格为2.10美元。
2026年6月，H100每小时的平均租赁价格为2.40美元。
""",
    "pinewood_wire.txt": """H100 rental prices slide
Pinewood Wire
Published 2026-10-09

The average H100 GPU hour cost $2.30 on demand in September 2026, the wire estimates.
CoreWeave held 34% of rented GPU hours in September 2026, the largest share of any provider.
""",
    "token_tracker.md": """# Token Traffic Note
Willow Analytics · Published 2026-03-04

Chinese models handled 5.3 trillion of the 8.7 trillion tokens routed through OpenRouter in February 2026.
""",
    "token_share_cn.md": """# 模型调用量简报
远山研究 · 发布日期：2026年3月6日

2026年2月，OpenRouter平台上中国模型的Token调用量占比约为61%。
""",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("reports")
    for name, text in REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        # The gazetteer knows every name these reports use; spaCy's NER would only cost seconds.
        mp.setattr(miner.ingest, "extract_claims", partial(extract_claims, ner=False))
        h = Home(Settings(home=tmp_path_factory.mktemp("home")))
        results = list(ingest([corpus], h, jobs=1))  # in this process, where the patch applies
    assert [r.status for r in results] == ["stored"] * len(REPORTS)
    yield h
    h.close()


def conflict(answer) -> bool:
    return any(c.status == "conflict" for c in answer.checks)


def test_answer_english_question_gives_figure_period_and_sources_in_english(home):
    a = ask("How much did an H100 GPU hour cost in June 2026?", home)
    assert (a.figure.value, a.figure.unit, a.figure.period) == (2.40, "USD/h", "2026-06")
    assert not CJK.search(a.answer.replace("compute_brief", ""))
    assert "June 2026" in a.answer and "according to" in a.answer
    assert "rental_watch.md" in a.answer and "compute_brief.md" in a.answer
    assert not conflict(a)
    assert {c.source for c in a.claims[:2]} == {"rental_watch.md", "compute_brief.md"}
    assert all(c.score is not None for c in a.claims)


def test_answer_chinese_question_is_answered_in_chinese(home):
    a = ask("2026年6月H100每小时的租赁价格是多少？", home)
    assert (a.figure.value, a.figure.unit) == (2.40, "USD/h")
    assert CJK.search(a.answer) and "来源" in a.answer and "2026年6月" in a.answer
    assert "2.40美元" in a.answer


def test_answer_period_filtering_picks_the_asked_month(home):
    june = ask("What was the average H100 rental price per hour in June 2026?", home)
    september = ask("What was the average H100 rental price per hour in September 2026?", home)
    assert june.figure.value == 2.40 and september.figure.value == 2.10


def test_answer_when_sources_disagree_the_most_supported_value_leads(home):
    # $2.10 from two reports against $2.30 from the most recent one.
    a = ask("What was the average H100 rental price per hour in September 2026?", home)
    assert a.figure.value == 2.10 and conflict(a)
    assert "Sources disagree: pinewood_wire.txt gives $2.30" in a.answer
    assert "most sources" in a.answer
    assert "rental_watch.md" in a.answer and "compute_brief.md" in a.answer


def test_answer_when_support_is_even_the_more_recent_source_leads(home):
    a = ask("What share of rented GPU hours did CoreWeave have in September 2026?", home)
    assert (a.figure.value, a.figure.unit) == (34, "%") and conflict(a)
    assert "rental_watch.md gives 31%" in a.answer and "most recent" in a.answer and "2026-10-09" in a.answer


def test_answer_forecast_and_reported_questions_get_their_own_kind(home):
    forecast = ask("What H100 hourly price is expected by the end of 2027?", home)
    assert forecast.figure.value == 1.60 and forecast.claims[0].kind == "forecast"
    assert "forecast" in forecast.answer
    reported = ask("How much did an H100 GPU hour cost in September 2026?", home)
    assert reported.figure.value in (2.10, 2.30) and reported.claims[0].kind == "reported"


def test_answer_a_question_about_a_change_gets_the_change_and_its_arithmetic(home):
    a = ask("By how much did the average H100 hourly price fall from June to September 2026?", home)
    assert (a.figure.value, a.figure.unit) == (12.5, "%")
    check = next(c for c in a.checks if c.kind == "arithmetic")
    assert check.status == "consistent" and "the change from $2.40 to $2.10" in check.detail
    # and a question about the level never gets the change
    assert ask("What was the average H100 rental price per hour in June 2026?", home).figure.unit == "USD/h"


def test_answer_cross_document_arithmetic_backs_a_stated_share(home):
    a = ask("2026年2月中国模型在OpenRouter上的Token调用量占比是多少？", home)
    assert (a.figure.value, a.figure.unit) == (61, "%") and not conflict(a)
    check = next(c for c in a.checks if c.kind == "arithmetic")
    assert check.status == "consistent"
    assert "5.3 trillion" in check.detail and "8.7 trillion" in check.detail and "token_tracker.md" in check.detail


@pytest.mark.parametrize(
    "question, text",
    [
        ("What was the H100 rental price per hour in March 2025?", "Not found"),
        ("How much did Acme Cloud charge per H100 hour in September 2026?", "Not found"),
        ("What share of data centres use liquid cooling?", "Not found"),
        ("月之暗面最近一轮融资的金额是多少？", "没有找到"),
    ],
    ids=["other-period", "unknown-name", "nothing-on-topic", "zh-other-subject"],
)
def test_answer_no_fitting_claim_is_an_honest_not_found(home, question, text):
    a = ask(question, home)
    assert a.figure is None and a.checks == () and a.answer.startswith(text)


@pytest.mark.parametrize(
    "iso, en, zh",
    [
        ("2026-02", "February 2026", "2026年2月"),
        ("2026-01/2026-09", "January–September 2026", "2026年1-9月"),
        ("2030", "2030", "2030年"),
        ("2026-02-01/2026-03-01", "1 February–1 March 2026", "2026年2月1日至3月1日"),
    ],
)
def test_answer_says_periods_as_readers_do(iso, en, zh):
    assert say_period(iso, "en") == en and say_period(iso, "zh") == zh


@pytest.mark.parametrize(
    "value, unit, en, zh",
    [
        (3.8e11, "kWh", "380 billion kWh", "3800亿千瓦时"),
        (0.08, "USD/kWh", "USD 0.08 per kWh", "每千瓦时0.08美元"),
        (40.0, "%", "40%", "40%"),
        (2.0, "x", "2 times", "2倍"),
    ],
)
def test_answer_says_values_in_the_question_language(value, unit, en, zh):
    assert say_value(value, unit, "en") == en and say_value(value, unit, "zh") == zh


def test_answer_a_claim_about_the_unknown_name_itself_fits():
    """A name the gazetteer lacks may still be a claim's entity (spaCy found it): "Zorvex Labs"."""
    q = understand("How much revenue did Zorvex Labs make in 2025?")
    c = Claim(id="k", quote="Zorvex Labs made RMB 1 billion in revenue in 2025.", entity="Zorvex Labs",
              metric="revenue", value=1e9, unit="CNY", raw="RMB 1 billion", period="2025")
    assert fit(c, q) is not None
    assert fit(c.model_copy(update={"entity": "Kuaishou"}), q) is None


GRID_NOTE = """# Grid Additions Note
Published 2025-08-01

China added 150 GW of solar capacity in the first half of 2025.
China added 40 GW of wind capacity in the first half of 2025.

| 省份 | 新增光伏（万千瓦） | 新增风电（万千瓦） |
|---|---|---|
| 甘肃 | 600 | 450 |
| 青海 | 300 | 120 |
"""


@pytest.fixture(scope="module")
def grid_home(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("grid")
    (corpus / "grid_note.md").write_text(GRID_NOTE, encoding="utf-8")
    with Home(Settings(home=tmp_path_factory.mktemp("grid-home"))) as h:
        assert [r.status for r in ingest([corpus], h, jobs=1)] == ["stored"]
        yield h


@pytest.mark.parametrize("question, value", [
    ("How much wind capacity did China add in the first half of 2025?", 4e7),
    ("How much solar capacity did China add in the first half of 2025?", 1.5e8),
    ("2025年上半年全国新增风电装机多少？", 4e7),
])
def test_answer_keeps_wind_and_solar_apart(grid_home, question, value):
    """Their metric phrases differ in one word and embed close together: the facet decides."""
    a = ask(question, grid_home)
    assert a.figure is not None and (a.figure.value, a.figure.unit) == (value, "kW")
    assert not conflict(a)  # the other source's figure is not taken for a disagreement


def test_answer_says_a_table_cells_bare_number_with_its_unit(grid_home):
    a = ask("2025年上半年甘肃新增风电装机多少？", grid_home)
    assert a.figure is not None and (a.figure.value, a.figure.unit) == (4.5e6, "kW")
    assert "450万千瓦" in a.answer
