"""Question → Answer: understand what is asked, retrieve claims, keep those that fit, group them
into facts, cross-check, and say the figure with its sources in the question's language.

Never a guess: when no claim fits the kind of figure asked for, the answer says so and `figure`
is null.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from miner.crosscheck import Fact, arithmetic, crosscheck, group_facts, interval
from miner.entities import find_entities
from miner.lang import detect_language
from miner.model import Answer, Check, Claim, Figure
from miner.periods import find_periods, iso_bounds
from miner.search import search

# What kind of figure a question asks for, by the unit family of the answer.
_WANTS = [
    ("/h", re.compile(r"per hour|an hour|hourly|GPU[- ]hour (?:cost|price)|每小时|小时.{0,4}(?:价|租)", re.I)),
    ("/kWh", re.compile(r"per kWh|kilowatt[- ]hour price|electricity price|power price|电价|每千瓦时|每度电", re.I)),
    ("x", re.compile(r"how many times|\bmultiple\b|times (?:as|more|higher)|多少倍|几倍", re.I)),
    ("%", re.compile(r"share|percent|percentage|proportion|what part|how much of|fraction|占比|比例|份额|百分之|几成|多少成|比重", re.I)),
    ("tokens", re.compile(r"tokens?\b|词元|Token", re.I)),
    ("kWh", re.compile(r"electricity (?:use|consumption|demand)|TWh|GWh|用电量|耗电量|电量", re.I)),
    ("kW", re.compile(r"capacity|installed|\bGW\b|\bMW\b|装机|容量|吉瓦|千瓦(?!时)|ship(?:ped|ments?)?|出货", re.I)),
    ("money", re.compile(r"\braise[sd]?\b|funding|revenue|valuation|invest|how much money|\$|融资|收入|营收|估值|投资", re.I)),
    ("", re.compile(r"how many (?:people|engineers|employees|staff|data cent)|多少(?:人|名|家|个)", re.I)),
]
_FORECAST_Q = re.compile(r"expect|forecast|project|predict|will\b|outlook|by the end of|预计|预测|将|到\d{4}年|展望", re.I)
MIN_SCORE = 1.0


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    entities: tuple[str, ...]
    period: str | None
    wants: str | None
    forecast: bool


def understand(question: str, today: date | None = None) -> Query:
    lang = detect_language(question)
    periods = find_periods(question, lang, today or date.today())
    wants = next((unit for unit, rx in _WANTS if rx.search(question)), None)
    return Query(
        text=question, language=lang,
        entities=tuple(dict.fromkeys(m.name for m in find_entities(question, lang, ner=False))),
        period=periods[-1].iso if periods else None, wants=wants,
        forecast=bool(_FORECAST_Q.search(question)),
    )


def _unit_fits(unit: str, wants: str | None) -> bool | None:
    if wants is None:
        return None
    if wants == "money":
        return bool(re.fullmatch(r"[A-Z]{3}", unit))
    if wants.startswith("/"):
        return unit.endswith(wants)
    return unit == wants


def _period_fits(claim: str | None, asked: str | None) -> bool | None:
    if claim is None or asked is None:
        return None
    (a0, a1), (b0, b1) = iso_bounds(claim), iso_bounds(asked)
    return a0 <= b1 and b0 <= a1


def fit(c: Claim, q: Query) -> float:
    """How well a retrieved claim fits the question, beyond retrieval's own rank."""
    score = 0.0
    unit = _unit_fits(c.unit, q.wants)
    score += {True: 1.5, False: -3.0, None: 0.0}[unit]
    if q.entities:
        score += 1.0 if c.entity in q.entities else (-0.3 if c.entity is None else -2.0)
    period = _period_fits(c.period, q.period)
    score += {True: 1.0, False: -2.0, None: 0.0}[period]
    score += 0.5 if (c.kind == "forecast") == q.forecast else -1.5
    return score


def ask(question: str, home, *, k: int = 10, today: date | None = None) -> Answer:
    """Answer a question from the claims in `home` (a miner.home.Home)."""
    q = understand(question, today)
    found = search(question, home.store, home.index, home.embedder, k=max(k, 40))
    if not found:
        return _not_found(q)
    top = max(c.score or 0.0 for c in found)
    scored = sorted(((fit(c, q) + (c.score or 0.0) / top, c) for c in found), key=lambda t: -t[0])
    kept = [c for s, c in scored if s >= MIN_SCORE]
    if not kept:
        return _not_found(q)
    encode = home.embedder.encode
    facts = group_facts(kept, encode)
    best = next(f for f in facts if kept[0] in f.claims)
    siblings = home.store.claims_in_passages({(c.document_id, c.passage) for c in best.claims})
    checks = _checks(best, siblings, encode)
    figure_claim = _headline(best)
    shown = [c for s, c in scored if c in best.claims] + [c for s, c in scored if c not in best.claims][: max(0, k - len(best.claims))]
    return Answer(
        question=question,
        answer=_compose(q, figure_claim, best, checks),
        figure=Figure(value=figure_claim.value, unit=figure_claim.unit, entity=figure_claim.entity,
                      metric=figure_claim.metric, period=figure_claim.period),
        claims=tuple(shown[:max(k, len(best.claims))]),
        checks=tuple(checks),
    )


def _checks(fact: Fact, siblings: list[Claim], encode) -> list[Check]:
    ids = {c.id for c in fact.claims}
    checks = crosscheck(fact.claims, encode)
    by_passage: dict[tuple, list[Claim]] = {}
    for c in siblings:
        by_passage.setdefault((c.document_id, c.passage), []).append(c)
    for group in by_passage.values():
        checks += [ch for ch in arithmetic(group) if ch.claim_ids[0] in ids]
    unique = {(ch.kind, ch.claim_ids): ch for ch in checks}
    return sorted(unique.values(), key=lambda ch: (ch.status != "conflict", ch.kind))


def _headline(fact: Fact) -> Claim:
    """The best-supported value: the one most statements agree with; then the most recent
    source; then the most precise statement."""
    support = Counter()
    for c in fact.claims:
        support[c.id] = sum(interval(c).meets(interval(o)) for o in fact.claims)
    return max(
        fact.claims,
        key=lambda c: (support[c.id], c.published or date.min, not c.approximate, c.bound is None),
    )


def _sources(claims: list[Claim]) -> list[str]:
    return list(dict.fromkeys(c.source or "?" for c in claims))


def _compose(q: Query, head: Claim, fact: Fact, checks: list[Check]) -> str:
    agree = [c for c in fact.claims if interval(c).meets(interval(head))]
    differ = [c for c in fact.claims if c not in agree]
    subject = " ".join(x for x in (head.entity, head.metric) if x)
    conflicts = [ch for ch in checks if ch.status == "conflict" and ch.kind == "arithmetic"]
    if q.language == "zh":
        text = f"{subject}：{head.raw}"
        text += f"（{head.period}）" if head.period else ""
        text += f"，{'预测' if head.kind == 'forecast' else '来源'}：{'、'.join(_sources(agree))}。"
        if differ:
            text += "各来源不一致：" + "；".join(f"{c.source}为{c.raw}" for c in differ) + "。"
        if conflicts:
            text += "算术核对不符：" + conflicts[0].detail
        return text
    text = f"{subject[:1].upper() + subject[1:]}: {head.raw}"
    text += f" ({head.period})" if head.period else ""
    text += f"{', forecast' if head.kind == 'forecast' else ''}, according to {' and '.join(_sources(agree))}."
    if differ:
        text += " Sources disagree: " + "; ".join(f"{c.source} gives {c.raw}" for c in differ) + "."
    if conflicts:
        text += " Arithmetic check: " + conflicts[0].detail
    return text


def _not_found(q: Query) -> Answer:
    text = "没有找到与该问题相符的数据。" if q.language == "zh" else "No figure in the stored reports answers this question."
    return Answer(question=q.text, answer=text)
