"""A short metric phrase for a figure: what is measured, without the figure, the subject's name,
the date or the hedges ("average on-demand price of an H100 GPU hour", "share of rented GPU hours",
"海外收入占比").

Rule-based on purpose: it runs on every figure of every report, and the phrase only has to be a
good label and a good key for grouping by meaning (cross-checks embed it), not a parse tree.
"""
from __future__ import annotations

import re

from miner.model import EntityMention, Period, Quantity

_CLAUSE = re.compile(r"[,;:()\[\]，；：（）。！？]|\s[-–—]\s|\bwhich\b|\bwhile\b|\bwhereas\b")
_WORD = re.compile(r"[A-Za-z](?:[\w'’./-]*\w)?|\d(?:[\w.-]*\w)?")

# Words that sit between a metric and its figure: verbs of stating, hedges, bounds, determiners.
_LINK_EN = set(
    """a an the its their his her our this that these those now currently still only just some
    about around roughly approximately nearly almost close to over more than less at least most up
    below under above exceeding some fell rose reached was were is are be been being has have had
    stood stands cost costs hit totaled totalled totals grew increased decreased declined dropped
    climbed jumped slid slipped by for of accounted account accounts made makes make held holds
    took takes handled handles employs employ employed raised raise raises used uses consume
    consumed consumes rented priced equal equals equalled amounted amount amounts came come comes
    will would could should may might expected expects expect projected forecast set on track
    reach reaches we they it year over per cent percent share shares estimates estimated
    according from in with between and or""".split()
)
_GROWTH_EN = {"grew", "rose", "increased", "climbed", "jumped", "fell", "declined", "dropped", "decreased",
              "slid", "slipped", "growth", "up", "down"}
_STOP_TAIL_EN = re.compile(r"\b(in|on|by|for|from|to|at|during|since|compared|than|as|over|across|among|"
                           r"sold|routed|according|estimates?|said)\b", re.IGNORECASE)

_LINK_ZH = re.compile(
    r"(约为|约占|约合|大约|达到|达|约|近|超过|逾|不到|不足|至少|为|是|占了|占|同比|环比|已|将|预计|"
    r"累计|共计|合计|总计|高达|仅|的|了|在|有|至|到|增长|下降|上涨|下跌)+$"
)
_LEAD_ZH = re.compile(r"^(其中|其|该公司|该|这|此外|同时|另外|而|但|且|和|与|及|的)+")


def metric_phrase(
    text: str, q: Quantity, entities: list[EntityMention], periods: list[Period], quantities: list[Quantity],
    lang: str,
) -> str:
    masked = _mask(text, q, entities, periods, quantities)
    start, end = _clause_bounds(masked, q.start, q.end)
    left, right = masked[start:q.start], masked[q.end:end]
    phrase = _metric_zh(left, right, q) if lang == "zh" else _metric_en(left, right, q)
    if not phrase and start > 0:
        # "…, a 61% share": the subject sits in the clause before.
        prev_start, _ = _clause_bounds(masked, start - 1, start - 1)
        prev = masked[prev_start:start - 1]
        of_part = _LAST_OF.findall(prev) if lang != "zh" and q.unit == "%" else []
        if of_part and re.match(r"\s*share\b", right):
            # "handled 5.3 trillion of those tokens, a 61% share": a share of those tokens.
            phrase = f"share of {of_part[-1].strip()}"
        else:
            phrase = _metric_zh(prev, right, q) if lang == "zh" else _metric_en(prev, right, q)
    if not phrase and lang != "zh":
        phrase = _head_noun(right)
    return phrase or _FALLBACK.get("price" if "/" in q.unit else q.unit, "amount")


_LAST_OF = re.compile(r"\bof\s+(?:the\s+|those\s+|these\s+|all\s+|its\s+|their\s+)?([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,3})")

_FALLBACK = {"%": "share", "tokens": "tokens", "kWh": "electricity", "kW": "capacity", "x": "multiple",
             "pp": "change in percentage points", "price": "price", "": "count"}


def _mask(
    text: str, q: Quantity, entities: list[EntityMention], periods: list[Period], quantities: list[Quantity]
) -> str:
    """Blank out dates, citation markers, other figures and the subject's name, keeping offsets."""
    chars = list(text)
    for other in quantities:
        if other.start != q.start:
            chars[other.start:other.end] = " " * (other.end - other.start)
    for p in periods:
        chars[p.start:p.end] = " " * (p.end - p.start)
    for m in re.finditer(r"\[\d+(?:[,–-]\d+)*\]", text):
        chars[m.start():m.end()] = " " * (m.end() - m.start())
    for e in entities:
        if e.end <= q.start and e.type not in ("platform", "product"):
            # The name with its possessive: "DeepSeek's share" is a share, not an "s share".
            end = e.end + 2 if text[e.end:e.end + 2] in ("'s", "’s") else e.end
            chars[e.start:end] = " " * (end - e.start)
    return "".join(chars)


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    m = _CLAUSE.search(text, end)
    return left, (m.start() if m else len(text))


def _metric_en(left: str, right: str, q: Quantity) -> str:
    words = _WORD.findall(left)
    # "fell 5%", "rose by 5%" state a change; "fell to 18%", "up to 30%" state a level.
    growth = any(w.lower() in _GROWTH_EN for w in words[-3:]) and not (words and words[-1].lower() == "to")
    while words and words[-1].lower() in _LINK_EN:
        words.pop()
    share_of = False  # "its share of chatbot traffic fell to 18%": a share of chatbot traffic
    while words and words[0].lower() in _LINK_EN:
        share_of = share_of or (words[0].lower() in ("share", "shares") and len(words) > 1
                                and words[1].lower() == "of")
        words.pop(0)
    subject = " ".join(words[-8:])
    of_np = _of_phrase(right)
    if q.unit == "%" and share_of and subject:
        phrase = f"share of {subject}"
    elif not q.unit and _head_noun(right):
        phrase = _head_noun(right)  # a count names what it counts after it: "33 data centres"
    elif q.unit == "%" and of_np:
        phrase = f"{subject} share of {of_np}" if subject else f"share of {of_np}"
    elif q.unit in ("%", "pp") and growth and subject:
        phrase = f"{subject} change"
    elif q.unit == "%" and subject and re.match(r"\s*(?:share|stake|portion)\b", right):
        phrase = f"{subject} share"
    elif of_np:
        phrase = f"{subject} {of_np}"
    else:
        phrase = subject
    phrase = phrase.strip()
    # Sentence case is not part of the metric: "Total new solar capacity" → "total new solar capacity".
    # A name stays as written: "OpenRouter tokens", "H100 price".
    first = phrase.split(" ", 1)[0]
    return phrase[:1].lower() + phrase[1:] if first[:1].isupper() and first[1:].islower() else phrase


def _of_phrase(right: str) -> str:
    m = re.match(r"\s*(?:of|of all|of the|of its|of their)\s+(.*)", right, re.IGNORECASE | re.DOTALL)
    if not m:
        return ""
    rest = _STOP_TAIL_EN.split(m.group(1), maxsplit=1)[0]
    words = [w for w in _WORD.findall(rest) if w.lower() not in ("its", "their", "the", "all")]
    return " ".join(words[:6])


def _head_noun(right: str) -> str:
    """A figure with its noun after it: "33 data centres", "1,200 engineers"."""
    rest = _STOP_TAIL_EN.split(right, maxsplit=1)[0]
    words = [w for w in _WORD.findall(rest) if w.lower() not in _LINK_EN]
    return " ".join(words[:4])


def _metric_zh(left: str, right: str, q: Quantity) -> str:
    phrase = re.sub(r"\s+", "", left)
    prev = None
    while phrase != prev:
        prev = phrase
        phrase = _LEAD_ZH.sub("", _LINK_ZH.sub("", phrase))
    if not phrase:
        tail = re.match(r"\s*(?:的)?([\u4e00-\u9fffA-Za-z]{1,8})", right)
        phrase = tail.group(1) if tail else ""
    return phrase[-16:]
