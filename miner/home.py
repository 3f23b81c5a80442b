"""A home folder opened for work: the claim store, the embedder, the vector index and the keyword
index, each loaded once and only when first needed. The CLI opens one per command, the API one
per process.

A home may be used by many threads at once (the API answers requests side by side): the store
gives each thread a connection of its own, the index lets searches run together, and the changes
to the indexes (loading them, following the store, adding a stored document's claims) are made by
one thread at a time.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import numpy as np

from miner.config import Settings
from miner.embed import Embedder, claim_text, text_key
from miner.errors import IndexMismatch
from miner.index import VectorIndex
from miner.keywords import KeywordIndex, build

KEYWORDS_FILE = "keywords.npz"
from miner.model import Claim
from miner.storage import open_store
from miner.store import ClaimVectors


class Home:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = open_store(settings)
        self._embedder: Embedder | None = None
        self._index: VectorIndex | None = None
        self._keywords: KeywordIndex | None = None
        self._keywords_dirty = False
        self._dirty_since: float | None = None
        # What the indexes were last brought up to date with: the store's data version (it moves
        # when another process commits), and how many claims the vector index lacks on purpose.
        self._seen_version: int | None = None
        self._unindexed = 0
        self._top = 0  # the highest claim rowid in the index
        self._lock = threading.RLock()

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
        """The index on disk, repaired against the store: the store is the truth. Once loaded it
        follows what other processes commit to the store (see `refresh`)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._load_index()
        else:
            self.refresh()
        return self._index

    @property
    def keywords(self) -> KeywordIndex:
        """Keyword search over the store's claims, held in memory: loaded from the home, else built
        from the words the store keeps; like the index, it follows what other processes commit."""
        if self._keywords is None:
            with self._lock:
                if self._keywords is None:
                    if self._seen_version is None:
                        self._seen_version = self._store_version()
                    self._load_keywords()
        else:
            self.refresh()
        return self._keywords

    def _load_keywords(self) -> None:
        """The keyword index saved in the home, brought up to date with the store; else built.
        SQLite gives a deleted last claim's rowid to the next one stored, so a saved index is
        trusted only while its highest rowid is still the same claim."""
        loaded = KeywordIndex.load(self.settings.home / KEYWORDS_FILE)
        if loaded is not None:
            index, meta = loaded
            if meta.get("top_claim") == self._claim_id(index.top):
                self._keywords = index
                self._follow_keywords()
                return
        self._keywords = build(self.store.claim_terms())
        self._keywords_dirty = True
        self.save_index()  # at once: 31 s to build at 1M claims, 0.2 s to save, 0.1 s to load

    def _claim_id(self, rowid: int) -> str | None:
        found = self.store.claims_by_rowid([rowid]) if rowid else []
        return found[0].id if found else None

    def _load_index(self) -> None:
        home, model, dim = self.settings.home, self.embedder.name, self.embedder.dimension
        try:
            index = VectorIndex.load(home, model, dim)
        except IndexMismatch:
            index = VectorIndex(home, model, dim)
        self._seen_version = self._store_version()
        self._index = index
        if self._keywords is not None:
            self._follow_keywords()  # it was brought up to an older version, which is now forgotten
        # The claims an index saved for this model holds have vectors of it: only later ones may
        # lack one. Looking at every claim took 91 of 131 s of start-up at 1M claims.
        ids = index.ids()
        self.embed_missing(after=int(ids.max()) if len(ids) else 0)
        self._full_sync()

    def refresh(self) -> dict[str, int]:
        """Bring the loaded index up to date with commits made through other connections: another
        process (a `miner ingest` batch running beside `miner serve`) or another thread of this one.

        Cheap when nothing changed: the store's data version (SQLite's `PRAGMA data_version`, a
        counter row in PostgreSQL; one call, microseconds) moves only when a writer commits.
        After a change, the claims above the index's highest id are added from the store, which
        holds their vectors (an indexed range read); a full sync runs only when the claim count
        then disagrees (another process deleted).
        """
        if self._seen_version is None or self._store_version() in (None, self._seen_version):
            return {"added": 0, "removed": 0}
        with self._lock:
            return self._follow()

    def _follow(self) -> dict[str, int]:
        version = self._store_version()
        if version == self._seen_version:
            return {"added": 0, "removed": 0}  # another thread followed it first
        self._seen_version = version
        claims = self.store.counts()["claims"]
        self._follow_keywords(claims)
        index = self._index
        if index is None:
            return {"added": 0, "removed": 0}
        added = 0
        for new_ids, vectors in self.store.claim_vectors(index.model, self.store.claim_rowids(after=self._top)):
            index.add(new_ids, vectors)
            added += len(new_ids)
            self._top = max(self._top, int(new_ids.max()))
        report = {"added": added, "removed": 0}
        if claims - index.count != self._unindexed:
            report = self._full_sync()
            report["added"] += added
        elif added:
            self._dirty_since = self._dirty_since or time.monotonic()
        return report

    def _follow_keywords(self, claims: int | None = None) -> None:
        """Add the claims the store gained since the keyword index was last brought up to date,
        and forget those it lost (another process deleted a document). `claims`: the store's
        claim count, when the caller has just read it."""
        keywords = self._keywords
        if keywords is None:
            return
        before = (len(keywords), keywords.top)
        for rowids, texts in self.store.claim_terms(after=keywords.top):
            keywords.add(rowids, texts)
        if len(keywords) != (self.store.counts()["claims"] if claims is None else claims):
            keywords.retain(self.store.claim_rowids(embedded=False))
        self._keywords_dirty = self._keywords_dirty or (len(keywords), keywords.top) != before

    def _store_version(self) -> int | None:
        data_version = getattr(self.store, "data_version", None)
        return data_version() if data_version is not None else None

    def _full_sync(self) -> dict[str, int]:
        report = self._index.sync(self.store)
        if report != {"added": 0, "removed": 0}:
            self._dirty_since = self._dirty_since or time.monotonic()
        self._note_synced()
        return report

    def _note_synced(self) -> None:
        # Claims without a vector for this model stay out of the index; remember how many.
        self._unindexed = self.store.counts()["claims"] - self._index.count
        ids = self._index.ids()
        self._top = int(ids.max()) if len(ids) else 0

    def vectors_for(
        self, claims: list[Claim], precomputed: Mapping[str, np.ndarray] | None = None
    ) -> tuple[ClaimVectors, np.ndarray]:
        """Vectors for claims (a document's being stored, or those an answer weighs), embedding only
        texts never seen before.

        `precomputed` (text key → vector, from this home's model, e.g. computed by a Dask worker)
        is used before the embedder is asked."""
        texts = [claim_text(c) for c in claims]
        keys = [text_key(t) for t in texts]
        model = self.embedder.name
        cached = self.store.cached_vectors(model, keys)
        given = {k: precomputed[k] for k in keys if k not in cached and k in (precomputed or {})}
        todo = {k: t for k, t in zip(keys, texts) if k not in cached and k not in given}
        new = given | (dict(zip(todo, self.embedder.encode(list(todo.values())))) if todo else {})
        matrix = np.vstack([cached.get(k, new.get(k)) for k in keys]) if keys else np.zeros((0, self.embedder.dimension), np.float32)
        return ClaimVectors(model, keys, new), matrix

    def added(self, rowids: list[int], matrix: np.ndarray) -> None:
        """Record a stored document's claims in the indexes: its vectors given, its words read back
        from the store. The vector index is saved in batches, and synced on load."""
        with self._lock:
            self._follow_keywords()
            if self._index is None:
                # Loading syncs with the store, which already holds these vectors.
                _ = self.index
                return
            # Another thread may have followed the store past this commit and added them already.
            new = [i for i, rowid in enumerate(rowids) if rowid > self._top]
            if new:
                self._index.add(np.array(rowids, dtype=np.int64)[new], matrix[new])
                self._top = max(rowids)
                self._dirty_since = self._dirty_since or time.monotonic()
            if self._dirty_since is not None and time.monotonic() - self._dirty_since > 30:
                self.save_index()

    def removed(self) -> None:
        with self._lock:
            self._follow_keywords()
            if self._index is not None:
                self._full_sync()

    def save_index(self) -> None:
        with self._lock:
            if self._keywords is not None and self._keywords_dirty:
                try:
                    self._keywords.save(self.settings.home / KEYWORDS_FILE,
                                        top_claim=self._claim_id(self._keywords.top))
                    self._keywords_dirty = False
                except OSError:
                    pass  # as for the vector index below: derived, repaired when next loaded
            if self._index is not None and self._dirty_since is not None:
                try:
                    self._index.save()
                except (OSError, RuntimeError):
                    # A full disk, or another process saving at the same moment. The index is
                    # derived from the store and repaired when next loaded, so a failed save must
                    # not end a batch that has stored its documents; it is tried again next time.
                    return
                self._dirty_since = None

    def embed_missing(self, batch: int = 512, after: int = 0) -> int:
        """Embed claims above rowid `after` that have no vector for the current model (after a
        model change)."""
        done = 0
        model = self.embedder.name
        while claims := self.store.claims_without_vectors(model, limit=batch, after=after):
            after = claims[-1][0]
            texts = [claim_text(c) for _, c in claims]
            vectors = self.embedder.encode(texts)
            self.store.set_claim_vectors(model, [(rowid, text_key(t), v) for (rowid, _), t, v in zip(claims, texts, vectors)])
            done += len(claims)
        return done

    def reindex(self) -> dict[str, int]:
        with self._lock:
            embedded = self.embed_missing()
            index = VectorIndex(self.settings.home, self.embedder.name, self.embedder.dimension)
            self._seen_version = self._store_version()
            self._follow_keywords()
            report = index.rebuild(self.store)
            self._index = index
            self._note_synced()
            self._dirty_since = time.monotonic()
            self.save_index()
            return {"embedded": embedded, **report, "count": index.count}
