"""Dask ingest (miner.distributed) against the serial path, on a LocalCluster of 2 workers.

The workers are threads of the test process (processes=False): the same code path as worker
processes (tasks, futures, results, one writer), without each process loading torch, spaCy and the
model again, which would cost more than the rest of this file. benchmarks/distributed.py runs
worker processes.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")

from miner import distributed  # noqa: E402
from miner.config import Settings  # noqa: E402
from miner.home import Home  # noqa: E402
from miner.ingest import ingest  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "reports"
PG_URL = os.environ.get("MINER_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, **distributed.LOCAL_ONLY) as cluster, \
            Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The demo corpus ingested serially: results, claims and vectors by claim id."""
    settings = Settings(home=tmp_path_factory.mktemp("serial"), database_url=None)
    with Home(settings) as home:
        results = list(ingest([CORPUS], home))
        # Workers of this process use the serial home's model: it is loaded once for the file.
        distributed._EMBEDDERS.setdefault(settings.model, home.embedder)
        claims, vectors = claims_and_vectors(home)
    return results, claims, vectors


def claims_and_vectors(home: Home) -> tuple[dict[str, dict], dict[str, list[float]]]:
    claims = {c.id: c.model_dump(mode="json") for c in home.store.claims()}
    by_rowid = {int(r): c.id for r, c in zip(home.store.claim_rowids(), home.store.claims())}
    vectors = {
        by_rowid[int(r)]: v for ids, vecs in home.store.claim_vectors(home.embedder.name, home.store.claim_rowids())
        for r, v in zip(ids, vecs)
    }
    return claims, vectors


def statuses(results) -> dict[str, tuple]:
    return {Path(r.path).name: (r.status, r.document_id, r.claims, r.error) for r in results}


def test_dask_ingest_stores_exactly_the_serial_claims(serial, client, tmp_path):
    serial_results, serial_claims, serial_vectors = serial
    with Home(Settings(home=tmp_path / "dask", database_url=None)) as home:
        results = list(distributed.ingest_distributed([CORPUS], home, client=client))
        claims, vectors = claims_and_vectors(home)
        # The writer stored the workers' vectors: it never loaded the model itself.
        assert home.embedder._model is None
        assert sorted(home.index.ids().tolist()) == sorted(home.store.claim_rowids().tolist())
    assert statuses(results) == statuses(serial_results)
    assert [r.status for r in results] == ["stored"] * 7
    assert len(claims) == 102  # the demo corpus; a change in extraction moves this on purpose
    assert claims == serial_claims  # ids, values, units, entities, periods, metrics, quotes, spans…
    assert vectors.keys() == serial_vectors.keys()
    for claim_id, v in vectors.items():
        np.testing.assert_allclose(v, serial_vectors[claim_id], atol=1e-5)
    # Incremental, as the serial path: the same files again are skipped without being mined.
    with Home(Settings(home=tmp_path / "dask", database_url=None)) as home:
        again = list(distributed.ingest_distributed([CORPUS], home, client=client))
    assert {r.status for r in again} == {"skipped"}


def test_dask_ingest_returns_failures_as_results(serial, client, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.pdf").write_bytes(b"")
    (bad / "junk.txt").write_bytes(bytes(range(256)) * 20)
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrash")
    (bad / "report.docx").write_bytes(b"PK\x03\x04")
    good = CORPUS / "china-ai-labs-overseas.md"
    paths = [bad / "empty.pdf", bad / "junk.txt", bad / "corrupt.pdf", bad / "report.docx", tmp_path / "missing.md",
             good]

    with Home(Settings(home=tmp_path / "dask", database_url=None)) as home:
        got = statuses(distributed.ingest_distributed(paths, home, client=client, window=2))
    assert got.pop(good.name)[0] == "stored"
    with Home(Settings(home=tmp_path / "serial", database_url=None)) as home:
        expected = statuses(ingest(paths[:-1], home))  # the same failures, with the same reasons
    assert got == expected
    assert {name for name, s in got.items() if s[0] == "failed"} == {
        "missing.md", "empty.pdf", "junk.txt", "corrupt.pdf", "report.docx",
    }


def test_dask_ingest_same_content_twice_in_one_batch(serial, client, tmp_path):
    original = CORPUS / "china-ai-labs-overseas.md"
    copy = tmp_path / "copy.md"
    shutil.copyfile(original, copy)
    with Home(Settings(home=tmp_path / "dask", database_url=None)) as home:
        results = list(distributed.ingest_distributed([original, copy], home, client=client))
        assert home.store.counts()["documents"] == 1
    assert sorted(r.status for r in results) == ["skipped", "stored"]
    assert len({r.document_id for r in results}) == 1


def test_dask_task_that_dies_is_a_failed_result_not_a_lost_one(serial, client, tmp_path, monkeypatch):
    def broken(data, name, settings, *, path=None):
        raise RuntimeError("worker blew up")

    monkeypatch.setattr(distributed, "extract_file", broken)  # seen by the in-process workers
    with Home(Settings(home=tmp_path / "dask", database_url=None)) as home:
        results = list(distributed.ingest_distributed([CORPUS / "china-ai-labs-overseas.md"], home, client=client))
        assert home.store.counts() == {"documents": 0, "claims": 0}
    [result] = results
    assert result.status == "failed" and "RuntimeError: worker blew up" in result.error


def test_connect_refuses_both_a_scheduler_and_workers():
    from miner.errors import MinerError

    with pytest.raises(MinerError, match="give one of them"):
        with distributed.connect("tcp://127.0.0.1:1", 2):
            pass


@pytest.fixture
def pg_settings(tmp_path):
    """Settings for a home whose store is a fresh PostgreSQL schema (dropped after), or skip."""
    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL tests: no server at {PG_URL} ({str(exc).strip()[:120]}); "
                    "start one or set MINER_TEST_DATABASE_URL")
    schema = f"miner_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield Settings(home=tmp_path / "pg", database_url=f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


def test_dask_ingest_into_postgresql_matches_serial_sqlite(serial, client, pg_settings):
    _, serial_claims, _ = serial
    with Home(pg_settings) as home:
        assert type(home.store).__name__ == "PgStore"
        results = list(distributed.ingest_distributed([CORPUS], home, client=client))
        claims, _ = claims_and_vectors(home)
        hits = home.keywords.search("电价", limit=5)
    assert {r.status for r in results} == {"stored"}
    assert claims == serial_claims
    assert hits


def test_cli_ingest_through_a_scheduler(serial, client, tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    serial_results, _, _ = serial
    good = CORPUS / "china-ai-labs-overseas.md"
    n_claims = next(r.claims for r in serial_results if r.path.endswith(good.name))
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    base = ["--home", str(tmp_path / "home"), "ingest", str(good), str(bad)]
    result = CliRunner().invoke(app, [*base, "--scheduler", client.scheduler.address])
    assert result.exit_code == 1, result.output
    assert result.stdout.strip().splitlines()[-1] == f"ingested 1, skipped 0, failed 1, claims {n_claims}"
    assert f"failed: {bad}: empty file" in result.stderr
    both = CliRunner().invoke(app, [*base, "--scheduler", client.scheduler.address, "--workers", "2"])
    assert both.exit_code == 2 and "not both" in both.output
