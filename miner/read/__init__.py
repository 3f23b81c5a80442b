"""Readers: the bytes of a file -> a Document of blocks (paragraphs, headings, tables).

One entry point, `read_bytes`, picks the reader by file extension; `read` does the same for a
path. Each reader module imports its heavy library inside its function, so `import miner.read`
stays fast.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from miner.errors import TooLarge, UnreadableDocument, UnsupportedFormat
from miner.model import Document

FORMATS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
}
SUPPORTED_EXTENSIONS = tuple(FORMATS)


def read_bytes(
    data: bytes,
    name: str,
    *,
    password: str | None = None,
    max_bytes: int | None = None,
    max_pages: int | None = None,
) -> Document:
    """Read a file's content; `name` (its file name) picks the format and becomes the source.

    Raises UnsupportedFormat, UnreadableDocument (EncryptedDocument for a locked PDF) or TooLarge.
    """
    fmt = _format_of(name)
    if not data:
        raise UnreadableDocument("empty file", "the file has zero bytes")
    _check_size(len(data), max_bytes)
    doc_id = hashlib.sha256(data).hexdigest()
    if fmt == "pdf":
        from miner.read.pdf import read_pdf

        return read_pdf(data, name, doc_id, password=password, max_pages=max_pages)
    if fmt == "html":
        from miner.read.html import read_html

        return read_html(data, name, doc_id)
    from miner.read.text import read_text

    return read_text(data, name, doc_id, markdown=fmt == "md")


def read(
    path: Path,
    *,
    password: str | None = None,
    max_bytes: int | None = None,
    max_pages: int | None = None,
) -> Document:
    """Read a file from disk; see read_bytes."""
    path = Path(path)
    # Refuse by name and size before loading: a folder walk hands us every file it meets.
    _format_of(path.name)
    try:
        _check_size(path.stat().st_size, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return read_bytes(data, path.name, password=password, max_bytes=max_bytes, max_pages=max_pages)


def _format_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        what = f"'{suffix}'" if suffix else "(no extension)"
        raise UnsupportedFormat(f"unsupported file type {what}", f"supported: {' '.join(SUPPORTED_EXTENSIONS)}")
    return FORMATS[suffix]


def _check_size(size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise TooLarge(
            f"file too large: {size / 1e6:.1f} MB, limit {max_bytes / 1e6:.1f} MB",
            "raise the limit (MINER_MAX_FILE_MB) or split the file",
        )


def _unreadable(path: Path, exc: OSError) -> UnreadableDocument:
    reason = exc.strerror or type(exc).__name__
    return UnreadableDocument(f"cannot read file: {reason}", f"check that {path} exists and is readable")


__all__ = ["SUPPORTED_EXTENSIONS", "read", "read_bytes"]
