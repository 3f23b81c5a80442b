import math
import random
import threading

import numpy as np
import pytest

from miner import keywords
from miner.keywords import K1, B, KeywordIndex, build

WORDS = ["share", "shares", "token", "tokens", "model", "price", "gpu", "hour", "智谱", "月之暗面", "算力", "2026", "61"]


def brute_bm25(docs: dict[int, list[str]], query: list[str], stem) -> dict[int, float]:
    """BM25 by the book over stemmed words, every claim scored (what the index must equal)."""
    stemmed = {r: [stem(w) for w in ws] for r, ws in docs.items()}
    n = len(docs)
    avg = sum(len(ws) for ws in stemmed.values()) / n
    scores = {}
    for r, ws in stemmed.items():
        s = 0.0
        for t in {stem(w) for w in query}:
            tf = ws.count(t)
            if not tf:
                continue
            df = sum(t in other for other in stemmed.values())
            s += math.log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(ws) / avg))
        if s:
            scores[r] = s
    return scores


def random_docs(n: int, seed: int) -> dict[int, list[str]]:
    rng = random.Random(seed)
    rowid, docs = 0, {}
    for _ in range(n):
        rowid += rng.randint(1, 3)
        docs[rowid] = [rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
    return docs


def test_scores_equal_bm25_by_the_book_when_added_at_once():
    docs = random_docs(300, seed=1)
    index = build([(np.array(list(docs)), [" ".join(ws) for ws in docs.values()])])
    for query in (["tokens"], ["share", "智谱"], ["gpu", "hour", "price", "61"]):
        expected = brute_bm25(docs, query, keywords._stem)
        found = dict(index.search(" ".join(query), limit=1000))
        assert found.keys() == expected.keys()
        for r, s in expected.items():
            assert found[r] == pytest.approx(s, rel=1e-4)


def test_many_small_adds_fold_segments_and_keep_every_posting(monkeypatch):
    monkeypatch.setattr(keywords, "MIN_SEALED_POSTINGS", 50)
    docs = random_docs(400, seed=2)
    rowids = list(docs)
    index = KeywordIndex()
    for i in range(0, len(rowids), 7):
        part = rowids[i:i + 7]
        index.add(part, [" ".join(docs[r]) for r in part])
    assert len(index) == 400 and index.top == rowids[-1]
    assert index._snapshot.sealed.size > 0  # folded at least once
    holders = {r for r, ws in docs.items() if any(keywords._stem(w) == "model" for w in ws)}
    assert {r for r, _ in index.search("models", limit=1000)} == holders


def test_best_first_ties_to_the_older_claim_and_limit():
    index = build([(np.array([5, 9, 12]), ["gpu price", "gpu price", "gpu price hour hour hour"])])
    found = index.search("gpu price", limit=2)
    assert [r for r, _ in found] == [5, 9]
    assert found[0][1] == found[1][1]
    assert index.search("gpu price", limit=0) == []
    texts = ["gpu"] * 200
    texts[150:153] = ["gpu gpu"] * 3  # three better claims; the cut falls inside the tie of the rest
    many = build([(np.arange(1, 201), texts)])
    assert [r for r, _ in many.search("gpu", limit=5)] == [151, 152, 153, 1, 2]


def test_stems_join_word_forms_and_chinese_words_stay_whole():
    index = build([(np.array([1, 2, 3]), ["chinese models tokens", "智谱 融资", "电价 成本"])])
    assert [r for r, _ in index.search("token")] == [1]
    assert [r for r, _ in index.search("model")] == [1]
    assert [r for r, _ in index.search("智谱")] == [2]
    assert index.search("智") == []


def test_questions_do_not_grow_the_vocabulary():
    index = build([(np.array([1]), ["share"])])
    before = len(index._vocabulary)
    assert index.search("unheard words here") == []
    assert len(index._vocabulary) == before


def test_adds_must_come_in_rowid_order_above_those_held():
    index = build([(np.array([3, 4]), ["a", "b"])])
    with pytest.raises(ValueError):
        index.add([4], ["c"])
    with pytest.raises(ValueError):
        index.add([9, 8], ["c", "d"])
    assert len(index) == 2


def test_retain_forgets_deleted_claims_and_keeps_the_rest_searchable():
    docs = random_docs(200, seed=3)
    index = build([(np.array(list(docs)), [" ".join(ws) for ws in docs.values()])])
    kept = {r: ws for i, (r, ws) in enumerate(docs.items()) if i % 3}
    assert index.retain(np.array(list(kept))) == 200 - len(kept)
    assert len(index) == len(kept)
    found = {r for r, _ in index.search("token share", limit=1000)}
    expected = brute_bm25(kept, ["token", "share"], keywords._stem)
    assert found == set(expected)
    assert index.retain(np.array(list(kept))) == 0
    # adding after a retain goes on above the old top
    index.add([max(docs) + 1], ["kimi 月之暗面"])
    assert index.search("kimi", limit=5) == [(max(docs) + 1, pytest.approx(index.search("kimi")[0][1]))]
    assert max(docs) + 1 in {r for r, _ in index.search("月之暗面", limit=1000)}


def test_searches_run_beside_a_writer():
    docs = random_docs(2000, seed=4)
    rowids = list(docs)
    index = build([(np.array(rowids[:100]), [" ".join(docs[r]) for r in rowids[:100]])])
    errors: list[BaseException] = []
    done = threading.Event()

    def reader():
        while not done.is_set():
            try:
                for rowid, score in index.search("token price gpu", limit=20):
                    assert rowid in docs and score > 0
            except BaseException as e:  # noqa: BLE001 - the assertion is made in the main thread
                errors.append(e)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(100, 2000, 50):
        index.add(rowids[i:i + 50], [" ".join(docs[r]) for r in rowids[i:i + 50]])
    done.set()
    for t in threads:
        t.join()
    assert not errors
    assert len(index) == 2000


def test_save_and_load_give_the_same_answers_and_go_on_learning(tmp_path, monkeypatch):
    monkeypatch.setattr(keywords, "MIN_SEALED_POSTINGS", 50)
    docs = random_docs(300, seed=5)
    rowids = list(docs)
    index = KeywordIndex()
    for i in range(0, 300, 40):  # a sealed and a recent segment, both saved
        index.add(rowids[i:i + 40], [" ".join(docs[r]) for r in rowids[i:i + 40]])
    assert index._snapshot.sealed.size and index._snapshot.recent.size
    path = tmp_path / "k" / "keywords.npz"
    index.save(path, top_claim="c-9")
    loaded, meta = KeywordIndex.load(path)
    assert meta == {"top_claim": "c-9"}
    for query in ("tokens", "智谱 price", "gpu hour 61", "unknown"):
        assert loaded.search(query, limit=1000) == index.search(query, limit=1000)
    loaded.add([rowids[-1] + 1], ["brandnew models"])
    assert loaded.search("brandnew")[0][0] == rowids[-1] + 1
    assert [r for r, _ in loaded.search("model", limit=1000)][-1] in set(rowids) | {rowids[-1] + 1}
    assert not list(path.parent.glob(".*.tmp"))


@pytest.mark.parametrize("content", [b"", b"not a zip file", None])
def test_load_of_a_missing_or_torn_file_is_none(tmp_path, content):
    path = tmp_path / "keywords.npz"
    if content is not None:
        path.write_bytes(content)
    assert KeywordIndex.load(path) is None
