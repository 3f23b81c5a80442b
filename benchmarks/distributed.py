"""Ingest throughput: the serial path against Dask with 1 and 2 local worker processes, same run,
same corpus.

    .venv/bin/python benchmarks/distributed.py [--repeat R] [--workers 1 2] [--copies N]
                                               [--database-url postgresql://…] [--threads-only]

The corpus is corpora/reports (7 documents, 102 claims). Each mode first loads what it needs
(spaCy, jieba and the embedding model: in this process for serial, on every worker for Dask; the
cluster's start and this warm-up are printed apart) and makes one untimed pass; then it ingests the
corpus into a fresh home, timed from the first file to the last write, R times, in rounds that
interleave the modes so that all see the same machine load. Prints documents/s and claims/s of the
best round (and the median round's seconds) for each, the speed-up against serial, and the writer
alone (storing documents already mined and embedded: the ceiling of any number of workers).

--copies N ingests the corpus N times over (copy k > 0 of a file gets k bytes no reader sees), but
the copies repeat every sentence, and the serial path reuses the stored vector of a sentence it has
embedded before while Dask workers, which never see the store, embed every new document's claims:
copies favour serial. --database-url puts every home's store in a fresh schema of that PostgreSQL
database (dropped after). On a machine with few cores, the one writer (this process) competes with
the workers for them: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This file is named like Dask's `distributed` package: keep its folder off the path so that
# `import distributed` (here and in the worker processes) finds the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from miner.config import Settings  # noqa: E402
from miner.distributed import _embedder  # noqa: E402
from miner.home import Home  # noqa: E402
from miner.ingest import collect, ingest  # noqa: E402

CORPUS = ROOT / "corpora" / "reports"
WARM_TEXT = "Chinese models took 61% of OpenRouter tokens in February 2026. 当地工业电价约为每千瓦时0.35元。"


def make_corpus(dst: Path, copies: int) -> list[Path]:
    files = collect([CORPUS]).files
    for k in range(copies):
        for f in files:
            data = f.read_bytes()
            if k:
                data += b"\n%" * k + b"\n" if f.suffix == ".pdf" else b"\n" * k
            out = dst / f"copy{k}" / f.name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
    return [dst]


def warm(settings: Settings) -> None:
    """Load spaCy, jieba and the model where this runs (a worker, or this process)."""
    from miner.distributed import _embedder
    from miner.ingest import extract_file

    extract_file(WARM_TEXT.encode(), "warm.txt", settings)
    _embedder(settings.model).encode(["warm up"])


class Homes:
    """Fresh homes under one folder; with a database URL, each store in a fresh schema."""

    def __init__(self, root: Path, database_url: str | None):
        self.root, self.url, self.schemas, self.n = root, database_url, [], 0

    def settings(self) -> Settings:
        self.n += 1
        if not self.url:
            return Settings(home=self.root / str(self.n), database_url=None)
        import psycopg

        schema = f"miner_bench_{os.getpid()}_{self.n}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        sep = "&" if "?" in self.url else "?"
        return Settings(home=self.root / str(self.n), database_url=f"{self.url}{sep}options=-csearch_path%3D{schema}")

    def drop(self) -> None:
        if self.schemas:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                for schema in self.schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def timed(label: str, paths: list[Path], settings: Settings, ingest_fn) -> dict:
    with Home(settings) as home:
        # A serial home embeds with an Embedder of its own: give it the one already loaded.
        home._embedder = _embedder(settings.model)
        start = time.perf_counter()
        results = list(ingest_fn(paths, home))
        seconds = time.perf_counter() - start
    failed = [r for r in results if r.status != "stored"]
    if failed:
        raise SystemExit(f"{label}: {len(failed)} files not stored, e.g. {failed[0]}")
    return {"docs": len(results), "claims": sum(r.claims for r in results), "seconds": seconds}


def write_only(mined: list):
    """An `ingest` function that only writes what was mined beforehand: the writer's own speed."""
    from miner.distributed import _write

    def run(_paths, home):
        return (_write(m, home) for m in mined)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="local worker counts (default 1 2)")
    parser.add_argument("--copies", type=int, default=1, help="times the demo corpus is ingested (default 1)")
    parser.add_argument("--database-url", help="postgresql://… : stores in PostgreSQL instead of SQLite")
    parser.add_argument("--threads-only", action="store_true", help="workers as threads of this process")
    args = parser.parse_args()

    from contextlib import ExitStack
    from statistics import median

    from distributed import Client, LocalCluster

    from miner.distributed import LOCAL_ONLY, extract_and_embed, ingest_distributed

    tmp = Path(tempfile.mkdtemp(prefix="miner-bench-"))
    homes = Homes(tmp / "homes", args.database_url)
    try:
        paths = make_corpus(tmp / "corpus", args.copies)
        warm_paths = make_corpus(tmp / "warm", 1)
        settings = Settings(home=tmp / "unused", database_url=None)
        modes = {"serial": ingest}
        with ExitStack() as stack:
            t = time.perf_counter()
            warm(settings)
            print(f"serial: warm-up {time.perf_counter() - t:.1f} s", flush=True)
            for n in args.workers:
                t = time.perf_counter()
                cluster = stack.enter_context(LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=not args.threads_only, silence_logs=logging.ERROR,
                    **LOCAL_ONLY))
                client = stack.enter_context(Client(cluster, set_as_default=False))
                started = time.perf_counter() - t
                client.run(warm, settings)
                print(f"dask, {n} worker(s): cluster start {started:.1f} s, warm-up"
                      f" {time.perf_counter() - t - started:.1f} s", flush=True)
                modes[f"dask, {n} worker{'s' * (n > 1)}"] = lambda p, h, c=client: ingest_distributed(p, h, client=c)
            files = collect(paths).files
            modes["writer alone"] = write_only([extract_and_embed(str(f), str(f), settings) for f in files])
            for label, fn in modes.items():  # untimed: the first files load what warm() missed
                if label != "writer alone":
                    timed(label, warm_paths, homes.settings(), fn)
            runs: dict[str, list[dict]] = {label: [] for label in modes}
            for k in range(args.repeat):  # rounds interleave the modes: each sees the same machine load
                for label, fn in modes.items():
                    runs[label].append(timed(label, paths, homes.settings(), fn))
                    print(f"round {k + 1}: {label:<17} {runs[label][-1]['seconds']:.2f} s", flush=True)

        best = {label: min(r, key=lambda x: x["seconds"]) for label, r in runs.items()}
        base = best["serial"]["docs"] / best["serial"]["seconds"]
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        first = best["serial"]
        store = "PostgreSQL" if args.database_url else "SQLite"
        print(f"\n{first['docs']} documents ({args.copies} x corpora/reports), {first['claims']} claims, {store};"
              f" best of {args.repeat} rounds; {os.cpu_count()} CPUs, load average {load}")
        print(f"{'mode':<18}{'seconds':>9}{'median s':>10}{'docs/s':>9}{'claims/s':>10}{'vs serial':>11}")
        for label, r in best.items():
            dps = r["docs"] / r["seconds"]
            med = median(x["seconds"] for x in runs[label])
            print(f"{label:<18}{r['seconds']:>9.2f}{med:>10.2f}{dps:>9.2f}{r['claims'] / r['seconds']:>10.1f}"
                  f"{dps / base:>10.2f}x")
        claims = {r["claims"] for rs in runs.values() for r in rs}
        if len(claims) != 1:
            raise SystemExit(f"the modes stored different numbers of claims: {claims}")
    finally:
        homes.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
