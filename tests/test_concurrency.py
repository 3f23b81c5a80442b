"""Concurrent use: the REST service answers while `miner ingest` writes to the same home in another
process, and sees the new documents without a restart.

SQLite runs in WAL mode, so readers never wait for the writer. The store is read live; the
service's in-memory vector index is brought up to date on the next query after another process
commits (Home.index checks SQLite's data_version, a counter that moves only when another
connection commits, and then adds the new claims' vectors from the store).
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from miner.config import Settings
from tests.hostile import make_corpus, miner_command

N_DOCS = 12


def test_service_answers_during_a_batch_and_sees_its_documents(tmp_path, monkeypatch):
    """The batch is the real `miner ingest`; the service runs in-process with a stand-in for the
    model (its query vectors are random, which does not matter here: what is checked is that it
    answers, and that its index holds the vectors the batch stored)."""
    import miner.home
    from tests.hostile import FakeEmbedder

    monkeypatch.setattr(miner.home, "Embedder", FakeEmbedder)
    corpus = tmp_path / "corpus"
    make_corpus(corpus, N_DOCS)
    home = tmp_path / "home"
    # The service starts first, on an empty home, and stays up through the whole batch.
    app = create_app(Settings(home=home))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok", "documents": 0, "claims": 0}
        ingest = subprocess.Popen(
            [*miner_command(), "--home", str(home), "ingest", str(corpus)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        )
        seen, during, errors = [], 0, []
        try:
            while ingest.poll() is None:
                health = client.get("/healthz")
                found = client.get("/search", params={"q": "share of tokens", "k": 5})
                for r in (health, found):
                    if r.status_code != 200:
                        errors.append((r.request.url, r.status_code, r.text[:300]))
                documents = health.json()["documents"]
                seen.append(documents)
                during += 0 < documents < N_DOCS
                time.sleep(0.2)  # leave the two cores to the batch
        finally:
            out, err = ingest.communicate(timeout=600)
        assert ingest.returncode == 0, err
        assert not errors, errors
        assert seen == sorted(seen), "the document count went backwards"
        assert during >= 3, f"too few queries landed mid-batch: {seen}"

        # After the batch: the running service sees every document, and its vector index holds
        # every claim, without a restart.
        health = client.get("/healthz").json()
        assert health["documents"] == N_DOCS
        results = client.get("/search", params={"q": "智谱 调用量", "k": 50}).json()
        assert {r["document_id"] for r in results} and all(r["source"].startswith(("brief", "jianbao")) for r in results)
        home_ = app.state.home
        with sqlite3.connect(f"file:{home / 'miner.db'}?mode=ro", uri=True) as db:
            rowids = sorted(r for (r,) in db.execute("SELECT rowid FROM claims"))
        assert health["claims"] == len(rowids)
        assert sorted(home_.index.ids().tolist()) == rowids
        # A query no claim shares a word with is answered from the vector index alone.
        assert len(client.get("/search", params={"q": "zzzz", "k": 3}).json()) == 3


def _add_document(store, text: str, name: str) -> int:
    """Store a document as another process would: claims and their vectors in one transaction
    (random unit vectors, so that no model is loaded). Its claim count."""
    from miner.claims import extract_claims
    from miner.embed import claim_text, text_key
    from miner.read import read_bytes
    from miner.segment import segment
    from miner.store import ClaimVectors

    doc = read_bytes(text.encode("utf-8"), name)
    passages = segment(doc)
    claims = extract_claims(doc, passages, ner=False)
    keys = [text_key(claim_text(c)) for c in claims]
    rng = np.random.default_rng(len(keys))
    vectors = {k: (v := rng.standard_normal(512).astype(np.float32)) / np.linalg.norm(v) for k in keys}
    store.add_document(doc, passages, claims, ClaimVectors("use-m", keys, vectors))
    return len(claims)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Iterator[Settings]:
    """A home on each store backend; PostgreSQL in a schema of its own, dropped after."""
    if request.param == "sqlite":
        yield Settings(home=tmp_path / "home")
        return
    from tests.miner.test_store import PG_MISSING, PG_URL

    if PG_MISSING:
        pytest.skip(f"PostgreSQL store tests skipped: {PG_MISSING}")
    import psycopg

    schema = f"miner_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Settings(home=tmp_path / "home", database_url=f"{PG_URL}?options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_home_index_follows_other_processes_commits(settings):
    """Home.index (what the service searches) picks up claims another connection commits, and
    drops those it deletes, on the next access; with no commit in between it does no work."""
    from miner.home import Home
    from miner.storage import open_store

    other = open_store(settings)
    first = _add_document(other, "# One\n\nDeepSeek took 30% of tokens in 2025.\n", "one.md")
    with Home(settings) as home:
        assert home.index.count == first
        assert home.refresh() == {"added": 0, "removed": 0}  # nothing committed since
        second = _add_document(other, "# Two\n\nQwen took 12% of tokens and 5 GW in 2025.\n", "two.md")
        assert home.index.count == first + second
        assert sorted(home.index.ids().tolist()) == other.claim_rowids().tolist()
        assert home.refresh() == {"added": 0, "removed": 0}
        doc = next(d for d in other.documents() if d.source == "one.md")
        other.delete_document(doc.id)
        assert home.index.count == second
        assert sorted(home.index.ids().tolist()) == other.claim_rowids().tolist()
    other.close()


def test_home_keywords_follow_other_processes_commits(settings):
    """Home.keywords (built in memory) learns the claims another connection commits, and forgets
    those it deletes, on the next access: before the vector index is loaded too."""
    from miner.home import Home
    from miner.storage import open_store

    other = open_store(settings)
    _add_document(other, "# One\n\nDeepSeek took 30% of tokens in 2025.\n", "one.md")
    with Home(settings) as home:
        assert [r for r, _ in home.keywords.search("deepseek")] == other.claim_rowids(embedded=False).tolist()
        assert home.keywords.search("qwen") == []
        _add_document(other, "# Two\n\nQwen took 12% of tokens and 5 GW in 2025.\n", "two.md")
        qwen = sorted(r for r, _ in home.keywords.search("qwen"))
        assert len(qwen) == 2 and len(home.keywords) == other.counts()["claims"]
        other.delete_document(next(d for d in other.documents() if d.source == "one.md").id)
        assert home.keywords.search("deepseek") == []
        assert sorted(r for r, _ in home.keywords.search("token")) == qwen
        assert home.index.count == 2  # loading the index later leaves the keywords right
        assert len(home.keywords) == 2
    other.close()


def test_service_reads_side_by_side_while_documents_are_uploaded(tmp_path, monkeypatch):
    """Reads no longer take turns: threads ask and search while another uploads documents through
    the API. Every request succeeds, and afterwards the index holds each stored claim once (an
    upload's claims may be added by the upload or by a reader that followed the store first)."""
    from concurrent.futures import ThreadPoolExecutor

    import miner.home
    from tests.hostile import FakeEmbedder

    monkeypatch.setattr(miner.home, "Embedder", FakeEmbedder)
    corpus = make_corpus(tmp_path / "corpus", 8)
    home = tmp_path / "home"
    app = create_app(Settings(home=home))
    with TestClient(app) as client:
        def upload(path) -> int:
            with open(path, "rb") as f:
                return client.post("/documents", files={"file": (path.name, f.read())}).status_code

        def read(i: int) -> int:
            if i % 2:
                return client.post("/ask", json={"question": "What share of tokens did DeepSeek take?"}).status_code
            return client.get("/search", params={"q": "智谱 调用量", "k": 5}).status_code

        with ThreadPoolExecutor(5) as pool:
            reads = pool.map(read, range(60))
            uploads = [upload(p) for p in corpus]
            assert set(reads) == {200} and set(uploads) == {201}
        ids = app.state.home.index.ids().tolist()
        with sqlite3.connect(f"file:{home / 'miner.db'}?mode=ro", uri=True) as db:
            rowids = sorted(r for (r,) in db.execute("SELECT rowid FROM claims"))
        assert sorted(ids) == rowids
