"""The pipeline: file → read → segment → extract → embed → store → index. One path for a single
file and a batch.

Every input gets an IngestResult (stored, skipped or failed with its reason); one bad file never
stops the batch, and each document is written in one transaction so a crash never leaves half
of one behind.

A batch can spread the CPU-heavy, store-free half (read, segment, extract: `extract_file`) over
worker processes, while this process stays the one writer: it embeds, stores and indexes each
document (`store_extracted`) as the workers mine the next ones. Results keep the input's order.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import stat
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from miner.claims import extract_claims
from miner.config import Settings
from miner.errors import MinerError, TooLarge, UnreadableDocument, UnsupportedFormat
from miner.model import Claim, Document, IngestResult, Passage
from miner.read import SUPPORTED_EXTENSIONS, read_bytes
from miner.segment import segment
from miner.home import Home

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Collected:
    """The files a set of paths names, and what was passed over while walking folders."""

    files: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)


def collect(paths: Iterable[Path]) -> Collected:
    """Expand folders recursively (sorted, hidden entries skipped, symlink loops cut).

    A file named explicitly is always kept, whatever its type, so that the user hears why it
    failed; inside folders only supported types are taken and the rest are counted as ignored.
    """
    out = Collected()
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()

    def keep(p: Path) -> None:
        real = os.path.realpath(p)
        if real not in seen_files:
            seen_files.add(real)
            out.files.append(p)

    for path in map(Path, paths):
        if path.is_dir():
            for root, dirs, names in os.walk(path, followlinks=True):
                real = os.path.realpath(root)
                if real in seen_dirs:
                    dirs[:] = []
                    continue
                seen_dirs.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    p = Path(root) / name
                    if p.suffix.lower() in SUPPORTED_EXTENSIONS and p.is_file():
                        keep(p)
                    else:
                        out.ignored.append(p)
        elif path.exists():
            keep(path)
        else:
            out.missing.append(path)
    return out


def ingest(paths: Iterable[Path], home: Home, *, jobs: int | None = None) -> Iterator[IngestResult]:
    """Ingest files and folders, yielding one result per file (missing paths first), in order.

    `jobs` (default: the home's setting) counts the processes at work, this one included: with 1
    everything happens here, one file at a time, each read only when its turn comes; with N (and
    more than one file) N - 1 worker processes read and mine files while this one embeds, stores
    and indexes them."""
    found = collect(paths)
    for path in found.missing:
        yield IngestResult(path=str(path), status="failed", error="no such file or folder")
    jobs = jobs or home.settings.jobs
    try:
        if jobs > 1 and len(found.files) > 1:
            yield from _ingest_pooled(found.files, home, jobs - 1)
        else:
            for path in found.files:
                yield ingest_path(path, home)
    finally:
        home.save_index()


def ingest_path(path: Path, home: Home) -> IngestResult:
    try:
        data = _read_file(path, home.settings)
    except MinerError as exc:
        return _failed(path, exc)
    return ingest_bytes(data, _name(path), home, path=str(path))


def ingest_bytes(data: bytes, name: str, home: Home, *, path: str | None = None) -> IngestResult:
    """Store one file's content unless the same bytes are stored already."""
    path = path or name
    doc_id = hashlib.sha256(data).hexdigest()
    if home.store.has_document(doc_id):
        return _skipped(path, doc_id, home)
    return store_extracted(extract_file(data, name, home.settings, path=path), home)


@dataclass(frozen=True)
class Extracted:
    """A file read, segmented and mined, not yet stored: what a worker process or a Dask task
    hands back to the single writer. Failures travel as results, never as exceptions."""

    path: str
    document_id: str
    document: Document | None = None
    passages: tuple[Passage, ...] = ()
    claims: tuple[Claim, ...] = ()
    error: str | None = None
    error_type: str | None = None


def extract_file(data: bytes, name: str, settings: Settings, *, path: str | None = None) -> Extracted:
    """The CPU-heavy, store-free part of ingest: read → segment → extract."""
    path = path or name
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        doc = read_bytes(
            data, name, password=settings.pdf_password, max_bytes=settings.max_file_bytes,
            max_pages=settings.max_pages,
        )
        passages = segment(doc)
        claims = extract_claims(doc, passages)
    except MinerError as exc:
        return Extracted(path, doc_id, error=str(exc), error_type=type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the batch
        return Extracted(path, doc_id, error=_internal(exc))
    # Blocks are not stored; dropping them keeps what crosses process boundaries small.
    return Extracted(path, doc_id, doc.model_copy(update={"blocks": ()}), tuple(passages), tuple(claims))


def store_extracted(item: Extracted, home: Home, vectors: Mapping[str, np.ndarray] | None = None) -> IngestResult:
    """Embed (reusing cached vectors, and `vectors`: text key → vector computed elsewhere with the
    home's model), write in one transaction, and add to the index."""
    if item.document is None:
        return IngestResult(path=item.path, status="failed", document_id=item.document_id, error=item.error,
                            error_type=item.error_type)
    if home.store.has_document(item.document_id):
        return _skipped(item.path, item.document_id, home)
    doc, claims = item.document, list(item.claims)
    try:
        claim_vectors, matrix = home.vectors_for(claims, vectors)
        rowids = home.store.add_document(doc, item.passages, claims, claim_vectors)
    except MinerError as exc:
        return IngestResult(path=item.path, status="failed", document_id=doc.id, error=str(exc),
                            error_type=type(exc).__name__)
    except Exception as exc:  # noqa: BLE001
        return IngestResult(path=item.path, status="failed", document_id=doc.id, error=_internal(exc))
    if rowids is None:
        return _skipped(item.path, doc.id, home)
    home.added(rowids, matrix)
    return IngestResult(path=item.path, status="stored", document_id=doc.id, title=doc.title, claims=len(claims))


# -- a batch on worker processes ------------------------------------------------------------------

WORKER_DIED = "the process reading it died (a crash in a parser, or out of memory)"


@dataclass
class _Job:
    """A file of a pooled batch: its result when known without mining it (unreadable, or stored
    already), else its bytes, kept until it is stored in case it must be mined again."""

    path: str
    result: IngestResult | None = None
    data: bytes = b""
    name: str = ""
    document_id: str = ""
    future: Future[Extracted] | None = None


class _Workers:
    """Worker processes that mine files, started on first use and again after one dies.

    Spawned, never forked: the writer may hold torch and the embedding model, which must not be
    copied into a child mid-use."""

    def __init__(self, processes: int, settings: Settings):
        self.processes = processes
        # What workers need to read and mine (the PDF password included), without the store's secrets.
        self.settings = settings.model_copy(update={"database_url": None, "api_key": None})
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, job: _Job) -> Future[Extracted]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, multiprocessing.get_context("spawn"), _worker_started, (os.getpid(),)
            )
        try:
            return self._pool.submit(extract_file, job.data, job.name, self.settings, path=job.path)
        except BrokenProcessPool as exc:
            # A worker died since the last file went out: this file is then one more suspect.
            broken: Future[Extracted] = Future()
            broken.set_exception(exc)
            return broken

    def close(self, wait: bool = False) -> None:
        """Stop the workers; without `wait`, one busy on a file finishes it in the background."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


def _worker_started(writer: int) -> None:
    # Ctrl-C is the writer's to handle: it stops the batch and the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(writer,), daemon=True).start()


def _exit_with(writer: int) -> None:
    """End this worker once the writer is gone (killed with SIGKILL, say). Nothing else would: a
    worker holds both ends of its task queue, so it never sees the queue close, and it would keep
    the writer's stdout open, and whoever waits on that, for ever."""
    while os.getppid() == writer:
        time.sleep(1)
    os._exit(1)


def _ingest_pooled(files: list[Path], home: Home, processes: int) -> Iterator[IngestResult]:
    workers = _Workers(processes, home.settings)
    # Two files a worker: one being mined, one waiting, so that no worker idles while the writer
    # stores; no more, so that memory stays bounded whatever the batch's size.
    window: deque[_Job] = deque()
    todo = iter(files)
    embedder = home.embedder
    threads, embedder.threads = embedder.threads, 1  # the other cores are the workers'
    try:
        while True:
            while len(window) < 2 * processes and (path := next(todo, None)) is not None:
                window.append(_send(path, home, workers))
            if not window:
                workers.close(wait=True)  # all idle: reap them now
                return
            job = window.popleft()
            if job.result is not None:
                yield job.result
                continue
            mined = _mined(job)
            if mined is None:
                # Any file in flight may be the one that killed its worker: mine them again one at
                # a time, so that only that one fails and the others are stored.
                workers.close()
                for suspect in [job, *window]:
                    yield suspect.result or store_extracted(_mined_alone(suspect, workers), home)
                window.clear()
                continue
            yield store_extracted(mined, home)
    finally:
        embedder.threads = threads
        workers.close()


def _send(path: Path, home: Home, workers: _Workers) -> _Job:
    """Read and hash a file here, and hand it to a worker unless its content is stored already.
    (Two copies of one file in flight together are both mined; the second is then skipped.)"""
    try:
        data = _read_file(path, home.settings)
    except MinerError as exc:
        return _Job(str(path), _failed(path, exc))
    doc_id = hashlib.sha256(data).hexdigest()
    if home.store.has_document(doc_id):
        return _Job(str(path), _skipped(str(path), doc_id, home))
    job = _Job(str(path), data=data, name=_name(path), document_id=doc_id)
    job.future = workers.submit(job)
    return job


def _mined(job: _Job) -> Extracted | None:
    """The worker's result, or None when a worker died with the file in flight."""
    try:
        return job.future.result()
    except BrokenProcessPool:
        return None
    except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot cross back: fail the file alone
        return Extracted(job.path, job.document_id, error=_internal(exc))


def _mined_alone(job: _Job, workers: _Workers) -> Extracted:
    done = job.future
    if done.done() and not done.cancelled() and done.exception() is None:
        return done.result()  # finished before the pool broke
    job.future = workers.submit(job)
    mined = _mined(job)
    if mined is None:
        workers.close()
        return Extracted(job.path, job.document_id, error=WORKER_DIED)
    return mined


# -- helpers -------------------------------------------------------------------------------------

def _name(path: Path) -> str:
    # A name that is not valid UTF-8 on disk (surrogate escapes in Python) cannot be stored as
    # the document's source: its undecodable bytes become U+FFFD there.
    return os.fsencode(path.name).decode("utf-8", "replace")


def _failed(path: Path, exc: MinerError) -> IngestResult:
    return IngestResult(path=str(path), status="failed", error=str(exc), error_type=type(exc).__name__)


def _skipped(path: str, doc_id: str, home: Home) -> IngestResult:
    doc = home.store.document(doc_id)
    return IngestResult(path=path, status="skipped", document_id=doc_id, title=doc.title, claims=doc.claims)


def _internal(exc: Exception) -> str:
    return f"internal error ({type(exc).__name__}: {exc}); please report it with this file"


def _read_file(path: Path, settings: Settings) -> bytes:
    """The file's bytes, refused before they are loaded when the file is too big or is not a
    regular file (a named pipe would block for ever). Opened without blocking and checked on the
    open descriptor, so a file swapped for something else after the folder walk is caught too; a
    file that grows past the limit while it is read is refused as well."""
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        kinds = " ".join(sorted(SUPPORTED_EXTENSIONS))
        raise UnsupportedFormat(f"unsupported file type '{path.suffix or path.name}'", f"miner reads {kinds}")
    limit = settings.max_file_bytes
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableDocument("not a regular file (a pipe, socket or device)", "name a file instead")
            if info.st_size > limit:
                raise _too_large(info.st_size, settings)
            data = f.read(limit + 1)
        if len(data) > limit:
            raise _too_large(len(data), settings, "it grew while being read")
        return data
    except FileNotFoundError as exc:
        raise UnreadableDocument("file vanished before it could be read") from exc
    except IsADirectoryError as exc:
        raise UnreadableDocument("a folder, not a file") from exc
    except OSError as exc:
        raise UnreadableDocument(f"cannot read file: {exc.strerror or exc}") from exc


def _too_large(size: int, settings: Settings, why: str = "") -> TooLarge:
    return TooLarge(
        f"file is {size / 2**20:.1f} MB, over the {settings.max_file_mb:g} MB limit{'; ' + why if why else ''}",
        "raise MINER_MAX_FILE_MB to accept it",
    )
