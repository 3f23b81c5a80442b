from datetime import date

import pytest

from miner.model import Period
from miner.periods import best_period, find_periods, iso_bounds

PUB = date(2025, 11, 20)


def found(text, lang=None, published=None):
    return [(p.raw, p.iso) for p in find_periods(text, lang, published)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Shipments doubled in 2024.", [("2024", "2024")]),
        ("Prices peaked in August 2025 and eased in Aug. 2024.",
         [("August 2025", "2025-08"), ("Aug. 2024", "2024-08")]),
        ("The index fell in Sept. 2025.", [("Sept. 2025", "2025-09")]),
        ("The tender closed on 7 April 2025.", [("7 April 2025", "2025-04-07")]),
        ("The tender closed on April 7, 2025.", [("April 7, 2025", "2025-04-07")]),
        ("Filed 2025-04-07 with the regulator.", [("2025-04-07", "2025-04-07")]),
        ("Output rose from February to November 2025.", [("from February to November 2025", "2025-02/2025-11")]),
        ("Output rose between February and November 2025.",
         [("between February and November 2025", "2025-02/2025-11")]),
        ("Output from March 2024 to May 2025 was flat.", [("from March 2024 to May 2025", "2024-03/2025-05")]),
        ("Sales in the first eight months of 2025 rose.", [("the first eight months of 2025", "2025-01/2025-08")]),
        ("Volumes in the three weeks to 22 June 2025 fell.",
         [("the three weeks to 22 June 2025", "2025-06-01/2025-06-22")]),
        ("Volumes in the week to 9 July 2025 fell.", [("the week to 9 July 2025", "2025-07-02/2025-07-09")]),
        ("Profit in the six months to December 2025 rose.",
         [("the six months to December 2025", "2025-07/2025-12")]),
        ("FY2024 results; fiscal 2023 results; FY24 guidance.",
         [("FY2024", "2024"), ("fiscal 2023", "2023"), ("FY24", "2024")]),
        ("Demand in Q2 2025 and 2Q25 and 2025 Q2.",
         [("Q2 2025", "2025-04/2025-06"), ("2Q25", "2025-04/2025-06"), ("2025 Q2", "2025-04/2025-06")]),
        ("Orders in the fourth quarter of 2024 slowed.", [("the fourth quarter of 2024", "2024-10/2024-12")]),
        ("H2 2025 and 2H25 and the first half of 2026.",
         [("H2 2025", "2025-07/2025-12"), ("2H25", "2025-07/2025-12"),
          ("the first half of 2026", "2026-01/2026-06")]),
        ("Targets run over 2025–2030 and 2026-28.", [("2025–2030", "2025/2030"), ("2026-28", "2026/2028")]),
    ],
)
def test_periods_english_forms(text, expected):
    assert found(text, "en") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年,全省风电发电量增长。", [("2024年", "2024")]),
        ("2025年8月组件价格回落。", [("2025年8月", "2025-08")]),
        ("公告发布于2025年4月7日。", [("2025年4月7日", "2025-04-07")]),
        ("2025年2-11月累计装机。", [("2025年2-11月", "2025-02/2025-11")]),
        ("2025年2—11月累计装机。", [("2025年2—11月", "2025-02/2025-11")]),
        ("2025年2月至11月累计装机。", [("2025年2月至11月", "2025-02/2025-11")]),
        ("2024财年营收增长。", [("2024财年", "2024")]),
        ("2025年第二季度出货回升。", [("2025年第二季度", "2025-04/2025-06")]),
        ("2025年上半年出货回升。", [("2025年上半年", "2025-01/2025-06")]),
        ("2025年前三季度出货回升。", [("2025年前三季度", "2025-01/2025-09")]),
        ("2025年前8个月出货回升。", [("2025年前8个月", "2025-01/2025-08")]),
        ("规划期为2026-2030年。", [("2026-2030年", "2026/2030")]),
    ],
)
def test_periods_chinese_forms(text, expected):
    assert found(text, "zh") == expected


def test_periods_spans_are_exact_and_sorted():
    text = "Revenue hit $3bn in Q3 2025, up from $2bn in 2024; by 2030 it may double."
    periods = find_periods(text)
    assert [(p.start, p.end) for p in periods] == [(20, 27), (45, 49), (51, 58)]
    assert [text[p.start:p.end] for p in periods] == [p.raw for p in periods]
    zh = "截至2025年9月底,累计装机达到2亿千瓦。"
    (p,) = find_periods(zh)
    assert (p.raw, p.start, p.end, p.iso) == ("2025年9月底", 2, 10, "2025-09")


def test_periods_yearless_forms_take_the_year_of_context_or_publication():
    # The year written earlier in the same text wins over the publication year.
    assert found("Rents were $3.10 in October 2024, against $3.40 in May.", "en", PUB) == [
        ("October 2024", "2024-10"), ("May", "2024-05")]
    assert found("2024年1-6月回落,9月回升。", "zh", PUB) == [("2024年1-6月", "2024-01/2024-06"), ("9月", "2024-09")]
    assert found("9月新增装机回升。", "zh", PUB) == [("9月", "2025-09")]
    assert found("2—11月累计装机。", "zh", PUB) == [("2—11月", "2025-02/2025-11")]
    assert found("三季度出货回升,上半年偏弱。", "zh", PUB) == [
        ("三季度", "2025-07/2025-09"), ("上半年", "2025-01/2025-06")]
    # Without any year to lean on, a yearless month is not a period.
    assert found("9月新增装机回升。", "zh") == []


def test_periods_yearless_month_after_publication_month_is_last_year():
    # A report published in February that speaks of "December" means the December just past.
    assert found("12月新增装机回升。", "zh", date(2026, 2, 5)) == [("12月", "2025-12")]


def test_periods_end_of_month_is_the_month():
    (p,) = find_periods("The operator ran 41 sites at the end of June 2025.", "en")
    assert (p.raw, p.iso, p.forecast_cue) == ("end of June 2025", "2025-06", False)


@pytest.mark.parametrize(
    "text, lang, raw, iso",
    [
        ("Capacity should triple by 2035.", "en", "by 2035", "2035"),
        ("Prices should settle by the end of 2028.", "en", "by the end of 2028", "2028"),
        ("预计到2035年,装机将翻番。", "zh", "2035年", "2035"),
        ("力争2035年前实现翻番。", "zh", "2035年前", "2035"),
        ("预计到2028年底价格企稳。", "zh", "2028年底", "2028"),
    ],
)
def test_periods_targets_carry_a_forecast_cue(text, lang, raw, iso):
    (p,) = find_periods(text, lang, PUB)
    assert (p.raw, p.iso, p.forecast_cue) == (raw, iso, True)


def test_periods_end_of_a_past_year_is_no_target():
    (p,) = find_periods("The fleet had 90 units at the end of 2024.", "en", PUB)
    assert (p.raw, p.iso, p.forecast_cue) == ("end of 2024", "2024", False)
    (p,) = find_periods("截至2024年底,累计装机2亿千瓦。", "zh", PUB)
    assert (p.iso, p.forecast_cue) == ("2024", False)


def test_periods_as_of_a_date_is_no_target_even_without_a_publication_date():
    (p,) = find_periods("截至2025年底,累计装机超过8亿千瓦。", "zh", None)
    assert (p.iso, p.forecast_cue) == ("2025", False)
    (p,) = find_periods("As of the end of 2025, capacity was 800 GW.", "en", None)
    assert (p.iso, p.forecast_cue) == ("2025", False)
    (p,) = find_periods("到2027年底,装机将超过10亿千瓦。", "zh", None)
    assert p.forecast_cue


def test_periods_relative_forms_resolve_against_publication():
    text = "Sales fell last year, rose this year, and should grow next year; last month and this quarter too."
    assert [p.iso for p in find_periods(text, "en", PUB)] == ["2024", "2025", "2026", "2025-10", "2025-10/2025-12"]
    assert [p.iso for p in find_periods("去年回落,今年回升,明年放缓,上月持平。", "zh", PUB)] == [
        "2024", "2025", "2026", "2025-10"]
    assert found("今年上半年出货回升。", "zh", PUB) == [("今年上半年", "2025-01/2025-06")]


def test_periods_relative_forms_need_a_publication_date():
    assert find_periods("Sales fell last year and this quarter.", "en") == []
    assert find_periods("去年回落,今年上半年回升。", "zh") == []


def test_periods_a_year_earlier_moves_the_preceding_period_back():
    assert found("Rents were $3.10 in October 2025, up from $2.60 a year earlier.", "en") == [
        ("October 2025", "2025-10"), ("a year earlier", "2024-10")]
    assert found("2025年1-6月装机同比增长,去年同期为3000万千瓦。", "zh") == [
        ("2025年1-6月", "2025-01/2025-06"), ("去年同期", "2024-01/2024-06")]


@pytest.mark.parametrize(
    "text",
    [
        "Revenue grew 12% year over year and 3% year-on-year.",
        "装机量同比增长12%,环比增长3%。",
        "The plant adds 2000 MW, 2030 GW and 1990 tokens.",
        "A cluster of 2048 GPUs cost $2030 a month.",
        "Headcount rose by 2000 to more than 2100.",
        "Section 4.2 on page 17 cites reference [12].",
        "该结论见第3章第2节[4]。",
        "新增装机2030万千瓦。",
        "Prices may fall. May prices fall further?",
        "H2 production costs fell; the H100 and H20 sold well.",
    ],
)
def test_periods_not_periods(text):
    assert find_periods(text, published=PUB) == []


def test_periods_language_is_detected():
    assert found("2025年8月组件价格回落。") == [("2025年8月", "2025-08")]
    assert found("Prices peaked in August 2025.") == [("August 2025", "2025-08")]


def test_periods_best_period_picks_the_nearest_in_the_clause():
    text = "Sales reached $5m in March 2025, compared with $4m in January."
    periods = find_periods(text)
    assert best_period(periods, text.index("$5m"), text).iso == "2025-03"
    assert best_period(periods, text.index("$4m"), text).iso == "2025-01"
    text = "In 2023 output was 10 GW; in 2024 it was 20 GW."
    periods = find_periods(text)
    assert best_period(periods, text.index("10 GW"), text).iso == "2023"
    assert best_period(periods, text.index("20 GW"), text).iso == "2024"


def test_periods_best_period_skips_periods_that_belong_to_another_number():
    text = "In 2025 revenue rose to $9bn from $7bn in 2024."
    periods = find_periods(text)
    assert best_period(periods, text.index("$9bn"), text).iso == "2025"
    assert best_period(periods, text.index("$7bn"), text).iso == "2024"


def test_periods_best_period_takes_the_period_right_after_the_figure():
    text = "Its share fell to 18% in February 2026 from 34% a year earlier."
    periods = find_periods(text)
    assert best_period(periods, text.index("18%"), text, text.index("18%") + 3).iso == "2026-02"
    assert best_period(periods, text.index("34%"), text, text.index("34%") + 3).iso == "2025-02"


def test_periods_best_period_avoids_comparison_bases():
    text = "2025年1-6月,新增装机3000万千瓦,较去年同期增长8%。"
    periods = find_periods(text)
    assert best_period(periods, text.index("3000"), text).iso == "2025-01/2025-06"
    assert best_period(periods, text.index("8%"), text).iso == "2025-01/2025-06"


def test_periods_best_period_prefers_the_more_specific_on_a_tie():
    year = Period(raw="2025", start=0, end=4, iso="2025")
    month = Period(raw="March 2025", start=10, end=20, iso="2025-03")
    assert best_period([year, month], 7) == month
    assert best_period([], 7) is None


def test_periods_iso_bounds():
    assert iso_bounds("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert iso_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert iso_bounds("2025-07/2025-09") == (date(2025, 7, 1), date(2025, 9, 30))
    assert iso_bounds("2026-02-01/2026-03-01") == (date(2026, 2, 1), date(2026, 3, 1))
