"""Request and response bodies where they differ from miner.model."""
from __future__ import annotations

from typing import Any

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


class Problem(BaseModel):
    """Every error answer: a sentence saying what went wrong and what to do, or, when the
    request did not validate, FastAPI's list of what failed where."""

    detail: str | list[dict[str, Any]]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses an operation can answer with."""
    return {code: {"model": Problem, "description": _WHY[code]} for code in codes}


_WHY = {
    400: "the body could not be parsed",
    401: "an API key is configured and X-API-Key is missing or wrong",
    404: "no such document",
    413: "the request body, or a file in it, is over the size limit",
    415: "a file is of a type miner does not read",
    422: "the request did not validate, or no file could be read",
}
