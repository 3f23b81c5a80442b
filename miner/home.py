"""A home folder opened for work: the claim store, the embedder and the vector index, each loaded
once and only when first needed. The CLI opens one per command, the API one per process.
"""
from __future__ import annotations

import time

import numpy as np

from miner.config import Settings
from miner.embed import Embedder, claim_text, text_key
from miner.errors import IndexMismatch
from miner.index import VectorIndex
from miner.model import Claim
from miner.store import ClaimVectors, Store


class Home:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store.open(settings.store_path)
        self._embedder: Embedder | None = None
        self._index: VectorIndex | None = None
        self._dirty_since: float | None = None

    def __enter__(self) -> Home:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.save_index()
        self.store.close()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.settings.model)
        return self._embedder

    @property
    def index(self) -> VectorIndex:
        """The index on disk, repaired against the store: the store is the truth."""
        if self._index is None:
            home, model, dim = self.settings.home, self.embedder.name, self.embedder.dimension
            try:
                index = VectorIndex.load(home, model, dim)
            except IndexMismatch:
                index = VectorIndex(home, model, dim)
            self._index = index
            self.embed_missing()
            if index.sync(self.store) != {"added": 0, "removed": 0}:
                self._dirty_since = time.monotonic()
        return self._index

    def vectors_for(self, claims: list[Claim]) -> tuple[ClaimVectors, np.ndarray]:
        """Vectors for a document's claims, embedding only texts never seen before."""
        texts = [claim_text(c) for c in claims]
        keys = [text_key(t) for t in texts]
        model = self.embedder.name
        cached = self.store.cached_vectors(model, keys)
        todo = {k: t for k, t in zip(keys, texts) if k not in cached}
        new = dict(zip(todo, self.embedder.encode(list(todo.values())))) if todo else {}
        matrix = np.vstack([cached.get(k, new.get(k)) for k in keys]) if keys else np.zeros((0, self.embedder.dimension), np.float32)
        return ClaimVectors(model, keys, new), matrix

    def added(self, rowids: list[int], matrix: np.ndarray) -> None:
        """Record a stored document's vectors in the index; saved in batches, and synced on load."""
        if self._index is None:
            # Loading syncs with the store, which already holds these vectors.
            _ = self.index
            return
        self._index.add(np.array(rowids, dtype=np.int64), matrix)
        self._dirty_since = self._dirty_since or time.monotonic()
        if time.monotonic() - self._dirty_since > 30:
            self.save_index()

    def removed(self) -> None:
        if self._index is not None:
            self._index.sync(self.store)
            self._dirty_since = self._dirty_since or time.monotonic()

    def save_index(self) -> None:
        if self._index is not None and self._dirty_since is not None:
            self._index.save()
            self._dirty_since = None

    def embed_missing(self, batch: int = 512) -> int:
        """Embed claims that have no vector for the current model (after a model change)."""
        done = 0
        model = self.embedder.name
        while claims := self.store.claims_without_vectors(model, limit=batch):
            texts = [claim_text(c) for _, c in claims]
            vectors = self.embedder.encode(texts)
            self.store.set_claim_vectors(model, [(rowid, text_key(t), v) for (rowid, _), t, v in zip(claims, texts, vectors)])
            done += len(claims)
        return done

    def reindex(self) -> dict[str, int]:
        embedded = self.embed_missing()
        index = VectorIndex(self.settings.home, self.embedder.name, self.embedder.dimension)
        report = index.rebuild(self.store)
        self._index = index
        self._dirty_since = time.monotonic()
        self.save_index()
        return {"embedded": embedded, **report, "count": index.count}
