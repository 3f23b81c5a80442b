"""Which claim store the settings name: PostgreSQL when `database_url` is set, else SQLite in the
home folder. Both have the same methods and return types."""
from __future__ import annotations

from typing import TYPE_CHECKING

from miner.config import Settings
from miner.errors import MinerError
from miner.store import Store

if TYPE_CHECKING:
    from miner.store_pg import PgStore


def open_store(settings: Settings) -> Store | PgStore:
    url = settings.database_url
    if not url:
        return Store.open(settings.store_path)
    if not url.startswith(("postgresql://", "postgres://")):
        raise MinerError(f"unsupported database URL '{url.split(':', 1)[0]}:…'",
                         "MINER_DATABASE_URL takes postgresql://USER@HOST:PORT/DATABASE; unset it for SQLite")
    from miner.store_pg import PgStore

    return PgStore.open(url)
