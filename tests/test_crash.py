"""Crash safety: `miner ingest` killed with SIGKILL part-way, twice, then run to the end.

Each document is written in one transaction (document, passages, claims, full-text rows and
vectors together), and the vector index on disk is derived from the store and repaired when it
is loaded. So after the kills and a last run: every file is stored exactly once, with exactly the
passages and claims a single clean read gives; every claim has its vector and every vector its
claim; and the index holds exactly the store's claims.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.hostile import SUMMARY, make_corpus, miner_command

N_DOCS = 40


def _documents(db: Path) -> int:
    """Documents committed so far, read from outside (read-only, as a second process would)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def _start(corpus: Path, home: Path) -> subprocess.Popen:
    env = {**os.environ, "MINER_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([*miner_command(), "ingest", str(corpus)], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_when(corpus: Path, home: Path, documents: int, timeout: float = 300) -> int:
    """Start `miner ingest`, SIGKILL it once the store holds `documents`; the count it left."""
    process = _start(corpus, home)
    deadline = time.monotonic() + timeout
    try:
        while _documents(home / "miner.db") < documents:
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"ingest ended (exit {process.returncode}) before it could be killed:\n{out}\n{err}")
            if time.monotonic() > deadline:
                pytest.fail(f"ingest stored fewer than {documents} documents in {timeout:.0f} s")
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    return _documents(home / "miner.db")


def expected(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """(passages, claims) per source, from one clean read of each file, nothing stored."""
    from miner.claims import extract_claims
    from miner.read import read
    from miner.segment import segment

    out = {}
    for path in paths:
        doc = read(path)
        passages = segment(doc)
        out[path.name] = (len(passages), len(extract_claims(doc, passages)))
    return out


def check_store(home: Path, want: dict[str, tuple[int, int]]) -> None:
    """Exactly once, in step: the store against a clean read, and the index against the store."""
    from miner.config import Settings
    from miner.home import Home

    with sqlite3.connect(f"file:{home / 'miner.db'}?mode=ro", uri=True) as db:
        q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
        sources = Counter(s for (s,) in q("SELECT source FROM documents"))
        assert sources == Counter(list(want)), "documents missing or stored twice"
        got = {s: (p, c) for s, p, c in q(
            "SELECT d.source, (SELECT count(*) FROM passages p WHERE p.document_id = d.id),"
            " (SELECT count(*) FROM claims c WHERE c.document_id = d.id) FROM documents d")}
        assert got == want, "passages or claims lost or duplicated"
        assert q("SELECT document_id, passage, start, end FROM claims GROUP BY 1, 2, 3, 4 HAVING count(*) > 1") == []
        assert q("SELECT count(*) FROM passages_fts")[0][0] == q("SELECT count(*) FROM passages")[0][0]
        assert q("SELECT count(*) FROM claims_fts")[0][0] == q("SELECT count(*) FROM claims")[0][0]
        # Every claim has its vector, and every vector its claim.
        assert q("SELECT count(*) FROM claims WHERE embed_key IS NULL")[0][0] == 0
        assert q("SELECT count(*) FROM claims c LEFT JOIN vectors v ON v.model = 'use-m' AND v.key = c.embed_key"
                 " WHERE v.key IS NULL")[0][0] == 0
        assert q("SELECT count(*) FROM vectors v WHERE NOT EXISTS"
                 " (SELECT 1 FROM claims c WHERE c.embed_key = v.key)")[0][0] == 0
        rowids = sorted(r for (r,) in q("SELECT rowid FROM claims"))
    # The index as the next process loads it (no model needed: nothing is left to embed).
    with Home(Settings(home=home)) as h:
        ids = h.index.ids()
        assert h.index.count == len(rowids)
        assert sorted(ids.tolist()) == rowids and len(np.unique(ids)) == len(ids)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, tuple[int, int]]]:
    root = tmp_path_factory.mktemp("crash") / "corpus"
    return root, expected(make_corpus(root))


def kill_then_finish(root: Path, home: Path, kills: list[int]) -> list[int]:
    """Kill `miner ingest` once the store holds kills[0] documents, then, re-run, kills[1] more,
    and so on; then run it to the end and check its summary. The counts the kills left."""
    left: list[int] = []
    for more in kills:
        t = time.monotonic()
        at = kill_when(root, home, documents=(left[-1] if left else 0) + more)
        print(f"killed after {time.monotonic() - t:.1f} s with {at} documents stored")
        assert (left[-1] if left else 0) + more <= at < N_DOCS, "the kill came too late to be part-way"
        left.append(at)
    t = time.monotonic()
    done = subprocess.run([*miner_command(), "ingest", str(root)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MINER_HOME": str(home), "HF_HUB_OFFLINE": "1"})
    print(f"last run {time.monotonic() - t:.1f} s")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    summary = SUMMARY.match(done.stdout.strip().splitlines()[-1])
    assert summary and (int(summary[1]), int(summary[2]), int(summary[3])) == (N_DOCS - left[-1], left[-1], 0)
    return left


@pytest.fixture(scope="module")
def killed_home(corpus, tmp_path_factory) -> Path:
    """A home that `miner ingest` was SIGKILLed in (after 3 documents), then finished."""
    root, _ = corpus
    home = tmp_path_factory.mktemp("killed") / "home"
    kill_then_finish(root, home, [3])
    return home


def test_kill_9_then_rerun_stores_everything_once(corpus, killed_home):
    check_store(killed_home, corpus[1])


@pytest.mark.slow
def test_kill_9_twice_then_rerun(corpus, tmp_path):
    """Killed at two points (after 3 documents, then after 8 more in the re-run, by when the
    re-run has repaired an index that the first run never saved)."""
    root, want = corpus
    kill_then_finish(root, tmp_path / "home", [3, 8])
    check_store(tmp_path / "home", want)


def test_torn_or_stale_index_on_disk_is_rebuilt_from_the_store(corpus, killed_home, tmp_path):
    """What a kill during an index save could leave. The save goes through a temporary file and a
    rename, so a torn file should never be seen; if one is, it costs a rebuild, not an error."""
    home = tmp_path / "home"
    shutil.copytree(killed_home, home)
    index_file = home / "index.faiss"
    whole = index_file.read_bytes()
    index_file.write_bytes(whole[: len(whole) // 2])  # torn
    check_store(home, corpus[1])
    stale = home / ".index.faiss.killed.tmp"
    stale.write_bytes(b"half a save")  # a save cut short, two hours ago
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    meta = (home / "meta.json").read_text()
    (home / "meta.json").write_text(meta.replace('"count": ', '"count": 1'))  # meta ahead of the index
    check_store(home, corpus[1])
    assert not stale.exists()  # removed by the next save


def test_failed_index_save_does_not_end_the_batch(tmp_path, monkeypatch):
    """A full disk (or a clash with another process) while saving the index: the documents are
    stored, the batch goes on, and the next process rebuilds the index from the store."""
    import miner.home
    from miner.config import Settings
    from miner.home import Home
    from miner.index import VectorIndex
    from miner.ingest import ingest
    from tests.hostile import FakeEmbedder

    monkeypatch.setattr(miner.home, "Embedder", FakeEmbedder)
    root = tmp_path / "corpus"
    make_corpus(root, 4)

    def full_disk(self):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(VectorIndex, "save", full_disk)
        with Home(Settings(home=tmp_path / "home")) as home:
            results = list(ingest([root], home))
    assert [r.status for r in results] == ["stored"] * 4
    assert not (tmp_path / "home" / "index.faiss").exists()
    with Home(Settings(home=tmp_path / "home")) as home:
        assert sorted(home.index.ids().tolist()) == home.store.claim_rowids().tolist()
        assert home.index.count == home.store.counts()["claims"] > 0
