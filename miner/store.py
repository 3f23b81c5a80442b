"""The claim store: SQLite in WAL mode under the home folder. The store is the truth; the
vector index is derived from it.

Full-text search covers passages. FTS5's own tokenizers split Chinese badly (unicode61 makes a
whole run of Han characters one token; trigram misses two-character words such as 电价), so
passages are segmented with jieba before they reach the FTS5 table; its porter stemmer then
only matters for English words.
"""
from __future__ import annotations

import functools
import json
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from miner.errors import MinerError, NotFound
from miner.model import Box, Claim, Document, Passage, StoredDocument


@dataclass(frozen=True)
class ClaimVectors:
    """Vectors for a document's claims: one text key per claim, and the vectors not yet cached."""

    model: str
    keys: list[str]
    new: dict[str, np.ndarray]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    published TEXT,
    author TEXT,
    language TEXT NOT NULL,
    pages INTEGER,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    page INTEGER,
    box TEXT,
    block INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    headers TEXT,
    cells TEXT,
    context TEXT,
    UNIQUE (document_id, idx)
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(tokens, tokenize = 'porter unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS claims_fts USING fts5(tokens, tokenize = 'porter unicode61');
CREATE TABLE IF NOT EXISTS claims (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    passage INTEGER,
    page INTEGER,
    quote TEXT NOT NULL,
    entity TEXT,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    raw TEXT NOT NULL,
    approximate INTEGER NOT NULL,
    bound TEXT,
    range_low REAL,
    range_high REAL,
    period TEXT,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    precision REAL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    box TEXT,
    embed_key TEXT
);
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

_CLAIM_COLUMNS = (
    "id, document_id, passage, page, quote, entity, metric, value, unit, raw, approximate, bound, "
    "range_low, range_high, period, kind, language, precision, start, end, box, embed_key"
)

_HAN = re.compile(r"[\u3400-\u9fff]")
_FTS_TOKEN = re.compile(r"[\w\u3400-\u9fff]+")


def fts_tokens(text: str) -> list[str]:
    """Words for the full-text index and its queries: jieba for Chinese, word characters otherwise."""
    words = _jieba().cut_for_search(text) if _HAN.search(text) else _FTS_TOKEN.findall(text)
    return [w.lower() for w in words if _FTS_TOKEN.fullmatch(w)]


@functools.cache
def _jieba():
    import jieba

    # Once: setting a log level walks every logger under a lock (half a millisecond a text).
    jieba.setLogLevel(60)
    return jieba


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced."""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False, factory=_Connection)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _box_json(box: Box | None) -> str | None:
    return box.model_dump_json() if box else None


def _box(raw: str | None) -> Box | None:
    return Box.model_validate_json(raw) if raw else None


class Store:
    """One SQLite database. Open it with `Store.open(path)`; use it as a context manager.

    Safe to use from many threads at once: each thread works on a connection of its own (the
    opening thread on the one `open` made), because a connection shared by threads mixes their
    transactions. In WAL mode their reads run side by side and never wait for a writer; writers
    take turns (`transaction`)."""

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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        # executescript commits on its own, so it runs outside an explicit transaction; every
        # statement in the schema is idempotent.
        self._conn.executescript(_SCHEMA)
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row["value"]) > SCHEMA_VERSION:
            raise MinerError(
                f"the store at {self.path} was written by a newer miner (schema {row['value']})",
                "upgrade miner or use another --home",
            )

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

    # -- documents ---------------------------------------------------------------------------

    def has_document(self, document_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is not None

    def add_document(
        self, doc: Document, passages: Sequence[Passage], claims: Sequence[Claim],
        vectors: ClaimVectors | None = None,
    ) -> list[int] | None:
        """Store a document with its passages, claims and their vectors in one transaction.

        Returns the claims' rowids (the vector index's ids), or None (and writes nothing) when
        the document is already stored.
        """
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        tokens = [" ".join(fts_tokens(p.text)) for p in passages]
        with self.transaction() as tx:
            if self.has_document(doc.id):
                return None
            tx.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.id, doc.title, doc.source, doc.format, _iso(doc.published), doc.author,
                 doc.language, doc.pages, now),
            )
            for p, toks in zip(passages, tokens):
                cur = tx.execute(
                    "INSERT INTO passages (document_id, idx, text, kind, language, page, box, block, start, end,"
                    " headers, cells, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.id, p.index, p.text, p.kind, p.language, p.page, _box_json(p.box), p.block, p.start,
                     p.end, _json_list(p.headers), _json_list(p.cells), p.context),
                )
                tx.execute("INSERT INTO passages_fts (rowid, tokens) VALUES (?, ?)", (cur.lastrowid, toks))
            keys = vectors.keys if vectors else [None] * len(claims)
            rowids = [
                tx.execute(
                    f"INSERT INTO claims ({_CLAIM_COLUMNS}) VALUES ({', '.join('?' * 22)})",
                    (*_claim_row(c, doc.id), key),
                ).lastrowid
                for c, key in zip(claims, keys)
            ]
            tx.executemany(
                "INSERT INTO claims_fts (rowid, tokens) VALUES (?, ?)",
                [(r, " ".join(fts_tokens(_claim_terms(c)))) for r, c in zip(rowids, claims)],
            )
            if vectors:
                tx.executemany(
                    "INSERT OR IGNORE INTO vectors (model, key, vector) VALUES (?, ?, ?)",
                    [(vectors.model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.new.items()],
                )
        return rowids

    def delete_document(self, document_id: str) -> None:
        with self.transaction() as tx:
            if not self.has_document(document_id):
                raise NotFound(f"no document with id {document_id}", "list them with GET /documents")
            tx.execute(
                "DELETE FROM passages_fts WHERE rowid IN (SELECT rowid FROM passages WHERE document_id = ?)",
                (document_id,),
            )
            tx.execute(
                "DELETE FROM claims_fts WHERE rowid IN (SELECT rowid FROM claims WHERE document_id = ?)",
                (document_id,),
            )
            tx.execute("DELETE FROM claims WHERE document_id = ?", (document_id,))
            tx.execute("DELETE FROM passages WHERE document_id = ?", (document_id,))
            tx.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def documents(self) -> list[StoredDocument]:
        rows = self._conn.execute(f"{_DOCUMENT_SELECT} GROUP BY d.id ORDER BY d.ingested_at, d.source").fetchall()
        return [_stored_document(r) for r in rows]

    def document(self, document_id: str) -> StoredDocument:
        row = self._conn.execute(f"{_DOCUMENT_SELECT} WHERE d.id = ? GROUP BY d.id", (document_id,)).fetchone()
        if row is None:
            raise NotFound(f"no document with id {document_id}", "list them with `miner claims` or GET /documents")
        return _stored_document(row)

    def passages(self, document_id: str) -> list[Passage]:
        rows = self._conn.execute(
            "SELECT * FROM passages WHERE document_id = ? ORDER BY idx", (document_id,)
        ).fetchall()
        return [_passage(r) for r in rows]

    # -- claims ------------------------------------------------------------------------------

    def claims(
        self,
        *,
        entity: str | None = None,
        metric: str | None = None,
        document: str | None = None,
        unit: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Claim]:
        """Stored claims, filtered: entity exactly (case-insensitive), metric as a substring."""
        where, args = [], []
        if entity:
            where.append("c.entity = ? COLLATE NOCASE")
            args.append(entity)
        if metric:
            where.append("c.metric LIKE ?")
            args.append(f"%{metric}%")
        if document:
            where.append("c.document_id = ?")
            args.append(document)
        if unit is not None:
            where.append("c.unit = ?")
            args.append(unit)
        sql = _CLAIM_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.rowid"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [_claim(r) for r in self._conn.execute(sql, args)]

    def claims_in_passages(self, pairs: Iterable[tuple[str | None, int | None]]) -> list[Claim]:
        """Every claim of the given (document id, passage index) pairs: a figure's neighbours."""
        out: list[Claim] = []
        for doc_id, passage in sorted(p for p in set(pairs) if p[0] is not None and p[1] is not None):
            rows = self._conn.execute(
                f"{_CLAIM_SELECT} WHERE c.document_id = ? AND c.passage = ? ORDER BY c.start", (doc_id, passage)
            )
            out += [_claim(r) for r in rows]
        return out

    def amounts_sharing_a_passage(self, documents: Sequence[str], not_units: Sequence[str]) -> list[Claim]:
        """The documents' amounts (positive figures in any unit but `not_units`) that share their
        passage with another amount: the parts and totals a share may be derived from."""
        if not documents:
            return []
        rows = self._conn.execute(
            f"SELECT * FROM ({_CLAIM_SELECT_AMOUNTS} WHERE c.document_id IN ({', '.join('?' * len(documents))})"
            f" AND c.unit NOT IN ({', '.join('?' * len(not_units))}) AND c.value > 0) WHERE amounts > 1 ORDER BY rowid",
            (*documents, *not_units),
        )
        return [_claim(r) for r in rows]

    def claims_by_id(self, ids: Iterable[str]) -> list[Claim]:
        ids = list(ids)
        if not ids:
            return []
        rows = self._conn.execute(
            f"{_CLAIM_SELECT} WHERE c.id IN ({', '.join('?' * len(ids))})", ids
        ).fetchall()
        by_id = {r["id"]: _claim(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def search_passages(self, query: str, limit: int = 20) -> list[tuple[Passage, str, float]]:
        """Passages matching any word of the query, best first: (passage, document id, bm25 score)."""
        words = fts_tokens(query)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))
        rows = self._conn.execute(
            "SELECT p.*, bm25(passages_fts) AS rank FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid"
            " WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        ).fetchall()
        return [(_passage(r), r["document_id"], -r["rank"]) for r in rows]

    def cached_vectors(self, model: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these text keys: a text is never embedded twice."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self._conn.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({', '.join('?' * len(chunk))})",
                (model, *chunk),
            )
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def claim_rowids(self, after: int | None = None) -> np.ndarray:
        """Rowids of the claims that have a vector, all or only those above `after`."""
        rows = self._conn.execute(
            "SELECT rowid FROM claims WHERE embed_key IS NOT NULL AND rowid > ? ORDER BY rowid",
            (-1 if after is None else after,),
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def data_version(self) -> int:
        """A number that changes whenever another connection (another process, or another thread
        of this one) commits: a cheap way for a long-running reader to know whether to look again.
        Always read on the opening thread's connection: each connection counts on its own."""
        with self._main_lock:
            return self._main.execute("PRAGMA data_version").fetchone()[0]

    def claim_vectors(self, model: str, rowids: np.ndarray, batch: int = 5000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rowids, vectors) in batches, for the claims among `rowids` that have a vector of `model`."""
        for i in range(0, len(rowids), batch):
            chunk = [int(r) for r in rowids[i:i + batch]]
            rows = self._conn.execute(
                "SELECT c.rowid, v.vector FROM claims c JOIN vectors v ON v.model = ? AND v.key = c.embed_key"
                f" WHERE c.rowid IN ({', '.join('?' * len(chunk))})",
                (model, *chunk),
            ).fetchall()
            if rows:
                ids = np.array([r[0] for r in rows], dtype=np.int64)
                yield ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])

    def claims_without_vectors(self, model: str, limit: int = 500) -> list[tuple[int, Claim]]:
        rows = self._conn.execute(
            f"{_CLAIM_SELECT} LEFT JOIN vectors v ON v.model = ? AND v.key = c.embed_key"
            " WHERE v.key IS NULL ORDER BY c.rowid LIMIT ?",
            (model, limit),
        ).fetchall()
        return [(r["rowid"], _claim(r)) for r in rows]

    def set_claim_vectors(self, model: str, items: Sequence[tuple[int, str, np.ndarray]]) -> None:
        with self.transaction() as tx:
            tx.executemany(
                "INSERT OR IGNORE INTO vectors (model, key, vector) VALUES (?, ?, ?)",
                [(model, key, np.asarray(v, dtype=np.float32).tobytes()) for _, key, v in items],
            )
            tx.executemany("UPDATE claims SET embed_key = ? WHERE rowid = ?", [(key, rowid) for rowid, key, _ in items])

    def claims_by_rowid(self, rowids: Sequence[int]) -> list[Claim]:
        rowids = [int(r) for r in rowids]
        if not rowids:
            return []
        rows = self._conn.execute(
            f"{_CLAIM_SELECT} WHERE c.rowid IN ({', '.join('?' * len(rowids))})", rowids
        ).fetchall()
        by_rowid = {r["rowid"]: _claim(r) for r in rows}
        return [by_rowid[r] for r in rowids if r in by_rowid]

    def search_claims(self, query: str, limit: int = 50) -> list[tuple[int, float]]:
        """Claims whose quote, entity or metric share words with the query: (rowid, bm25), best first."""
        words = fts_tokens(query)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))
        rows = self._conn.execute(
            "SELECT rowid, bm25(claims_fts) FROM claims_fts WHERE claims_fts MATCH ? ORDER BY bm25(claims_fts) LIMIT ?",
            (match, limit),
        ).fetchall()
        return [(r[0], -r[1]) for r in rows]

    def counts(self) -> dict[str, int]:
        docs = self._conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        claims = self._conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        return {"documents": docs, "claims": claims}


_DOCUMENT_SELECT = (
    "SELECT d.*, (SELECT count(*) FROM passages p WHERE p.document_id = d.id) AS n_passages,"
    " (SELECT count(*) FROM claims c WHERE c.document_id = d.id) AS n_claims FROM documents d"
)

_CLAIM_SELECT = (
    "SELECT c.*, d.title AS document_title, d.source AS source, d.published AS published"
    " FROM claims c JOIN documents d ON d.id = c.document_id"
)
# With, for each claim, how many claims its passage holds among those the query keeps.
_CLAIM_SELECT_AMOUNTS = _CLAIM_SELECT.replace(
    " FROM", ", count(*) OVER (PARTITION BY c.document_id, c.passage) AS amounts FROM", 1)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _json_list(items: Sequence[str] | None) -> str | None:
    return json.dumps(list(items), ensure_ascii=False) if items is not None else None


def _claim_row(c: Claim, document_id: str) -> tuple:
    low, high = c.range if c.range else (None, None)
    return (
        c.id, document_id, c.passage, c.page, c.quote, c.entity, c.metric, c.value, c.unit, c.raw,
        int(c.approximate), c.bound, low, high, c.period, c.kind, c.language, c.precision, c.start, c.end,
        _box_json(c.box),
    )


def _claim_terms(c: Claim) -> str:
    return " ".join(x for x in (c.entity, c.metric, c.quote) if x)


def _claim(r: sqlite3.Row) -> Claim:
    return Claim(
        id=r["id"], document_id=r["document_id"], document_title=r["document_title"], source=r["source"],
        published=r["published"], page=r["page"], quote=r["quote"], entity=r["entity"], metric=r["metric"],
        value=r["value"], unit=r["unit"], raw=r["raw"], approximate=bool(r["approximate"]), bound=r["bound"],
        range=(r["range_low"], r["range_high"]) if r["range_low"] is not None else None, period=r["period"],
        kind=r["kind"], language=r["language"], precision=r["precision"], passage=r["passage"],
        start=r["start"], end=r["end"], box=_box(r["box"]),
    )


def _passage(r: sqlite3.Row) -> Passage:
    return Passage(
        index=r["idx"], text=r["text"], kind=r["kind"], language=r["language"], page=r["page"],
        box=_box(r["box"]), block=r["block"], start=r["start"], end=r["end"],
        headers=tuple(json.loads(r["headers"])) if r["headers"] else None,
        cells=tuple(json.loads(r["cells"])) if r["cells"] else None, context=r["context"],
    )


def _stored_document(r: sqlite3.Row) -> StoredDocument:
    return StoredDocument(
        id=r["id"], title=r["title"], source=r["source"], format=r["format"], published=r["published"],
        author=r["author"], language=r["language"], pages=r["pages"], passages=r["n_passages"],
        claims=r["n_claims"], ingested_at=r["ingested_at"],
    )
