"""Reading numbers: digits (via the English reader, which owns digit tokens) and Chinese numerals."""
import pytest

from miner.numbers import DIGIT_NUMBER, chinese_numbers, digit_value, normalize


def read_digits(text: str):
    m = DIGIT_NUMBER.search(normalize(text))
    return m.group(), digit_value(m)


def zh(text: str):
    return [(text[n.start:n.end], n.value) for n in chinese_numbers(normalize(text))]


def test_normalize_keeps_offsets():
    text = "份额为６１％，约１，２００家"
    out = normalize(text)
    assert out == "份额为61%,约1,200家" and len(out) == len(text)


@pytest.mark.parametrize("text, written, value, step", [
    ("grew to 1,200 sites", "1,200", 1200, 1),
    ("about 1,100.9 units", "1,100.9", 1100.9, 0.1),
    ("rate of 2.10", "2.10", 2.1, 0.01),
    ("a 4.800 figure", "4.800", 4.8, 0.001),
    ("only .25 left", ".25", 0.25, 0.01),
    ("some 12,34,567 rupees", "12,34,567", 1234567, 1),
    ("wrote 3.456,7 in Berlin", "3.456,7", 3456.7, 0.1),
    ("a 2.345.678 total", "2.345.678", 2345678, 1),
    ("roughly 2,5 in Paris", "2,5", 2.5, 0.1),
    ("about 40 000 people", "40 000", 40000, 1),
    ("signal 6.1e3", "6.1e3", 6100, 100),
    ("then 2.5x10^-3 after", "2.5x10^-3", 0.0025, 0.0001),
    ("cost 250k", "250k", 250000, 1000),
    ("cost 4.2bn", "4.2bn", 4.2e9, 1e8),
    ("cost 3 MM", "3 MM", 3e6, 1e6),
])
def test_digit_numbers(text, written, value, step):
    got, (v, s, _, fraction) = read_digits(text)
    assert got == written and v == pytest.approx(value) and s == pytest.approx(step) and not fraction


@pytest.mark.parametrize("text, value", [
    ("3/8 of it", 0.375), ("a 1 1/2 share", 1.5), ("⅓ cup", 1 / 3), ("2½ days", 2.5),
])
def test_digit_fractions(text, value):
    _, (v, step, _, fraction) = read_digits(text)
    assert v == pytest.approx(value) and fraction and step is None


def test_division_by_zero_is_not_a_number():
    assert digit_value(DIGIT_NUMBER.search("7/0")) is None


@pytest.mark.parametrize("text, value", [
    ("二", 2), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105), ("两百", 200),
    ("三千五百万", 35_000_000), ("一万三", 13_000), ("两千三百五", 2350), ("千三", 1300),
    ("四万万", 400_000_000), ("一万五千亿", 1.5e12), ("六万亿", 6e12), ("八十五兆零三亿", 85_000_300_000_000),
    ("九亿零七", 900_000_007), ("一千零十", 1010), ("零点七五", 0.75), ("三点五", 3.5), ("十二点零八", 12.08),
    ("两千万点二五", 20_000_000.25), ("壹佰贰拾叁", 123), ("玖仟零捌", 9008), ("負二十七", -27),
    ("5.3万亿", 5.3e12), ("1,100.9亿", 1.1009e11), ("1.9亿", 1.9e8), ("7600万", 7.6e7), ("3万2000", 32_000),
    ("6千零40万", 60_400_000), ("负12.5", -12.5), ("1000 万", 1e7), ("三 千 二 百", 3200), ("二十打", 240),
])
def test_chinese_numerals(text, value):
    assert zh(text) == [(text, pytest.approx(value))]


@pytest.mark.parametrize("text, value, bound, approximate", [
    ("三千多万", 3e7, "at_least", False), ("60余万", 6e5, "at_least", False), ("三十几亿", 3e9, None, True),
])
def test_chinese_numerals_with_more_or_some(text, value, bound, approximate):
    [n] = chinese_numbers(text)
    assert (n.value, n.bound, n.approximate) == (value, bound, approximate)


def test_chinese_approximate_range():
    [n] = chinese_numbers("三四百家")
    assert (n.value, n.range, n.approximate) == (350, (300, 400), True)


def test_chinese_step_is_the_place_of_the_last_written_digit():
    assert [n.step for n in chinese_numbers("三千五百万, 7600万, 1.9亿, 三点五")] == [1e6, 1e4, 1e7, 0.1]


@pytest.mark.parametrize("text", ["一切顺利", "四川省", "二〇二六", "九九", "万", "亿万", "两两对比", "收拾房间", "陆地",
                                  "百货商店", "千瓦", "兆瓦", "十分重要", "唯一的"])
def test_chinese_words_that_are_not_numbers(text):
    assert zh(text) == []


def test_two_is_not_a_decimal_digit():
    assert zh("两千点两") == [("两千", 2000), ("两", 2)]


def test_chinese_numerals_split_where_the_grammar_breaks():
    assert zh("三十千") == [("三十", 30)]
    assert zh("二百五，二百五") == [("二百五", 250), ("二百五", 250)]
