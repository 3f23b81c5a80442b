"""Settings: built once by the CLI or the app and passed down; stages never read the environment."""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINER_", extra="ignore")

    home: Path = Field(Path("indexes"), description="folder holding the claim store and the vector index")
    model: str = Field("use-m", description="embedding model: 'use-m' (multilingual) or 'minilm' (English)")
    max_file_mb: float = Field(200.0, description="files larger than this are refused")
    max_request_mb: float = Field(
        250.0, description="an upload request (all its files and form overhead) larger than this is refused unread"
    )
    max_pages: int = Field(2000, description="PDFs with more pages than this are refused")
    # One process per core, the writer included (benchmarks/ingest.py, 500 pages on two shared
    # cores: jobs 2 is 1.6x jobs 1, jobs 3 1.5x, its two workers and the writer fighting over the
    # cores). At most three: two workers already mine faster (20 s of CPU each) than the writer
    # embeds and stores (27 s), so a third would add only its memory (about 600 MB).
    jobs: int = Field(
        default_factory=lambda: min(3, _cores()), ge=1,
        description="processes that ingest a batch: N - 1 read and mine files, one embeds and stores (1: all in one)",
    )
    # Questions answered at once by one server process; the others wait their turn. Answering is
    # Python under one GIL with a little numpy and SQLite beside it, so more threads than cores
    # only take turns at the GIL at a cost: at 100k claims and 16 clients on two cores, 2 at once
    # answered 34 questions/s at 39 ms of CPU each, 40 at once (the thread pool's default) 21/s
    # at 61 ms (benchmarks/serve.py).
    answer_threads: int = Field(
        default_factory=lambda: _cores(), ge=1, description="questions (/ask, /search) one server process answers at once",
    )
    pdf_password: str | None = Field(None, description="password tried on encrypted PDFs")
    api_key: str | None = Field(None, description="when set, write endpoints require it")
    database_url: str | None = Field(
        None, description="postgresql://… keeps the claim store in PostgreSQL; unset: SQLite in the home"
    )

    @property
    def store_path(self) -> Path:
        return self.home / "miner.db"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1024 * 1024)


def _cores() -> int:
    # The cores this process may use (a container's share, where the system tells it).
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
