"""Batch ingest on a Dask cluster: workers read, extract and embed; this process stays the one
writer to the store and the index.

    with Home(settings) as home:
        for result in ingest_distributed(paths, home, workers=2):   # or scheduler="tcp://HOST:8786"
            ...

Every file takes two trips to a worker. `digest_file` reads it and hashes it: a file whose content
the store already holds is skipped without being mined, as in the serial path. The rest go to
`extract_and_embed`, which runs `miner.ingest.extract_file` and embeds the claims with the home's
model, and hands back the Extracted document with its vectors (keyed by text) so that the writer
never loads the model. The writer then calls `store_extracted` as the serial path does: one
transaction per document, so the stored claims are the same.

Results come back in the order the work finishes, one per file; a file that fails (or a task that
dies with its worker) comes back as a failed result with the reason. At most `window` tasks are in
flight, so a large batch neither floods the scheduler nor piles results up in workers' memory.

Workers need miner installed (the same version) and the files at the same absolute paths: the same
machine, or a shared or mounted filesystem.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from miner.config import Settings
from miner.embed import Embedder, claim_text, text_key
from miner.errors import MinerError
from miner.home import Home
from miner.ingest import Extracted, _internal, _read_file, _skipped, collect, extract_file, store_extracted
from miner.model import IngestResult

if TYPE_CHECKING:
    import numpy as np
    from distributed import Client


@dataclass(frozen=True)
class Digest:
    """A file read and hashed on a worker: its content id, or why it could not be read."""

    path: str
    document_id: str | None = None
    failure: IngestResult | None = None


@dataclass(frozen=True)
class Mined:
    """A file extracted and its claims embedded on a worker, ready for the writer."""

    path: str
    extracted: Extracted | None = None
    model: str | None = None
    vectors: dict[str, np.ndarray] | None = None
    failure: IngestResult | None = None


# -- on the workers ------------------------------------------------------------------------------

_EMBEDDERS: dict[str, Embedder] = {}
_EMBED_LOCK = threading.Lock()  # one model per worker process, used by one task at a time


def _embedder(model: str) -> Embedder:
    if model not in _EMBEDDERS:
        _EMBEDDERS[model] = Embedder(model)
    return _EMBEDDERS[model]


def digest_file(source: str, path: str, settings: Settings) -> Digest:
    try:
        data = _read_file(Path(source), settings)
    except MinerError as exc:
        return Digest(path, failure=_failed(path, exc))
    return Digest(path, hashlib.sha256(data).hexdigest())


def extract_and_embed(source: str, path: str, settings: Settings) -> Mined:
    """What `ingest_bytes` does before it writes: read, extract, embed (every claim text once)."""
    try:
        data = _read_file(Path(source), settings)
    except MinerError as exc:
        return Mined(path, failure=_failed(path, exc))
    extracted = extract_file(data, Path(path).name, settings, path=path)
    if extracted.document is None or not extracted.claims:
        return Mined(path, extracted)
    texts = {text_key(t): t for t in map(claim_text, extracted.claims)}
    try:
        with _EMBED_LOCK:
            embedder = _embedder(settings.model)
            vectors = embedder.encode(list(texts.values()))
    except MinerError as exc:
        return Mined(path, failure=_failed(path, exc, extracted.document_id))
    except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the batch
        return Mined(path, failure=IngestResult(path=path, status="failed", document_id=extracted.document_id,
                                                error=_internal(exc)))
    return Mined(path, extracted, embedder.name, dict(zip(texts, vectors)))


def _failed(path: str, exc: MinerError, document_id: str | None = None) -> IngestResult:
    return IngestResult(path=path, status="failed", document_id=document_id, error=str(exc),
                        error_type=type(exc).__name__)


# -- in the client: the one writer --------------------------------------------------------------

# A local cluster needs no dashboard; its scheduler's HTTP endpoint (health, metrics) stays on this
# machine, on a free port, rather than on every interface at 8787.
LOCAL_ONLY = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"}}


@contextmanager
def connect(
    scheduler: str | None = None, workers: int | None = None, *, processes: bool = True, timeout: float = 30,
) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a local cluster of `workers` single-threaded
    workers (processes, or threads of this process with processes=False), closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler and workers:
        raise MinerError("a scheduler address and a worker count were both given", "give one of them")
    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise MinerError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                "start one with `dask scheduler` and workers with `dask worker ADDRESS`",
            ) from exc
        with client:
            yield client
        return
    # Failures come back as results; the cluster's own chatter (a worker slow to exit) is not news.
    with LocalCluster(
        n_workers=workers or 1, threads_per_worker=1, processes=processes, silence_logs=logging.ERROR,
        **LOCAL_ONLY,
    ) as cluster, Client(cluster) as client:
        yield client


def ingest_distributed(
    paths: Iterable[Path],
    home: Home,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Client | None = None,
    window: int | None = None,
) -> Iterator[IngestResult]:
    """Like `miner.ingest.ingest`, with the reading, extracting and embedding done by Dask workers:
    on `client`, else the scheduler at `scheduler`, else a local cluster of `workers` processes.
    Yields one result per file, as they complete."""
    found = collect(paths)
    for path in found.missing:
        yield IngestResult(path=str(path), status="failed", error="no such file or folder")
    if not found.files:
        return
    try:
        if client is not None:
            yield from _run(found.files, home, client, window)
        else:
            with connect(scheduler, workers) as own:
                yield from _run(found.files, home, own, window)
    finally:
        home.save_index()


def _run(files: list[Path], home: Home, client: Client, window: int | None) -> Iterator[IngestResult]:
    from distributed import as_completed

    # What workers need to read and mine (the PDF password included), without the store's secrets.
    settings = home.settings.model_copy(update={"database_url": None, "api_key": None})
    window = window or max(16, 4 * sum(client.nthreads().values()))
    todo = iter(files)
    done = as_completed(loop=client.loop)
    tasks: dict[str, tuple[str, str, str | None]] = {}  # future key → (task, path as given, document id)
    waiting: dict[str, list[str]] = {}  # document id being mined → other paths with the same content

    def submit(task, path: str, doc_id: str | None = None) -> None:
        future = client.submit(task, os.path.abspath(path), path, settings, pure=False)
        tasks[future.key] = (task.__name__, path, doc_id)
        done.add(future)

    def read_next() -> None:
        path = next(todo, None)
        if path is not None:
            submit(digest_file, str(path))

    for _ in range(window):
        read_next()
    try:
        for future in done:
            task, path, doc_id = tasks.pop(future.key)
            try:
                out = future.result()
            except (Exception, asyncio.CancelledError) as exc:  # a task lost with its worker, or a bug
                out = _lost(task, path, doc_id, exc)
            if isinstance(out, Digest):
                if out.failure is not None:
                    yield out.failure
                elif out.document_id in waiting:  # the same content is being mined under another name
                    waiting[out.document_id].append(path)
                elif home.store.has_document(out.document_id):
                    yield _skipped(path, out.document_id, home)
                else:
                    waiting[out.document_id] = []
                    submit(extract_and_embed, path, out.document_id)
                    continue
            else:
                result = _write(out, home)
                yield result
                for other in waiting.pop(doc_id, []):
                    if home.store.has_document(doc_id):
                        yield _skipped(other, doc_id, home)
                    elif result.status == "failed" and result.document_id == doc_id:
                        yield result.model_copy(update={"path": other})
                    else:  # the file changed between the two trips: take the other one from the start
                        submit(digest_file, other)
            read_next()
    finally:
        client.cancel(list(done.futures))


def _write(out: Mined, home: Home) -> IngestResult:
    if out.failure is not None:
        return out.failure
    vectors = out.vectors if out.model == home.embedder.name else None  # never mix two models' vectors
    return store_extracted(out.extracted, home, vectors)


def _lost(task: str, path: str, doc_id: str | None, exc: BaseException) -> Digest | Mined:
    reason = IngestResult(path=path, status="failed", document_id=doc_id,
                          error=f"the Dask task failed ({type(exc).__name__}: {exc}); see the worker's log")
    return Digest(path, failure=reason) if task == digest_file.__name__ else Mined(path, failure=reason)
