"""Question understanding: the kind of figure, subject, period, forecast and change a question asks
for, and the names the gazetteer does not know."""
from __future__ import annotations

import pytest

from miner.question import understand, unit_fits


def test_question_understands_what_is_asked():
    q = understand("What share of rented GPU hours did CoreWeave have in September 2026?")
    assert (q.language, q.entities, q.period, q.wants, q.forecast, q.change) == (
        "en", ("CoreWeave",), "2026-09", "%", False, False)
    q = understand("预计到2030年中国数据中心用电量将达到多少？")
    assert (q.language, q.entities, q.period, q.wants, q.forecast) == ("zh", ("China",), "2030", "kWh", True)
    assert understand("By how much did H100 prices fall in 2026?").wants == "change"
    assert understand("How much did Acme Cloud charge per GPU hour?").names == ("Acme", "Cloud")


def test_question_names_skip_the_capitalised_opening_word_and_known_entities():
    assert understand("Total new capacity of CoreWeave in 2026?").names == ()


def test_question_names_in_chinese_questions_are_the_latin_words():
    assert understand("2026年1月A800每小时的租赁价格是多少？").names == ("A800",)
    assert understand("2026年2月OpenRouter平台的Token总调用量是多少？").names == ()


@pytest.mark.parametrize(
    "unit, wants, fits",
    [
        ("USD/h", "/h", True), ("USD/kWh", "/h", False), ("CNY", "money", True), ("USD/h", "money", False),
        ("pp", "change", True), ("%", "change", True), ("kW", "change", False), ("%", "%", True),
        ("kW", None, None),
    ],
)
def test_question_unit_fits_the_kind_of_figure_asked_for(unit, wants, fits):
    assert unit_fits(unit, wants) is fits
