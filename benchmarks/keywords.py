"""Keyword search: the in-memory BM25 index (`miner.keywords`) against SQLite FTS5's bm25 over the
same words (the store's `claims_fts` table, which still holds them), in the same run.

    .venv/bin/python benchmarks/keywords.py [--sizes 100000,1000000] [--questions 100]

Run from the repository root, after `benchmarks/serve.py` has built its homes (in
`$TMPDIR/miner-bench-serve`; `--cache` as there). Prints, per home: building the index from the
store, saving and loading it, its size, the mean time of a question against FTS5's, and how many
of FTS5's top 10 claims it also ranks in its top 10 (stems and idf differ a little: Snowball
against Porter, BM25's idf kept positive).
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.serve import HOME_VERSION, question_mix  # noqa: E402
from miner.keywords import KeywordIndex, build  # noqa: E402
from miner.search import expand_query  # noqa: E402
from miner.store import Store, fts_tokens  # noqa: E402


def fts5(conn: sqlite3.Connection, words: list[str], limit: int) -> list[int]:
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    rows = conn.execute("SELECT rowid FROM claims_fts WHERE claims_fts MATCH ? ORDER BY bm25(claims_fts) LIMIT ?",
                        (match, limit))
    return [r[0] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "miner-bench-serve")
    args = parser.parse_args()
    questions = [fts_tokens(expand_query(q)) for q in question_mix(args.questions, seed=11)]
    print("claims    | build s | save s | load s |  MB | ours ms | FTS5 ms | speed-up | top-10 shared")
    for n in (int(x) for x in args.sizes.split(",")):
        home = args.cache / f"claims-{n}-v{HOME_VERSION}"
        if not (home / "built.json").exists():
            print(f"{n:>9,} | no home: run benchmarks/serve.py --sizes {n} first")
            continue
        store = Store.open(home / "miner.db")
        t0 = time.perf_counter()
        index = build(store.claim_terms())
        built = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "keywords.npz"
            t0 = time.perf_counter()
            index.save(path)
            saved = time.perf_counter() - t0
            t0 = time.perf_counter()
            index, _ = KeywordIndex.load(path)
            loaded = time.perf_counter() - t0
            size = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        ours = [[r for r, _ in index.search(" ".join(words), 100)] for words in questions]
        ours_ms = (time.perf_counter() - t0) / len(questions) * 1000
        conn = sqlite3.connect(home / "miner.db")
        t0 = time.perf_counter()
        theirs = [fts5(conn, words, 100) if words else [] for words in questions]
        fts_ms = (time.perf_counter() - t0) / len(questions) * 1000
        shared = sum(len(set(a[:10]) & set(b[:10])) for a, b in zip(ours, theirs)) / len(questions)
        print(f"{n:>9,} | {built:7.1f} | {saved:6.2f} | {loaded:6.2f} | {size:3.0f} | {ours_ms:7.1f} | {fts_ms:7.1f} "
              f"| {fts_ms / ours_ms:7.0f}x | {shared:.1f}/10")
        store.close()


if __name__ == "__main__":
    main()
