"""The claim store's behaviour, on both backends: SQLite (always) and PostgreSQL (when a server
answers at $MINER_TEST_DATABASE_URL, default postgresql://127.0.0.1:5432/test; otherwise those
tests are skipped and say why). Each PostgreSQL test works in a fresh schema and drops it."""
import os
import sqlite3
import uuid
import warnings
from datetime import date

import numpy as np
import pytest

from miner import keywords
from miner.errors import NotFound
from miner.model import Box, Claim, Document, Passage
from miner.store import ClaimVectors, Store, fts_tokens


def make_doc(doc_id: str = "a" * 64, title: str = "Token report") -> Document:
    return Document(id=doc_id, title=title, source="report.md", format="md", published=date(2026, 3, 3))


PASSAGES = [
    Passage(index=0, text="Chinese models took 61% of OpenRouter tokens in February 2026.", end=63),
    Passage(index=1, text="当地工业电价约为每千瓦时0.35元。", language="zh", page=2,
            box=Box(x0=1, top=2, x1=3, bottom=4)),
    Passage(index=2, text="Provider: CoreWeave; Share: 31%", kind="table_row",
            headers=("Provider", "Share"), cells=("CoreWeave", "31%"), context="Table 2: shares"),
]


def make_claim(doc_id: str, n: int, **kw) -> Claim:
    base = dict(id=f"{doc_id[:8]}-{n}", quote=PASSAGES[0].text, entity="Chinese models",
                metric="share of OpenRouter tokens", value=61.0, unit="%", raw="61%", period="2026-02",
                passage=0, start=20, end=23, precision=0.5)
    base.update(kw)
    return Claim(**base)


PG_URL = os.environ.get("MINER_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")


def _postgresql_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None. Asked once, at collection."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (make install adds it)"
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no server answers at {PG_URL} ({(str(exc).strip() or type(exc).__name__).splitlines()[0]})"
    return None


PG_MISSING = _postgresql_missing()
if PG_MISSING:  # said once in the warnings summary of `make test`, besides each test's skip reason
    warnings.warn(f"PostgreSQL store tests skipped: {PG_MISSING}", stacklevel=1)


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        PG_MISSING is not None,
        reason=f"PostgreSQL store tests skipped: {PG_MISSING}; start a server or set MINER_TEST_DATABASE_URL",
    )),
])
def backend(request) -> str:
    return request.param


@pytest.fixture
def open_store(backend, request, tmp_path):
    """Opens (and reopens) one store of the backend under test; a PostgreSQL schema is dropped after."""
    if backend == "sqlite":
        return lambda: Store.open(tmp_path / "home" / "miner.db")
    import psycopg

    from miner.store_pg import PgStore

    url = PG_URL
    schema = f"miner_test_{uuid.uuid4().hex[:12]}"

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    request.addfinalizer(drop)
    return lambda: PgStore.open(url, schema=schema)


@pytest.fixture
def store(open_store):
    with open_store() as s:
        yield s


def integrity_error(backend: str) -> type[Exception]:
    if backend == "postgresql":
        import psycopg

        return psycopg.IntegrityError
    return sqlite3.IntegrityError


def test_store_uses_wal(store, backend):
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL has no journal mode")
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_store_round_trips_document_passages_claims(store):
    doc = make_doc()
    claims = [make_claim(doc.id, 0), make_claim(doc.id, 1, value=0.35, unit="CNY/kWh", raw="0.35元",
                                                 language="zh", range=(0.3, 0.4), box=Box(x0=1, top=2, x1=3, bottom=4))]
    assert store.add_document(doc, PASSAGES, claims) == [1, 2]
    listed = store.documents()
    assert [(d.id, d.passages, d.claims, d.published) for d in listed] == [(doc.id, 3, 2, date(2026, 3, 3))]
    got = store.claims()
    assert got[0].document_title == "Token report" and got[0].source == "report.md"
    assert got[0].published == date(2026, 3, 3)
    assert got[1].range == (0.3, 0.4) and got[1].box == Box(x0=1, top=2, x1=3, bottom=4)
    assert store.passages(doc.id)[2].headers == ("Provider", "Share")
    assert store.counts() == {"documents": 1, "claims": 2}


def test_store_add_is_idempotent(store):
    doc = make_doc()
    assert store.add_document(doc, PASSAGES, [make_claim(doc.id, 0)])
    assert store.add_document(doc, PASSAGES, [make_claim(doc.id, 0)]) is None
    assert store.counts() == {"documents": 1, "claims": 1}


def test_store_failed_write_leaves_nothing(store, backend):
    doc = make_doc()
    duplicate_ids = [make_claim(doc.id, 0), make_claim(doc.id, 0)]
    with pytest.raises(integrity_error(backend)):
        store.add_document(doc, PASSAGES, duplicate_ids)
    assert store.counts() == {"documents": 0, "claims": 0}
    assert store.search_passages("OpenRouter") == []


def test_store_filters_claims(store):
    a, b = make_doc("a" * 64), make_doc("b" * 64, "Power brief")
    store.add_document(a, PASSAGES, [make_claim(a.id, 0)])
    store.add_document(b, PASSAGES, [make_claim(b.id, 0, entity="MiniMax", metric="overseas share of revenue")])
    assert [c.entity for c in store.claims(entity="minimax")] == ["MiniMax"]
    assert [c.document_id for c in store.claims(metric="OpenRouter")] == [a.id]
    assert [c.document_id for c in store.claims(document=b.id)] == [b.id]
    assert len(store.claims(limit=1, offset=1)) == 1
    assert [c.id for c in store.claims_by_id([f"{b.id[:8]}-0", "nope"])] == [f"{b.id[:8]}-0"]


def test_store_delete_removes_everything(store):
    a, b = make_doc("a" * 64), make_doc("b" * 64)
    store.add_document(a, PASSAGES, [make_claim(a.id, 0)])
    store.add_document(b, PASSAGES, [make_claim(b.id, 0)])
    store.delete_document(a.id)
    assert [d.id for d in store.documents()] == [b.id]
    assert {c.document_id for c in store.claims()} == {b.id}
    assert {doc_id for _, doc_id, _ in store.search_passages("电价")} == {b.id}
    with pytest.raises(NotFound):
        store.delete_document(a.id)
    with pytest.raises(NotFound):
        store.document(a.id)


def test_fts_segments_chinese_into_words():
    words = fts_tokens("当地工业电价约为每千瓦时0.35元")
    assert "电价" in words and "工业" in words
    assert fts_tokens("OpenRouter tokens, 61%") == ["openrouter", "tokens", "61"]


def test_store_full_text_finds_chinese_two_character_words(store):
    doc = make_doc()
    store.add_document(doc, PASSAGES, [])
    hits = store.search_passages("工业电价是多少")
    assert hits and hits[0][0].index == 1
    hits = store.search_passages("openrouter token share")
    assert hits[0][0].index == 0
    assert store.search_passages("   ") == []


def test_store_reopens_existing_home(open_store):
    with open_store() as s:
        s.add_document(make_doc(), PASSAGES, [])
    with open_store() as s:
        assert s.counts()["documents"] == 1


def test_store_keeps_claim_vectors_and_caches_by_text(store):
    a, b = make_doc("a" * 64), make_doc("b" * 64)
    v1, v2 = np.ones(4, np.float32), np.arange(4, dtype=np.float32)
    ids_a = store.add_document(a, PASSAGES, [make_claim(a.id, 0), make_claim(a.id, 1)],
                               ClaimVectors("m", ["k1", "k2"], {"k1": v1, "k2": v2}))
    assert set(store.cached_vectors("m", ["k1", "k2", "k3"])) == {"k1", "k2"}
    assert store.cached_vectors("other-model", ["k1"]) == {}
    # b's claim has the same text as a's first: its vector comes from the cache, nothing new.
    ids_b = store.add_document(b, PASSAGES, [make_claim(b.id, 0)], ClaimVectors("m", ["k1"], {}))
    assert store.claim_rowids().tolist() == ids_a + ids_b
    batches = list(store.claim_vectors("m", np.array(ids_b + ids_a[1:]), batch=1))
    got = {int(i): vec.tolist() for ids, vecs in batches for i, vec in zip(ids, vecs)}
    assert got == {ids_b[0]: v1.tolist(), ids_a[1]: v2.tolist()}
    assert [c.id for c in store.claims_by_rowid([ids_b[0], ids_a[0]])] == [f"{b.id[:8]}-0", f"{a.id[:8]}-0"]


def test_store_claim_words_find_claims_in_either_language_with_english_stems(store):
    doc = make_doc()
    ids = store.add_document(doc, PASSAGES, [
        make_claim(doc.id, 0),
        make_claim(doc.id, 1, quote=PASSAGES[1].text, entity=None, metric="工业电价", value=0.35, unit="CNY/kWh",
                   raw="0.35元", language="zh", passage=1, start=12, end=17),
    ])

    def search(text):
        return keywords.build(store.claim_terms()).search(" ".join(fts_tokens(text)))

    assert [r for r, _ in search("工业电价多少")] == [ids[1]]
    hits = search("token")  # the claim says "tokens"
    assert [r for r, _ in hits] == [ids[0]] and hits[0][1] > 0
    assert search("?!") == []
    store.delete_document(doc.id)
    assert search("token") == []


def test_store_claims_in_passages_and_by_unit(store):
    doc = make_doc()
    store.add_document(doc, PASSAGES, [
        make_claim(doc.id, 0), make_claim(doc.id, 1, passage=1, unit="CNY/kWh", start=5, end=9),
        make_claim(doc.id, 2, passage=1, start=1, end=4),
    ])
    got = store.claims_in_passages([(doc.id, 1), (doc.id, 7), (None, 0), (doc.id, 1)])
    assert [c.id for c in got] == [f"{doc.id[:8]}-2", f"{doc.id[:8]}-1"]  # by position in the passage
    assert [c.id for c in store.claims(unit="CNY/kWh")] == [f"{doc.id[:8]}-1"]


def test_store_embeds_claims_stored_without_vectors(store):
    doc = make_doc()
    ids = store.add_document(doc, PASSAGES, [make_claim(doc.id, 0), make_claim(doc.id, 1)])
    assert store.claim_rowids().tolist() == []
    assert [r for r, _ in store.claims_without_vectors("m")] == ids
    assert [(r, c.id) for r, c in store.claims_without_vectors("m", after=ids[0])] == [(ids[1], f"{doc.id[:8]}-1")]
    assert [r for r, _ in store.claims_without_vectors("m", limit=1)] == ids[:1]
    v = np.arange(4, dtype=np.float32)
    store.set_claim_vectors("m", [(ids[0], "k1", v), (ids[1], "k1", v)])
    assert store.claims_without_vectors("m") == []
    assert store.claim_rowids().tolist() == ids
    assert [x.tolist() for _, vecs in store.claim_vectors("m", np.array(ids)) for x in vecs] == [v.tolist()] * 2


def test_store_two_writers_store_one_document_once(open_store):
    from concurrent.futures import ThreadPoolExecutor

    doc = make_doc()
    with open_store() as first, open_store() as second, ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda s: s.add_document(doc, PASSAGES, [make_claim(doc.id, 0)]), [first, second]))
        assert sum(o is None for o in outcomes) == 1  # one stored it; the other found it there
        assert first.counts() == second.counts() == {"documents": 1, "claims": 1}


def test_store_threads_read_beside_a_writer_without_seeing_its_open_transaction(tmp_path):
    """Each thread has a connection of its own: a reader on another thread neither waits for an
    open write transaction nor sees what it has not committed (one shared connection did both)."""
    import threading

    doc = make_doc()
    with Store.open(tmp_path / "miner.db") as store:
        store.add_document(doc, PASSAGES, [make_claim(doc.id, 0)])
        seen = []
        reader = threading.Thread(target=lambda: seen.append(store.counts()))
        with store.transaction() as tx:
            tx.execute("DELETE FROM claims")
            reader.start()
            reader.join(timeout=20)
        assert seen == [{"documents": 1, "claims": 1}]
        assert store.counts() == {"documents": 1, "claims": 0}


def test_store_amounts_sharing_a_passage_are_the_parts_and_totals(store):
    """Positive amounts (not shares, multiples or points) whose passage holds another amount."""
    doc = make_doc()
    claims = [
        make_claim(doc.id, 0, passage=0, value=5.3e12, unit="tokens", raw="5.3 trillion"),
        make_claim(doc.id, 1, passage=0, value=8.7e12, unit="tokens", raw="8.7 trillion"),
        make_claim(doc.id, 2, passage=0, value=61.0, unit="%", raw="61%"),
        make_claim(doc.id, 3, passage=1, value=0.35, unit="CNY/kWh", raw="0.35元"),
        make_claim(doc.id, 4, passage=1, value=2.0, unit="x", raw="2倍"),
        make_claim(doc.id, 5, passage=2, value=0.0, unit="kW", raw="0 kW"),
        make_claim(doc.id, 6, passage=2, value=3.0, unit="kW", raw="3 kW"),
        make_claim(doc.id, 7, passage=None, value=1.0, unit="USD", raw="$1"),
        make_claim(doc.id, 8, passage=None, value=2.0, unit="USD", raw="$2"),
    ]
    store.add_document(doc, PASSAGES, claims)
    found = store.amounts_sharing_a_passage([doc.id, "b" * 64], ("%", "x", "pp"))
    assert [c.id for c in found] == [claims[i].id for i in (0, 1, 7, 8)]
    assert found[0] == store.claims()[0]
    assert store.amounts_sharing_a_passage(["b" * 64], ("%", "x", "pp")) == []


def indexed_words(c: Claim) -> str:
    """What add_document indexes a claim by, worked out here from the claim itself."""
    return " ".join(fts_tokens(" ".join(x for x in (c.entity, c.metric, c.quote) if x)))


def two_documents_of_claims() -> tuple[list[Document], list[Claim]]:
    a, b = make_doc("a" * 64), make_doc("b" * 64, "Power brief")
    claims = [
        make_claim(a.id, 0),
        make_claim(a.id, 1, quote=PASSAGES[1].text, entity=None, metric="工业电价", value=0.35, unit="CNY/kWh",
                   raw="0.35元", language="zh", passage=1, start=12, end=17),
        make_claim(a.id, 2, entity="MiniMax", metric="overseas share of revenue"),
        make_claim(b.id, 0, entity="CoreWeave", metric="provider share", passage=2),
        make_claim(b.id, 1),
    ]
    return [a, b], claims


def test_store_claim_terms_are_the_indexed_words_in_rowid_order(store):
    (a, b), claims = two_documents_of_claims()
    ids = store.add_document(a, PASSAGES, claims[:3]) + store.add_document(b, PASSAGES, claims[3:])
    expected = [indexed_words(c) for c in claims]
    assert "电价" in expected[1].split()

    [(rowids, terms)] = list(store.claim_terms())
    assert rowids.dtype == np.int64 and rowids.tolist() == ids and terms == expected

    batches = list(store.claim_terms(batch=2))
    assert [len(r) for r, _ in batches] == [2, 2, 1]
    assert np.concatenate([r for r, _ in batches]).tolist() == ids
    assert [t for _, ts in batches for t in ts] == expected
    assert [(r.tolist(), t) for r, t in store.claim_terms(after=ids[2], batch=1)] == [
        ([ids[3]], [expected[3]]), ([ids[4]], [expected[4]])]
    assert list(store.claim_terms(after=ids[-1])) == []

    store.delete_document(a.id)
    assert [(r.tolist(), t) for r, t in store.claim_terms()] == [(ids[3:], expected[3:])]


def test_store_claim_terms_are_read_back_not_worked_out_again(store, backend):
    doc = make_doc()
    [rowid] = store.add_document(doc, PASSAGES, [make_claim(doc.id, 0)])
    column = "tokens" if backend == "sqlite" else "terms"
    with store.transaction() as tx:
        tx.execute(f"UPDATE claims_fts SET {column} = 'as stored' WHERE rowid = {rowid}")
    assert [t for _, ts in store.claim_terms() for t in ts] == ["as stored"]


def test_pg_store_claim_terms_of_a_store_older_than_the_terms_column(open_store, backend):
    """A store made before claims_fts kept its words gets the column when opened; its old rows
    (NULL there) are worked out from their claims, new ones are stored."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's claims_fts has always kept the words")
    (a, b), claims = two_documents_of_claims()
    with open_store() as s:
        old = s.add_document(a, PASSAGES, claims[:3])
        with s.transaction() as tx:
            tx.execute("ALTER TABLE claims_fts DROP COLUMN terms")
    with open_store() as s:
        new = s.add_document(b, PASSAGES, claims[3:])
        with s.transaction() as tx:
            stored = tx.execute("SELECT rowid, terms FROM claims_fts ORDER BY rowid").fetchall()
        assert [r["terms"] is None for r in stored] == [True] * 3 + [False] * 2
        assert [(r.tolist(), t) for r, t in s.claim_terms(batch=2)] == [
            (old[:2], [indexed_words(c) for c in claims[:2]]),
            ([old[2], new[0]], [indexed_words(c) for c in claims[2:4]]),
            (new[1:], [indexed_words(claims[4])]),
        ]
