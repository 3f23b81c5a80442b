"""Batch ingest with worker processes (`jobs` > 1): the same results as in one process, in the
input's order; one bad file, or one that kills its worker, fails alone.

The reports are Chinese so that the workers never load spaCy (English NER), which keeps each
pool's start to about a second; the embedder is a stand-in, as the model runs in the writer only.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import miner.home
import miner.ingest
from miner.config import Settings
from miner.home import Home
from miner.ingest import WORKER_DIED, extract_file, ingest
from tests.hostile import GOOD_ZH, FakeEmbedder

CRASH = "让工作进程崩溃"


def crashing_extract_file(data: bytes, name: str, settings: Settings, *, path: str | None = None):
    """extract_file, except that the worker process dies outright on a file holding CRASH, as it
    would on a segfault in a parser. Workers import it from here by name."""
    if CRASH.encode() in data:
        os._exit(70)
    return extract_file(data, name, settings, path=path)


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch):
    monkeypatch.setattr(miner.home, "Embedder", FakeEmbedder)


def report(folder: Path, name: str, share: int, extra: str = "") -> Path:
    path = folder / name
    path.write_text(GOOD_ZH.replace("55%", f"{share}%") + extra, encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path) -> list[Path]:
    root = tmp_path / "corpus"
    root.mkdir()
    files = [report(root, f"r{i}.txt", 40 + i) for i in range(5)]
    (root / "r2.txt").write_bytes(b"\x00\xff" * 500)  # binary: fails in the worker
    return files


def run(paths, home_dir: Path, jobs: int):
    with Home(Settings(home=home_dir)) as home:
        results = list(ingest(paths, home, jobs=jobs))
        claims = sorted((c.id, c.value, c.unit, c.entity, c.period) for c in home.store.claims(limit=10_000))
        index = sorted(home.index.ids().tolist())
        rowids = sorted(home.store.claim_rowids().tolist())
    return results, claims, index == rowids


def test_pool_gives_the_results_of_one_process_in_input_order(corpus, tmp_path):
    serial, serial_claims, _ = run(corpus, tmp_path / "one", jobs=1)
    pooled, pooled_claims, in_step = run(corpus, tmp_path / "three", jobs=3)
    assert [r.path for r in pooled] == [str(p) for p in corpus]
    assert [r.status for r in pooled] == ["stored", "stored", "failed", "stored", "stored"]
    assert "binary" in pooled[2].error
    assert [r.model_dump() for r in pooled] == [r.model_dump() for r in serial]
    assert pooled_claims == serial_claims and len(pooled_claims) >= 4
    assert in_step


def test_pool_skips_stored_and_repeated_content(corpus, tmp_path):
    run(corpus[:2], tmp_path / "home", jobs=1)
    copy = corpus[0].with_name("copy-of-r0.txt")
    copy.write_bytes(corpus[0].read_bytes())
    twin = corpus[3].with_name("twin-of-r3.txt")
    twin.write_bytes(corpus[3].read_bytes())
    # The twin is in flight with r3 (mined twice, stored once); the copy is known stored before it is sent.
    results, _, in_step = run([*corpus[:4], twin, corpus[4], copy], tmp_path / "home", jobs=2)
    assert [r.status for r in results] == ["skipped", "skipped", "failed", "stored", "skipped", "stored", "skipped"]
    assert in_step


@pytest.mark.parametrize("jobs", [2, 3])
def test_pool_a_file_that_kills_its_worker_fails_alone(corpus, tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(miner.ingest, "extract_file", crashing_extract_file)
    crash = report(corpus[0].parent, "r1b-crash.txt", 99, CRASH)
    paths = [corpus[0], crash, *corpus[1:]]
    results, claims, in_step = run(paths, tmp_path / "home", jobs=jobs)
    assert [(Path(r.path).name, r.status) for r in results] == [
        ("r0.txt", "stored"), ("r1b-crash.txt", "failed"), ("r1.txt", "stored"), ("r2.txt", "failed"),
        ("r3.txt", "stored"), ("r4.txt", "stored")]
    assert results[1].error == WORKER_DIED
    assert {c[1] for c in claims} >= {40, 41, 43, 44} and 99 not in {c[1] for c in claims}
    assert in_step


def test_pool_missing_paths_come_first_and_the_setting_is_the_default(corpus, tmp_path):
    settings = Settings(home=tmp_path / "home", jobs=2)
    with Home(settings) as home:
        results = list(ingest([tmp_path / "nowhere.txt", *corpus], home))
    assert [r.status for r in results] == ["failed", "stored", "stored", "failed", "stored", "stored"]
    assert results[0].error == "no such file or folder"
