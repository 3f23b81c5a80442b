"""What the two claim stores share: the rows they write and read back, and the reads whose SQL
differs only in the driver's placeholder (`?` for sqlite3, `%s` for psycopg) and in how a column
is matched against a list of values. `miner.store.Store` (SQLite) and `miner.store_pg.PgStore`
(PostgreSQL) both derive from `StoreBase`; what each writes, and its full-text search, stays in
its own dialect.

Full-text words: FTS5's tokenizers and PostgreSQL's parser both split Chinese badly (a whole run
of Han characters becomes one token), so passages and claims are segmented with jieba
(`fts_tokens`) before they reach either database.
"""
from __future__ import annotations

import functools
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, ClassVar, Protocol, Self

import numpy as np

from miner.errors import MinerError, NotFound
from miner.model import Box, Claim, Document, Passage, StoredDocument

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ClaimVectors:
    """Vectors for a document's claims: one text key per claim, and the vectors not yet cached."""

    model: str
    keys: list[str]
    new: dict[str, np.ndarray]


class Row(Protocol):
    """A result row by column name: sqlite3.Row or psycopg's dict row."""

    def __getitem__(self, key: str, /) -> Any: ...


class Connection(Protocol):
    """A connection or cursor of either driver, as far as the shared code uses one."""

    def execute(self, query: str, params: Any = ..., /) -> Any: ...

    def executemany(self, query: str, params_seq: Iterable[Any], /) -> Any: ...


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


def claim_fts_terms(entity: str | None, metric: str | None, quote: str | None) -> str:
    """The space-joined words a claim is found by in full-text search."""
    return " ".join(fts_tokens(" ".join(x for x in (entity, metric, quote) if x)))


# -- tables ------------------------------------------------------------------------------------


def tables(rowid: str, real: str) -> str:
    """The tables the rows below are written to and read from, in one dialect's words for an
    auto-numbered key (`rowid`) and a float (`real`): one definition, so that the stores cannot
    drift apart. Each store adds its full-text tables, the vectors table and its indexes."""
    return f"""
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
    rowid {rowid},
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    page INTEGER,
    box TEXT,
    block INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    headers TEXT,
    cells TEXT,
    context TEXT,
    UNIQUE (document_id, idx)
);
CREATE TABLE IF NOT EXISTS claims (
    rowid {rowid},
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    passage INTEGER,
    page INTEGER,
    quote TEXT NOT NULL,
    entity TEXT,
    metric TEXT NOT NULL,
    value {real} NOT NULL,
    unit TEXT NOT NULL,
    raw TEXT NOT NULL,
    approximate INTEGER NOT NULL,
    bound TEXT,
    range_low {real},
    range_high {real},
    period TEXT,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    precision {real},
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    box TEXT,
    embed_key TEXT
);
"""


# -- rows written ------------------------------------------------------------------------------

PASSAGE_FIELDS = (
    "document_id", "idx", "text", "kind", "language", "page", "box", "block", "start", "end", "headers",
    "cells", "context",
)
# "end" is quoted: a reserved word in PostgreSQL (SQLite takes it either way).
PASSAGE_COLUMNS = ", ".join(f'"{f}"' for f in PASSAGE_FIELDS)
CLAIM_COLUMNS = (
    "id, document_id, passage, page, quote, entity, metric, value, unit, raw, approximate, bound, "
    'range_low, range_high, period, kind, language, precision, start, "end", box, embed_key'
)


def marks(placeholder: str, n: int) -> str:
    return ", ".join([placeholder] * n)


def insert_claim(placeholder: str) -> str:
    return f"INSERT INTO claims ({CLAIM_COLUMNS}) VALUES ({marks(placeholder, 22)})"


def insert_document(placeholder: str) -> str:
    return f"INSERT INTO documents VALUES ({marks(placeholder, 9)})"


@dataclass(frozen=True)
class DocumentRows:
    """A document's rows with their full-text words, made before the write transaction so that
    jieba never runs while the write lock is held."""

    document: tuple[Any, ...]
    passages: list[tuple[tuple[Any, ...], str]]  # (row in PASSAGE_FIELDS order, words)
    claims: list[tuple[tuple[Any, ...], str]]  # (row in CLAIM_COLUMNS order, words)

    @property
    def document_id(self) -> str:
        return self.document[0]

    @classmethod
    def of(
        cls, doc: Document, passages: Sequence[Passage], claims: Sequence[Claim], vectors: ClaimVectors | None,
    ) -> DocumentRows:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        keys = vectors.keys if vectors else [None] * len(claims)
        return cls(
            document=(doc.id, doc.title, doc.source, doc.format, _iso(doc.published), doc.author, doc.language,
                      doc.pages, now),
            passages=[(_passage_row(doc.id, p), " ".join(fts_tokens(p.text))) for p in passages],
            claims=[((*_claim_row(c, doc.id), key), claim_fts_terms(c.entity, c.metric, c.quote))
                    for c, key in zip(claims, keys)],
        )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _json_list(items: Sequence[str] | None) -> str | None:
    return json.dumps(list(items), ensure_ascii=False) if items is not None else None


def _box_json(box: Box | None) -> str | None:
    return box.model_dump_json() if box else None


def _passage_row(document_id: str, p: Passage) -> tuple[Any, ...]:
    return (
        document_id, p.index, p.text, p.kind, p.language, p.page, _box_json(p.box), p.block, p.start, p.end,
        _json_list(p.headers), _json_list(p.cells), p.context,
    )


def _claim_row(c: Claim, document_id: str) -> tuple[Any, ...]:
    low, high = c.range if c.range else (None, None)
    return (
        c.id, document_id, c.passage, c.page, c.quote, c.entity, c.metric, c.value, c.unit, c.raw,
        int(c.approximate), c.bound, low, high, c.period, c.kind, c.language, c.precision, c.start, c.end,
        _box_json(c.box),
    )


# -- rows read ---------------------------------------------------------------------------------

DOCUMENT_SELECT = (
    "SELECT d.*, (SELECT count(*) FROM passages p WHERE p.document_id = d.id) AS n_passages,"
    " (SELECT count(*) FROM claims c WHERE c.document_id = d.id) AS n_claims FROM documents d"
)
CLAIM_SELECT = (
    "SELECT c.*, d.title AS document_title, d.source AS source, d.published AS published"
    " FROM claims c JOIN documents d ON d.id = c.document_id"
)
# With, for each claim, how many claims its passage holds among those the query keeps.
_CLAIM_SELECT_AMOUNTS = CLAIM_SELECT.replace(
    " FROM", ", count(*) OVER (PARTITION BY c.document_id, c.passage) AS amounts FROM", 1)


def _box(raw: str | None) -> Box | None:
    return Box.model_validate_json(raw) if raw else None


def claim_from_row(r: Row) -> Claim:
    # Built without validation: every row was written from a validated Claim, and an answer reads
    # a few hundred claims, whose validation took a tenth of its time (benchmarks/serve.py --profile).
    # Only what the database keeps in another type is converted back.
    published = r["published"]
    return Claim.model_construct(
        id=r["id"], document_id=r["document_id"], document_title=r["document_title"], source=r["source"],
        published=date.fromisoformat(published) if published else None, page=r["page"], quote=r["quote"],
        entity=r["entity"], metric=r["metric"], value=float(r["value"]), unit=r["unit"], raw=r["raw"],
        approximate=bool(r["approximate"]), bound=r["bound"],
        range=(float(r["range_low"]), float(r["range_high"])) if r["range_low"] is not None else None,
        period=r["period"], kind=r["kind"], language=r["language"],
        precision=float(r["precision"]) if r["precision"] is not None else None, passage=r["passage"],
        start=r["start"], end=r["end"], box=_box(r["box"]),
    )


def passage_from_row(r: Row) -> Passage:
    return Passage(
        index=r["idx"], text=r["text"], kind=r["kind"], language=r["language"], page=r["page"],
        box=_box(r["box"]), block=r["block"], start=r["start"], end=r["end"],
        headers=tuple(json.loads(r["headers"])) if r["headers"] else None,
        cells=tuple(json.loads(r["cells"])) if r["cells"] else None, context=r["context"],
    )


def _stored_document(r: Row) -> StoredDocument:
    return StoredDocument(
        id=r["id"], title=r["title"], source=r["source"], format=r["format"], published=r["published"],
        author=r["author"], language=r["language"], pages=r["pages"], passages=r["n_passages"],
        claims=r["n_claims"], ingested_at=r["ingested_at"],
    )


class StoreBase(ABC):
    """The methods both stores answer with the same SQL but for the dialect's pieces below."""

    _P: ClassVar[str]  # the driver's placeholder
    _ENTITY_IS: ClassVar[str]  # c.entity equals the argument, case aside
    _METRIC_LIKE: ClassVar[str]  # c.metric matches the argument's LIKE pattern, case aside
    # (rowid, terms) from claims_fts above rowid `after`, in rowid order, at most `batch` of them.
    _CLAIM_TERMS: ClassVar[str]
    _INSERT_VECTORS: ClassVar[str]  # (model, key, vector); a key already there is left as it is

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _add(self, rows: DocumentRows, vectors: ClaimVectors | None) -> list[int] | None:
        """`add_document` past making the rows: its one transaction."""

    @abstractmethod
    def _fetchall(self, query: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Row]: ...

    @abstractmethod
    def _fetchone(self, query: str, args: Sequence[Any] | dict[str, Any] = ()) -> Row | None: ...

    @abstractmethod
    def _in(self, column: str, values: Sequence[Any], *, negate: bool = False) -> tuple[str, list[Any]]:
        """SQL that `column` is (or with `negate`, is not) one of `values`, and its arguments."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_schema_version(self, conn: Connection, where: object, hint: str) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute(f"INSERT INTO meta VALUES ('schema_version', {self._P})", (str(SCHEMA_VERSION),))
        elif int(row["value"]) > SCHEMA_VERSION:
            raise MinerError(f"the store at {where} was written by a newer miner (schema {row['value']})", hint)

    def _delete_rows(self, tx: Connection, document_id: str) -> None:
        """A document's rows, in the transaction `tx`: full-text rows first, while their claims and
        passages still say which they are."""
        for table in ("passages", "claims"):
            tx.execute(
                f"DELETE FROM {table}_fts WHERE rowid IN (SELECT rowid FROM {table} WHERE document_id = {self._P})",
                (document_id,),
            )
        for table, key in (("claims", "document_id"), ("passages", "document_id"), ("documents", "id")):
            tx.execute(f"DELETE FROM {table} WHERE {key} = {self._P}", (document_id,))

    def _put_vectors(self, tx: Connection, model: str, vectors: Iterable[tuple[str, np.ndarray]]) -> None:
        tx.executemany(
            self._INSERT_VECTORS, [(model, key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in vectors]
        )

    # -- documents ---------------------------------------------------------------------------

    def add_document(
        self, doc: Document, passages: Sequence[Passage], claims: Sequence[Claim],
        vectors: ClaimVectors | None = None,
    ) -> list[int] | None:
        """Store a document with its passages, claims and their vectors in one transaction.

        Returns the claims' rowids (the vector index's ids), or None (and writes nothing) when
        the document is already stored.
        """
        return self._add(DocumentRows.of(doc, passages, claims, vectors), vectors)

    def has_document(self, document_id: str) -> bool:
        return self._fetchone(f"SELECT 1 FROM documents WHERE id = {self._P}", (document_id,)) is not None

    def documents(self) -> list[StoredDocument]:
        return [_stored_document(r) for r in self._fetchall(f"{DOCUMENT_SELECT} ORDER BY d.ingested_at, d.source")]

    def document(self, document_id: str) -> StoredDocument:
        row = self._fetchone(f"{DOCUMENT_SELECT} WHERE d.id = {self._P}", (document_id,))
        if row is None:
            raise NotFound(f"no document with id {document_id}", "list them with `miner claims` or GET /documents")
        return _stored_document(row)

    def passages(self, document_id: str) -> list[Passage]:
        rows = self._fetchall(f"SELECT * FROM passages WHERE document_id = {self._P} ORDER BY idx", (document_id,))
        return [passage_from_row(r) for r in rows]

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
        p = self._P
        where, args = [], []
        if entity:
            where.append(self._ENTITY_IS)
            args.append(entity)
        if metric:
            where.append(self._METRIC_LIKE)
            args.append(f"%{metric}%")
        if document:
            where.append(f"c.document_id = {p}")
            args.append(document)
        if unit is not None:
            where.append(f"c.unit = {p}")
            args.append(unit)
        query = CLAIM_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.rowid"
        if limit is not None:
            query += f" LIMIT {p} OFFSET {p}"
            args += [limit, offset]
        return [claim_from_row(r) for r in self._fetchall(query, args)]

    def claims_in_passages(self, pairs: Iterable[tuple[str | None, int | None]]) -> list[Claim]:
        """Every claim of the given (document id, passage index) pairs: a figure's neighbours."""
        out: list[Claim] = []
        for doc_id, passage in sorted(p for p in set(pairs) if p[0] is not None and p[1] is not None):
            rows = self._fetchall(
                f"{CLAIM_SELECT} WHERE c.document_id = {self._P} AND c.passage = {self._P} ORDER BY c.start",
                (doc_id, passage),
            )
            out += [claim_from_row(r) for r in rows]
        return out

    def amounts_sharing_a_passage(self, documents: Sequence[str], not_units: Sequence[str]) -> list[Claim]:
        """The documents' amounts (positive figures in any unit but `not_units`) that share their
        passage with another amount: the parts and totals a share may be derived from."""
        if not documents:
            return []
        in_documents, document_args = self._in("c.document_id", documents)
        not_in_units, unit_args = self._in("c.unit", not_units, negate=True)
        rows = self._fetchall(
            f"SELECT * FROM ({_CLAIM_SELECT_AMOUNTS} WHERE {in_documents} AND {not_in_units} AND c.value > 0) AS a"
            " WHERE amounts > 1 ORDER BY rowid",
            [*document_args, *unit_args],
        )
        return [claim_from_row(r) for r in rows]

    def claims_by_id(self, ids: Iterable[str]) -> list[Claim]:
        ids = list(ids)
        if not ids:
            return []
        in_ids, args = self._in("c.id", ids)
        by_id = {r["id"]: claim_from_row(r) for r in self._fetchall(f"{CLAIM_SELECT} WHERE {in_ids}", args)}
        return [by_id[i] for i in ids if i in by_id]

    def claims_by_rowid(self, rowids: Sequence[int]) -> list[Claim]:
        rowids = [int(r) for r in rowids]
        if not rowids:
            return []
        in_rowids, args = self._in("c.rowid", rowids)
        rows = self._fetchall(f"{CLAIM_SELECT} WHERE {in_rowids}", args)
        by_rowid = {r["rowid"]: claim_from_row(r) for r in rows}
        return [by_rowid[r] for r in rowids if r in by_rowid]

    def claim_terms(self, after: int = 0, batch: int = 50_000) -> Iterator[tuple[np.ndarray, list[str]]]:
        """(rowids, words) in rowid order, in batches of at most `batch`, for the claims above
        rowid `after`: the space-joined words each claim was indexed with for full-text search.
        Read back as `add_document` stored them, not segmented again: jieba takes minutes over a
        million claims."""
        while rows := self._fetchall(self._CLAIM_TERMS, {"after": after, "batch": batch}):
            rowids = np.array([r["rowid"] for r in rows], dtype=np.int64)
            yield rowids, [self._row_terms(r) for r in rows]
            after = int(rowids[-1])

    def _row_terms(self, r: Row) -> str:
        """A `_CLAIM_TERMS` row's words."""
        return r["terms"]

    def counts(self) -> dict[str, int]:
        docs = self._fetchone("SELECT count(*) AS n FROM documents")["n"]
        claims = self._fetchone("SELECT count(*) AS n FROM claims")["n"]
        return {"documents": docs, "claims": claims}

    # -- vectors -----------------------------------------------------------------------------

    def cached_vectors(self, model: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these text keys: a text is never embedded twice."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            in_keys, args = self._in("key", keys[i:i + 500])
            rows = self._fetchall(
                f"SELECT key, vector FROM vectors WHERE model = {self._P} AND {in_keys}", [model, *args]
            )
            found.update((r["key"], np.frombuffer(r["vector"], dtype=np.float32)) for r in rows)
        return found

    def claim_rowids(self, after: int | None = None, *, embedded: bool = True) -> np.ndarray:
        """Rowids of the claims that have a vector (or, `embedded=False`, of every claim), all or
        only those above `after`."""
        having = "embed_key IS NOT NULL AND " if embedded else ""
        rows = self._fetchall(
            f"SELECT rowid FROM claims WHERE {having}rowid > {self._P} ORDER BY rowid",
            (-1 if after is None else after,),
        )
        return np.array([r["rowid"] for r in rows], dtype=np.int64)

    def claim_vectors(
        self, model: str, rowids: np.ndarray, batch: int = 5000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rowids, vectors) in batches, for the claims among `rowids` that have a vector of `model`."""
        for i in range(0, len(rowids), batch):
            in_rowids, args = self._in("c.rowid", [int(r) for r in rowids[i:i + batch]])
            rows = self._fetchall(
                f"SELECT c.rowid, v.vector FROM claims c JOIN vectors v ON v.model = {self._P}"
                f" AND v.key = c.embed_key WHERE {in_rowids}",
                [model, *args],
            )
            if rows:
                ids = np.array([r["rowid"] for r in rows], dtype=np.int64)
                yield ids, np.vstack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])

    def claims_without_vectors(self, model: str, limit: int = 500, after: int = 0) -> list[tuple[int, Claim]]:
        """Up to `limit` claims above rowid `after` with no vector of `model`, in rowid order."""
        rows = self._fetchall(
            f"SELECT c.rowid FROM claims c WHERE c.rowid > {self._P} AND NOT EXISTS"
            f" (SELECT 1 FROM vectors v WHERE v.model = {self._P} AND v.key = c.embed_key)"
            f" ORDER BY c.rowid LIMIT {self._P}",
            (after, model, limit),
        )
        rowids = [r["rowid"] for r in rows]
        return list(zip(rowids, self.claims_by_rowid(rowids)))
