import json

import numpy as np
import pytest

from miner import index as index_module
from miner.errors import IndexMismatch
from miner.index import VectorIndex
from miner.model import Claim, Document
from miner.store import ClaimVectors, Store

DIM = 8


def unit_rows(n: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def fill_store(store: Store, doc_id: str, vectors: np.ndarray) -> list[int]:
    doc = Document(id=doc_id, title="t", source="s.md", format="md")
    claims = [Claim(id=f"{doc_id}-{i}", quote="q", value=float(i), raw=str(i)) for i in range(len(vectors))]
    keys = [f"{doc_id}-k{i}" for i in range(len(vectors))]
    return store.add_document(doc, [], claims, ClaimVectors("m", keys, dict(zip(keys, vectors))))


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "miner.db") as s:
        yield s


def test_index_search_finds_the_nearest(tmp_path):
    idx = VectorIndex(tmp_path, "m", DIM)
    rows = unit_rows(20)
    idx.add(np.arange(100, 120), rows)
    scores, ids = idx.search(rows[7], 3)
    assert ids[0][0] == 107 and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    assert idx.remove(np.array([107])) == 1
    assert 107 not in idx.search(rows[7], 3)[1][0]


def test_index_empty_search_returns_nothing(tmp_path):
    scores, ids = VectorIndex(tmp_path, "m", DIM).search(unit_rows(1)[0], 5)
    assert ids.shape == (1, 0)


def test_index_save_load_round_trip(tmp_path):
    idx = VectorIndex(tmp_path, "m", DIM)
    idx.add(np.arange(5), unit_rows(5))
    idx.save()
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta == {"model": "m", "dimension": DIM, "count": 5, "kind": "exact", "format_version": 1}
    again = VectorIndex.load(tmp_path, "m", DIM)
    assert sorted(again.ids().tolist()) == [0, 1, 2, 3, 4]


def test_index_built_with_another_model_is_reported(tmp_path):
    idx = VectorIndex(tmp_path, "m", DIM)
    idx.add(np.arange(3), unit_rows(3))
    idx.save()
    with pytest.raises(IndexMismatch, match="built with model 'm'.*miner reindex"):
        VectorIndex.load(tmp_path, "other", DIM)


def test_index_torn_file_is_reported(tmp_path):
    VectorIndex(tmp_path, "m", DIM).save()
    (tmp_path / "index.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexMismatch, match="unreadable"):
        VectorIndex.load(tmp_path, "m", DIM)


def test_index_sync_repairs_missing_and_extra_ids(tmp_path, store):
    ids = fill_store(store, "a", unit_rows(6))
    idx = VectorIndex(tmp_path, "m", DIM)
    idx.add(np.array(ids[:2] + [999]), unit_rows(3, seed=5))
    assert idx.sync(store) == {"added": 4, "removed": 1}
    assert sorted(idx.ids().tolist()) == ids
    assert idx.sync(store) == {"added": 0, "removed": 0}


def test_index_rebuild_from_store_after_delete(tmp_path, store):
    rows = unit_rows(6)
    a = fill_store(store, "a", rows[:3])
    b = fill_store(store, "b", rows[3:])
    idx = VectorIndex(tmp_path, "m", DIM)
    idx.rebuild(store)
    store.delete_document("a")
    idx.sync(store)
    assert sorted(idx.ids().tolist()) == b
    assert idx.search(rows[4], 1)[1][0][0] == b[1]
    assert not set(a) & set(idx.ids().tolist())


def test_index_switches_to_ivf_when_large_and_keeps_recall(tmp_path, store, monkeypatch):
    monkeypatch.setattr(index_module, "APPROXIMATE_FROM", 2000)
    rows = unit_rows(3000, seed=1)
    ids = fill_store(store, "a", rows)
    idx = VectorIndex(tmp_path, "m", DIM)
    idx.sync(store)
    assert idx.kind == "ivf" and idx.count == 3000
    hits = sum(int(idx.search(rows[i], 1)[1][0][0] == ids[i]) for i in range(0, 3000, 30))
    assert hits >= 95
    idx.remove(np.array(ids[:10]))
    idx.save()
    again = VectorIndex.load(tmp_path, "m", DIM)
    assert again.kind == "ivf" and again.count == 2990


def test_index_searches_run_beside_adds_and_removes(tmp_path):
    """Threads search while another adds and removes: every search answers from a whole index
    (faiss must not read a list another thread is growing), and the adds all land."""
    from concurrent.futures import ThreadPoolExecutor

    idx = VectorIndex(tmp_path, "m", DIM)
    rows = unit_rows(400, seed=3)
    idx.add(np.arange(100), rows[:100])

    def search(i: int) -> int:
        return int(idx.search(rows[i % 100], 1)[1][0][0])

    with ThreadPoolExecutor(4) as pool:
        found = pool.map(search, range(2000))
        for start in range(100, 400, 10):
            idx.add(np.arange(start, start + 10), rows[start:start + 10])
            idx.remove(np.array([start]))
        assert list(found) == [i % 100 for i in range(2000)]
    assert idx.count == 400 - 30
