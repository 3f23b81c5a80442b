"""Reading English numbers: digits and words, scales, fractions, decimals in words."""
import pytest

from miner.numbers import normalize
from miner.numwords import english_numbers


def read(text: str):
    return [(text[n.start:n.end], n.value) for n in english_numbers(normalize(text))]


@pytest.mark.parametrize("text, written, value", [
    ("seventeen", "seventeen", 17),
    ("about forty-four", "forty-four", 44),
    ("sixty  eight", "sixty  eight", 68),
    ("one hundred and five", "one hundred and five", 105),
    ("nine hundred and ninety-nine", "nine hundred and ninety-nine", 999),
    ("four hundred and six thousand", "four hundred and six thousand", 406_000),
    ("three thousand and four hundred", "three thousand and four hundred", 3400),
    ("eleven billion two hundred", "eleven billion two hundred", 11_000_000_200),
    ("a hundred and nine", "a hundred and nine", 109),
    ("hundred thousand units", "hundred thousand", 100_000),
    ("7 hundred and 45", "7 hundred and 45", 745),
    ("12 thousand 8 hundred", "12 thousand 8 hundred", 12_800),
    ("41 hundred", "41 hundred", 4100),
    ("1.5 million", "1.5 million", 1_500_000),
    ("three billion", "three billion", 3e9),
    ("8.7 trillion", "8.7 trillion", 8.7e12),
    ("four lakh crore", "four lakh crore", 4e12),
    ("a dozen", "a dozen", 12),
    ("five dozen", "five dozen", 60),
    ("two hundred and three dozens", "two hundred and three dozens", 236),
    ("six point zero five", "six point zero five", 6.05),
    ("nought point eighty-two", "nought point eighty-two", 0.82),
    ("minus four point five", "minus four point five", -4.5),
])
def test_cardinals(text, written, value):
    assert read(text) == [(written, pytest.approx(value))]


@pytest.mark.parametrize("text, value", [
    ("two and a half", 2.5),
    ("a third", 1 / 3),
    ("three quarters", 0.75),
    ("seven eighths", 0.875),
    ("one-sixth", 1 / 6),
    ("a hundredth", 0.01),
    ("a thirty-first", 1 / 31),
    ("four twenty-firsts", 4 / 21),
    ("thirty fifths", 6),  # thirty over five
    ("two hundred forty sixths", 200 / 46),  # "forty sixth" is one ordinal
    ("two hundred and forty sixths", 40),  # "and" binds forty to two hundred: 240 / 6
    ("two hundred and three eighths", 200.375),  # a proper fraction is added
    ("five and two sevenths", 5 + 2 / 7),
    ("four million and a half", 4_500_000),
    ("seven and a quarter million", 7_250_000),
    ("two billion and a half million", 2_000_500_000),
    ("half a million", 500_000),
    ("quarter million", 250_000),
    ("three fifths of a billion", 6e8),
    ("half a dozen", 6),
    ("one over four", 0.25),
    ("3 over twelve", 0.25),
])
def test_fractions(text, value):
    [(written, got)] = read(text)
    assert written == text and got == pytest.approx(value)


def test_separate_numbers_stay_separate():
    assert read("one, two and three") == [("one", 1), ("two", 2), ("three", 3)]
    assert read("5 hundred and 6 hundred") == [("5 hundred", 500), ("6 hundred", 600)]
    assert read("7 thousand and 0") == [("7 thousand", 7000), ("0", 0)]
    assert read("forty six and fifty two") == [("forty six", 46), ("fifty two", 52)]


@pytest.mark.parametrize("text", ["which one fits", "the one on the left", "one of the largest", "a one-off charge",
                                  "a first look", "a previous version", "the third largest", "ten millionth visitor"])
def test_words_that_are_not_numbers(text):
    assert all(written not in ("one", "a", "third", "first") for written, _ in read(text))
    assert ("ten millionth", pytest.approx(1e-5)) not in read(text)


def test_signs():
    assert read("fell to -7.5 then") == [("-7.5", -7.5)]
    assert read("GPT-4 and 2019-20") == [("4", 4), ("2019", 2019), ("20", 20)]
    assert read("paid $-12") == [("-12", -12)]


def test_glued_letters_are_kept_for_quantities_to_judge():
    assert read("H20 and 7nm") == [("20", 20), ("7", 7)]
