"""Question understanding: what a question asks for — the kind of figure (by the unit family of
the answer), its subject, its period, a forecast or a reported figure, a change or a level — read
from its words. Retrieval (miner.search) and answering (miner.answer) both start from it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from miner.entities import find_entities
from miner.lang import detect_language
from miner.periods import find_periods

# What kind of figure a question asks for, by the unit family of the answer.
_WANTS = [
    ("x", re.compile(r"how many times|\bmultiple\b|times (?:as|more|higher)|多少倍|几倍", re.I)),
    ("/h", re.compile(r"per hour|an hour|hourly|GPU[- ]hour (?:cost|price)|每小时|小时.{0,4}(?:价|租)", re.I)),
    ("/kWh", re.compile(r"per kWh|kilowatt[- ]hour price|electricity price|power price|电价|每千瓦时|每度电", re.I)),
    ("%", re.compile(r"share|percent|percentage|proportion|what part|how much of|fraction|占比|比例|份额|百分之|几成|多少成|比重", re.I)),
    ("tokens", re.compile(r"tokens?\b|词元|Token", re.I)),
    ("kWh", re.compile(r"electricity (?:use|consumption|demand)|TWh|GWh|用电量|耗电量|电量", re.I)),
    ("kW", re.compile(r"capacity|installed|\bGW\b|\bMW\b|装机|容量|吉瓦|千瓦(?!时)|ship(?:ped|ments?)?|出货", re.I)),
    ("money", re.compile(r"\braise[sd]?\b|funding|revenue|valuation|invest|how much money|\$|融资|收入|营收|估值|投资", re.I)),
    ("", re.compile(r"how many (?:people|engineers|employees|staff|data cent)|多少(?:人|名|家|个)", re.I)),
]
_FORECAST_Q = re.compile(r"expect|forecast|project|predict|will\b|outlook|by the end of|预计|预测|将|到\d{4}年|展望", re.I)
# A question about a change, not a level: "by how much", "增速"; not "grow to", "增长到".
_CHANGE_Q = re.compile(
    r"by how much|by what (?:percentage|percent)|"
    r"how much did .{0,60}\b(?:grow|rise|fall|increase|decrease|decline|drop|change)\b(?!\s+to\b)|"
    r"\b(?:growth|year[- ]on[- ]year|yoy)\b|(?:增长|下降|下跌|上涨|提高|降低)(?![到至])|增幅|增速|降幅|同比|环比|变化",
    re.I,
)
# Capitalised words a question may name that the gazetteer does not know ("Acme", "PUE"):
# the evidence must then say them too. Words that are capitalised for other reasons are not names.
_NAME = re.compile(r"\b(?:[A-Z][\w&-]*[A-Za-z0-9]|[a-z]+[A-Z0-9][\w-]*)")
# In Chinese text a Latin name has no word boundary (CJK characters are word characters too):
# "2026年1月A800每小时价格".
_NAME_ZH = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z0-9&-]*[A-Za-z0-9]|[a-z]+[A-Z0-9][A-Za-z0-9-]*)(?![A-Za-z0-9])")
_NOT_NAMES = set(
    """What Which Who How When Where Why Is Are Was Were Do Does Did Can Could Will Would Should In
    On At By For Of The A An According AI API APIs GPU GPUs CPU TPU US USA UK EU USD CNY RMB EUR GW MW kW
    TWh GWh MWh kWh Q1 Q2 Q3 Q4 H1 H2 FY CEO CFO I IT YoY Token Tokens""".split()
)
_MONTHS = ("January February March April May June July August September October November December "
           "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec").split()


@dataclass(frozen=True)
class Query:
    """What a question asks for. `wants`: the unit family of the answer ("%", "/h", "money", ...,
    "change" for a change in % or points), None when the question does not say."""

    text: str
    language: str
    entities: tuple[str, ...]
    period: str | None
    wants: str | None
    forecast: bool
    change: bool
    names: tuple[str, ...]  # capitalised names the gazetteer does not know: the evidence must say them


def understand(question: str, today: date | None = None) -> Query:
    """Read a question; relative periods ("last year") are resolved against `today`."""
    lang = detect_language(question)
    periods = find_periods(question, lang, today or date.today())
    mentions = find_entities(question, lang, ner=False)
    change = bool(_CHANGE_Q.search(question))
    return Query(
        text=question, language=lang,
        entities=tuple(dict.fromkeys(m.name for m in mentions)),
        period=periods[-1].iso if periods else None,
        # A change is in % or points, whatever changed ("by how much did the hourly price fall").
        wants="change" if change else next((unit for unit, rx in _WANTS if rx.search(question)), None),
        forecast=bool(_FORECAST_Q.search(question)),
        change=change,
        names=_unknown_names(question, mentions, periods, lang),
    )


def _unknown_names(question: str, mentions, periods, lang: str) -> tuple[str, ...]:
    taken = [(m.start, m.end) for m in mentions] + [(p.start, p.end) for p in periods]
    opening = len(question) - len(question.lstrip())
    names = []
    for m in (_NAME_ZH if lang == "zh" else _NAME).finditer(question):
        word = m.group()
        if word in _NOT_NAMES or word in _MONTHS or any(s < m.end() and m.start() < e for s, e in taken):
            continue
        if m.start() == opening and word[1:].islower():
            continue  # capitalised because it opens the question ("Total new capacity ...?")
        names.append(word)
    return tuple(names)


def unit_fits(unit: str, wants: str | None) -> bool | None:
    """Whether a claim's unit is the kind of figure asked for; None when the question asks for none."""
    if wants is None:
        return None
    if wants == "change":
        return unit in ("%", "pp")
    if wants == "money":
        return bool(re.fullmatch(r"[A-Z]{3}", unit))
    if wants.startswith("/"):
        return unit.endswith(wants)
    return unit == wants
