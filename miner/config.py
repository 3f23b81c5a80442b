"""Settings: built once by the CLI or the app and passed down; stages never read the environment."""
from __future__ import annotations

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
