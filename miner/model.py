"""The one data model every stage takes and returns.

Readers produce a Document made of Blocks; segmentation turns blocks into Passages; extraction
turns passages into Claims; cross-checking produces Checks; answering produces an Answer.
All models are frozen: a stage returns new objects instead of mutating its input.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "zh"]
BlockKind = Literal["text", "heading", "table"]
PassageKind = Literal["sentence", "table_row", "heading"]
Bound = Literal["at_least", "at_most"]
ClaimKind = Literal["reported", "forecast"]
CheckKind = Literal["agreement", "arithmetic"]
CheckStatus = Literal["consistent", "conflict"]
IngestStatus = Literal["stored", "skipped", "failed"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Box(Frozen):
    """A rectangle on a PDF page in points, origin at the top-left corner (pdfplumber's convention)."""

    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: Box) -> Box:
        return Box(
            x0=min(self.x0, other.x0),
            top=min(self.top, other.top),
            x1=max(self.x1, other.x1),
            bottom=max(self.bottom, other.bottom),
        )


class LineSpan(Frozen):
    """Where a stretch of a block's text sits on the page: characters [start, end) lie in `box`."""

    start: int
    end: int
    box: Box


class Block(Frozen):
    """A reader's unit of output: a paragraph, a heading or a table, with its page.

    For tables `rows` holds the cells, the first row being the column headers; `text` is the
    table rendered as lines. `lines` maps character ranges of `text` to boxes (PDFs only).
    """

    kind: BlockKind
    text: str
    page: int | None = None
    box: Box | None = None
    lines: tuple[LineSpan, ...] = ()
    rows: tuple[tuple[str, ...], ...] | None = None
    caption: str | None = None


class Document(Frozen):
    id: str = Field(description="SHA-256 of the file's bytes")
    title: str
    source: str = Field(description="file name or URL")
    format: str
    published: date | None = None
    author: str | None = None
    language: Language = "en"
    pages: int | None = None
    blocks: tuple[Block, ...] = ()


class StoredDocument(Frozen):
    """A document as the store lists it: its metadata and what was extracted from it."""

    id: str
    title: str
    source: str
    format: str
    published: date | None = None
    author: str | None = None
    language: Language = "en"
    pages: int | None = None
    passages: int = 0
    claims: int = 0
    ingested_at: str


class Passage(Frozen):
    """A sentence, heading or table row: the unit claims are quoted from."""

    index: int = Field(description="order within the document, from 0")
    text: str
    kind: PassageKind = "sentence"
    language: Language = "en"
    page: int | None = None
    box: Box | None = None
    block: int = Field(0, description="index of the Block the passage came from")
    start: int = Field(0, description="character offset in the block's text")
    end: int = 0
    headers: tuple[str, ...] | None = Field(None, description="column headers, for table rows")
    cells: tuple[str, ...] | None = Field(None, description="cells, for table rows")
    context: str | None = Field(None, description="heading or table caption the passage sits under")


class Quantity(Frozen):
    """A number found in text, normalised to a canonical unit (CONTRACT.md, Units)."""

    raw: str
    value: float
    unit: str = ""
    start: int
    end: int
    approximate: bool = False
    bound: Bound | None = None
    range: tuple[float, float] | None = None
    precision: float | None = Field(
        None, description="half the step of the last written digit, in canonical units (61% -> 0.5)"
    )


class Period(Frozen):
    """A time expression found in text, resolved to ISO: `2026`, `2026-02`, `2026-Q3` is written
    `2026-07/2026-09`; intervals as `start/end` (`2026-01/2026-09`, `2026-02-01/2026-03-01`)."""

    raw: str
    start: int
    end: int
    iso: str
    forecast_cue: bool = Field(False, description="'by 2030', '到2030年': a target date, typical of forecasts")


class EntityMention(Frozen):
    """A named organisation, product, place or group found in text, with its canonical name."""

    raw: str
    start: int
    end: int
    name: str
    type: str = Field("org", description="org, lab, platform, product, country, region, group")
    source: Literal["gazetteer", "ner"] = "gazetteer"


class Claim(Frozen):
    """One figure a report states, with its provenance (CONTRACT.md, JSON: Claim)."""

    id: str
    document_id: str | None = None
    document_title: str | None = None
    source: str | None = None
    published: date | None = None
    page: int | None = None
    quote: str
    entity: str | None = None
    metric: str = ""
    value: float
    unit: str = ""
    raw: str
    approximate: bool = False
    bound: Bound | None = None
    range: tuple[float, float] | None = None
    period: str | None = None
    kind: ClaimKind = "reported"
    language: Language = "en"
    precision: float | None = None
    passage: int | None = None
    start: int = 0
    end: int = 0
    box: Box | None = None
    score: float | None = None


class Check(Frozen):
    kind: CheckKind
    status: CheckStatus
    detail: str
    claim_ids: tuple[str, ...]
    values: tuple[float, ...]
    unit: str


class Figure(Frozen):
    value: float
    unit: str
    entity: str | None = None
    metric: str = ""
    period: str | None = None


class Answer(Frozen):
    question: str
    answer: str
    figure: Figure | None = None
    claims: tuple[Claim, ...] = ()
    checks: tuple[Check, ...] = ()


class IngestResult(Frozen):
    """What became of one input file. Batch ingest yields one per file, whatever happened."""

    path: str
    status: IngestStatus
    document_id: str | None = None
    title: str | None = None
    claims: int = 0
    error: str | None = None
    error_type: str | None = Field(None, description="the MinerError subclass, e.g. UnsupportedFormat")
