"""Cross-checks: do sources agree at their stated precision, and does a stated figure match the
one derived from others (a share against part / total, a multiple against two amounts, a change
against two levels)?

A stated figure stands for the interval its written precision and qualifiers imply: `61%` is
[60.5, 61.5); `about 30%` widens that by 5% of the value; `over 2.6亿千瓦` is [2.55e8, ∞); a range
is itself an interval. Two figures agree when their intervals meet, and when one is written more
finely the coarse one must be a rounding of it (61% and 61.4% agree, 61% and 61.5% do not). A
derived figure carries the interval its inputs' written precision implies (5.3 / 8.7 trillion →
[60.0%, 61.8%]) and is compared the same way.

Arithmetic runs within each document (the passage of the stated figure first, then its
neighbours) and across documents: a part and its total in one report give a share that other
reports' stated shares for the same subject and period must meet.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from miner.facets import conflict, facets
from miner.model import Check, Claim
from miner.periods import iso_bounds

Encode = Callable[[list[str]], np.ndarray]

APPROXIMATE_WIDENING = 0.05
# A multiple is read to at most ±5% of itself: writers give small ratios to a decimal place ("1.6
# times"), so "2倍" or "twice" claims about 2, not anything from 1.5 to 2.5; "12 times" keeps ±0.5.
MULTIPLE_PRECISION = 0.05
METRIC_SIMILARITY = 0.55
PERIOD_OVERLAP = 0.75
AMOUNT_UNITS_EXCLUDED = ("%", "x", "pp")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def contains(self, x: float) -> bool:
        # Half-open at the top, as rounding is: 61% is [60.5, 61.5) and 61.5 is not in it.
        return self.low <= x < self.high or self.low == x == self.high

    def meets(self, other: Interval) -> bool:
        if other.low == other.high:
            return self.contains(other.low)
        if self.low == self.high:
            return other.contains(self.low)
        return self.low < other.high and other.low < self.high


def interval(c: Claim, *, widen: bool = True) -> Interval:
    """The values a claim allows. `widen=False` keeps the written precision but drops "about":
    a figure derived from the writer's own numbers owes nothing to how rough those numbers are."""
    p = c.precision or 0.0
    if c.unit == "x":
        p = min(p, MULTIPLE_PRECISION * abs(c.value))
    low, high = c.range if c.range else (c.value, c.value)
    low, high = low - p, high + p
    if c.approximate and widen:
        spread = APPROXIMATE_WIDENING * abs(c.value)
        low, high = low - spread, high + spread
    if c.bound == "at_least":
        high = math.inf
    elif c.bound == "at_most":
        low = -math.inf
    return Interval(low, high)


def agree(a: Claim, b: Claim) -> bool:
    """Two statements agree when their intervals meet; and when one is written more finely than
    the other, the coarse one must be a rounding of it: 61% agrees with 61.4% (and 2.10 with
    2.104) but not with 61.5%, which rounds to 62%."""
    fine, coarse = sorted((a, b), key=lambda c: c.precision or 0.0)
    if (fine.precision or 0.0) < (coarse.precision or 0.0) and not (fine.range or fine.bound):
        return interval(coarse).contains(fine.value)
    return interval(a).meets(interval(b))


# -- facts -------------------------------------------------------------------------------------

@dataclass
class Fact:
    """Claims about the same entity, metric, unit, period and kind."""

    claims: list[Claim] = field(default_factory=list)

    @property
    def head(self) -> Claim:
        return self.claims[0]


def group_facts(claims: Sequence[Claim], encode: Encode) -> list[Fact]:
    """Greedy complete-link grouping: a claim joins a fact when it is compatible with every member
    and its metric means the same (cosine of the metric phrases' embeddings), so "share of rented
    GPU hours" and "份额" can meet."""
    if not claims:
        return []
    vectors = metric_vectors(claims, encode)
    facts: list[tuple[Fact, list[int]]] = []
    for i, c in enumerate(claims):
        for fact, members in facts:
            if all(compatible(c, claims[j]) and same_metric(c, claims[j], float(vectors[i] @ vectors[j]))
                   for j in members):
                fact.claims.append(c)
                members.append(i)
                break
        else:
            facts.append((Fact([c]), [i]))
    return [f for f, _ in facts]


def metric_vectors(claims: Sequence[Claim], encode: Encode) -> np.ndarray:
    return encode([c.metric or c.unit for c in claims])


def same_metric(a: Claim, b: Claim, similarity: float) -> bool:
    return a.metric == b.metric or similarity >= METRIC_SIMILARITY


def compatible(a: Claim, b: Claim) -> bool:
    """Could these two claims state the same fact, whatever their metric phrases say?"""
    if a.unit != b.unit or a.kind != b.kind or a.entity != b.entity:
        return False
    if conflict(facets(a.metric), facets(b.metric)):
        return False  # wind and solar, input and output: embeddings put their phrases close together
    if a.document_id == b.document_id and a.passage == b.passage and a.passage is not None:
        return False  # two figures in one sentence are two different things ("76 GW of 190 GW")
    return periods_match(a.period, b.period) and is_change(a) == is_change(b)


def periods_match(a: str | None, b: str | None) -> bool:
    """Same period, or nearly ("February 2026" and "the four weeks to 1 March 2026"); unknown matches."""
    if a is None or b is None or a == b:
        return True
    (a0, a1), (b0, b1) = iso_bounds(a), iso_bounds(b)
    shared = (min(a1, b1) - max(a0, b0)).days + 1
    return shared > 0 and shared / ((max(a1, b1) - min(a0, b0)).days + 1) >= PERIOD_OVERLAP


def agreement(fact: Fact) -> Check | None:
    """Compare what different sources (or places) say about one fact."""
    seen: dict[tuple[str | None, float], Claim] = {}
    for c in fact.claims:
        seen.setdefault((c.document_id, c.value), c)
    claims = list(seen.values())
    if len(claims) < 2:
        return None
    conflict = any(not agree(a, b) for a, b in combinations(claims, 2))
    head = fact.head
    subject = " ".join(x for x in (head.entity, head.metric) if x) or "this figure"
    when = f" ({head.period})" if head.period else ""
    listed = "; ".join(f"{describe(c)} ({where(c)})" for c in claims)
    verb = "disagree on" if conflict else "agree on"
    return Check(
        kind="agreement", status="conflict" if conflict else "consistent",
        detail=f"{len(claims)} statements {verb} {subject}{when}: {listed}.",
        claim_ids=tuple(c.id for c in claims), values=tuple(c.value for c in claims), unit=head.unit,
    )


# -- arithmetic --------------------------------------------------------------------------------

_CHANGE = re.compile(
    r"\b(down|(?<!make )(?<!makes )(?<!made )(?<!making )up|fell|fall\w*|rose|rise[sn]?|declin\w*|drop\w*|"
    r"increas\w*|decreas\w*|grew|grow\w*|gain\w*|"
    r"los[st]\w*|slid|slump\w*|jump\w*|climb\w*|plunge\w*|surge\w*|cut|higher|lower)\b|"
    r"下降|下跌|下滑|降低|减少|增长|上涨|上升|提高|增加|回落|提升|同比|环比",
    re.IGNORECASE,
)
# "较1月的53%", "比去年", "从40人": not the 比 of 占比, 比例, 同比, 环比.
_ZH_COMPARED = r"(较|相比|(?<![占同环对])比(?![例重率])|从)"
# A figure right after these is a level, not a change: "up from 53%", "较1月的53%", "fell to a
# combined 35%".
_LEVEL_BEFORE = re.compile(
    r"(\b(from|versus|vs\.?|compared (with|to)|against|than|to)(\s+[A-Za-z]+){0,2}\s*"
    r"|" + _ZH_COMPARED + r"[^，,；;。]{0,6}|(至|到|为|达到?)\s*约?)$",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:，；：。]")
_FROM = re.compile(
    r"(\b(from|versus|vs\.?|compared (with|to))(\s+[A-Za-z]+){0,2}\s*|" + _ZH_COMPARED + r"[^，,；;。]{0,6})$",
    re.IGNORECASE,
)
_PART_OF = re.compile(r"\bof\b|\bout of\b|其中|占|之中|中的", re.IGNORECASE)
# A sentence whose part refers back to a total named just before: "5.3 trillion of those tokens".
_ANAPHORA = re.compile(r"\bof (those|these|them|which|the total|this total|that total)\b|其中|这些|上述", re.IGNORECASE)
_FIRST_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# Words that tie a share to the quantity it is a share of ("61% of the tokens").
_QUANTITY_WORDS = {
    "tokens": re.compile(r"tokens?|词元", re.IGNORECASE),
    "kW": re.compile(r"capacity|\b[GMk]W\b|装机|千瓦(?!时)|容量", re.IGNORECASE),
    "kWh": re.compile(r"electricity|power use|consumption|\b[TGMk]Wh\b|用电|电量|千瓦时", re.IGNORECASE),
}
NEIGHBOURS = 2


def is_change(c: Claim) -> bool:
    """A figure that measures a change ("down 26%", "同比增长12%", "8个百分点"), not a level or share."""
    if c.unit == "pp":
        return True
    if c.unit != "%":
        return False
    if c.metric.startswith("change in") or c.metric.endswith(("变化", " change")):
        return True
    if _LEVEL_BEFORE.search(c.quote[max(0, c.start - 20):c.start]):
        return False
    return bool(_CHANGE.search(_own_words(c)))


def is_reference(c: Claim) -> bool:
    """A figure given for comparison ("up from 53%", "较1月的53%", "compared with $2.85")."""
    return bool(_FROM.search(c.quote[max(0, c.start - 20):c.start]))


def _own_words(c: Claim) -> str:
    """The words that belong to a figure: its clause, cut at the neighbouring numbers, so that in
    "up from 53% in January and 47% in December" the "up" belongs to 53%, not 47%."""
    start = max((m.end() for m in _CLAUSE.finditer(c.quote, 0, c.start)), default=0)
    start = max([start] + [m.end() for m in _DIGITS.finditer(c.quote, start, c.start)])
    end_clause = _CLAUSE.search(c.quote, c.end)
    end = end_clause.start() if end_clause else len(c.quote)
    after = _DIGITS.search(c.quote, c.end, end)
    return c.quote[start:after.start() if after else end]


@dataclass(frozen=True)
class Derivation:
    """A figure computed from stated ones, with the interval their written precision allows."""

    value: float
    span: Interval
    what: str
    inputs: tuple[Claim, ...]


def arithmetic(claims: Sequence[Claim]) -> list[Check]:
    """Within each document, every stated share, multiple and change checked against the
    derivation the text supports, looked for in its own passage first, then nearby.

    When a place offers several derivations (three prices, two of them a plausible pair) the
    statement is consistent if any of them matches, and nothing is said when none does: a
    conflict is reported only against an unambiguous derivation."""
    checks = []
    for doc in _by_document(claims).values():
        for stated in doc:
            # A figure given for comparison ("up from 53%") is about another period or thing.
            if stated.range or stated.bound or stated.unit not in AMOUNT_UNITS_EXCLUDED or is_reference(stated):
                continue
            for tier in _derivation_tiers(stated, doc):
                if not tier:
                    continue
                matching = [d for d in tier if interval(stated).meets(d.span)]
                if len(tier) == 1 or matching:
                    checks.append(_arithmetic_check(stated, (matching or tier)[0]))
                break
    return checks


def _by_document(claims: Sequence[Claim]) -> dict[str | None, list[Claim]]:
    docs: dict[str | None, list[Claim]] = defaultdict(list)
    for c in claims:
        docs[c.document_id].append(c)
    return docs


def _derivation_tiers(stated: Claim, doc: list[Claim]) -> list[list[Derivation]]:
    here = [c for c in doc if c.passage == stated.passage and c is not stated]
    if stated.unit == "x":
        amounts = [c for c in doc if c.unit and c.unit not in AMOUNT_UNITS_EXCLUDED and c.kind == stated.kind]
        mine = [c for c in amounts if c.passage == stated.passage]
        # Beyond its own sentence a multiple is read against prices only ("$0.05 per kWh, so a US
        # operator pays 1.6 times as much"), and far away only when the subject ties them.
        prices = [c for c in amounts if "/" in c.unit]
        subject = [c for c in prices if stated.entity and c.entity == stated.entity]
        return [_ratios(_pairs(mine, mine)), _ratios(_pairs([c for c in mine if "/" in c.unit], prices)),
                _ratios(_pairs(subject, prices))]
    if stated.unit == "pp":
        levels = [c for c in doc if c.unit == "%" and not is_change(c) and not c.range]
        before = [c for c in levels if c.passage is not None and stated.passage is not None
                  and 0 < stated.passage - c.passage <= NEIGHBOURS]
        return [_differences([c for c in levels if c.passage == stated.passage]), _differences(before)]
    if is_change(stated):
        levels = [c for c in here if c.unit not in AMOUNT_UNITS_EXCLUDED and c.value > 0]
        return [_changes(levels)]
    return _share_tiers(stated, doc, here)


def _pairs(firsts: list[Claim], seconds: list[Claim]) -> list[tuple[Claim, Claim]]:
    """Unordered pairs of different figures in the same unit, one from each list."""
    seen: set[frozenset[str]] = set()
    out = []
    for a in firsts:
        for b in seconds:
            key = frozenset((a.id, b.id))
            if a.id != b.id and a.unit == b.unit and a.value != b.value and key not in seen:
                seen.add(key)
                out.append((a, b))
    return out


def _ratios(pairs: list[tuple[Claim, Claim]]) -> list[Derivation]:
    out = []
    for a, b in pairs:
        small, large = sorted((a, b), key=lambda c: c.value)
        if small.value <= 0:
            continue
        s, l = interval(small, widen=False), interval(large, widen=False)
        out.append(Derivation(large.value / small.value, Interval(l.low / s.high, l.high / s.low),
                              f"{describe(large)} / {describe(small)}", (large, small)))
    return out


def _differences(levels: list[Claim]) -> list[Derivation]:
    out = []
    for a, b in combinations(levels, 2):
        if a.value == b.value:
            continue
        high, low = sorted((a, b), key=lambda c: -c.value)
        h, l = interval(high, widen=False), interval(low, widen=False)
        out.append(Derivation(high.value - low.value, Interval(h.low - l.high, h.high - l.low),
                              f"{describe(high)} − {describe(low)}", (high, low)))
    return out


def _changes(levels: list[Claim]) -> list[Derivation]:
    out = []
    for a, b in combinations(levels, 2):
        if a.unit != b.unit or a.value == b.value:
            continue
        old, new = _old_new(a, b)
        o, n = interval(old, widen=False), interval(new, widen=False)
        if o.low <= 0:
            continue
        corners = [abs(nv - ov) / ov * 100 for nv in (n.low, n.high) for ov in (o.low, o.high)]
        out.append(Derivation(abs(new.value - old.value) / old.value * 100, Interval(min(corners), max(corners)),
                              f"the change from {describe(old)} to {describe(new)}", (old, new)))
    return out


def _old_new(a: Claim, b: Claim) -> tuple[Claim, Claim]:
    """The earlier level: the one introduced by "from"/"较", else the earlier period, else the one
    written second ("fell to $2.10, down from $2.85")."""
    for old, new in ((a, b), (b, a)):
        if _FROM.search(old.quote[:old.start]):
            return old, new
    if a.period and b.period and a.period != b.period:
        return (a, b) if iso_bounds(a.period)[0] < iso_bounds(b.period)[0] else (b, a)
    first, second = sorted((a, b), key=lambda c: (c.passage or 0, c.start))
    return second, first


def _share_tiers(stated: Claim, doc: list[Claim], here: list[Claim]) -> list[list[Derivation]]:
    amounts = [c for c in here if c.unit not in AMOUNT_UNITS_EXCLUDED and c.value > 0
               and periods_match(c.period, stated.period)]
    linked = _part_total_pairs(amounts)
    tiers = [[_share(p, t) for p, t in linked]]
    if not linked and amounts and _ANAPHORA.search(stated.quote):
        earlier = [c for c in doc if c.passage is not None and stated.passage is not None
                   and 0 < stated.passage - c.passage <= NEIGHBOURS]
        tiers.append([_share(p, t) for p in amounts for t in earlier
                      if t.unit == p.unit and t.value > p.value and t.kind == p.kind])
    return tiers


def _part_total_pairs(amounts: list[Claim]) -> list[tuple[Claim, Claim]]:
    """Parts and totals of one passage that the text links ("76 GW of 190 GW", "其中")."""
    pairs = []
    for a, b in combinations(amounts, 2):
        if a.unit != b.unit or a.value == b.value or a.passage != b.passage:
            continue
        part, total = sorted((a, b), key=lambda c: c.value)
        first, second = sorted((a, b), key=lambda c: c.start)
        if _PART_OF.search(a.quote[max(0, first.start - 12):second.start]):
            pairs.append((part, total))
    return pairs


def _share(part: Claim, total: Claim) -> Derivation:
    p, t = interval(part, widen=False), interval(total, widen=False)
    return Derivation(part.value / total.value * 100, Interval(p.low / t.high * 100, p.high / t.low * 100),
                      f"{describe(part)} of {describe(total)}", (part, total))


def _arithmetic_check(stated: Claim, d: Derivation, *, inputs_from: str | None = None) -> Check:
    ok = interval(stated).meets(d.span)
    shown = _shown(d.value, stated.unit)
    source = f" ({inputs_from})" if inputs_from else ""
    detail = (
        f"{describe(stated)} ({where(stated)}) {'matches' if ok else 'does not match'} {d.what}{source} = {shown}"
        + ("." if ok else f", which the stated precision does not allow ({_shown(d.span.low, stated.unit)}"
                          f"–{_shown(d.span.high, stated.unit)}).")
    )
    return Check(
        kind="arithmetic", status="consistent" if ok else "conflict", detail=detail,
        claim_ids=(stated.id, *(c.id for c in d.inputs)), values=(stated.value, round(d.value, 6)),
        unit=stated.unit,
    )


def _shown(v: float, unit: str) -> str:
    return f"{v:.3g}{' ' if unit == 'pp' else ''}{unit}"


def derived_shares(claims: Sequence[Claim]) -> list[Check]:
    """Across documents: a part and its total in one report ("5.3 of 8.7 trillion tokens") give a
    share that another report's stated share for the same subject, period and quantity must meet."""
    shares: list[Claim] | None = None  # found when first needed: most reports give no part and total
    checks = []
    for doc in _by_document(claims).values():
        passages: dict[int | None, list[Claim]] = defaultdict(list)
        for c in doc:
            if c.unit not in AMOUNT_UNITS_EXCLUDED and c.value > 0:
                passages[c.passage].append(c)
        for amounts in passages.values():
            pairs = _part_total_pairs(amounts)
            if len(pairs) != 1:
                continue  # only an unambiguous part and total say what the share must be
            if shares is None:
                shares = [c for c in claims if c.unit == "%" and c.entity and not is_change(c) and not is_reference(c)]
            part, total = pairs[0]
            period = part.period or total.period
            seen = set()  # one check per report and value: a text and its table say the same
            for stated in shares:
                if (stated.document_id != part.document_id and stated.entity == part.entity
                        and stated.kind == part.kind and periods_match(stated.period, period)
                        and _share_of(stated, total) and (stated.document_id, stated.value) not in seen):
                    seen.add((stated.document_id, stated.value))
                    checks.append(_arithmetic_check(stated, _share(part, total), inputs_from=where(part)))
    return checks


def _share_of(stated: Claim, total: Claim) -> bool:
    """Is the stated share a share of the total's quantity ("61% of the tokens")?"""
    words = _QUANTITY_WORDS.get(total.unit)
    text = f"{stated.metric} {stated.quote}"
    if words:
        return bool(words.search(text))
    return bool(total.metric) and total.metric.casefold() in text.casefold()


# -- all together ------------------------------------------------------------------------------

def crosscheck(claims: Sequence[Claim], encode: Encode) -> list[Check]:
    """Agreement checks for every fact and arithmetic checks within and across documents."""
    checks = [c for f in group_facts(claims, encode) if (c := agreement(f))]
    return checks + arithmetic(claims) + derived_shares(claims)


def conflicts(claims: Sequence[Claim], encode: Encode) -> list[Check]:
    return [c for c in crosscheck(claims, encode) if c.status == "conflict"]


def describe(c: Claim) -> str:
    """A figure as written, with its canonical value when the scale changed it: "45 GW (= 4.5e+07 kW)"."""
    written = _FIRST_NUMBER.search(c.raw.replace(",", ""))
    if written and math.isclose(float(written.group()), c.value, rel_tol=1e-9):
        return c.raw
    return f"{c.raw} (= {_number(c.value)} {c.unit})" if c.unit not in AMOUNT_UNITS_EXCLUDED else c.raw


def _number(v: float) -> str:
    return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:.3g}"


def where(c: Claim) -> str:
    return f"{c.source}, p. {c.page}" if c.page else (c.source or "this text")
