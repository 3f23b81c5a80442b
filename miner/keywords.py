"""Keyword search over claims: BM25 held in memory as numpy arrays.

Why not the store's full-text index: SQLite FTS5 scores every claim that holds any word of the
question (bm25() for each matching row, each a look-up of that row's size), so a question with one
common word ("share", "的") cost 150 ms at 100k claims and 1.4 s at 1M, three quarters of an
answer (benchmarks/serve.py --profile). Here each word's postings are an array slice with the
term-frequency part of BM25 computed when the claim was added; a question adds up a few slices
and takes the best: about a millisecond at 100k claims.

The store stays the truth. The index is built from the words the store keeps for each claim
(`Store.claim_terms`: the same jieba/word tokens its full-text index holds), follows new claims,
drops deleted ones, and is saved beside the vector index (`save`, `load`) so that a one-off
command need not build it again (35 s at 1M claims; loading takes about a second).

Layout: postings sorted by term (CSR) in a large sealed segment and a small recent one; adding
claims rebuilds only the recent segment, which is folded into the sealed one once it holds a
quarter as many postings. Searches read an immutable snapshot, so they never wait for a writer.
"""
from __future__ import annotations

import functools
import json
import math
import os
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from miner.index import remove_stale_temporaries, temporary

K1, B = 1.2, 0.75  # FTS5's bm25 defaults, which the tuning of search.py was measured with
MIN_SEALED_POSTINGS = 100_000
FORMAT_VERSION = 1


@dataclass(frozen=True)
class _Segment:
    """Postings sorted by term: term t's are docs[indptr[t]:indptr[t+1]] with their weights."""

    indptr: np.ndarray  # int64, one more than the terms it knows
    docs: np.ndarray  # int32 positions in the snapshot's rowids
    weights: np.ndarray  # float32: tf·(k1+1) / (tf + k1·(1 − b + b·length/avg length))

    @classmethod
    def build(cls, terms: np.ndarray, docs: np.ndarray, weights: np.ndarray) -> _Segment:
        order = np.argsort(terms, kind="stable")
        counts = np.bincount(terms, minlength=0) if len(terms) else np.zeros(0, np.int64)
        indptr = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, docs[order].astype(np.int32), weights[order].astype(np.float32))

    @property
    def size(self) -> int:
        return len(self.docs)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 >= len(self.indptr):
            return self.docs[:0], self.weights[:0]
        start, end = self.indptr[term], self.indptr[term + 1]
        return self.docs[start:end], self.weights[start:end]

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        terms = np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int32), np.diff(self.indptr))
        return terms, self.docs, self.weights


_EMPTY = _Segment(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))


@dataclass(frozen=True)
class _Snapshot:
    rowids: np.ndarray  # int64, ascending: a claim's position is its index here
    df: np.ndarray  # int64: how many claims hold each term
    words: int  # the claims' words in all, for the average length
    sealed: _Segment = _EMPTY
    recent: _Segment = _EMPTY


class _Vocabulary(dict):
    """Word → term id; words with the same English stem share one ("tokens", "token")."""

    def __init__(self) -> None:
        super().__init__()
        self.stems: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = self.stems.setdefault(_stem(word), len(self.stems))
        self[word] = term
        return term

    def find(self, word: str) -> int | None:
        """A known word's term id, without learning the word (questions must not grow it)."""
        term = self.get(word)
        return self.stems.get(_stem(word)) if term is None else term


class KeywordIndex:
    """BM25 over claims' words. `add` and `retain` are for one writer at a time; `search` may
    run in any number of threads beside them."""

    def __init__(self) -> None:
        self._vocabulary = _Vocabulary()
        self._snapshot = _Snapshot(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
        self._write = threading.Lock()

    def __len__(self) -> int:
        return len(self._snapshot.rowids)

    @property
    def top(self) -> int:
        """The highest claim rowid held (0 when empty): the store's later claims are new."""
        rowids = self._snapshot.rowids
        return int(rowids[-1]) if len(rowids) else 0

    def add(self, rowids: Sequence[int] | np.ndarray, texts: Sequence[str]) -> None:
        """Claims above `top`, in ascending rowid order, each with its space-joined words."""
        if not len(rowids):
            return
        with self._write:
            snap = self._snapshot
            rowids = np.asarray(rowids, dtype=np.int64)
            if len(snap.rowids) and rowids[0] <= snap.rowids[-1] or np.any(np.diff(rowids) <= 0):
                raise ValueError("claims must be added in ascending rowid order, above those held")
            lengths = np.empty(len(texts), np.int64)
            flat: list[int] = []
            lookup = self._vocabulary.__getitem__
            for i, text in enumerate(texts):
                words = text.split()
                lengths[i] = len(words)
                flat.extend(map(lookup, words))
            base = len(snap.rowids)
            docs = np.repeat(np.arange(base, base + len(texts), dtype=np.int64), lengths)
            pairs, tf = np.unique(docs << 32 | np.asarray(flat, dtype=np.int64), return_counts=True)
            docs, terms = pairs >> 32, (pairs & 0xFFFFFFFF).astype(np.int64)
            words = snap.words + int(lengths.sum())
            n = base + len(texts)
            weights = _tf_part(tf, lengths[docs - base], words / n)
            df = np.zeros(len(self._vocabulary.stems), np.int64)
            df[:len(snap.df)] = snap.df
            df += np.bincount(terms, minlength=len(df))
            recent_terms, recent_docs, recent_weights = snap.recent.triples()
            recent = (np.concatenate([recent_terms, terms]), np.concatenate([recent_docs, docs]),
                      np.concatenate([recent_weights, weights]))
            sealed = snap.sealed
            if len(recent[0]) * 4 > max(sealed.size, MIN_SEALED_POSTINGS):
                recent = tuple(np.concatenate(pair) for pair in zip(sealed.triples(), recent))
                sealed, recent = _Segment.build(*recent), _EMPTY
            else:
                recent = _Segment.build(*recent)
            self._snapshot = _Snapshot(np.concatenate([snap.rowids, rowids]), df, words, sealed, recent)

    def retain(self, rowids: np.ndarray) -> int:
        """Forget every claim not in `rowids` (the store's claims after a deletion); how many went."""
        with self._write:
            snap = self._snapshot
            keep = np.isin(snap.rowids, rowids)
            gone = int((~keep).sum())
            if not gone:
                return 0
            position = np.cumsum(keep) - 1
            parts = []
            for segment in (snap.sealed, snap.recent):
                terms, docs, weights = segment.triples()
                alive = keep[docs]
                parts.append((terms[alive], position[docs[alive]], weights[alive]))
            terms, docs, weights = (np.concatenate(x) for x in zip(*parts))
            df = np.bincount(terms, minlength=len(snap.df)).astype(np.int64)
            # The words of deleted claims are not known any more; the average length drifts a little.
            words = round(snap.words * keep.sum() / len(keep))
            self._snapshot = _Snapshot(snap.rowids[keep], df, words, _Segment.build(terms, docs, weights))
            return gone

    def search(self, text: str, limit: int = 50) -> list[tuple[int, float]]:
        """Claims sharing words with `text` (space-joined words, as `add` takes them), best first:
        (rowid, BM25 score). Ties go to the older claim."""
        snap = self._snapshot
        n = len(snap.rowids)
        terms = {t for w in text.split() if (t := self._vocabulary.find(w)) is not None and t < len(snap.df)}
        if not n or not terms or limit <= 0:
            return []
        scores = np.zeros(n, np.float32)
        for term in terms:
            df = int(snap.df[term])
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for segment in (snap.sealed, snap.recent):
                docs, weights = segment.postings(term)
                scores[docs] += idf * weights
        hits = np.flatnonzero(scores)  # ascending: older claims first
        if len(hits) > limit:
            # The limit-th best score; of the claims that tie with it, the older ones get in.
            kth = np.partition(scores[hits], len(hits) - limit)[len(hits) - limit]
            above, at = hits[scores[hits] > kth], hits[scores[hits] == kth]
            hits = np.concatenate([above, at[:limit - len(above)]])
        hits = hits[np.lexsort((hits, -scores[hits]))]
        return [(int(snap.rowids[h]), float(scores[h])) for h in hits]

    def save(self, path: Path, **meta: object) -> None:
        """Write the index to `path` (numpy's .npz) through a temporary file, so that a crash never
        leaves a torn one; `meta` (JSON) is kept beside the arrays for the caller's checks."""
        snap = self._snapshot
        stems = sorted(self._vocabulary.stems, key=self._vocabulary.stems.__getitem__)
        header = {"format": FORMAT_VERSION, "words": snap.words, "stems": stems, "meta": meta}
        arrays = {"rowids": snap.rowids, "df": snap.df, "header": np.frombuffer(json.dumps(header).encode(), np.uint8)}
        for name, segment in (("sealed", snap.sealed), ("recent", snap.recent)):
            arrays |= {f"{name}_indptr": segment.indptr, f"{name}_docs": segment.docs, f"{name}_weights": segment.weights}
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent, (path.name,))
        with temporary(path.parent, path.name) as tmp:
            with open(tmp, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> tuple[KeywordIndex, dict] | None:
        """The index saved at `path` and the meta saved with it, or None when there is none or it
        cannot be read (it is derived from the store: the caller builds it again)."""
        try:
            with np.load(path) as data:
                header = json.loads(data["header"].tobytes())
                if header.get("format") != FORMAT_VERSION:
                    return None
                segments = [_Segment(data[f"{n}_indptr"], data[f"{n}_docs"], data[f"{n}_weights"])
                            for n in ("sealed", "recent")]
                snapshot = _Snapshot(data["rowids"], data["df"], int(header["words"]), *segments)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None
        index = cls()
        index._vocabulary.stems.update((stem, i) for i, stem in enumerate(header["stems"]))
        index._snapshot = snapshot
        return index, header["meta"]


def build(batches: Iterable[tuple[np.ndarray, Sequence[str]]]) -> KeywordIndex:
    """An index of (rowids, texts) batches, as `Store.claim_terms` yields them."""
    index = KeywordIndex()
    for rowids, texts in batches:
        index.add(rowids, texts)
    return index


def _tf_part(tf: np.ndarray, lengths: np.ndarray, average: float) -> np.ndarray:
    norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
    return (tf * (K1 + 1) / (tf + norm)).astype(np.float32)


@functools.cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _stem(word: str) -> str:
    # Only Latin words have English stems; Chinese words and numbers are kept as they are.
    return _stemmer().stemWord(word) if word.isascii() and word.isalpha() else word
