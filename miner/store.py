"""The claim store: SQLite in WAL mode under the home folder. The store is the truth; the
vector index is derived from it.

Full-text search covers passages and claims. FTS5's own tokenizers split Chinese badly (unicode61
makes a whole run of Han characters one token; trigram misses two-character words such as 电价),
so texts are segmented with jieba (`fts_tokens`) before they reach the FTS5 tables; their porter
stemmer then only matters for English words.

The reads both stores share, and the rows they write, are in `miner.store_base`.
"""
from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from miner.errors import MinerError, NotFound
from miner.model import Passage
from miner.store_base import (
    PASSAGE_COLUMNS,
    PASSAGE_FIELDS,
    ClaimVectors,
    DocumentRows,
    StoreBase,
    fts_tokens,
    insert_claim,
    insert_document,
    marks,
    passage_from_row,
    tables,
)

_SCHEMA = tables(rowid="INTEGER PRIMARY KEY", real="REAL") + """
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(tokens, tokenize = 'porter unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS claims_fts USING fts5(tokens, tokenize = 'porter unicode61');
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_document ON claims(document_id);
CREATE INDEX IF NOT EXISTS claims_entity ON claims(entity);
CREATE INDEX IF NOT EXISTS claims_unit ON claims(unit);
"""


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced."""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False, factory=_Connection)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _match(words: list[str]) -> str:
    """An FTS5 query for any of the words, each quoted."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))


class Store(StoreBase):
    """One SQLite database. Open it with `Store.open(path)`; use it as a context manager.

    Safe to use from many threads at once: each thread works on a connection of its own (the
    opening thread on the one `open` made), because a connection shared by threads mixes their
    transactions. In WAL mode their reads run side by side and never wait for a writer; writers
    take turns (`transaction`)."""

    _P = "?"
    _ENTITY_IS = "c.entity = ? COLLATE NOCASE"
    _METRIC_LIKE = "c.metric LIKE ?"
    # FTS5 keeps the words as they were given (the index holds their stems).
    _CLAIM_TERMS = "SELECT rowid, tokens AS terms FROM claims_fts WHERE rowid > :after ORDER BY rowid LIMIT :batch"
    _INSERT_VECTORS = "INSERT OR IGNORE INTO vectors (model, key, vector) VALUES (?, ?, ?)"

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.path = path
        self._main = conn
        self._main_lock = threading.Lock()
        self._local = threading.local()
        self._local.conn = conn
        # Weak: a connection goes with its thread (a server's idle worker threads end).
        self._others: weakref.WeakSet[sqlite3.Connection] = weakref.WeakSet()

    @classmethod
    def open(cls, path: Path) -> Store:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise MinerError(f"cannot open the claim store at {path}: {exc}", "check --home / MINER_HOME") from exc
        conn.execute("PRAGMA journal_mode=WAL")
        store = cls(conn, path)
        store._migrate()
        return store

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path)
            with self._main_lock:
                self._others.add(conn)
        return conn

    def close(self) -> None:
        with self._main_lock:
            for conn in [*self._others, self._main]:
                conn.close()
            self._others.clear()

    def _migrate(self) -> None:
        # executescript commits on its own, so it runs outside an explicit transaction; every
        # statement in the schema is idempotent.
        self._conn.executescript(_SCHEMA)
        self._check_schema_version(self._conn, self.path, "upgrade miner or use another --home")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: a writer takes the lock up front, so a crash leaves nothing half-done."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _fetchall(self, query: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(query, args).fetchall()

    def _fetchone(self, query: str, args: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self._conn.execute(query, args).fetchone()

    def _in(self, column: str, values: Sequence[Any], *, negate: bool = False) -> tuple[str, list[Any]]:
        return f"{column} {'NOT IN' if negate else 'IN'} ({marks('?', len(values))})", list(values)

    # -- writes ------------------------------------------------------------------------------

    def _add(self, rows: DocumentRows, vectors: ClaimVectors | None) -> list[int] | None:
        with self.transaction() as tx:
            if self.has_document(rows.document_id):
                return None
            tx.execute(insert_document("?"), rows.document)
            for row, words in rows.passages:
                cur = tx.execute(
                    f"INSERT INTO passages ({PASSAGE_COLUMNS}) VALUES ({marks('?', len(PASSAGE_FIELDS))})", row
                )
                tx.execute("INSERT INTO passages_fts (rowid, tokens) VALUES (?, ?)", (cur.lastrowid, words))
            rowids = [tx.execute(insert_claim("?"), row).lastrowid for row, _ in rows.claims]
            tx.executemany(
                "INSERT INTO claims_fts (rowid, tokens) VALUES (?, ?)",
                [(r, words) for r, (_, words) in zip(rowids, rows.claims)],
            )
            if vectors:
                self._put_vectors(tx, vectors.model, vectors.new.items())
        return rowids

    def delete_document(self, document_id: str) -> None:
        with self.transaction() as tx:
            if not self.has_document(document_id):
                raise NotFound(f"no document with id {document_id}", "list them with GET /documents")
            self._delete_rows(tx, document_id)

    def set_claim_vectors(self, model: str, items: Sequence[tuple[int, str, np.ndarray]]) -> None:
        with self.transaction() as tx:
            self._put_vectors(tx, model, [(key, v) for _, key, v in items])
            tx.executemany("UPDATE claims SET embed_key = ? WHERE rowid = ?", [(key, rowid) for rowid, key, _ in items])

    # -- reads in SQLite's own terms ---------------------------------------------------------

    def search_passages(self, query: str, limit: int = 20) -> list[tuple[Passage, str, float]]:
        """Passages matching any word of the query, best first: (passage, document id, bm25 score)."""
        words = fts_tokens(query)
        if not words:
            return []
        rows = self._fetchall(
            "SELECT p.*, bm25(passages_fts) AS rank FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid"
            " WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?",
            (_match(words), limit),
        )
        return [(passage_from_row(r), r["document_id"], -r["rank"]) for r in rows]

    def data_version(self) -> int:
        """A number that changes whenever another connection (another process, or another thread
        of this one) commits: a cheap way for a long-running reader to know whether to look again.
        Always read on the opening thread's connection: each connection counts on its own."""
        with self._main_lock:
            return self._main.execute("PRAGMA data_version").fetchone()[0]
