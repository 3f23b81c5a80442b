"""The pipeline: file → read → segment → extract → embed → store → index. One path for a single
file and a batch.

Every input gets an IngestResult (stored, skipped or failed with its reason); one bad file never
stops the batch, and each document is written in one transaction so a crash never leaves half
of one behind.
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
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


def ingest(paths: Iterable[Path], home: Home) -> Iterator[IngestResult]:
    """Ingest files and folders, yielding one result per file (missing paths included)."""
    found = collect(paths)
    for path in found.missing:
        yield IngestResult(path=str(path), status="failed", error="no such file or folder")
    try:
        for path in found.files:
            yield ingest_path(path, home)
    finally:
        home.save_index()


def ingest_path(path: Path, home: Home) -> IngestResult:
    try:
        data = _read_file(path, home.settings)
    except MinerError as exc:
        return IngestResult(path=str(path), status="failed", error=str(exc), error_type=type(exc).__name__)
    # A name that is not valid UTF-8 on disk (surrogate escapes in Python) cannot be stored as
    # the document's source: its undecodable bytes become U+FFFD there.
    name = os.fsencode(path.name).decode("utf-8", "replace")
    return ingest_bytes(data, name, home, path=str(path))


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
