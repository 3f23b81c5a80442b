"""text → Quantity: canonical units, qualifiers, ranges, precision, and what is not a quantity."""
import pytest

from miner.quantities import find_quantities


def read(text: str, lang: str | None = None):
    found = find_quantities(text, lang)
    for q in found:
        assert text[q.start:q.end] == q.raw
    return [(q.raw, pytest.approx(q.value), q.unit) for q in found]


def one(text: str, lang: str | None = None):
    [q] = find_quantities(text, lang)
    return q


@pytest.mark.parametrize("text, raw, value, unit", [
    # shares and percentage points
    ("Its share rose to 47%.", "47%", 47, "%"),
    ("a margin of 18.5 per cent", "18.5 per cent", 18.5, "%"),
    ("nineteen percent of users", "nineteen percent", 19, "%"),
    ("占比为百分之四十七。", "百分之四十七", 47, "%"),
    ("渗透率为百分之3.5。", "百分之3.5", 3.5, "%"),
    ("不良率为千分之二。", "千分之二", 0.2, "%"),
    ("海外收入占六成。", "六成", 60, "%"),
    ("市场份额约为两成五。", "两成五", 25, "%"),
    ("会员价打八五折。", "八五折", 85, "%"),
    ("促销价为七折。", "七折", 70, "%"),
    ("Gross margin fell 4 percentage points.", "4 percentage points", 4, "pp"),
    ("spreads widened 75 bps", "75 bps", 0.75, "pp"),
    ("毛利率提升了2.5个百分点。", "2.5个百分点", 2.5, "pp"),
    # money
    ("It raised $250 million.", "$250 million", 2.5e8, "USD"),
    ("capex of US$1.2bn", "US$1.2bn", 1.2e9, "USD"),
    ("a fine of €40m", "€40m", 4e7, "EUR"),
    ("sales of RMB 3.4 billion", "RMB 3.4 billion", 3.4e9, "CNY"),
    ("worth 15 billion yen", "15 billion yen", 1.5e10, "JPY"),
    ("本轮融资8亿美元。", "8亿美元", 8e8, "USD"),
    ("营收为2,356.7亿元。", "2,356.7亿元", 2.3567e11, "CNY"),
    ("估值为港元120亿。", "港元120亿", 1.2e10, "HKD"),
    # prices: the denominator in its canonical unit, without scale
    ("power at $0.065 per kWh", "$0.065 per kWh", 0.065, "USD/kWh"),
    ("power at $65/MWh", "$65/MWh", 0.065, "USD/kWh"),
    ("GPUs at $1.85 an hour", "$1.85 an hour", 1.85, "USD/h"),
    ("$1.85 per GPU-hour", "$1.85 per GPU-hour", 1.85, "USD/h"),
    ("output at $2 per million tokens", "$2 per million tokens", 2e-6, "USD/token"),
    ("工业电价为每千瓦时0.45元。", "每千瓦时0.45元", 0.45, "CNY/kWh"),
    ("电价为0.45元/度。", "0.45元/度", 0.45, "CNY/kWh"),
    ("租金为每小时3.2美元。", "每小时3.2美元", 3.2, "USD/h"),
    # energy and power
    ("used 310 TWh last year", "310 TWh", 3.1e11, "kWh"),
    ("a 1.2 GW campus", "1.2 GW", 1.2e6, "kW"),
    ("a 250 megawatt site", "250 megawatt", 2.5e5, "kW"),
    ("年用电量为2300亿千瓦时。", "2300亿千瓦时", 2.3e11, "kWh"),
    ("新增装机2.3亿千瓦。", "2.3亿千瓦", 2.3e8, "kW"),
    ("新增风电装机5600万千瓦。", "5600万千瓦", 5.6e7, "kW"),
    ("规划容量为30吉瓦。", "30吉瓦", 3e7, "kW"),
    ("耗电约800万度。", "800万度", 8e6, "kWh"),
    # tokens, multiples, counts
    ("served 4.1 trillion tokens", "4.1 trillion tokens", 4.1e12, "tokens"),
    ("日均调用量达3.2万亿Token。", "3.2万亿Token", 3.2e12, "tokens"),
    ("日均调用量达3.2万亿个token。", "3.2万亿个token", 3.2e12, "tokens"),
    ("prices are 2.4 times higher", "2.4 times", 2.4, "x"),
    ("a 3x jump", "3x", 3, "x"),
    ("costs doubled, twice as high", "twice", 2, "x"),
    ("a fourfold rise", "fourfold", 4, "x"),
    ("a 5-fold rise", "5-fold", 5, "x"),
    ("价格是去年的2.5倍。", "2.5倍", 2.5, "x"),
    ("产能提升了两倍。", "两倍", 2, "x"),
    ("The lab hired 85 researchers.", "85", 85, ""),
    ("共有十二家企业。", "十二", 12, ""),
    # measurement units outside the contract keep their symbol
    ("a 1,200 km line", "1,200 km", 1200, "km"),
    ("80GB of memory", "80GB", 80, "GB"),
])
def test_units(text, raw, value, unit):
    assert read(text) == [(raw, value, unit)]


def test_full_width_and_negative_forms():
    assert read("增速为－３.５％。") == [("－３.５％", -3.5, "%")]
    assert read("净利润为负12亿元。") == [("负12亿元", -1.2e9, "CNY")]
    assert read("增速为负百分之四。") == [("负百分之四", -4, "%")]
    assert read("Net loss was (3,400) and ($12.50).") == [("(3,400)", -3400, ""), ("($12.50)", -12.5, "USD")]
    # a price per unit of power is per kW, the contract's power unit
    assert read("Modules cost $0.25 per watt.") == [("$0.25 per watt", 250, "USD/kW")]
    assert read("组件价格约0.7元/瓦。") == [("0.7元/瓦", 700, "CNY/kW")]
    assert read("capex of $1.2 million per MW") == [("$1.2 million per MW", 1200, "USD/kW")]
    [q] = find_quantities("prices between $0.08 and $0.10 per watt")
    assert (q.value, q.unit, q.range) == (pytest.approx(90), "USD/kW", (pytest.approx(80), pytest.approx(100)))
    # how long is not how much; a hyphen may join a number and its unit
    assert read("Microsoft signed a 20-year deal for a 500-MW plant.") == [("500-MW", 5e5, "kW")]
    assert one("Revenue passed $20 billion.").bound == "at_least"
    # a measure in brackets is an aside or a conversion, not a loss
    assert read("It lies 1,500,000 km (930,000 mi) away.") == [("1,500,000 km", 1.5e6, "km"), ("930,000 mi", 9.3e5, "mi")]
    assert read("It weighs 10kg (25lbs).") == [("10kg", 10, "kg"), ("25lbs", 25, "lb")]


@pytest.mark.parametrize("text, approximate, bound", [
    ("about 300 sites", True, None), ("roughly 300 sites", True, None), ("close to 300 sites", True, None),
    ("~300 sites", True, None), ("nearly 300 sites", True, None), ("some 300 sites", True, None),
    ("more than 300 sites", False, "at_least"), ("over 300 sites", False, "at_least"),
    ("at least 300 sites", False, "at_least"), ("in excess of 300 sites", False, "at_least"),
    ("up to 300 sites", False, "at_most"), ("fewer than 300 sites", False, "at_most"),
    ("no more than 300 sites", False, "at_most"), ("under 300 sites", False, "at_most"),
    ("约300家", True, None), ("大约300家", True, None), ("300家左右", True, None), ("近300家", True, None),
    ("超过300家", False, "at_least"), ("逾300家", False, "at_least"), ("300家以上", False, "at_least"),
    ("至少300家", False, "at_least"), ("不到300家", False, "at_most"), ("不足300家", False, "at_most"),
    ("最多300家", False, "at_most"), ("300家以下", False, "at_most"),
])
def test_qualifiers_are_flags_outside_the_span(text, approximate, bound):
    q = one(text)
    assert (q.raw, q.value, q.approximate, q.bound) == ("300", 300, approximate, bound)


def test_qualifiers_on_share_words_and_inside_numerals():
    q = one("约四成收入来自海外。")
    assert (q.raw, q.value, q.approximate) == ("四成", 40, True)
    q = one("用户超过三千多万。")
    assert (q.raw, q.value, q.bound) == ("三千多万", 3e7, "at_least")
    q = one("美国电价约为中国的1.5倍。")
    assert (q.raw, q.unit, q.approximate) == ("1.5倍", "x", True)


@pytest.mark.parametrize("text, raw, value, unit, low, high", [
    ("a 15–25% discount", "15–25%", 20, "%", 15, 25),
    ("a 15-25% discount", "15-25%", 20, "%", 15, 25),
    ("a 15%-25% discount", "15%-25%", 20, "%", 15, 25),
    ("between 15% and 25% of hours", "15% and 25%", 20, "%", 15, 25),
    ("15 to 25 per cent of staff", "15 to 25 per cent", 20, "%", 15, 25),
    ("a deal worth $2-4bn", "$2-4bn", 3e9, "USD", 2e9, 4e9),
    ("效率提升3至4倍。", "3至4倍", 3.5, "x", 3, 4),
    ("市场规模为2.5-3万亿。", "2.5-3万亿", 2.75e12, "", 2.5e12, 3e12),
    ("约有二三十家公司。", "二三十", 25, "", 20, 30),
])
def test_ranges(text, raw, value, unit, low, high):
    q = one(text)
    assert (q.raw, q.value, q.unit) == (raw, pytest.approx(value), unit)
    assert q.range == (pytest.approx(low), pytest.approx(high))


def test_a_change_is_not_a_range():
    assert read("margin rose from 12% to 18%") == [("12%", 12, "%"), ("18%", 18, "%")]


@pytest.mark.parametrize("text, precision", [
    ("61%", 0.5), ("8.7 trillion tokens", 5e10), ("$2.10", 0.005), ("四成", 5), ("三成五", 0.5),
    ("about 30%", 0.5), ("1,200 engineers", 0.5), ("三千五百万", 5e5), ("7600万千瓦", 5e3), ("415 TWh", 5e8),
    ("1.9亿", 5e6), ("百分之六十一", 0.5), ("8 GW", 5e5),
])
def test_precision_is_half_the_last_written_digit(text, precision):
    assert one(text).precision == pytest.approx(precision)


def test_fractions_are_shares_where_a_share_is_meant():
    assert read("close to a third of revenue") == [("a third", 100 / 3, "%")]
    assert read("more than half of all tokens") == [("half", 50, "%")]
    assert read("one in five firms") == [("one in five", 20, "%")]
    assert read("two out of three users") == [("two out of three", 200 / 3, "%")]
    assert read("3/4 of sales") == [("3/4", 75, "%")]
    assert read("三分之一的用户来自海外。") == [("三分之一", 100 / 3, "%")]
    assert read("一半以上的收入") == [("一半", 50, "%")]
    assert read("two thirds") == [("two thirds", 2 / 3, "")]
    assert read("a quarter of revenue") == [("a quarter", 25, "%")]
    assert read("the first half of 2026") == []
    assert read("a 9% fall in one quarter") == [("9%", 9, "%")]


@pytest.mark.parametrize("text", [
    "in 2026", "2026年", "March 2026", "on 2026-10-06", "on 12 March 2026", "on March 12, 2026", "FY2025", "Q3",
    "1H26", "the 1990s", "3月5日", "2025年3月", "第三季度", "三季度", "see [4]", "see [4][5]", "Section 4.2",
    "on page 17", "见第3章第2节", "p. 12", "Table 2", "Figure 3", "图3", "Version 3.8", "v2.1", "GPT-4", "H100",
    "A100 GPUs", "Qwen3", "Llama 3.1", "COVID-19", "call +1 415 555 0100", "call (415) 555-0100",
    "call 400-800-1234", "at 10:30", "at 3pm", "at 9 a.m.", "host 10.2.0.15", "release 1.2.3", "the 4th item",
    "第一名", "晚上8点", "https://example.com/a/2026/61%", "mail a12@b3.com", "(1) Overview", "一、概述",
    "the 5G network", "a 3D model", "5m", "in 2013-14", "the 2020-2030 plan", "Tier 1 cities",
])
def test_not_quantities(text):
    assert read(text) == []


def test_year_like_counts_are_counts():
    assert read("The company has 2000 employees.") == [("2000", 2000, "")]
    assert read("In 2025 revenue doubled.") == []


def test_language_selects_the_chinese_reader():
    assert read("四成", "en") == []
    assert read("四成", "zh") == [("四成", 40, "%")]
    assert read("share of 40% (四成)", "zh") == [("40%", 40, "%"), ("四成", 40, "%")]


def test_a_report_paragraph():
    text = ("In February 2026 Chinese models handled 5.3 trillion of the 8.7 trillion tokens [3], a 61% share, "
            "while H100 rentals averaged $2.10 an hour, about 1.5 times the 2024 price.")
    assert read(text) == [
        ("5.3 trillion", 5.3e12, ""), ("8.7 trillion tokens", 8.7e12, "tokens"), ("61%", 61, "%"),
        ("$2.10 an hour", 2.1, "USD/h"), ("1.5 times", 1.5, "x"),
    ]
    found = find_quantities(text)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_a_chinese_report_sentence():
    text = "2025年，中国数据中心用电量约为1500亿千瓦时，其中东部地区占六成以上，电价约为每千瓦时0.6元。"
    found = find_quantities(text)
    assert [(q.raw, q.value, q.unit, q.approximate, q.bound) for q in found] == [
        ("1500亿千瓦时", 1.5e11, "kWh", True, None),
        ("六成", 60, "%", False, "at_least"),
        ("每千瓦时0.6元", 0.6, "CNY/kWh", True, None),
    ]


def test_empty_and_numberless_text():
    assert find_quantities("") == []
    assert find_quantities("No figures here, only words.") == []
    assert find_quantities("这里没有数字。") == []
