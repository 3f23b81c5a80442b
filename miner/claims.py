"""Passages → Claims: every quantity with the entity it is about, a metric phrase, a period,
its kind (reported or forecast) and its provenance.

Context carries meaning in reports, so a passage is read together with its neighbours: a
sentence that opens with "of which" / "其中" continues the previous one's subject, a sentence
without a date takes the period of the sentence before it in the same paragraph, and a table
cell takes its row's entity, its column's header and its caption's period and unit.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from miner.entities import canonical, find_entities, find_entities_many
from miner.lang import detect_language
from miner.metrics import metric_phrase
from miner.model import Claim, Document, EntityMention, Passage, Period, Quantity
from miner.periods import best_period, find_periods
from miner.quantities import find_quantities
from miner.segment import sentence_spans

# Words that make a figure a forecast rather than a report. "estimate" is not among them:
# "X estimates the price was $2.30" reports a past figure.
_FORECAST_EN = re.compile(
    r"\b(expect(?:s|ed)?|forecast(?:s|ed)?|project(?:s|ed|ion)|predict(?:s|ed)?|will|would reach|"
    r"is set to|are set to|on track to|outlook|anticipat(?:e|es|ed))\b",
    re.IGNORECASE,
)
_FORECAST_ZH = re.compile(r"预计|预测|预期|将会|将达|将超|将突破|有望|展望|将")

# A sentence that opens like this continues the previous sentence's subject.
_CONTINUATION = re.compile(
    r"^\s*(of (?:this|these|which|that|them)|its|it|they|their|this|these|the company|the firm|"
    r"其中|其|该公司|该|这|此外|同时)\b",
    re.IGNORECASE,
)
# "handled 5.3 trillion of those tokens": the sentence refers back to the previous one's period.
_ANAPHOR = re.compile(r"\bof (?:those|these|them)\b|\b(?:the same (?:\w+ )?(?:period|months?|quarter|half|year|weeks?)|"
                      r"that month|that year|over that period)\b|同期|上述|其中",
                      re.IGNORECASE)
_CONTINUATION_ZH = re.compile(r"^\s*(其中|其|该公司|该|这|此外|同时|另外)")

# A bare scaled figure ("5.3 trillion of the 8.7 trillion tokens") takes the unit of a sibling.
_INHERITABLE_UNITS = {"tokens", "kWh", "kW"}
_SCALED = re.compile(r"million|billion|trillion|\d\s*(?:bn|tn|mn)\b|万|亿", re.IGNORECASE)
_TOKEN_WORD = re.compile(r"tokens?|词元", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# "sell a million tokens": a unit of account, not a figure.
_INDEFINITE = re.compile(r"^(?:a|an|per)\s", re.IGNORECASE)
_CURRENCY = re.compile(r"[A-Z]{3}")
_PER_UNIT_CONTEXT = [
    (re.compile(r"\bhour(?:ly)?\b|GPU[- ]hours?|每小时|小时", re.IGNORECASE), "h"),
    (re.compile(r"\bkWh\b|kilowatt[- ]hour|千瓦时|每度电", re.IGNORECASE), "kWh"),
]
_COMPARISON = re.compile(r"(\bfrom|\bversus|\bvs\.?|\bcompared (?:with|to)|\bagainst|较|比|相比)\s*(?:about|around|约)?\s*"
                         r"(?:\S{0,8}的)?$",
                         re.IGNORECASE)
_UP_DOWN = re.compile(r"(?<!made )(?<!makes )(?<!make )\b(?:up|down)\s+(?:by\s+)?(?:about\s+)?$", re.IGNORECASE)
_CHANGE_WORD = re.compile(r"\b(declin\w*|drop\w*|fall\w*|fell|rise|rose|increas\w*|decreas\w*|growth|grew|gain\w*|loss)\b|"
                          r"下降|下跌|增长|上涨|上升|减少|增加", re.IGNORECASE)
_CAPTION_PREFIX = re.compile(r"^\s*(?:table|tab\.|figure|fig\.|chart|exhibit)\s*[\w.-]*\s*[:：.]\s*|^\s*[表图]\s*[\w.-]*\s*[:：]?\s*",
                             re.IGNORECASE)
_CURRENCY_CODE = re.compile(r"^\s*(?:[A-Z]{3}|US\$|\$|€|¥)\s*")
_PER_HINT = re.compile(r"(?:\b[A-Z]{3}\s+)?\bper\b.*$|每.*$", re.IGNORECASE)
_TIMES_UNIT = re.compile(r"(\d{1,3}(?:,\d{3})+|10+)\s+(\D.*)")
_HEADER_UNIT = re.compile(r"[(（]\s*([^()（）]{1,12})\s*[)）]|单位[:：]\s*(\S{1,8})")
_CLAUSE = re.compile(r"[,;，；:：]")


@dataclass
class _Context:
    """What the previous passage of the same block leaves for the next one."""

    block: int = -1
    entity: str | None = None
    period: Period | None = None


def extract_claims(doc: Document, passages: Sequence[Passage], *, ner: bool = True) -> list[Claim]:
    """All claims of a document, in passage order.

    Figures are found in every sentence first, so that entities are looked for only in sentences
    that hold one, and spaCy's NER runs over all of those in one batch: about three times faster
    than one call per sentence, with the same entities."""
    figures = [_figures(doc, p) if p.kind == "sentence" else None for p in passages]
    with_figures = [i for i, found in enumerate(figures) if found and found[1]]
    entities = dict(zip(with_figures, _entities([passages[i] for i in with_figures], ner)))
    claims: list[Claim] = []
    ctx = _Context()
    for i, (passage, found) in enumerate(zip(passages, figures)):
        if passage.block != ctx.block:
            ctx = _Context(block=passage.block)
        if passage.kind == "table_row":
            claims += _table_claims(doc, passage)
        elif found is not None:
            periods, quantities = found
            claims += _sentence_claims(doc, passage, ctx, periods, quantities, entities.get(i, []))
    return claims


def extract_text(text: str, lang: str | None = None, published: date | None = None) -> list[Claim]:
    """The claims a bare text holds (no document): `miner extract`."""
    language = lang or detect_language(text)
    doc = Document(
        id=hashlib.sha256(text.encode()).hexdigest(), title="", source="", format="txt",
        published=published, language=language,
    )
    passages = [
        Passage(index=i, text=text[start:end], language=detect_language(text[start:end]), start=start, end=end)
        for i, (start, end) in enumerate(sentence_spans(text))
    ]
    return [c.model_copy(update={"document_id": None}) for c in extract_claims(doc, passages)]


def claim_id(document_id: str, passage: int, start: int, end: int) -> str:
    """Stable across rebuilds: the same document, passage and span give the same id."""
    return hashlib.sha256(f"{document_id}:{passage}:{start}:{end}".encode()).hexdigest()[:20]


def _figures(doc: Document, p: Passage) -> tuple[list[Period], list[Quantity]]:
    """A sentence's periods, and the quantities in it that are figures."""
    periods = find_periods(p.text, p.language, doc.published)
    return periods, [q for q in find_quantities(p.text, p.language) if _is_figure(q, periods)]


def _entities(passages: list[Passage], ner: bool) -> list[list[EntityMention]]:
    """Each passage's entity mentions, found for all passages of one language in one call."""
    out: list[list[EntityMention]] = [[] for _ in passages]
    for lang in dict.fromkeys(p.language for p in passages):
        at = [i for i, p in enumerate(passages) if p.language == lang]
        for i, found in zip(at, find_entities_many([passages[i].text for i in at], lang, ner=ner)):
            out[i] = found
    return out


def _sentence_claims(
    doc: Document, p: Passage, ctx: _Context, periods: list[Period], quantities: list[Quantity],
    entities: list[EntityMention],
) -> list[Claim]:
    text, lang = p.text, p.language
    if not quantities:
        _remember(ctx, None, periods)
        return []
    continues = bool((_CONTINUATION_ZH if lang == "zh" else _CONTINUATION).match(text))
    forecast = bool((_FORECAST_ZH if lang == "zh" else _FORECAST_EN).search(text)) or any(
        pr.forecast_cue for pr in periods
    )
    token_context = bool(_TOKEN_WORD.search(text))
    quantities = [_per_unit(_inherit_unit(q, quantities, token_context), text) for q in quantities]
    quantities = [_same_price_unit(q, quantities) for q in quantities]
    out: list[Claim] = []
    subject = None
    for q in quantities:
        entity = _entity_for(q, text, entities) or (ctx.entity if continues else None)
        subject = subject or entity
        period = best_period(periods, q.start, text, q.end) or (ctx.period if continues or _ANAPHOR.search(text) else None)
        metric = metric_phrase(text, q, entities, periods, quantities, lang)
        metric = _follow_main_figure(text, q, metric, out)
        out.append(_claim(doc, p, q, entity, metric, period, forecast))
    _remember(ctx, subject, periods)
    return out


def _is_figure(q: Quantity, periods: list[Period]) -> bool:
    """Figures worth a claim: not part of a date ("2026年1-9月"), and not a bare count written in
    words ("the ten largest", "the first nine months"), which reports use as prose, not data."""
    if any(q.start < pr.end and pr.start < q.end for pr in periods) or _INDEFINITE.match(q.raw):
        return False
    return bool(q.unit) or bool(_DIGIT.search(q.raw))


def _per_unit(q: Quantity, text: str) -> Quantity:
    """A price whose unit is named around it, not after it: "the price of an H100 GPU hour fell
    to $2.10", "每小时租金": money per hour."""
    if not _CURRENCY.fullmatch(q.unit):
        return q
    window = text[max(0, q.start - 60):q.end + 30]
    for rx, per in _PER_UNIT_CONTEXT:
        if rx.search(window):
            return q.model_copy(update={"unit": f"{q.unit}/{per}"})
    return q


def _same_price_unit(q: Quantity, siblings: list[Quantity]) -> Quantity:
    """"$2.30 an hour …, compared with $2.85": the compared price is per hour too, on the same
    scale ("$0.60 per million tokens against $7.50" is 7.5e-6 USD/token)."""
    if not _CURRENCY.fullmatch(q.unit):
        return q
    model = next((s for s in siblings if s.unit.startswith(q.unit + "/")), None)
    if model is None:
        return q
    written = _written_number(model)
    factor = model.value / written if written else 1.0
    return q.model_copy(update={"unit": model.unit, "value": q.value * factor,
                                "precision": q.precision * factor if q.precision else None})


def _written_number(q: Quantity) -> float | None:
    m = _NUMBER.search(q.raw.replace(",", ""))
    return float(m.group()) if m and float(m.group()) else None


def _follow_main_figure(text: str, q: Quantity, metric: str, earlier: list[Claim]) -> str:
    """A figure given for comparison ("down from $2.85", "较1月的53%") measures what the figure it
    is compared with measures; a change ("a 26% decline", "提高8个百分点") is a change in the level
    stated before it (a share, for percentage points)."""
    if not earlier:
        return metric
    before = text[max(0, q.start - 25):q.start]
    same = next((c for c in reversed(earlier) if c.unit == q.unit), None)
    if same is not None and _COMPARISON.search(before):
        return same.metric
    changed = [c for c in earlier if c.unit == "%"] if q.unit == "pp" else [c for c in earlier if c.unit not in ("%", "pp", "x")]
    if changed and q.unit in ("%", "pp") and (
        q.unit == "pp" or _CHANGE_WORD.search(_clause(text, q)) or _UP_DOWN.search(text, 0, q.start)
    ):
        main = changed[0]
        return f"change in {main.metric}" if main.language == "en" else f"{main.metric}变化"
    return metric


def _remember(ctx: _Context, subject: str | None, periods: list[Period]) -> None:
    if subject:
        ctx.entity = subject
    if periods:
        ctx.period = periods[-1]


def _inherit_unit(q: Quantity, siblings: list[Quantity], token_context: bool) -> Quantity:
    if q.unit or not _SCALED.search(q.raw):
        return q
    for other in siblings:
        if other is not q and other.unit in _INHERITABLE_UNITS:
            return q.model_copy(update={"unit": other.unit})
    if token_context:
        return q.model_copy(update={"unit": "tokens"})
    return q


def _clause(text: str, q: Quantity) -> str:
    start = max((m.end() for m in _CLAUSE.finditer(text, 0, q.start)), default=0)
    end = _CLAUSE.search(text, q.end)
    return text[start:end.start() if end else len(text)]


def _entity_for(q: Quantity, text: str, entities: list[EntityMention]) -> str | None:
    """The subject of a figure: the nearest entity before it in its clause ("MiniMax raised $600m
    and Zhipu AI $400m"); for a multiple the first one, since comparisons name the subject first
    ("US power prices are 1.5 times those in China", "美国电价约为中国的1.5倍"). Failing that, the
    subject of the nearest clause before that names one, else the first entity after the figure.
    """
    if not entities:
        return None
    clause_start = max((m.end() for m in _CLAUSE.finditer(text, 0, q.start)), default=0)
    before = [e for e in entities if e.end <= q.start]
    in_clause = [e for e in before if e.start >= clause_start]
    if in_clause:
        if q.unit == "x":
            return in_clause[0].name
        # A platform is where a figure happened, not whose it is: "DeepSeek在OpenRouter上的调用量".
        owners = [e for e in in_clause if e.type != "platform"] or in_clause
        # So is a place named in a prepositional phrase after the subject: "DeepSeek's share of
        # Chinese chatbot traffic", "Nvidia's revenue from China", "阿里巴巴在中国的份额".
        owners = [e for e in owners if not _scope(e, text)] or owners
        return owners[-1].name
    if before:
        # The subject of the nearest clause before that names one: "…，其中中国模型调用量达5.3万亿，
        # 占比约61%" is the Chinese models' share, not the platform's.
        last_clause = max((m.end() for m in _CLAUSE.finditer(text, 0, before[-1].start)), default=0)
        return next(e for e in before if e.start >= last_clause).name
    return entities[0].name


_SCOPE_BEFORE = re.compile(r"(?:\b(?:of|in|from|for|across|within|outside|into)\s+(?:the\s+)?|在|于|从)$", re.IGNORECASE)


def _scope(e: EntityMention, text: str) -> bool:
    return e.type in ("country", "region") and bool(_SCOPE_BEFORE.search(text, max(0, e.start - 12), e.start))


def _claim(
    doc: Document, p: Passage, q: Quantity, entity: str | None, metric: str, period: Period | None,
    forecast: bool,
) -> Claim:
    return Claim(
        id=claim_id(doc.id, p.index, q.start, q.end), document_id=doc.id, document_title=doc.title,
        source=doc.source, published=doc.published, page=p.page, quote=p.text, entity=entity, metric=metric,
        value=q.value, unit=q.unit, raw=q.raw, approximate=q.approximate, bound=q.bound, range=q.range,
        period=period.iso if period else None, kind="forecast" if forecast else "reported",
        language=p.language, precision=q.precision, passage=p.index, start=q.start, end=q.end, box=p.box,
    )


def _table_claims(doc: Document, p: Passage) -> list[Claim]:
    """One claim per numeric cell. The row's first cell names the entity. A column header that is
    a date ("Feb 2026") gives the period, and the caption then says what is measured; any other
    header is the metric, with the caption's period. Units come from the cell, else from the
    header or caption ("Share (%)", "USD per million tokens", "单位：亿元")."""
    if not p.cells or not p.headers:
        return []
    lang = p.language
    caption = p.context or ""
    caption_periods = find_periods(caption, lang, doc.published) if caption else []
    topic = _caption_topic(caption, caption_periods, lang)
    row_entity = None
    out = []
    offset = 0
    for i, (header, cell) in enumerate(zip(p.headers, p.cells)):
        at = p.text.find(cell, offset)
        if at >= 0:
            offset = at + len(cell)
        quantities = [q for q in find_quantities(cell, lang) if _is_figure(q, [])]
        if i == 0 or not quantities:
            if i == 0 and cell and not quantities:
                row_entity = canonical(cell) or _first_entity(cell, lang) or cell.strip()
            continue
        q = _with_header_unit(quantities[0], header, caption, lang)
        q = q.model_copy(update={"start": max(at, 0) + q.start, "end": max(at, 0) + q.end})
        header_periods = find_periods(header, lang, doc.published)
        if header_periods:
            period, metric = header_periods[-1], topic or _label(p.headers[0], lang)
        else:
            period, metric = (caption_periods[-1] if caption_periods else None), _label(header, lang)
        out.append(_claim(doc, p, q, row_entity, metric, period, False))
    return out


def _label(header: str, lang: str) -> str:
    label = _HEADER_UNIT.sub("", header).strip(" ,;:")
    if lang == "en" and label[:1].isupper() and not label[1:2].isupper():
        return label[:1].lower() + label[1:]
    return label


def _caption_topic(caption: str, periods: list[Period], lang: str) -> str:
    """What a table measures, from its caption: "Table 1: Share of tokens, Dec 2025 to Feb 2026"
    → "share of tokens"."""
    text = caption
    for pr in sorted(periods, key=lambda pr: -pr.start):
        text = text[:pr.start] + text[pr.end:]
    text = _CAPTION_PREFIX.sub("", _HEADER_UNIT.sub("", text)).strip(" ,;:，；：。.")
    text = re.sub(r"\s+(?:in|for|from|to|by|as of|during)$", "", text)
    return _label(text, lang) if text else ""


def _with_header_unit(q: Quantity, header: str, caption: str, lang: str) -> Quantity:
    """A cell whose unit is written in its header or caption: "31" under "Share (%)", "$0.60"
    under "Output, USD per million tokens"."""
    if q.unit and not _CURRENCY.fullmatch(q.unit):
        return q
    for hint in (_unit_hint(header), _unit_hint(caption)):
        if not hint:
            continue
        if _CURRENCY.fullmatch(q.unit):
            hint = _CURRENCY_CODE.sub("", hint, count=1)
        # A count of units as the column's unit: "(10,000 kW)", "(1,000 t)".
        times = _TIMES_UNIT.fullmatch(hint)
        factor = float(times.group(1).replace(",", "")) if times else 1.0
        hint = times.group(2) if times else hint
        reparsed = find_quantities(f"{q.raw}{hint}" if lang == "zh" else f"{q.raw} {hint}", lang)
        if reparsed and reparsed[0].start == 0 and reparsed[0].unit and reparsed[0].unit != q.unit:
            r = reparsed[0]
            return q.model_copy(update={"unit": r.unit, "value": r.value * factor,
                                        "precision": r.precision * factor if r.precision is not None else None})
    return q


def _first_entity(text: str, lang: str) -> str | None:
    found = find_entities(text, lang, ner=False)
    return found[0].name if found else None


def _unit_hint(text: str) -> str | None:
    """A unit given once for a column or table: "(%)", "(GW)", "单位：亿元", "USD per million tokens"."""
    m = _HEADER_UNIT.search(text)
    if m:
        return (m.group(1) or m.group(2)).strip()
    m = _PER_HINT.search(text)
    return m.group(0).strip() if m else None
