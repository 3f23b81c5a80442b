"""The vector index: faiss on disk beside the store, with a meta.json.

The store is the truth (it keeps every claim's vector); the index is derived from it. Ids in the
index are the claims' store rowids. `sync` compares the two and repairs the index: vectors the
index lacks are added, ids the store no longer has are removed, and an index built with another
model or format is rebuilt, so a crash between a store commit and an index save costs nothing.

Small indexes are exact (a flat inner-product scan); once an index reaches `APPROXIMATE_FROM`
vectors it is rebuilt as IVF (inverted lists over k-means cells), which keeps search fast at a
million claims and, unlike HNSW, supports deleting vectors. The cells are trained once, at the
switch (on a random sample of the store when a whole store is indexed at once); later vectors
join the nearest cell. The lists hold the vectors in float16: half the memory of float32 and, the
scan being bound by memory bandwidth, about twice as fast, with no measurable loss of recall
(8-bit codes halve the memory again but are no faster and lose 3 points of recall@10).
benchmarks/search.py measures build time, memory, latency and recall@10 against exact search
at 100k and 1M claims.

Searches may run in many threads at once (faiss reads the index without changing it); adding,
removing and syncing wait for them and hold them back while they run.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from miner.errors import IndexMismatch

if TYPE_CHECKING:
    import faiss

    from miner.store import Store

FORMAT_VERSION = 1
# Exact search reads every vector: about 4 ms per query at 20k claims and 10 ms at 50k on a busy
# two-core machine; IVF answers in well under 1 ms from 20k claims up with recall@10 ≈ 0.99.
APPROXIMATE_FROM = 50_000
# IVF cells: 4·√n for the n vectors at the switch (894 at 50k), trained on 40 vectors a cell.
# Queries scan NPROBE of them. At 1M claims (cells trained at 50k) that is about 11k vectors, 1.3 ms
# of CPU a query, with recall@10 against exact search of 0.98 for generated questions and 0.99
# overall; 16 cells reach 0.997 but take 2.2 ms, which a busy machine stretches past 5 ms
# (benchmarks/search.py). The cells are not retrained as the index grows, so the time a query
# takes grows with n / cells: past ~3M claims it would pass 5 ms.
NPROBE = 10
INDEX_FILE = "index.faiss"
META_FILE = "meta.json"


@dataclass(frozen=True)
class IndexMeta:
    model: str
    dimension: int
    count: int
    kind: str
    format_version: int = FORMAT_VERSION


class VectorIndex:
    def __init__(self, home: Path, model: str, dimension: int, index: faiss.Index | None = None):
        self.home = Path(home)
        self.model = model
        self.dimension = dimension
        self._index = index if index is not None else _exact(dimension)
        self._lock = _ReadWriteLock()

    # -- persistence -------------------------------------------------------------------------

    @classmethod
    def load(cls, home: Path, model: str, dimension: int) -> VectorIndex:
        """The index on disk, or an empty one. Raises IndexMismatch when it was built otherwise."""
        import faiss

        home = Path(home)
        meta_path, index_path = home / META_FILE, home / INDEX_FILE
        if not index_path.exists() or not meta_path.exists():
            return cls(home, model, dimension)
        try:
            meta = IndexMeta(**json.loads(meta_path.read_text()))
            index = faiss.read_index(str(index_path))
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise IndexMismatch(f"the vector index in {home} is unreadable: {exc}", "run `miner reindex`") from exc
        if meta.format_version != FORMAT_VERSION or meta.model != model or meta.dimension != dimension:
            raise IndexMismatch(
                f"the vector index in {home} was built with model '{meta.model}' ({meta.dimension} dimensions, "
                f"format {meta.format_version}); this run uses '{model}' ({dimension})",
                "run `miner reindex` to rebuild it from the store",
            )
        if index.ntotal != meta.count:
            raise IndexMismatch(f"the vector index in {home} is incomplete", "run `miner reindex`")
        return cls(home, model, dimension, index)

    def save(self) -> None:
        """Write index then meta through temporary files, so a crash never leaves a torn file."""
        import faiss

        self.home.mkdir(parents=True, exist_ok=True)
        meta = IndexMeta(self.model, self.dimension, self.count, self.kind)
        # Temporary names of this process's own, so that two processes saving at once never
        # write into each other's half-written file; the last rename wins whole.
        remove_stale_temporaries(self.home)
        with temporary(self.home, INDEX_FILE) as tmp, self._lock.reading():
            faiss.write_index(self._index, str(tmp))
            os.replace(tmp, self.home / INDEX_FILE)
        with temporary(self.home, META_FILE) as tmp:
            tmp.write_text(json.dumps(meta.__dict__, indent=2))
            os.replace(tmp, self.home / META_FILE)

    # -- contents ----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        return "exact" if isinstance(self._index, _faiss().IndexIDMap2) else "ivf"

    def ids(self) -> np.ndarray:
        with self._lock.reading():
            return self._ids()

    def _ids(self) -> np.ndarray:
        faiss = _faiss()
        if isinstance(self._index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        invlists = faiss.extract_index_ivf(self._index).invlists
        parts = [
            faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
            for i in range(invlists.nlist)
            if invlists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        with self._lock.writing():
            self._add(ids, vectors)

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
            self._maybe_grow()

    def remove(self, ids: np.ndarray) -> int:
        with self._lock.writing():
            return self._remove(ids)

    def _remove(self, ids: np.ndarray) -> int:
        if not len(ids):
            return 0
        removed = int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))
        self._maybe_grow()
        return removed

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) for each query row, best first; id -1 pads when fewer than k exist."""
        queries = np.atleast_2d(np.ascontiguousarray(vectors, dtype=np.float32))
        with self._lock.reading():
            if self.count == 0:
                return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
            if len(queries) < 20 and self.kind == "exact":
                # faiss splits one query's flat scan over its OpenMP threads; on a busy machine the
                # threads wait for each other and one thread is 3–10× faster (benchmarks/search.py).
                with _one_thread():
                    return self._index.search(queries, min(k, self.count))
            return self._index.search(queries, min(k, self.count))

    # -- keeping it true to the store ------------------------------------------------------

    def sync(self, store: Store) -> dict[str, int]:
        """Make the index hold exactly the store's claim vectors for this model."""
        with self._lock.writing():
            return self._sync(store)

    def _sync(self, store: Store) -> dict[str, int]:
        have = self._ids()
        want = store.claim_rowids()
        extra = np.setdiff1d(have, want, assume_unique=True)
        missing = np.setdiff1d(want, have, assume_unique=True)
        removed = self._remove(extra)
        added = 0
        if len(missing) > 1 and self.kind == "exact" and self.count + len(missing) >= APPROXIMATE_FROM:
            # The IVF cells are trained on the vectors present at the switch: let those be a
            # sample of the whole store, not its oldest documents.
            missing = np.random.default_rng(0).permutation(missing)
        for ids, vectors in store.claim_vectors(self.model, missing):
            self._add(ids, vectors)
            added += len(ids)
        self._maybe_grow()
        return {"added": added, "removed": removed}

    def rebuild(self, store: Store) -> dict[str, int]:
        with self._lock.writing():
            self._index = _exact(self.dimension)
            return self._sync(store)

    def _maybe_grow(self) -> None:
        """Switch to IVF once the exact scan gets slow; back to exact if the index shrank a lot."""
        if self.kind == "exact" and self.count >= APPROXIMATE_FROM:
            self._index = _to_ivf(self._index, self.dimension)
        elif self.kind == "ivf" and self.count < APPROXIMATE_FROM // 4:
            ids = self._ids()
            vectors = np.vstack([self._index.reconstruct(int(i)) for i in ids]) if len(ids) else None
            self._index = _exact(self.dimension)
            if vectors is not None:
                self._add(ids, vectors)


def _faiss():
    import faiss

    return faiss


class _ReadWriteLock:
    """Many readers at once, or one writer. A waiting writer holds new readers back, so a steady
    stream of searches cannot keep a store's new vectors out of the index."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


@contextmanager
def _one_thread() -> Iterator[None]:
    faiss = _faiss()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _exact(dimension: int) -> faiss.Index:
    faiss = _faiss()
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def _to_ivf(flat: faiss.Index, dimension: int) -> faiss.Index:
    """IVF over float16 codes with 4·√n cells, trained on a sample, probing NPROBE of them."""
    faiss = _faiss()
    ids = faiss.vector_to_array(flat.id_map).astype(np.int64)
    vectors = flat.index.reconstruct_n(0, flat.ntotal)
    # faiss wants at least 39 training vectors a cell.
    nlist = max(1, min(int(4 * math.sqrt(len(ids))), len(ids) // 39))
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    # Ten k-means rounds instead of faiss's 25: the same recall, in less than half the time.
    ivf.cp.niter = 10
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(len(vectors), size=min(len(vectors), nlist * 40), replace=False)]
    ivf.train(sample)
    ivf.add_with_ids(vectors, ids)
    ivf.nprobe = min(NPROBE, nlist)
    # A hashtable direct map lets reconstruct() work and still allows remove_ids().
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    return ivf


def remove_stale_temporaries(folder: Path, names: tuple[str, ...] = (INDEX_FILE, META_FILE),
                             older_than: float = 3600.0) -> None:
    """Temporary files a killed save left behind (an index's can be a gigabyte). Only old ones:
    a young one may be another process's save in progress."""
    now = time.time()
    for name in names:
        for tmp in folder.glob(f".{name}.*.tmp"):
            try:
                if now - tmp.stat().st_mtime > older_than:
                    tmp.unlink()
            except FileNotFoundError:
                pass


@contextmanager
def temporary(folder: Path, name: str) -> Iterator[Path]:
    """A fresh file name beside `name` in `folder`, removed if it is still there afterwards."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)
