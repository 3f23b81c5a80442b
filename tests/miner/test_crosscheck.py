"""Cross-checks on hand-built claims: implied intervals and their rounding edges, grouping into
facts, and each arithmetic check within and across documents. The encoder is a deterministic
bag-of-words hash, so grouping by metric is tested without loading a model."""
from __future__ import annotations

import math
import re
import zlib
from datetime import date

import numpy as np
import pytest

from miner.crosscheck import (
    Fact, agree, agreement, arithmetic, conflicts, crosscheck, derived_shares, group_facts, interval, is_change,
    periods_match,
)
from miner.model import Claim


def encode(texts: list[str]) -> np.ndarray:
    """Words (or CJK characters) hashed into 256 buckets, L2-normalised."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for token in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", text.lower()):
            out[row, zlib.crc32(token.encode()) % 256] += 1
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


_counter = iter(range(10**6))


def claim(raw: str, value: float, unit: str, *, quote: str | None = None, after: int = 0, doc: str = "d1",
          passage: int | None = None, precision: float | None = None, **fields) -> Claim:
    """A claim whose figure `raw` is found in `quote` (after offset `after`); the passage index
    defaults to a fresh one, so that claims built separately are separate sentences."""
    quote = quote or raw
    start = quote.index(raw, after)
    return Claim(
        id=f"c{next(_counter)}", document_id=doc, source=fields.pop("source", f"{doc}.md"), quote=quote,
        raw=raw, value=value, unit=unit, precision=precision, start=start, end=start + len(raw),
        passage=next(_counter) if passage is None else passage, **fields,
    )


def pct(raw: str, value: float, precision: float = 0.5, **fields) -> Claim:
    return claim(raw, value, "%", precision=precision, **fields)


# -- intervals ---------------------------------------------------------------------------------

def test_crosscheck_interval_is_half_a_step_either_side_half_open():
    span = interval(pct("61%", 61))
    assert (span.low, span.high) == (60.5, 61.5)
    assert span.contains(60.5) and span.contains(61.49) and not span.contains(61.5)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (pct("61%", 61), pct("61.4%", 61.4, 0.05), True),
        # 61.5 rounds to 62: the coarse figure must be a rounding of the fine one.
        (pct("61%", 61), pct("61.5%", 61.5, 0.05), False),
        (pct("61%", 61), pct("60.5%", 60.5, 0.05), True),
        (pct("61%", 61), pct("62%", 62), False),
        (claim("$2.10", 2.10, "USD/h", precision=0.005), claim("$2.104", 2.104, "USD/h", precision=0.0005), True),
        (claim("$2.10", 2.10, "USD/h", precision=0.005), claim("$2.106", 2.106, "USD/h", precision=0.0005), False),
        (pct("四成", 40, 5.0), pct("44%", 44), True),
        (pct("四成", 40, 5.0), pct("46%", 46), False),
        (pct("about 30%", 30, approximate=True), pct("31.4%", 31.4, 0.05), True),
        (pct("30%", 30), pct("31.4%", 31.4, 0.05), False),
        (pct("about 30%", 30, approximate=True), pct("40%", 40), False),
        (claim("2.6亿千瓦", 2.6e8, "kW", precision=5e6, bound="at_least"),
         claim("2.7亿千瓦", 2.7e8, "kW", precision=5e6), True),
        (claim("2.6亿千瓦", 2.6e8, "kW", precision=5e6, bound="at_least"),
         claim("2.5亿千瓦", 2.5e8, "kW", precision=5e6), False),
        (pct("30–40%", 35, range=(30.0, 40.0)), pct("35%", 35), True),
        (pct("30–40%", 35, range=(30.0, 40.0)), pct("42%", 42), False),
        # Whole multiples are not ±0.5: "about twice" is not 1.6 times.
        (claim("约2倍", 2, "x", precision=0.5, approximate=True), claim("1.6 times", 1.6, "x", precision=0.05), False),
        (claim("12 times", 12, "x", precision=0.5), claim("12.4 times", 12.4, "x", precision=0.05), True),
    ],
    ids=["61-61.4", "61-61.5", "61-60.5", "61-62", "2.10-2.104", "2.10-2.106", "四成-44", "四成-46",
         "about30-31.4", "30-31.4", "about30-40", "over2.6-2.7", "over2.6-2.5", "range-35", "range-42",
         "2x-1.6x", "12x-12.4x"],
)
def test_crosscheck_agree_at_stated_precision(a, b, expected):
    assert agree(a, b) is expected
    assert agree(b, a) is expected


def test_crosscheck_interval_of_an_approximate_figure_widens_by_five_percent():
    span = interval(pct("about 30%", 30, approximate=True))
    assert math.isclose(span.low, 28.0) and math.isclose(span.high, 32.0)
    assert interval(pct("about 30%", 30, approximate=True), widen=False).high == 30.5


# -- facts -------------------------------------------------------------------------------------

def test_crosscheck_groups_by_meaning_of_metric_not_exact_words():
    a = pct("31%", 31, entity="CoreWeave", metric="share of rented GPU hours", period="2026-09", doc="a")
    b = pct("31%", 31, entity="CoreWeave", metric="share of GPU hours", period="2026-09", doc="b")
    c = pct("35%", 35, entity="CoreWeave", metric="overseas revenue", period="2026-09", doc="c")
    facts = group_facts([a, b, c], encode)
    assert [[x.id for x in f.claims] for f in facts] == [[a.id, b.id], [c.id]]


@pytest.mark.parametrize(
    "other",
    [
        dict(entity="Lambda"),
        dict(unit="pp"),
        dict(kind="forecast"),
        dict(period="2026-09"),
    ],
    ids=["entity", "unit", "kind", "period"],
)
def test_crosscheck_separate_facts_for_another_subject_unit_kind_or_period(other):
    base = dict(entity="CoreWeave", metric="share of GPU hours", period="2026-06", kind="reported")
    a = claim("31%", 31, "%", precision=0.5, doc="a", **base)
    fields = base | other
    b = claim("31%", 31, fields.pop("unit", "%"), precision=0.5, doc="b", **fields)
    assert len(group_facts([a, b], encode)) == 2


def test_crosscheck_periods_match_when_nearly_the_same():
    assert periods_match("2026-02", "2026-02-01/2026-03-01")
    assert periods_match("2026-02", None)
    assert not periods_match("2026-06", "2026-09")
    assert not periods_match("2026", "2026-02")


def test_crosscheck_two_figures_in_one_sentence_are_never_one_fact():
    quote = "Distributed solar was 76 GW of the 190 GW of new capacity."
    a = claim("76 GW", 7.6e7, "kW", quote=quote, passage=3, entity="China", metric="capacity", precision=5e5)
    b = claim("190 GW", 1.9e8, "kW", quote=quote, passage=3, entity="China", metric="capacity", precision=5e5)
    assert len(group_facts([a, b], encode)) == 2


def test_crosscheck_a_change_is_not_the_same_fact_as_a_level():
    level = pct("12%", 12, quote="Its share was 12% in 2026.", entity="Lambda", metric="share", doc="a")
    change = pct("12%", 12, quote="Its share grew 12% in 2026.", entity="Lambda", metric="share", doc="b")
    assert is_change(change) and not is_change(level)
    assert len(group_facts([level, change], encode)) == 2


@pytest.mark.parametrize(
    "quote, raw, expected",
    [
        ("Prices fell to $2.10, a 26% decline in one quarter.", "26%", True),
        ("装机容量同比增长12%。", "12%", True),
        ("Chinese models took 61%, up from 53% in January and 47% in December.", "53%", False),
        ("Chinese models took 61%, up from 53% in January and 47% in December.", "47%", False),
        ("占比约61%，较1月的53%提高8个百分点。", "53%", False),
        ("Electricity makes up about 30% of operating cost.", "30%", False),
        ("The three largest families fell to a combined 35%.", "35%", False),
    ],
)
def test_crosscheck_is_change(quote, raw, expected):
    assert is_change(pct(raw, float(re.sub(r"\D", "", raw)), quote=quote)) is expected


def test_crosscheck_agreement_detail_names_values_and_sources():
    same = dict(entity="Chinese models", metric="share of tokens", period="2026-02")
    a = pct("61%", 61, doc="a", source="tracker.md", **same)
    b = pct("约61%", 61, doc="b", source="brief.pdf", approximate=True, page=2, **same)
    c = pct("53%", 53, doc="c", source="wire.html", **same)
    ok = agreement(Fact([a, b]))
    assert ok.status == "consistent" and ok.kind == "agreement"
    assert "61% (tracker.md)" in ok.detail and "约61% (brief.pdf, p. 2)" in ok.detail
    bad = agreement(Fact([a, b, c]))
    assert bad.status == "conflict" and "53% (wire.html)" in bad.detail
    assert bad.values == (61, 61, 53) and bad.claim_ids == (a.id, b.id, c.id) and bad.unit == "%"


def test_crosscheck_one_source_repeating_itself_is_not_agreement():
    text = pct("61%", 61, doc="a", passage=1)
    table = pct("61%", 61, doc="a", passage=9)
    assert agreement(Fact([text, table])) is None


# -- arithmetic within a document ----------------------------------------------------------------

def sentence(quote: str, figures: list[tuple[str, float, str, float]], **fields) -> list[Claim]:
    """The claims of one sentence: (raw, value, unit, precision) each, in order."""
    passage = next(_counter)
    out, after = [], 0
    for raw, value, unit, precision in figures:
        c = claim(raw, value, unit, quote=quote, after=after, passage=passage, precision=precision, **fields)
        out.append(c)
        after = c.end
    return out


def only(checks, kind="arithmetic"):
    found = [c for c in checks if c.kind == kind]
    assert len(found) == 1, found
    return found[0]


def test_crosscheck_share_matches_part_over_total():
    claims = sentence(
        "Chinese labs handled 5.3 trillion of the 8.7 trillion tokens, a 61% share.",
        [("5.3 trillion", 5.3e12, "tokens", 5e10), ("8.7 trillion tokens", 8.7e12, "tokens", 5e10),
         ("61%", 61, "%", 0.5)],
        source="tracker.md",
    )
    check = only(arithmetic(claims))
    assert check.status == "consistent"
    assert check.claim_ids == (claims[2].id, claims[0].id, claims[1].id)
    assert check.values[0] == 61 and round(check.values[1], 1) == 60.9
    assert "61% (tracker.md)" in check.detail and "5.3 trillion" in check.detail and "60.9%" in check.detail


def test_crosscheck_share_that_contradicts_its_own_part_and_total():
    claims = sentence(
        "New capacity reached 190 GW, of which distributed solar accounted for 76 GW, a 50% share.",
        [("190 GW", 1.9e8, "kW", 5e5), ("76 GW", 7.6e7, "kW", 5e5), ("50%", 50, "%", 0.5)],
        source="tracker.txt",
    )
    check = only(arithmetic(claims))
    assert check.status == "conflict"
    assert "50% (tracker.txt) does not match 76 GW" in check.detail and "= 40%" in check.detail
    assert conflicts(claims, encode) == [check]


def test_crosscheck_multiple_matches_two_prices():
    claims = sentence(
        "US frontier models list at $7.50 per million output tokens against $0.60 for Chinese flagships, "
        "12.5 times as much.",
        [("$7.50", 7.5e-6, "USD/token", 5e-9), ("$0.60", 6e-7, "USD/token", 5e-9), ("12.5 times", 12.5, "x", 0.05)],
    )
    check = only(arithmetic(claims))
    assert check.status == "consistent" and "= 12.5x" in check.detail


def test_crosscheck_multiple_against_prices_in_the_sentence_before():
    prices = sentence(
        "美国电价约为每千瓦时0.08美元，中国西部约为每千瓦时0.049美元。",
        [("每千瓦时0.08美元", 0.08, "USD/kWh", 0.005), ("每千瓦时0.049美元", 0.049, "USD/kWh", 0.0005)],
        approximate=True, entity="United States", language="zh",
    )
    stated = sentence("据此测算，美国电价约为中国的2倍。", [("2倍", 2, "x", 0.5)], approximate=True,
                      entity="United States", language="zh")
    check = only(arithmetic(prices + stated))
    assert check.status == "conflict"
    assert check.claim_ids[0] == stated[0].id and "= 1.63x" in check.detail


def test_crosscheck_multiple_is_not_read_against_unrelated_amounts_elsewhere():
    growth = sentence("Revenue reached $5bn in 2025, 2.5 times its 2023 level.",
                      [("$5bn", 5e9, "USD", 5e8), ("2.5 times", 2.5, "x", 0.05)], entity="Zhipu AI")
    funding = sentence("Zhipu AI raised $300 million in 2025.", [("$300 million", 3e8, "USD", 5e7)], entity="Zhipu AI")
    assert arithmetic(growth + funding) == []


def test_crosscheck_ambiguous_derivations_confirm_but_never_accuse():
    prices = sentence(
        "Input costs $0.15 and $2.50, output costs $0.60 and $7.50.",
        [("$0.15", 1.5e-7, "USD/token", 5e-9), ("$2.50", 2.5e-6, "USD/token", 5e-9),
         ("$0.60", 6e-7, "USD/token", 5e-9), ("$7.50", 7.5e-6, "USD/token", 5e-9)],
        entity="United States",
    )
    us = dict(entity="United States")
    right = sentence("US output tokens cost 12.5 times as much.", [("12.5 times", 12.5, "x", 0.05)], **us)
    wrong = sentence("US output tokens cost 9 times as much.", [("9 times", 9, "x", 0.5)], **us)
    assert only(arithmetic(prices + right)).status == "consistent"
    assert arithmetic(prices + wrong) == []


def test_crosscheck_change_matches_two_levels():
    claims = sentence(
        "The price fell to $2.10 in September, down from $2.85 in June, a 26% decline.",
        [("$2.10", 2.10, "USD/h", 0.005), ("$2.85", 2.85, "USD/h", 0.005), ("26%", 26, "%", 0.5)],
    )
    check = only(arithmetic(claims))
    assert check.status == "consistent"
    assert "the change from $2.85 to $2.10 = 26.3%" in check.detail


def test_crosscheck_change_that_the_levels_do_not_support():
    claims = sentence(
        "The price fell to $2.10 in September, down 30% from $2.85 in June.",
        [("$2.10", 2.10, "USD/h", 0.005), ("30%", 30, "%", 0.5), ("$2.85", 2.85, "USD/h", 0.005)],
    )
    assert only(arithmetic(claims)).status == "conflict"


def test_crosscheck_percentage_points_against_two_shares():
    claims = sentence(
        "中国模型占比约61%，较1月的53%提高8个百分点。",
        [("61%", 61, "%", 0.5), ("53%", 53, "%", 0.5), ("8个百分点", 8, "pp", 0.5)],
        language="zh",
    )
    check = only(arithmetic(claims))
    assert check.status == "consistent" and "61% − 53% = 8 pp" in check.detail


def test_crosscheck_a_figure_given_for_comparison_is_not_checked_as_the_share():
    claims = sentence(
        "总调用量为8.7万亿Token，其中中国模型5.3万亿Token，占比约61%，较1月的53%提高。",
        [("8.7万亿Token", 8.7e12, "tokens", 5e10), ("5.3万亿Token", 5.3e12, "tokens", 5e10),
         ("61%", 61, "%", 0.5), ("53%", 53, "%", 0.5)],
        language="zh",
    )
    assert [c.values[0] for c in arithmetic(claims)] == [61]


# -- arithmetic across documents -----------------------------------------------------------------

def cross_doc_case(stated_value: float, *, entity="Chinese models", period="2026-02"):
    parts = sentence(
        "Chinese models handled 5.3 trillion of the 8.7 trillion tokens routed in February 2026.",
        [("5.3 trillion", 5.3e12, "tokens", 5e10), ("8.7 trillion tokens", 8.7e12, "tokens", 5e10)],
        doc="b", source="tracker.md", entity="Chinese models", period="2026-02", published=date(2026, 3, 4),
    )
    share = pct(f"{stated_value:g}%", stated_value, doc="a", source="wire.html", entity=entity, period=period,
                quote=f"Chinese models took {stated_value:g}% of the tokens in February 2026.")
    return parts, share


def test_crosscheck_share_in_one_report_against_part_and_total_in_another():
    parts, share = cross_doc_case(61)
    check = only(derived_shares(parts + [share]))
    assert check.status == "consistent"
    assert check.claim_ids == (share.id, parts[0].id, parts[1].id)
    assert "61% (wire.html) matches 5.3 trillion" in check.detail and "(tracker.md) = 60.9%" in check.detail
    assert check in crosscheck(parts + [share], encode)


def test_crosscheck_cross_document_share_conflict():
    parts, share = cross_doc_case(50)
    check = only(derived_shares(parts + [share]))
    assert check.status == "conflict" and check in conflicts(parts + [share], encode)


@pytest.mark.parametrize("other", [dict(entity="OpenRouter"), dict(period="2026-01")], ids=["entity", "period"])
def test_crosscheck_cross_document_share_needs_the_same_subject_and_period(other):
    parts, share = cross_doc_case(50, **other)
    assert derived_shares(parts + [share]) == []
