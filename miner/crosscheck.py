"""Cross-checks: do sources agree at their stated precision, and does a stated figure match the
one derived from others (a share against part / total, a multiple against two amounts, a change
against two levels)?

A stated figure stands for the interval its written precision and qualifiers imply: `61%` is
[60.5, 61.5); `about 30%` widens that by 5% of the value; `over 2.6亿千瓦` is [2.6e8, ∞); a range
is itself an interval. Two figures agree when their intervals meet; a derived figure carries the
interval its inputs imply (5.3 / 8.7 trillion → [60.3%, 61.6%]) and is compared the same way.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from miner.model import Check, Claim
from miner.periods import iso_bounds

Encode = Callable[[list[str]], np.ndarray]

APPROXIMATE_WIDENING = 0.05
METRIC_SIMILARITY = 0.55
PERIOD_OVERLAP = 0.75


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def meets(self, other: Interval) -> bool:
        # Half-open at the top, as rounding is: 61% is [60.5, 61.5) and 61.5% is not in it.
        if self.low == self.high or other.low == other.high:
            return self.low <= other.high and other.low <= self.high
        return self.low < other.high and other.low < self.high


def interval(c: Claim) -> Interval:
    p = c.precision or 0.0
    low, high = c.range if c.range else (c.value, c.value)
    low, high = low - p, high + p
    if c.approximate:
        widen = APPROXIMATE_WIDENING * abs(c.value)
        low, high = low - widen, high + widen
    if c.bound == "at_least":
        high = math.inf
    elif c.bound == "at_most":
        low = -math.inf
    return Interval(low, high)


@dataclass
class Fact:
    """Claims about the same entity, metric, unit, period and kind."""

    claims: list[Claim] = field(default_factory=list)

    @property
    def head(self) -> Claim:
        return self.claims[0]


def group_facts(claims: Sequence[Claim], encode: Encode, *, loose_entity: bool = False) -> list[Fact]:
    """Greedy complete-link grouping: a claim joins a fact when it is compatible with every member.

    Metric phrases are compared by meaning (cosine of their embeddings), so "share of rented GPU
    hours" and "份额" can meet. With `loose_entity` a claim without an entity may join a fact
    about a named one (used when answering, where retrieval has already narrowed the subject).
    """
    if not claims:
        return []
    vectors = encode([_metric_text(c) for c in claims])
    facts: list[tuple[Fact, list[int]]] = []
    for i, c in enumerate(claims):
        for fact, members in facts:
            if all(_compatible(c, claims[j], float(vectors[i] @ vectors[j]), loose_entity) for j in members):
                fact.claims.append(c)
                members.append(i)
                break
        else:
            facts.append((Fact([c]), [i]))
    return [f for f, _ in facts]


def _metric_text(c: Claim) -> str:
    return c.metric or c.unit


def _compatible(a: Claim, b: Claim, similarity: float, loose_entity: bool) -> bool:
    if a.unit != b.unit or a.kind != b.kind:
        return False
    if a.document_id == b.document_id and a.passage == b.passage and a.passage is not None:
        return False  # two figures in one sentence are two different things ("76 GW of 190 GW")
    if a.entity != b.entity and not (loose_entity and (a.entity is None or b.entity is None)):
        return False
    if not periods_match(a.period, b.period):
        return False
    return a.metric == b.metric or similarity >= METRIC_SIMILARITY


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
    intervals = [interval(c) for c in claims]
    conflict = any(not a.meets(b) for i, a in enumerate(intervals) for b in intervals[i + 1:])
    head = fact.head
    subject = " ".join(x for x in (head.entity, head.metric) if x) or "this figure"
    when = f" ({head.period})" if head.period else ""
    listed = "; ".join(f"{describe(c)} ({_where(c)})" for c in claims)
    verb = "disagree on" if conflict else "agree on"
    return Check(
        kind="agreement", status="conflict" if conflict else "consistent",
        detail=f"{len(claims)} statements {verb} {subject}{when}: {listed}.",
        claim_ids=tuple(c.id for c in claims), values=tuple(c.value for c in claims), unit=head.unit,
    )


# -- arithmetic --------------------------------------------------------------------------------

_CHANGE = re.compile(
    r"\b(down|up|fell|rose|declin\w*|drop\w*|increas\w*|decreas\w*|grew|growth|gain\w*|los[st]\w*|"
    r"slid|slump\w*|jump\w*|climb\w*|plunge\w*|surge\w*)\b|下降|下跌|下滑|降低|减少|增长|上涨|上升|提高|增加|回落",
    re.IGNORECASE,
)
_FIRST_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PART_OF = re.compile(r"\bof\b|\bout of\b|其中|占|之中|中的", re.IGNORECASE)
_FROM = re.compile(r"(\bfrom|\bversus|\bvs\.?|\bcompared with|\bup from|\bdown from|较|比|从)\s*$", re.IGNORECASE)


def arithmetic(passage_claims: Sequence[Claim]) -> list[Check]:
    """Checks among the figures of one passage: share vs part/total, multiple vs amounts,
    change vs levels. Each stated %/x figure is checked against the derivation that fits it."""
    checks = []
    by_unit: dict[str, list[Claim]] = defaultdict(list)
    for c in passage_claims:
        by_unit[c.unit].append(c)
    amounts = [group for unit, group in by_unit.items() if unit not in ("%", "x", "pp") and len(group) >= 2]
    for stated in by_unit.get("%", []) + by_unit.get("x", []):
        if stated.range or stated.bound:
            continue
        for group in amounts:
            check = _derive(stated, group)
            if check:
                checks.append(check)
                break
    return checks


def _derive(stated: Claim, amounts: list[Claim]) -> Check | None:
    pair = sorted(amounts[:2], key=lambda c: c.value)
    small, large = pair
    if small.value <= 0 or large.value <= 0:
        return None
    a, b = interval(small), interval(large)
    if stated.unit == "x":
        if not small.unit:
            return None  # "3 times as many engineers": counts of what, is rarely said in one passage
        derived = Interval(b.low / a.high, b.high / a.low)
        value, what = large.value / small.value, f"{describe(large)} / {describe(small)}"
    elif _CHANGE.search(_around(stated)):
        old, new = _old_new(amounts[:2])
        o, n = interval(old), interval(new)
        if o.low <= 0:
            return None
        low, high = sorted((abs(n.low - o.high) / o.high * 100, abs(n.high - o.low) / o.low * 100))
        derived = Interval(low, high)
        value = abs(new.value - old.value) / old.value * 100
        what = f"the change from {describe(old)} to {describe(new)}"
    elif _PART_OF.search(_between(small, large)):
        derived = Interval(a.low / b.high * 100, a.high / b.low * 100)
        value, what = small.value / large.value * 100, f"{describe(small)} of {describe(large)}"
    else:
        return None
    ok = interval(stated).meets(derived)
    shown = f"{value:.3g}{'x' if stated.unit == 'x' else '%'}"
    detail = (
        f"{describe(stated)} ({_where(stated)}) {'matches' if ok else 'does not match'} {what} = {shown}"
        + ("." if ok else f", which the stated precision does not allow ({derived.low:.3g}–{derived.high:.3g}).")
    )
    return Check(
        kind="arithmetic", status="consistent" if ok else "conflict", detail=detail,
        claim_ids=(stated.id, small.id, large.id), values=(stated.value, round(value, 6)), unit=stated.unit,
    )


def _between(a: Claim, b: Claim) -> str:
    first, second = sorted((a, b), key=lambda c: c.start)
    return a.quote[max(0, first.start - 12):second.start]


def _around(c: Claim) -> str:
    return c.quote[max(0, c.start - 30):c.end + 30]


def _old_new(pair: list[Claim]) -> tuple[Claim, Claim]:
    """The earlier level is the one introduced by "from"/"较"; else the one written second."""
    first, second = sorted(pair, key=lambda c: c.start)
    if _FROM.search(first.quote[:first.start]):
        return first, second
    return second, first


def crosscheck(claims: Sequence[Claim], encode: Encode, *, loose_entity: bool = False) -> list[Check]:
    """Agreement checks for every fact and arithmetic checks for every passage among `claims`."""
    checks = [c for f in group_facts(claims, encode, loose_entity=loose_entity) if (c := agreement(f))]
    passages: dict[tuple[str | None, int | None], list[Claim]] = defaultdict(list)
    for c in claims:
        passages[(c.document_id, c.passage)].append(c)
    for group in passages.values():
        checks += arithmetic(group)
    return checks


def conflicts(claims: Sequence[Claim], encode: Encode) -> list[Check]:
    return [c for c in crosscheck(claims, encode) if c.status == "conflict"]


def describe(c: Claim) -> str:
    """A figure as written, with its canonical value when the scale changed it: "45 GW (= 4.5e+07 kW)"."""
    written = _FIRST_NUMBER.search(c.raw.replace(",", ""))
    if written and math.isclose(float(written.group()), c.value, rel_tol=1e-9):
        return c.raw
    return f"{c.raw} (= {_number(c.value)} {c.unit})" if c.unit not in ("%", "x", "pp") else c.raw


def _number(v: float) -> str:
    return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:.3g}"


def _where(c: Claim) -> str:
    return f"{c.source}, p. {c.page}" if c.page else (c.source or "this text")
