"""Hybrid retrieval: keyword search (BM25 over the claims' jieba-segmented words, miner.keywords)
and vector search (faiss), fused by reciprocal rank fusion, then filtered.

Keyword search is made cross-lingual for names: entities in the query are expanded to all their
aliases, so "智谱" also matches claims that say "Zhipu AI". Vector search with the multilingual
model covers the rest ("share of tokens" ↔ "占比"). A question that asks for a kind of figure
(a share, a price per hour, an amount of money: `miner.question.understand`) lifts the claims that
hold one, since one sentence often states several figures that the words alone cannot tell
apart ("190 GW ..., of which 76 GW, a 50% share").

benchmarks/retrieval.py measures every choice here on the dev set and the demo corpus.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from miner.embed import Embedder
from miner.entities import aliases, find_entities
from miner.index import VectorIndex
from miner.keywords import KeywordIndex
from miner.model import Claim
from miner.periods import iso_bounds
from miner.question import understand, unit_fits
from miner.store import Store, fts_tokens

RRF_K = 60
# The vector ranking counts twice in the fusion. Keyword search matches words, so across languages
# it sees little beyond names and numbers, and with equal weights every same-language claim that
# shares a word with the question outranks the other language's answer. On the dev set and the
# demo corpus (benchmarks/retrieval.py, with the unit bonus below) weight 2 against 1 puts the
# right claim in the top 5 for 29 against 28 of 32 cross-language question/claim pairs, at a mean
# reciprocal rank of 0.53 against 0.47, for 0.93 against 0.95 within one language; 3 ranks as 2.
VECTOR_WEIGHT = 2.0
# What a claim holding the kind of figure the question asks for gains: as much as a first place
# in one ranking (twice as much ranks the same). With it the claim with the right figure reaches
# the top 5 for 29 of 32 cross-language question/claim pairs instead of 21, and its mean
# reciprocal rank rises in the question's own language too (0.86 → 0.93).
UNIT_BONUS = 1.0 / (RRF_K + 1)


class Sources(Protocol):
    """What retrieval reads: a miner.home.Home, or any object with these four (benchmarks build
    indexes of their own)."""

    store: Store
    keywords: KeywordIndex
    index: VectorIndex
    embedder: Embedder


@dataclass(frozen=True)
class Filters:
    entity: str | None = None
    metric: str | None = None
    unit: str | None = None
    period: str | None = None
    document: str | None = None
    language: str | None = None

    def accept(self, c: Claim) -> bool:
        return (
            (self.entity is None or (c.entity or "").casefold() == self.entity.casefold())
            and (self.metric is None or self.metric.casefold() in c.metric.casefold())
            and (self.unit is None or c.unit == self.unit)
            and (self.period is None or _periods_overlap(c.period, self.period))
            and (self.document is None or c.document_id == self.document)
            and (self.language is None or c.language == self.language)
        )


def expand_query(query: str) -> str:
    """The query plus every alias of the entities it names, for keyword search."""
    names = {m.name for m in find_entities(query, ner=False)}
    extra = [a for n in sorted(names) for a in aliases(n)]
    return " ".join([query, *extra])


def rankings(
    query: str, sources: Sources, *, depth: int = 100, vector: np.ndarray | None = None,
) -> tuple[list[int], list[int]]:
    """The two rankings `search` fuses: claim rowids by keyword (BM25) and by vector, best first.
    `vector`: the query's embedding, when the caller has it already."""
    words = " ".join(fts_tokens(expand_query(query)))
    keyword = [rowid for rowid, _ in sources.keywords.search(words, limit=depth)]
    nearest: list[int] = []
    index = sources.index
    if index.count:
        _, ids = index.search(sources.embedder.encode([query]) if vector is None else vector, depth)
        nearest = [int(i) for i in ids[0] if i >= 0]
    return keyword, nearest


def fuse(keyword: list[int], vector: list[int], vector_weight: float = VECTOR_WEIGHT) -> dict[int, float]:
    """Weighted reciprocal rank fusion: a ranking gives weight / (RRF_K + rank) to each id it holds."""
    fused: dict[int, float] = {}
    for ranking, weight in ((keyword, 1.0), (vector, vector_weight)):
        for rank, rowid in enumerate(ranking):
            fused[rowid] = fused.get(rowid, 0.0) + weight / (RRF_K + rank + 1)
    return fused


def search(
    query: str,
    sources: Sources,
    *,
    k: int = 10,
    filters: Filters | None = None,
    depth: int = 100,
    vector: np.ndarray | None = None,
) -> list[Claim]:
    """The k best claims for a query, each with its fused `score`."""
    filters = filters or Filters()
    fused = fuse(*rankings(query, sources, depth=depth, vector=vector))
    store = sources.store
    ranked = list(fused)
    claims = store.claims_by_rowid(ranked)
    if len(claims) != len(ranked):
        # An index a step behind the store (another process deleted a document): pair each
        # claim with its own rowid rather than shifting every later score by one.
        found = {r: store.claims_by_rowid([r]) for r in ranked}
        ranked = [r for r in ranked if found[r]]
        claims = [found[r][0] for r in ranked]
    fits = wanted_unit(query)
    scored = [(fused[r] + (UNIT_BONUS if fits(c.unit) else 0.0), c) for r, c in zip(ranked, claims)]
    scored.sort(key=lambda t: t[0], reverse=True)
    out: list[Claim] = []
    for score, claim in scored:
        if filters.accept(claim):
            out.append(claim.model_copy(update={"score": round(score, 6)}))
            if len(out) == k:
                break
    return out


def wanted_unit(query: str) -> Callable[[str], bool]:
    """Whether a unit is the kind of figure the query asks for (always False when it asks none)."""
    wants = understand(query).wants
    return (lambda unit: bool(unit_fits(unit, wants))) if wants else (lambda unit: False)


def _periods_overlap(a: str | None, b: str) -> bool:
    """ISO periods of any precision overlap when their days meet ("2026-09" lies within "2026")."""
    if a is None:
        return False
    a0, a1 = iso_bounds(a)
    b0, b1 = iso_bounds(b)
    return a0 <= b1 and b0 <= a1
