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

from miner.entities import canonical, find_entities
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
_CONTINUATION_ZH = re.compile(r"^\s*(其中|其|该公司|该|这|此外|同时|另外)")

# A bare scaled figure ("5.3 trillion of the 8.7 trillion tokens") takes the unit of a sibling.
_INHERITABLE_UNITS = {"tokens", "kWh", "kW"}
_SCALED = re.compile(r"million|billion|trillion|\d\s*(?:bn|tn|mn)\b|万|亿", re.IGNORECASE)
_TOKEN_WORD = re.compile(r"tokens?|词元", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_CURRENCY = re.compile(r"[A-Z]{3}")
_PER_UNIT_CONTEXT = [
    (re.compile(r"\bhour(?:ly)?\b|GPU[- ]hours?|每小时|小时", re.IGNORECASE), "h"),
    (re.compile(r"\bkWh\b|kilowatt[- ]hour|千瓦时|每度电", re.IGNORECASE), "kWh"),
]
_COMPARISON = re.compile(r"(\bfrom|\bversus|\bvs\.?|\bcompared (?:with|to)|\bagainst|较|比|相比)\s*(?:about|around|约)?\s*$",
                         re.IGNORECASE)
_UP_DOWN = re.compile(r"(?<!made )(?<!makes )(?<!make )\b(?:up|down)\s+(?:by\s+)?(?:about\s+)?$", re.IGNORECASE)
_CHANGE_WORD = re.compile(r"\b(declin\w*|drop\w*|fall\w*|fell|rise|rose|increas\w*|decreas\w*|growth|grew|gain\w*|loss)\b|"
                          r"下降|下跌|增长|上涨|上升|减少|增加", re.IGNORECASE)
_HEADER_UNIT = re.compile(r"[(（]\s*([^()（）]{1,12})\s*[)）]|单位[:：]\s*(\S{1,8})")
_CLAUSE = re.compile(r"[,;，；:：]")


@dataclass
class _Context:
    """What the previous passage of the same block leaves for the next one."""

    block: int = -1
    entity: str | None = None
    period: Period | None = None


def extract_claims(doc: Document, passages: Sequence[Passage], *, ner: bool = True) -> list[Claim]:
    """All claims of a document, in passage order."""
    claims: list[Claim] = []
    ctx = _Context()
    for passage in passages:
        if passage.block != ctx.block:
            ctx = _Context(block=passage.block)
        if passage.kind == "table_row":
            claims += _table_claims(doc, passage)
        elif passage.kind == "sentence":
            claims += _sentence_claims(doc, passage, ctx, ner=ner)
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


def _sentence_claims(doc: Document, p: Passage, ctx: _Context, *, ner: bool) -> list[Claim]:
    text, lang = p.text, p.language
    periods = find_periods(text, lang, doc.published)
    quantities = [q for q in find_quantities(text, lang) if _is_figure(q, periods)]
    if not quantities:
        _remember(ctx, None, periods)
        return []
    entities = find_entities(text, lang, ner=ner)
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
        period = best_period(periods, q.start, text) or (ctx.period if continues else None)
        metric = metric_phrase(text, q, entities, periods, quantities, lang)
        metric = _follow_main_figure(text, q, metric, out)
        out.append(_claim(doc, p, q, entity, metric, period, forecast))
    _remember(ctx, subject, periods)
    return out


def _is_figure(q: Quantity, periods: list[Period]) -> bool:
    """Figures worth a claim: not part of a date ("2026年1-9月"), and not a bare count written in
    words ("the ten largest", "the first nine months"), which reports use as prose, not data."""
    if any(q.start < pr.end and pr.start < q.end for pr in periods):
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
    """"$2.30 an hour …, compared with $2.85": the compared price is per hour too."""
    if not _CURRENCY.fullmatch(q.unit):
        return q
    per = next((s.unit for s in siblings if s.unit.startswith(q.unit + "/")), None)
    return q.model_copy(update={"unit": per}) if per else q


def _follow_main_figure(text: str, q: Quantity, metric: str, earlier: list[Claim]) -> str:
    """A figure given for comparison ("down from $2.85", "较2.85美元") or as the change between
    two levels ("a 26% decline") measures what the sentence's first figure measures."""
    main = next((c for c in earlier if c.unit not in ("%", "pp", "x")), None)
    if main is None:
        return metric
    before = text[max(0, q.start - 25):q.start]
    if q.unit == main.unit and _COMPARISON.search(before):
        return main.metric
    if q.unit in ("%", "pp") and (_CHANGE_WORD.search(_clause(text, q)) or _UP_DOWN.search(text, 0, q.start)):
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
    """The subject of a figure: the first entity of its clause when that stands before the figure,
    else the first entity of the sentence before it, else the first one after it.

    The first rather than the nearest, because comparisons name the subject first:
    "US power prices are 1.5 times those in China", "美国电价约为中国的1.5倍".
    """
    if not entities:
        return None
    clause_start = max((m.end() for m in _CLAUSE.finditer(text, 0, q.start)), default=0)
    before = [e for e in entities if e.end <= q.start]
    in_clause = [e for e in before if e.start >= clause_start]
    if in_clause:
        return in_clause[0].name
    if before:
        return before[0].name
    return entities[0].name


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
    """One claim per numeric cell: the row's first cell is the entity, the header the metric."""
    if not p.cells or not p.headers:
        return []
    caption = p.context or ""
    lang = p.language
    periods = find_periods(caption, lang, doc.published) if caption else []
    period = periods[-1] if periods else None
    caption_unit = _unit_hint(caption)
    row_entity = None
    out = []
    offset = 0
    for i, (header, cell) in enumerate(zip(p.headers, p.cells)):
        at = p.text.find(cell, offset)
        if at >= 0:
            offset = at + len(cell)
        quantities = find_quantities(cell, lang)
        if i == 0 or not quantities:
            if i == 0 and cell and not quantities:
                row_entity = canonical(cell) or _first_entity(cell, lang) or cell.strip()
            continue
        q = quantities[0]
        if not q.unit:
            hint = _unit_hint(header) or caption_unit
            if hint:
                reparsed = find_quantities(f"{q.raw}{hint}" if lang == "zh" else f"{q.raw} {hint}", lang)
                if reparsed and reparsed[0].unit:
                    q = q.model_copy(update={"unit": reparsed[0].unit, "value": reparsed[0].value,
                                             "precision": reparsed[0].precision})
        base = max(at, 0)
        q = q.model_copy(update={"start": base + q.start, "end": base + q.end})
        metric = _HEADER_UNIT.sub("", header).strip().lower() if lang == "en" else _HEADER_UNIT.sub("", header).strip()
        out.append(_claim(doc, p, q, row_entity, metric, period, False))
    return out


def _first_entity(text: str, lang: str) -> str | None:
    found = find_entities(text, lang, ner=False)
    return found[0].name if found else None


def _unit_hint(text: str) -> str | None:
    """A unit given once for a whole column or table: "Share (%)", "(GW)", "单位：亿元"."""
    m = _HEADER_UNIT.search(text)
    if not m:
        return None
    hint = (m.group(1) or m.group(2)).strip()
    return hint if find_quantities(f"1 {hint}") and find_quantities(f"1 {hint}")[0].unit else None
