import sqlite3
from datetime import date

import numpy as np
import pytest

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


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home" / "miner.db") as s:
        yield s


def test_store_uses_wal(store):
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


def test_store_failed_write_leaves_nothing(store):
    doc = make_doc()
    duplicate_ids = [make_claim(doc.id, 0), make_claim(doc.id, 0)]
    with pytest.raises(sqlite3.IntegrityError):
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


def test_store_reopens_existing_home(tmp_path):
    path = tmp_path / "miner.db"
    with Store.open(path) as s:
        s.add_document(make_doc(), PASSAGES, [])
    with Store.open(path) as s:
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
