"""One small error hierarchy. Every message says what went wrong and what to do next."""
from __future__ import annotations


class MinerError(Exception):
    """Base of every error miner raises on purpose; the CLI and the API map it to a message."""

    status_code = 400

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UnsupportedFormat(MinerError):
    status_code = 415


class UnreadableDocument(MinerError):
    status_code = 422


class EncryptedDocument(UnreadableDocument):
    pass


class TooLarge(MinerError):
    status_code = 413


class NotFound(MinerError):
    status_code = 404


class IndexMismatch(MinerError):
    status_code = 409


class ModelMissing(MinerError):
    status_code = 503
