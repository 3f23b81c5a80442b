"""Question → Answer: understand what is asked, retrieve claims, keep those that fit, gather the
fact the question is about, cross-check it, and say the figure with its period and sources in the
question's language.

Never a guess: when no claim fits the kind of figure, the subject and the period asked for, the
answer says so and `figure` is null.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import numpy as np

from miner.crosscheck import (
    AMOUNT_UNITS_EXCLUDED, Fact, agree, agreement, arithmetic, compatible, derived_shares, is_change, is_reference,
    metric_vectors, same_metric,
)
from miner.entities import aliases, entity_type
from miner.facets import facets
from miner.model import Answer, Check, Claim, Figure
from miner.periods import iso_bounds
from miner.question import Query, understand, unit_fits
from miner.search import search

MIN_SCORE = 1.0
REPORTING_LAG_DAYS = 183
# The best claim must be about the question at least this much (cosine of the question and the
# claim's text or label): less when it is the kind of figure asked for (more so across languages,
# where the model's similarities run lower), more when the question does not say what kind it wants.
RELEVANCE_FLOOR = {"same language": 0.30, "other language": 0.25, "any kind": 0.40}
# A claim is on the question's topic when it is about as close to the question as the closest
# claim in its own language (cross-lingual similarities run lower), and not merely loosely close.
ON_TOPIC_SHARE = 0.8
ON_TOPIC_FLOOR = 0.35


def _period_fits(claim: str | None, asked: str | None) -> bool | None:
    if claim is None or asked is None:
        return None
    (a0, a1), (b0, b1) = iso_bounds(claim), iso_bounds(asked)
    return a0 <= b1 and b0 <= a1


def fit(c: Claim, q: Query, about: frozenset[str | None] = frozenset()) -> float | None:
    """How well a retrieved claim fits the question, or None when it cannot answer it: the wrong
    kind of figure, another subject, another period, a change for a level or the reverse.
    `about`: the documents that name the question's subject elsewhere."""
    unit = unit_fits(c.unit, q.wants)
    period = _period_fits(c.period, q.period)
    if unit is False or period is False or is_change(c) != q.change:
        return None
    if q.entities and c.entity is not None and c.entity not in q.entities:
        return None
    if q.entities and c.entity is None and c.document_id not in about and not _mentions(c.quote, q.entities):
        return None  # a figure without a subject is about the asked one only if its report names it
    if period is None and q.period and not _may_report(c, q.period):
        return None
    if q.names:
        said = f"{c.quote} {c.document_title or ''}".casefold()
        if not all(n.casefold() in said for n in q.names):
            return None
        if c.entity and c.entity not in q.entities and not _named(c.entity, q.names):
            return None  # about someone else, though the unknown name is in its report
    score = 1.5 if unit else 0.0
    if q.entities:
        # "How many tokens did DeepSeek process on OpenRouter?": the platform is where, not whose.
        subjects = [e for e in q.entities if entity_type(e) != "platform"] or q.entities
        score += 1.0 if c.entity in subjects else 0.3 if c.entity in q.entities else -0.3
    score += 1.0 if period else 0.0
    score += 0.5 if (c.kind == "forecast") == q.forecast else -1.5
    score += _facet_fit(c, facets(q.text))
    # A figure given for comparison ("down from $2.85") is the sentence's second subject.
    return score - (0.1 if is_reference(c) else 0.0)


def _facet_fit(c: Claim, asked) -> float:
    """Wind asked, solar measured. Group by group the question names: the claim's metric naming
    the same members gains, naming others loses. A metric that names none ("占比") is of what its
    sentence speaks of, but a sentence may speak of wind and solar and give a figure for each:
    it gains when it names just what is asked and loses, less, when it names nothing of it."""
    if not asked:
        return 0.0
    own, said = facets(c.metric), facets(c.quote)
    score = 0.0
    for group, members in asked.items():
        if group in own:
            score += 0.5 if own[group] == members else -1.0
        elif group in said:
            score += 0.5 if said[group] == members else -0.5 if not said[group] & members else 0.0
    return score


def _named(entity: str, names: tuple[str, ...]) -> bool:
    """The claim's own entity is one the gazetteer does not know but the question names:
    "Kling AI" for "Kling", "Virginia" for "Virginia"."""
    folded = entity.casefold()
    return any(n.casefold() in folded or folded in n.casefold() for n in names)


def _mentions(text: str, entities: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return any(a.casefold() in folded for e in entities for a in aliases(e) or [e])


def _may_report(c: Claim, asked: str) -> bool:
    """A figure without a period may be about the asked one if its report came out during it or
    soon after (a forecast: before its end)."""
    if c.published is None:
        return True
    start, end = iso_bounds(asked)
    if c.kind == "forecast":
        return c.published <= end
    return start <= c.published <= end + timedelta(days=REPORTING_LAG_DAYS)


def ask(question: str, home, *, k: int = 10, today: date | None = None) -> Answer:
    """Answer a question from the claims in `home` (a miner.home.Home)."""
    q = understand(question, today)
    index = home.index
    # Embedded once, for the vector search and for relevance; not at all when nothing is indexed.
    vector = home.embedder.encode([question])[0] if index.count else None
    found = search(question, home, k=max(k, 40), vector=vector)
    if not found:
        return _not_found(q)
    top = max(c.score or 0.0 for c in found)
    about = frozenset(c.document_id for c in found if c.entity in q.entities)
    scored = sorted(
        ((f + (c.score or 0.0) / top, c) for c in found if (f := fit(c, q, about)) is not None),
        key=lambda t: -t[0],
    )
    kept = [c for s, c in scored if s >= MIN_SCORE]
    relevance = _relevance(question, vector, kept, home)
    seed = next((i for i, c in enumerate(kept) if relevance[i] >= _floor(c, q)), None)
    if seed is None:
        return _not_found(q)
    order = [seed] + [i for i in range(len(kept)) if i != seed]
    fact = _gather([kept[i] for i in order], relevance[order], home.embedder.encode_recent)
    checks = _checks(fact, found, home.store)
    head = _headline(fact)
    shown = fact.claims + [c for c in kept if c not in fact.claims]
    return Answer(
        question=question,
        answer=_compose(q, head, fact, checks, _inputs(checks, home.store)),
        figure=Figure(value=head.value, unit=head.unit, entity=head.entity, metric=head.metric,
                      period=head.period or _period_of(fact, head)),
        claims=tuple(shown[:max(k, len(fact.claims))]),
        checks=tuple(checks),
    )


def _relevance(question: str, vector: np.ndarray | None, kept: list[Claim], home) -> np.ndarray:
    """How much each claim is about the question: its text (`claim_text`) or its label (subject and
    metric), whichever is closer to the question; the label is what carries across languages.
    The texts' vectors are the ones ingest stored, so answering embeds only labels."""
    if not kept:
        return np.zeros(0)
    if vector is None:
        vector = home.embedder.encode([question])[0]
    texts = home.vectors_for(kept)[1] @ vector
    labels = home.embedder.encode_recent(
        [" ".join(x for x in (c.entity, c.metric) if x) or c.quote for c in kept])
    return np.maximum(texts, labels @ vector)


def _floor(c: Claim, q: Query) -> float:
    if not unit_fits(c.unit, q.wants):
        return RELEVANCE_FLOOR["any kind"]
    return RELEVANCE_FLOOR["same language" if c.language == q.language else "other language"]


def _gather(kept: list[Claim], relevance: np.ndarray, encode) -> Fact:
    """The fact the best claim states: every kept claim that could state the same fact (same
    subject, unit, period, kind, not the same sentence) and either measures the same thing by its
    metric phrase or, in the other language, is as much about the question as the best claims of
    that language.

    The second path is what lets "美国电价约为中国的2倍" meet "a US operator pays about 1.6 times
    as much" when their metric phrases are too rough to meet by themselves."""
    metrics = metric_vectors(kept, encode)
    best: dict[str, float] = {}
    for c, r in zip(kept, relevance):
        best[c.language] = max(best.get(c.language, -1.0), float(r))
    on_topic = [float(r) >= max(ON_TOPIC_FLOOR, ON_TOPIC_SHARE * best[c.language])
                for c, r in zip(kept, relevance)]
    similarity = metrics @ metrics[0]
    members = [0]
    # Of two figures in one sentence, the one whose metric is closer to the best claim's joins.
    order = sorted(range(1, len(kept)), key=lambda i: (-round(float(similarity[i]), 3), is_reference(kept[i])))
    for i in order:
        c = kept[i]
        if not all(compatible(c, kept[j]) for j in members):
            continue
        alike = any(same_metric(c, kept[j], float(metrics[i] @ metrics[j])) for j in members)
        # By topic alone only across languages, where metric phrases meet least reliably, and one
        # claim a report: a report's second figure on the topic is most likely another metric
        # ("$0.08 for US operators", "$0.05 in the western hubs").
        new_report = all(kept[j].document_id != c.document_id for j in members)
        by_topic = c.language != kept[0].language and on_topic[i] and on_topic[0] and new_report
        if alike or (c.entity is not None and by_topic):
            members.append(i)
    return Fact([kept[i] for i in members])


def _checks(fact: Fact, found: list[Claim], store) -> list[Check]:
    """Agreement inside the fact, and arithmetic about its claims within and across the reports
    retrieval touched (a derived share needs the report that gives the part and the total)."""
    ids = {c.id for c in fact.claims}
    own = {c.document_id for c in fact.claims}
    documents = list(dict.fromkeys(c.document_id for c in [*fact.claims, *found] if c.document_id))
    # The checks that concern the fact's claims need all of their own reports, and of the others
    # only the parts and totals a share can be derived from: reading whole reports took a sixth
    # of the time of an answer at 100k claims (benchmarks/serve.py --profile).
    by_document = defaultdict(list)
    for c in store.amounts_sharing_a_passage([d for d in documents if d not in own], AMOUNT_UNITS_EXCLUDED):
        by_document[c.document_id].append(c)
    near = [c for d in documents for c in (store.claims(document=d) if d in own else by_document[d])]
    checks = [a] if (a := agreement(fact)) else []
    checks += [ch for ch in arithmetic([c for c in near if c.document_id in own]) + derived_shares(near)
               if ch.claim_ids[0] in ids]
    unique = {(ch.kind, ch.claim_ids): ch for ch in checks}
    return sorted(unique.values(), key=lambda ch: (ch.status != "conflict", ch.kind))


def _inputs(checks: list[Check], store) -> dict[str, Claim]:
    return {c.id: c for c in store.claims_by_id({i for ch in checks for i in ch.claim_ids})}


def _headline(fact: Fact) -> Claim:
    """The best-supported value: the one most statements agree with; then the most recent
    source; then the most specific statement (a period, an exact figure, no bound)."""
    support = Counter()
    for c in fact.claims:
        support[c.id] = sum(agree(c, o) for o in fact.claims)
    return max(fact.claims, key=lambda c: _rank(c, support))


def _rank(c: Claim, support: Counter) -> tuple:
    return (support[c.id], c.published or date.min, c.period is not None, not c.approximate, c.bound is None)


def _period_of(fact: Fact, head: Claim) -> str | None:
    return next((c.period for c in fact.claims if c.period and agree(c, head)), None)


# -- saying it ---------------------------------------------------------------------------------

def _compose(q: Query, head: Claim, fact: Fact, checks: list[Check], by_id: dict[str, Claim]) -> str:
    zh = q.language == "zh"
    agreeing = [c for c in fact.claims if agree(c, head)]
    differ = [c for c in fact.claims if c not in agreeing]
    # Say it with a claim in the question's language where one agrees with the headline.
    voice = next((c for c in agreeing if c.language == q.language and c.value == head.value), head)
    subject = _subject(next((c for c in [voice, *fact.claims] if c.language == q.language), head), q.language)
    # A table cell's raw figure is a bare number whose unit and scale sat in the header ("980"
    # under "新增风电（万千瓦）"): say the value instead.
    bare = head.unit and _BARE_NUMBER.fullmatch(voice.raw)
    figure = voice.raw if voice.language == q.language and not bare else say_value(head.value, head.unit, q.language)
    figure = _qualified(figure, voice, zh)
    period = say_period(head.period or _period_of(fact, head), q.language)
    sources = _sources(agreeing)
    if zh:
        text = f"{subject}：{figure}" if subject else figure
        when = "，".join(x for x in (period, "预测" if head.kind == "forecast" else "") if x)
        text += f"（{when}）" if when else ""
        text += f"，来源：{'、'.join(sources)}。"
    else:
        text = f"{subject}: {figure}" if subject else figure
        text = text[:1].upper() + text[1:]
        text += f" {'for' if head.kind == 'forecast' else 'in'} {period}" if period else ""
        text += f"{' (forecast)' if head.kind == 'forecast' else ''}, according to {_and(sources)}."
    notes = []
    if differ:
        said = [(c.source, c.raw if c.language == q.language else say_value(c.value, c.unit, q.language))
                for c in differ]
        why = _why(head, fact, zh)
        if zh:
            notes.append("各来源说法不一：" + "；".join(f"{s}为{v}" for s, v in said) + (f"（{why}）" if why else ""))
        else:
            notes.append("Sources disagree: " + "; ".join(f"{s} gives {v}" for s, v in said)
                         + (f" ({why})" if why else ""))
    for ch in (ch for ch in checks if ch.kind == "arithmetic" and ch.status == "conflict"):
        notes.append(_arithmetic_note(ch, by_id, q.language))
        break
    if notes:
        joined = "；".join(notes) if zh else "; ".join(notes)
        text += joined + "。" if zh else " " + joined[:1].upper() + joined[1:] + "."
    return text


def _why(head: Claim, fact: Fact, zh: bool) -> str:
    """Why the headline is the one given: more sources, a more recent one, or a more specific one."""
    support = Counter({c.id: sum(agree(c, o) for o in fact.claims) for c in fact.claims})
    others = [c for c in fact.claims if not agree(c, head)]
    if all(support[head.id] > support[o.id] for o in others):
        return "上述数字为多数来源所述" if zh else "the figure above is what most sources give"
    if head.published and all(o.published is None or head.published > o.published for o in others):
        return (f"上述数字来自最新发布的来源，发布于{head.published}" if zh
                else f"the figure above is from the most recent source, published {head.published}")
    if all(_rank(head, support) > _rank(o, support) for o in others):
        return "上述数字表述更具体" if zh else "the figure above is the more specific statement"
    return ""


def _arithmetic_note(ch: Check, by_id: dict[str, Claim], lang: str) -> str:
    stated, *inputs = [by_id.get(i) for i in ch.claim_ids]
    if lang != "zh" or stated is None or None in inputs:
        return ("an arithmetic check fails: " if lang != "zh" else "算术核对不符：") + ch.detail.rstrip(".")
    derived = say_value(float(f"{ch.values[1]:.3g}"), ch.unit, "zh")
    used = "和".join(c.raw for c in inputs)
    return f"算术核对不符：{stated.raw}（{stated.source}）与由{used}推算出的{derived}不一致"


def _subject(c: Claim, lang: str) -> str:
    entity = _entity_name(c.entity, lang) if c.entity else ""
    metric = c.metric if c.language == lang else ""
    if lang == "zh":
        return entity + metric if not metric.startswith(entity) else metric
    return ", ".join(x for x in (entity, metric) if x)


def _entity_name(name: str, lang: str) -> str:
    if lang != "zh":
        return name
    return next((a for a in aliases(name) if re.search(r"[\u4e00-\u9fff]", a)), name)


_BARE_NUMBER = re.compile(r"[\d.,\s]+")
_HAS_BOUND = re.compile(r"over|more than|above|at least|up to|under|below|less than|超过|逾|以上|至少|不到|不足|以下|最多", re.I)
_HAS_HEDGE = re.compile(r"about|around|roughly|approximately|nearly|almost|some|约|近|大约|左右", re.I)


def _qualified(figure: str, c: Claim, zh: bool) -> str:
    """Put back the hedge or bound the raw figure does not carry: "about 61%", "超过2.6亿千瓦"."""
    if c.bound and not _HAS_BOUND.search(figure):
        word = {"at_least": "超过" if zh else "at least", "at_most": "不超过" if zh else "at most"}[c.bound]
        return f"{word}{figure}" if zh else f"{word} {figure}"
    if c.approximate and not _HAS_HEDGE.search(figure):
        return f"约{figure}" if zh else f"about {figure}"
    return figure


_SCALES_EN = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")]
_SCALES_ZH = [(1e12, "万亿"), (1e8, "亿"), (1e4, "万")]
_UNIT_WORDS = {
    "en": {"%": "%", "x": " times", "pp": " percentage points", "tokens": " tokens", "kWh": " kWh", "kW": " kW"},
    "zh": {"%": "%", "x": "倍", "pp": "个百分点", "tokens": "Token", "kWh": "千瓦时", "kW": "千瓦"},
}
_CURRENCY_ZH = {"USD": "美元", "CNY": "元", "EUR": "欧元"}
_PER_ZH = {"h": "每小时", "kWh": "每千瓦时", "token": "每Token"}


def say_value(value: float, unit: str, lang: str) -> str:
    """A canonical value in words a reader of `lang` expects: 3.8e11 kWh → "380 billion kWh",
    "3800亿千瓦时"; 0.08 USD/kWh → "USD 0.08 per kWh", "每千瓦时0.08美元"."""
    scales = _SCALES_ZH if lang == "zh" else _SCALES_EN
    number = f"{value:,.4g}" if lang != "zh" else f"{value:.4g}"
    for size, word in scales:
        if abs(value) >= size and unit not in ("%", "x", "pp"):
            number = f"{value / size:.4g}{'' if lang == 'zh' else ' '}{word}"
            break
    currency, _, per = unit.partition("/")
    if re.fullmatch(r"[A-Z]{3}", currency):
        if lang == "zh":
            return f"{_PER_ZH.get(per, '')}{number}{_CURRENCY_ZH.get(currency, currency)}"
        return f"{currency} {number}" + (f" per {per}" if per else "")
    return number + _UNIT_WORDS[lang if lang == "zh" else "en"].get(unit, f" {unit}" if unit else "")


_ISO = re.compile(r"\d{4}(-\d\d){0,2}(/\d{4}(-\d\d){0,2})?")
_MONTH_NAMES = "January February March April May June July August September October November December".split()


def say_period(iso: str | None, lang: str) -> str:
    """An ISO period as a reader says it: "2026-01/2026-09" → "January–September 2026", "2026年1-9月"."""
    if not iso or not _ISO.fullmatch(iso):
        return iso or ""
    first, _, last = iso.partition("/")
    parts = [p.split("-") for p in (first, last) if p]
    if lang == "zh":
        def zh(p, year=True):
            return (f"{p[0]}年" if year else "") + "".join(f"{int(x)}{u}" for x, u in zip(p[1:], "月日"))
        if len(parts) == 2 and parts[0][0] == parts[1][0] and len(parts[0]) == len(parts[1]) == 2:
            return f"{parts[0][0]}年{int(parts[0][1])}-{int(parts[1][1])}月"
        if len(parts) == 2 and len(parts[0]) == len(parts[1]) == 1:
            return f"{parts[0][0]}-{parts[1][0]}年"
        return "至".join(zh(p, year=i == 0 or p[0] != parts[0][0]) for i, p in enumerate(parts))

    def en(p, year=True):
        words = ([str(int(p[2]))] if len(p) > 2 else []) + ([_MONTH_NAMES[int(p[1]) - 1]] if len(p) > 1 else [])
        return " ".join(words + ([p[0]] if year or len(p) == 1 else []))
    if len(parts) == 2 and parts[0][0] == parts[1][0] and len(parts[0]) > 1:
        return f"{en(parts[0], year=False)}–{en(parts[1])}"
    return "–".join(en(p) for p in parts)


def _sources(claims: list[Claim]) -> list[str]:
    return list(dict.fromkeys(c.source or "?" for c in claims))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _not_found(q: Query) -> Answer:
    text = ("没有找到与该问题相符的数据：已存储的报告中没有给出这一数字。" if q.language == "zh"
            else "Not found: no figure in the stored reports answers this question.")
    return Answer(question=q.text, answer=text)
