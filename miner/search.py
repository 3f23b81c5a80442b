"""Hybrid retrieval: keyword search (the store's jieba-segmented full-text index) and vector search
(faiss), fused by reciprocal rank fusion, then filtered.

Keyword search is made cross-lingual for names: entities in the query are expanded to all their
aliases, so "智谱" also matches claims that say "Zhipu AI". Vector search with the multilingual
model covers the rest ("share of tokens" ↔ "占比").
"""
from __future__ import annotations

from dataclasses import dataclass

from miner.embed import Embedder
from miner.entities import aliases, find_entities
from miner.index import VectorIndex
from miner.model import Claim
from miner.periods import iso_bounds
from miner.store import Store

RRF_K = 60


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


def search(
    query: str,
    store: Store,
    index: VectorIndex,
    embedder: Embedder,
    *,
    k: int = 10,
    filters: Filters | None = None,
    depth: int = 100,
) -> list[Claim]:
    """The k best claims for a query, each with its fused `score`."""
    filters = filters or Filters()
    keyword = [rowid for rowid, _ in store.search_claims(expand_query(query), limit=depth)]
    vector: list[int] = []
    if index.count:
        _, ids = index.search(embedder.encode([query]), depth)
        vector = [int(i) for i in ids[0] if i >= 0]
    fused: dict[int, float] = {}
    for ranking in (keyword, vector):
        for rank, rowid in enumerate(ranking):
            fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (RRF_K + rank + 1)
    ranked = sorted(fused, key=fused.__getitem__, reverse=True)
    out: list[Claim] = []
    for claim, rowid in zip(store.claims_by_rowid(ranked), ranked):
        if filters.accept(claim):
            out.append(claim.model_copy(update={"score": round(fused[rowid], 6)}))
            if len(out) == k:
                break
    return out


def _periods_overlap(a: str | None, b: str) -> bool:
    """ISO periods of any precision overlap when their days meet ("2026-09" lies within "2026")."""
    if a is None:
        return False
    a0, a1 = iso_bounds(a)
    b0, b1 = iso_bounds(b)
    return a0 <= b1 and b0 <= a1
