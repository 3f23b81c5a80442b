"""GET /search?q=&k=: Claims with `score`, keyword and vector retrieval fused, across languages."""
from __future__ import annotations

import pytest


def search(client, q: str, k: int = 10) -> list[dict]:
    r = client.get("/search", params={"q": q, "k": k})
    assert r.status_code == 200, r.text
    return r.json()


def test_results_are_claims_ranked_by_score(client):
    found = search(client, "Chinese models share of tokens February 2026")
    assert 1 <= len(found) <= 10
    scores = [c["score"] for c in found]
    assert all(isinstance(s, float) and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    top = found[0]
    assert (top["entity"], top["value"], top["unit"]) == ("Chinese models", 61, "%")


def test_k_limits_the_results(client):
    assert len(search(client, "electricity", k=3)) == 3
    assert len(search(client, "electricity", k=1)) == 1
    assert len(search(client, "electricity", k=200)) <= client.get("/healthz").json()["claims"]


def test_chinese_query_finds_english_claims(client):
    # 月之暗面 (Moonshot AI) 融资 (funding): the English HTML says "$700 million"
    found = search(client, "月之暗面融资")
    english = [c for c in found if c["language"] == "en" and c["source"] == "ledger-wire-chinese-ai-exports.html"]
    assert any((c["entity"], c["value"], c["unit"]) == ("Moonshot AI", 7e8, "USD") for c in english), found
    # 智谱 工程师 (Zhipu engineers): the English HTML's 40 → 120 engineers
    found = search(client, "智谱 工程师")
    assert {40, 120} <= {c["value"] for c in found if c["language"] == "en" and c["entity"] == "Zhipu AI"}


def test_english_query_finds_chinese_claims(client):
    found = search(client, "MiniMax overseas revenue")
    assert any(c["language"] == "zh" and c["raw"] == "七成" for c in found)


@pytest.mark.parametrize("params", [
    {}, {"q": ""}, {"q": "   "}, {"q": "\n\t"}, {"q": "x" * 2001},
    {"q": "tokens", "k": 0}, {"q": "tokens", "k": 201}, {"q": "tokens", "k": "many"},
])
def test_bad_search_is_422(client, params):
    r = client.get("/search", params=params)
    assert r.status_code == 422, params
    assert r.json()["detail"]


def test_odd_queries_do_not_break(client):
    for q in ['"', "NEAR(", "AND OR NOT", "*", "'; DROP TABLE claims; --", "💡", "％", "\u0000x"]:
        assert isinstance(search(client, q), list), q
