"""Request and response bodies where they differ from miner.model."""
from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from miner.model import StoredDocument


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    k: int = Field(10, ge=1, le=100)

    @field_validator("question")
    @classmethod
    def not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("the question is blank: ask something, in English or Chinese")
        return question


class Health(BaseModel):
    status: str
    documents: int
    claims: int


class UploadFailure(BaseModel):
    file: str
    reason: str


class UploadResult(BaseModel):
    stored: list[StoredDocument] = []
    skipped: list[StoredDocument] = []
    failed: list[UploadFailure] = []
