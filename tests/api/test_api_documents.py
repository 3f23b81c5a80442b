"""POST /documents, GET /documents, GET and DELETE /documents/{id} (CONTRACT: REST).

Uploads that would change the corpus go to `strict_client` (its own home, an API key and a
0.01 MB limit); the one test that deletes a corpus document puts it back.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "corpora" / "reports"
HEX64 = set("0123456789abcdef")


def md(text: str) -> bytes:
    return f"# Brief\nPublished 2026-03-05\n\n{text}\n".encode()


def files(*items: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", (name, data, "application/octet-stream")) for name, data in items]


@pytest.fixture
def key(api_key) -> dict[str, str]:
    return {"X-API-Key": api_key}


# -- GET ---------------------------------------------------------------------------------------

def test_list_documents(client, corpus_files):
    r = client.get("/documents")
    assert r.status_code == 200
    docs = {d["source"]: d for d in r.json()}
    assert sorted(docs) == corpus_files
    for d in docs.values():
        assert len(d["id"]) == 64 and set(d["id"]) <= HEX64
        assert d["title"] and d["claims"] > 0 and d["passages"] >= d["claims"] // 10
    assert d["id"] == hashlib.sha256((REPORTS / d["source"]).read_bytes()).hexdigest()
    zh = docs["ai-power-cost-cn.pdf"]
    assert (zh["format"], zh["language"], zh["pages"], zh["published"]) == ("pdf", "zh", 1, "2026-03-08")
    html = docs["ledger-wire-chinese-ai-exports.html"]
    assert (html["format"], html["language"], html["published"]) == ("html", "en", "2026-03-06")
    assert "Priya Danvers" in html["author"]
    assert docs["openrouter-model-family-shares.pdf"]["pages"] == 2


def test_get_document(client, corpus_ids):
    doc_id = corpus_ids["china-ai-labs-overseas.md"]
    r = client.get(f"/documents/{doc_id}")
    assert r.status_code == 200
    assert r.json()["id"] == doc_id
    assert r.json()["title"] == "大模型出海：四家中国AI公司的海外账本"


def test_get_unknown_document_is_404(client):
    r = client.get("/documents/" + "0" * 64)
    assert r.status_code == 404
    assert "no document" in r.json()["detail"]


@pytest.mark.parametrize("bad", ["xyz", "0" * 63, "0" * 65, "G" * 64, "A" * 64])
def test_malformed_document_id_is_422(client, bad):
    assert client.get(f"/documents/{bad}").status_code == 422
    assert client.delete(f"/documents/{bad}").status_code == 422


# -- POST --------------------------------------------------------------------------------------

def test_upload_one_file_then_again(strict_client, key):
    data = md("MiniMax raised $600 million in March 2026.")
    r = strict_client.post("/documents", files=files(("minimax.md", data)), headers=key)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["skipped"] == [] and body["failed"] == []
    [doc] = body["stored"]
    assert doc["id"] == hashlib.sha256(data).hexdigest()
    assert (doc["source"], doc["format"], doc["claims"]) == ("minimax.md", "md", 1)

    again = strict_client.post("/documents", files=files(("renamed.md", data)), headers=key)
    assert again.status_code == 200
    assert again.json()["stored"] == [] and again.json()["skipped"] == [doc]  # its record, as first stored

    claims = strict_client.get("/claims", params={"document": doc["id"]}).json()
    assert [(c["entity"], c["value"], c["unit"], c["source"]) for c in claims] == [("MiniMax", 6e8, "USD", "minimax.md")]


def test_upload_several_files(strict_client, key):
    r = strict_client.post("/documents", headers=key, files=files(
        ("coreweave.txt", b"Capacity note\n\nCoreWeave ran 33 data centres in September 2026.\n"),
        ("zhipu.md", md("Zhipu AI hired 120 engineers in 2025.")),
        ("moonshot.html", b"<html><head><title>Moonshot</title></head><body><article><p>"
                          b"Moonshot AI closed a $700 million round in January 2026.</p></article></body></html>"),
    ))
    assert r.status_code == 201, r.text
    assert sorted(d["source"] for d in r.json()["stored"]) == ["coreweave.txt", "moonshot.html", "zhipu.md"]
    ids = {d["id"] for d in strict_client.get("/documents").json()}
    assert {d["id"] for d in r.json()["stored"]} <= ids


def test_upload_of_stored_corpus_files_is_200_with_their_records(client, corpus_ids):
    names = ["datacenter-power-outlook.txt", "ai-power-cost-cn.pdf"]
    before = client.get("/healthz").json()
    r = client.post("/documents", files=files(*((n, (REPORTS / n).read_bytes()) for n in names)))
    assert r.status_code == 200
    assert r.json()["stored"] == [] and r.json()["failed"] == []
    assert [d["id"] for d in r.json()["skipped"]] == [corpus_ids[n] for n in names]
    assert client.get("/healthz").json() == before


def test_unsupported_type_is_415(strict_client, key):
    for name in ("report.docx", "noextension", "archive.tar.gz"):
        r = strict_client.post("/documents", files=files((name, b"hello")), headers=key)
        assert r.status_code == 415, name
        assert "unsupported file type" in r.json()["detail"] and name in r.json()["detail"]


def test_over_the_size_limit_is_413(strict_client, key):
    big = md("Word " * 4000)  # about 20 KB against a 0.01 MB limit
    r = strict_client.post("/documents", files=files(("big.md", big)), headers=key)
    assert r.status_code == 413
    assert "0.01 MB limit" in r.json()["detail"]


def test_request_over_the_body_limit_is_413_before_the_route_runs(strict_client, key):
    before = strict_client.get("/healthz").json()
    small = md("Acme sold 5 units.")
    # Many small files, each under the per-file limit, together over the request limit.
    many = files(*((f"part{i}.md", small + b" " * 5000) for i in range(12)))
    r = strict_client.post("/documents", files=many, headers=key)
    assert r.status_code == 413
    assert strict_client.get("/healthz").json() == before


def test_chunked_body_without_length_is_cut_off(strict_client, key):
    def body():
        for _ in range(100):  # 100 × 1 KB against a 0.05 MB limit, no Content-Length
            yield b"x" * 1024

    headers = {**key, "Content-Type": "multipart/form-data; boundary=b"}
    r = strict_client.post("/documents", content=body(), headers=headers)
    assert r.status_code == 413


def test_json_bodies_are_capped_at_one_megabyte(client):
    r = client.post("/ask", content=b'{"question": "' + b"a" * (2 << 20) + b'"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("empty.txt", b"", "empty file"),
    ("binary.txt", bytes(range(256)) * 8, "binary data, not text"),
    ("corrupt.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\ngarbage, no xref\n", "corrupt PDF"),
    ("fake.pdf", b"this is plain text pretending to be a PDF", "PDF"),
])
def test_unreadable_is_422_with_the_reason(strict_client, key, name, data, reason):
    r = strict_client.post("/documents", files=files((name, data)), headers=key)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(f"{name}: ") and reason in detail


def test_one_bad_file_does_not_stop_the_others(strict_client, key):
    r = strict_client.post("/documents", headers=key, files=files(
        ("empty.md", b""),
        ("deepseek.txt", b"Usage\n\nDeepSeek served 1.65 trillion tokens in February 2026.\n"),
        ("slides.pptx", b"PK\x03\x04"),
    ))
    assert r.status_code == 201
    body = r.json()
    assert [d["source"] for d in body["stored"]] == ["deepseek.txt"]
    reasons = {f["file"]: f["reason"] for f in body["failed"]}
    assert set(reasons) == {"empty.md", "slides.pptx"}
    assert reasons["empty.md"].startswith("empty file")
    assert reasons["slides.pptx"].startswith("unsupported file type")


def test_no_file_field_is_422(strict_client, key):
    assert strict_client.post("/documents", headers=key).status_code == 422
    assert strict_client.post("/documents", headers=key, data={"other": "x"}).status_code == 422


def _named_under(root: Path, names: set[str]) -> set[Path]:
    return {p for p in root.rglob("*") if p.name in names}


@pytest.mark.parametrize(("sent", "stored"), [
    ("../../etc/passwd.md", "passwd.md"),
    ("a\\b.txt", "b.txt"),
    ("/tmp/abs-path-upload.md", "abs-path-upload.md"),
    ("..\\..\\..\\windows-style.txt", "windows-style.txt"),
    ("reports/../../nested/dir/deep.md", "deep.md"),
    ("目录/中文报告.md", "中文报告.md"),
])
def test_uploaded_file_names_are_never_paths(strict_client, key, sent, stored):
    home = strict_client.app.state.settings.home.resolve()
    basetemp = home.parent.parent  # this session's temporary folders, the home's among them
    names = {stored, sent, Path(sent).name}
    before = _named_under(basetemp, names)
    text = f"Name test\n\nCoreWeave ran {len(sent)} data centres in September 2026 ({stored}).\n"
    r = strict_client.post("/documents", files=files((sent, text.encode())), headers=key)
    assert r.status_code == 201, r.text
    [doc] = r.json()["stored"]
    assert doc["source"] == stored
    assert strict_client.get(f"/documents/{doc['id']}").json()["source"] == stored
    assert _named_under(basetemp, names) == before
    for base in (home, Path.cwd(), REPO, Path("/")):
        for name in (sent, sent.replace("\\", "/")):
            target = base / name
            assert not target.exists(), target
    # the home holds only the store and the indexes
    assert {p.name for p in home.iterdir()} <= {"miner.db", "miner.db-wal", "miner.db-shm", "index.faiss", "meta.json",
                                                "keywords.npz"}


# -- API key -----------------------------------------------------------------------------------

def test_writes_need_the_api_key(strict_client, key):
    upload = files(("keyed.md", md("Zhipu AI raised 4 billion yuan in December 2025.")))
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}, {"X-API-Key": key["X-API-Key"] + "x"}):
        r = strict_client.post("/documents", files=upload, headers=headers)
        assert r.status_code == 401, headers
        assert "API key" in r.json()["detail"]
    r = strict_client.post("/documents", files=upload, headers=key)
    assert r.status_code == 201
    doc_id = r.json()["stored"][0]["id"]

    for headers in ({}, {"X-API-Key": "wrong"}):
        assert strict_client.delete(f"/documents/{doc_id}", headers=headers).status_code == 401
    assert strict_client.get(f"/documents/{doc_id}").status_code == 200  # still there

    # reads stay open
    for path in ("/healthz", "/documents", f"/documents/{doc_id}", "/claims", "/search?q=Zhipu", "/conflicts",
                 "/metrics", "/metrics?format=csv", "/"):
        assert strict_client.get(path).status_code == 200, path
    assert strict_client.post("/ask", json={"question": "How much did Zhipu AI raise?"}).status_code == 200

    r = strict_client.delete(f"/documents/{doc_id}", headers=key)
    assert r.status_code == 204 and r.content == b""
    assert strict_client.get(f"/documents/{doc_id}").status_code == 404


def test_reads_and_writes_are_open_without_a_configured_key(client):
    # the corpus app has no key: a delete of an unknown id gets through to the 404
    assert client.delete("/documents/" + "0" * 64).status_code == 404


# -- DELETE ------------------------------------------------------------------------------------

def test_delete_removes_claims_and_vectors(client, corpus_ids):
    name = "datacenter-power-outlook.txt"
    doc_id = corpus_ids[name]
    meta = client.app.state.settings.home / "meta.json"
    query = {"q": "electricity share of inference operating cost once hardware is paid", "k": 50}
    claims = client.get("/claims", params={"document": doc_id, "limit": 1000}).json()
    assert len(claims) > 5
    assert doc_id in {c["document_id"] for c in client.get("/search", params=query).json()}
    before = client.get("/healthz").json()
    count_before = json.loads(meta.read_text())["count"]
    try:
        r = client.delete(f"/documents/{doc_id}")
        assert r.status_code == 204
        assert client.get(f"/documents/{doc_id}").status_code == 404
        assert client.delete(f"/documents/{doc_id}").status_code == 404
        assert client.get("/claims", params={"document": doc_id}).json() == []
        assert doc_id not in {c["document_id"] for c in client.get("/search", params=query).json()}
        assert doc_id not in {r["document_id"] for r in client.get("/metrics").json()}
        after = client.get("/healthz").json()
        assert after == {"status": "ok", "documents": before["documents"] - 1, "claims": before["claims"] - len(claims)}
        assert json.loads(meta.read_text())["count"] == count_before - len(claims)
    finally:
        r = client.post("/documents", files=files((name, (REPORTS / name).read_bytes())))
        assert r.status_code == 201
    # put back as it was: same id, same claims
    assert client.get("/healthz").json() == before
    again = client.get("/claims", params={"document": doc_id, "limit": 1000}).json()
    assert [c["id"] for c in again] == [c["id"] for c in claims]
    assert json.loads(meta.read_text())["count"] == count_before
