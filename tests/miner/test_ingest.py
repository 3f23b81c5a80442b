from pathlib import Path

import pytest

from miner.config import Settings
from miner.ingest import collect, ingest, ingest_bytes
from miner.home import Home

REPORT_MD = """# Token Market Monitor
Published 2026-03-05

Chinese models took 61% of OpenRouter tokens in February 2026.
"""
REPORT_TXT = """电力成本简报
发布日期：2026年3月8日

当地工业电价约为每千瓦时0.35元。
"""


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path / "home")


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text(REPORT_MD, encoding="utf-8")
    (root / "sub" / "b.txt").write_text(REPORT_TXT, encoding="utf-8")
    (root / "notes.json").write_text("{}")
    (root / ".hidden.md").write_text(REPORT_MD)
    return root


def run(paths, settings):
    with Home(settings) as home:
        results = list(ingest(paths, home))
        counts = home.store.counts()
    return results, counts


def test_collect_walks_folders_and_ignores_other_types(corpus):
    found = collect([corpus])
    assert [p.name for p in found.files] == ["a.md", "b.txt"]
    assert [p.name for p in found.ignored] == ["notes.json"]


def test_collect_survives_symlink_loops(corpus):
    (corpus / "sub" / "loop").symlink_to(corpus, target_is_directory=True)
    assert [p.name for p in collect([corpus]).files] == ["a.md", "b.txt"]


def test_ingest_stores_then_skips_everything(corpus, settings):
    results, counts = run([corpus], settings)
    assert [r.status for r in results] == ["stored", "stored"]
    assert counts["documents"] == 2
    assert counts["claims"] == sum(r.claims for r in results) >= 2
    again, counts_again = run([corpus], settings)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert counts_again == counts


def test_ingest_names_each_failure_and_keeps_going(corpus, settings, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.pdf").write_bytes(b"")
    (bad / "junk.txt").write_bytes(bytes(range(256)) * 20)
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrash")
    (bad / "report.docx").write_bytes(b"PK\x03\x04")
    paths = [bad / "empty.pdf", bad / "junk.txt", bad / "corrupt.pdf", bad / "report.docx",
             tmp_path / "missing.md", corpus]
    results, counts = run(paths, settings)
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["missing.md"].error == "no such file or folder"
    assert "empty" in by_name["empty.pdf"].error
    assert "binary" in by_name["junk.txt"].error
    assert by_name["corrupt.pdf"].status == "failed" and "internal error" not in by_name["corrupt.pdf"].error
    assert "unsupported file type '.docx'" in by_name["report.docx"].error
    assert by_name["a.md"].status == by_name["b.txt"].status == "stored"
    assert counts["documents"] == 2


def test_ingest_file_vanishing_mid_batch(corpus, settings):
    with Home(settings) as home:
        results = ingest([corpus], home, jobs=1)  # each file read only when its turn comes
        first = next(results)
        (corpus / "sub" / "b.txt").unlink()
        second = next(results)
    assert first.status == "stored"
    assert second.status == "failed" and "vanished" in second.error


def test_ingest_refuses_files_over_the_limit(corpus, settings):
    small = settings.model_copy(update={"max_file_mb": 0.00001})
    results, counts = run([corpus / "a.md"], small)
    assert results[0].status == "failed" and "limit" in results[0].error
    assert counts["documents"] == 0


def test_ingest_bytes_same_content_twice_is_skipped(settings):
    with Home(settings) as home:
        first = ingest_bytes(REPORT_MD.encode(), "upload.md", home)
        second = ingest_bytes(REPORT_MD.encode(), "renamed.md", home)
    assert (first.status, second.status) == ("stored", "skipped")
    assert first.document_id == second.document_id and second.title == "Token Market Monitor"


def test_ingest_keeps_index_and_store_in_step(corpus, settings):
    from miner.index import VectorIndex

    run([corpus], settings)
    with Home(settings) as home:
        rowids = sorted(home.store.claim_rowids().tolist())
        assert rowids and sorted(home.index.ids().tolist()) == rowids
        doc = home.store.documents()[0]
        home.store.delete_document(doc.id)
        home.removed()
        assert sorted(home.index.ids().tolist()) == sorted(home.store.claim_rowids().tolist())
    on_disk = VectorIndex.load(settings.home, "use-m", 512)
    assert on_disk.count == len(rowids) - doc.claims
