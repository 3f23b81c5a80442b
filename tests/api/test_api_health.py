def test_healthz_counts_the_corpus(client, corpus_files):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["documents"] == len(corpus_files)
    # as many claims as the documents list says they hold, and a demo-sized number of them
    assert body["claims"] == sum(d["claims"] for d in client.get("/documents").json())
    assert 50 <= body["claims"] <= 500


def test_healthz_on_an_empty_home(strict_client):
    r = strict_client.get("/healthz")  # reads need no API key
    assert r.status_code == 200
    assert set(r.json()) == {"status", "documents", "claims"}


def test_unknown_path_is_a_json_404(client):
    r = client.get("/no-such-thing")
    assert r.status_code == 404
    assert "detail" in r.json()
