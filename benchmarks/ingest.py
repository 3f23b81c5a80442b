"""Ingest throughput, end to end and per stage, each beside its physical reference measured in the
same run, file by file (so that both see the same machine load): raw pypdfium2 text extraction
for reading, raw `model.encode` on the same texts for embedding.

    .venv/bin/python benchmarks/ingest.py [--pages 500] [--pages-per-doc 20] [--jobs 1 2 3] [--keep DIR]

The corpus is generated: PDFs of English and Chinese report pages (figures in prose and a ruled
table on every fourth page), rendered with reportlab, so the run needs nothing but the venv.
Every --jobs value runs in a process of its own, on a fresh home, with the model loaded before
the clock starts:
  jobs 1   `ingest` in one process, stage by stage: read, segment, extract, embed, store+index,
           each with its seconds and share; reading against raw pypdfium2 on the same files and
           on a table-free copy of the corpus (text pages: the target is >= 0.5x), embedding
           against `model.encode` of the same new texts (the target is >= 0.9x).
  jobs N   `ingest(jobs=N)`: N - 1 worker processes read and mine, this process (the writer)
           embeds, stores and indexes. The writer's time is split into embedding, storing and
           waiting for the workers; whichever side never waits is what limits the run.
Peak RSS is the writer's and the largest worker's. The machine's load average is printed: on a
small, shared machine the figures move with it, the ratios much less.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The raw reference is benchmarks/read.py's, so that both benchmarks measure the same floor.
from read import raw_pypdfium2

EN_SENTENCES = [
    "{org} processed {n:.1f} trillion tokens on OpenRouter in {month} 2026, a {p}% share of the platform.",
    "Electricity accounts for about {p}% of the operating cost of an inference cluster run by {org}.",
    "The average price of an H100 GPU hour fell to ${price:.2f} in {month} 2026, down from ${price2:.2f} a quarter earlier.",
    "{org} raised ${m} million in its latest funding round and now employs more than {k} engineers.",
    "Data centres operated by {org} used roughly {t} TWh of electricity in 2025, and we expect {t2} TWh by 2030.",
]
ZH_SENTENCES = [
    "2026年{mi}月，{zorg}在OpenRouter上的Token调用量约为{n:.1f}万亿，占比约{p}%。",
    "电费约占{zorg}推理运营成本的{c}成。",
    "当地大工业电价约为每千瓦时{yuan:.2f}元，较去年下降{pp}个百分点。",
    "{zorg}本轮融资{y}亿美元，海外收入占比约为{p}%。",
    "预计到2030年，全国数据中心装机将超过{w}亿千瓦。",
]
ORGS = ["DeepSeek", "MiniMax", "Zhipu AI", "Moonshot AI", "Alibaba", "CoreWeave", "Lambda", "Nebius"]
ZORGS = ["深度求索", "稀宇科技", "智谱", "月之暗面", "阿里巴巴", "百度", "腾讯", "字节跳动"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September"]


def sentence(rng: random.Random, zh: bool) -> str:
    values = dict(
        org=rng.choice(ORGS), zorg=rng.choice(ZORGS), month=rng.choice(MONTHS), mi=rng.randint(1, 9),
        n=rng.uniform(0.5, 9), p=rng.randint(5, 70), price=rng.uniform(1.5, 3), price2=rng.uniform(2, 3.5),
        m=rng.randint(50, 900), k=rng.randint(20, 400), t=rng.randint(50, 500), t2=rng.randint(500, 1200),
        c=rng.randint(2, 5), yuan=rng.uniform(0.3, 0.7), pp=rng.randint(1, 5), y=rng.randint(1, 9),
        w=rng.randint(1, 3),
    )
    return rng.choice(ZH_SENTENCES if zh else EN_SENTENCES).format(**values)


def make_corpus(folder: Path, pages: int, per_doc: int, seed: int = 0, tables: bool = True) -> list[Path]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    rng = random.Random(seed)
    files = []
    for d in range(max(1, pages // per_doc)):
        zh = d % 2 == 1
        path = folder / f"report-{d:03d}.pdf"
        c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
        font = "STSong-Light" if zh else "Helvetica"
        for page in range(per_doc):
            y = 800
            c.setFont(font, 14)
            c.drawString(50, y, ("市场月报 第{}页" if zh else "Market monitor, page {}").format(page + 1))
            c.setFont(font, 10)
            y -= 30
            for _ in range(18):
                text = sentence(rng, zh)
                # Wrap by characters: Chinese at 40, English at 95, as a report's lines would be.
                width = 40 if zh else 95
                for start in range(0, len(text), width):
                    c.drawString(50, y, text[start:start + width])
                    y -= 14
                y -= 4
                if y < 260:
                    break
            if tables and page % 4 == 0:
                c.drawString(50, 220, "表1：各公司份额（%）" if zh else "Table 1: Share of tokens by lab (%), 2026")
                rows = [["Lab", "Jan 2026", "Feb 2026"]] + [[o, str(rng.randint(3, 30)), str(rng.randint(3, 30))] for o in ORGS[:5]]
                top = 210
                for r, row in enumerate(rows):
                    for col, cell in enumerate(row):
                        c.drawString(55 + col * 120, top - r * 18 - 13, cell)
                for r in range(len(rows) + 1):
                    c.line(50, top - r * 18, 410, top - r * 18)
                for col in range(4):
                    c.line(50 + col * 120, top, 50 + col * 120, top - len(rows) * 18)
            c.showPage()
        c.save()
        files.append(path)
    return files


def timed(fn, into: dict, key: str):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into[key] += time.perf_counter() - start
    return wrapper


def read_text_pages(files: list[Path], rounds: int = 3) -> dict:
    """miner's reader and raw pypdfium2 on table-free PDFs, file by file, best of `rounds`."""
    from miner.read import read_bytes

    pages = miner = raw = 0.0
    for f in files:
        data = f.read_bytes()
        best_miner = best_raw = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            n = raw_pypdfium2(data)
            best_raw = min(best_raw, time.perf_counter() - t)
            t = time.perf_counter()
            read_bytes(data, f.name)
            best_miner = min(best_miner, time.perf_counter() - t)
        pages, miner, raw = pages + n, miner + best_miner, raw + best_raw
    return {"pages": pages, "miner": miner, "raw": raw}


def measure_serial(files: list[Path], text_files: list[Path], home_dir: Path) -> dict:
    """The one-process path (what `ingest_bytes` does), stage by stage, with the references."""
    from miner.claims import extract_claims
    from miner.config import Settings
    from miner.embed import PART_SEP, claim_text, text_key
    from miner.home import Home
    from miner.read import read_bytes
    from miner.segment import segment

    home = Home(Settings(home=home_dir, jobs=1))
    embedder = home.embedder
    embedder.encode(["warm up"])
    stage = dict.fromkeys(["read", "segment", "extract", "embed", "store+index"], 0.0)
    ref = {"read": 0.0, "embed": 0.0}
    pages = claims_n = parts_n = 0
    seen: set[str] = set()
    start = time.perf_counter()
    for f in files:
        data = f.read_bytes()
        t = time.perf_counter()
        doc = read_bytes(data, f.name)
        stage["read"] += time.perf_counter() - t
        t = time.perf_counter()
        passages = segment(doc)
        stage["segment"] += time.perf_counter() - t
        t = time.perf_counter()
        claims = extract_claims(doc, passages)
        stage["extract"] += time.perf_counter() - t
        t = time.perf_counter()
        vectors, matrix = home.vectors_for(claims)
        stage["embed"] += time.perf_counter() - t
        t = time.perf_counter()
        rowids = home.store.add_document(doc, passages, claims, vectors)
        home.added(rowids or [], matrix)
        stage["store+index"] += time.perf_counter() - t
        pages += doc.pages or 0
        claims_n += len(claims)
        # The references, on the same file and the same new texts, off the clock of the run.
        pause = time.perf_counter()
        t = time.perf_counter()
        raw_pypdfium2(data)
        ref["read"] += time.perf_counter() - t
        new = {text_key(x): x for x in map(claim_text, claims)}
        parts = list(dict.fromkeys(p for k, x in new.items() if k not in seen for p in x.split(PART_SEP)))
        seen.update(new)
        parts_n += len(parts)
        t = time.perf_counter()
        if parts:
            embedder.model.encode(parts, batch_size=embedder.batch_size, normalize_embeddings=True)
        ref["embed"] += time.perf_counter() - t
        start += time.perf_counter() - pause
    home.save_index()
    total = time.perf_counter() - start
    home.close()
    return {"jobs": 1, "seconds": total, "pages": pages, "claims": claims_n, "parts": parts_n, "stage": stage,
            "ref": ref, "text": read_text_pages(text_files), **peaks()}


def measure_pooled(files: list[Path], home_dir: Path, jobs: int) -> dict:
    from miner.config import Settings
    from miner.home import Home
    from miner.ingest import ingest

    home = Home(Settings(home=home_dir, jobs=jobs))
    home.embedder.encode(["warm up"])
    _ = home.index
    writer = dict.fromkeys(["embed", "store+index"], 0.0)
    home.embedder.encode = timed(home.embedder.encode, writer, "embed")
    home.store.add_document = timed(home.store.add_document, writer, "store+index")
    home.added = timed(home.added, writer, "store+index")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    results = list(ingest(files, home))
    total = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    failed = [r for r in results if r.status != "stored"]
    assert not failed, failed
    pages = sum(d.pages or 0 for d in home.store.documents())
    home.close()
    return {"jobs": jobs, "seconds": total, "pages": pages, "claims": sum(r.claims for r in results),
            "writer": writer, "workers_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            **peaks()}


def peaks() -> dict:
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def report(runs: list[dict]) -> None:
    serial = next((r for r in runs if r["jobs"] == 1), None)
    for r in runs:
        rate = f"{r['pages'] / r['seconds']:.1f} pages/s, {r['claims'] / r['seconds']:.0f} claims/s"
        speed_up = f", {serial['seconds'] / r['seconds']:.2f}x jobs 1" if serial and r is not serial else ""
        rss = f"peak RSS writer {r['rss_mb']:.0f} MB" + (f", worker {r['worker_rss_mb']:.0f} MB" if r["jobs"] > 1 else "")
        print(f"\njobs {r['jobs']}: {r['seconds']:.1f} s = {rate}{speed_up}; {rss}")
        if r["jobs"] == 1:
            stage, ref, text = r["stage"], r["ref"], r["text"]
            refs = {
                "read": f"{r['pages'] / stage['read']:.0f} pages/s = {ref['read'] / stage['read']:.2f}x raw pypdfium2 "
                        f"(tables through pdfplumber); text pages {text['pages'] / text['miner']:.0f} pages/s = "
                        f"{text['raw'] / text['miner']:.2f}x raw",
                "embed": f"{r['parts'] / stage['embed']:.0f} texts/s = {ref['embed'] / stage['embed']:.2f}x raw "
                         f"model.encode of the same texts",
            }
            print(f"  {'stage':<12} {'seconds':>8} {'share':>6}  reference")
            for name, seconds in stage.items():
                print(f"  {name:<12} {seconds:8.2f} {seconds / r['seconds']:6.1%}  {refs.get(name, '')}")
        else:
            w = r["writer"]
            waiting = max(0.0, r["seconds"] - w["embed"] - w["store+index"])
            print(f"  writer: embed {w['embed']:.1f} s ({w['embed'] / r['seconds']:.0%}), store+index "
                  f"{w['store+index']:.1f} s ({w['store+index'] / r['seconds']:.0%}), waiting for workers and "
                  f"other {waiting:.1f} s ({waiting / r['seconds']:.0%}); workers' CPU {r['workers_cpu']:.1f} s")
            limit = ("the workers (read + segment + extract)" if waiting > 0.1 * r["seconds"]
                     else "the writer (embedding)" if w["embed"] >= w["store+index"] else "the writer (store)")
            print(f"  limited by {limit}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--pages-per-doc", type=int, default=20)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--keep", type=Path, help="write the corpora and homes here instead of a temp folder")
    ap.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # one run, in a child process
    a = ap.parse_args()
    root = a.keep or Path(tempfile.mkdtemp(prefix="miner-bench-"))
    corpus, text_corpus = root / "corpus", root / "text-corpus"
    if a.measure:
        files, text_files = sorted(corpus.glob("*.pdf")), sorted(text_corpus.glob("*.pdf"))
        home = root / f"home-{a.measure}"
        out = measure_serial(files, text_files, home) if a.measure == 1 else measure_pooled(files, home, a.measure)
        print(json.dumps(out))
        return
    for folder, tables in ((corpus, True), (text_corpus, False)):
        folder.mkdir(parents=True, exist_ok=True)
        make_corpus(folder, a.pages, a.pages_per_doc, tables=tables)
    print(f"corpus: {len(list(corpus.glob('*.pdf')))} PDFs of {a.pages_per_doc} pages, EN and ZH, a ruled table "
          f"on every 4th page; {len(os.sched_getaffinity(0))} cores; load average before "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs = []
    for jobs in a.jobs:
        child = subprocess.run([sys.executable, __file__, "--measure", str(jobs), "--keep", str(root)],
                               capture_output=True, text=True, check=True)
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    report(runs)
    print(f"\nload average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
