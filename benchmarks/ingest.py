"""Ingest throughput, end to end and per stage, beside each stage's physical reference measured in
the same run: raw pypdfium2 text extraction for reading, raw `model.encode` for embedding.

The corpus is generated: PDFs of English and Chinese report pages (figures in prose and a ruled
table on every fourth page), rendered with reportlab, so the run needs nothing but the venv.

usage: .venv/bin/python benchmarks/ingest.py [--pages 500] [--pages-per-doc 20] [--keep DIR]
"""
from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

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


def make_corpus(folder: Path, pages: int, per_doc: int, seed: int = 0) -> list[Path]:
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
            if page % 4 == 0:
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


def raw_pdfium(files: list[Path]) -> tuple[int, float]:
    import pypdfium2 as pdfium

    pages = 0
    t = time.perf_counter()
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        for page in pdf:
            page.get_textpage().get_text_range()
            pages += 1
        pdf.close()
    return pages, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--pages-per-doc", type=int, default=20)
    ap.add_argument("--keep", type=Path, help="write the corpus and home here instead of a temp folder")
    a = ap.parse_args()

    from miner.claims import extract_claims
    from miner.config import Settings
    from miner.embed import claim_text
    from miner.home import Home
    from miner.read import read_bytes
    from miner.segment import segment

    root = a.keep or Path(tempfile.mkdtemp(prefix="miner-bench-"))
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    files = make_corpus(corpus, a.pages, a.pages_per_doc)
    settings = Settings(home=root / "home")
    home = Home(settings)
    home.embedder.encode(["warm up"])

    stage = dict.fromkeys(["read", "segment", "extract", "embed", "store+index"], 0.0)
    pages = claims_n = 0
    texts: list[str] = []
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
        texts += [claim_text(c) for c in claims]
    home.save_index()
    total = time.perf_counter() - start
    home.close()

    raw_pages, raw_seconds = raw_pdfium(files)
    # Raw encode on a copy of the same texts, uncached, same batch size.
    from miner.embed import Embedder

    embedder = Embedder(settings.model)
    embedder.encode(["warm up"])
    unique = list(dict.fromkeys(texts))
    t = time.perf_counter()
    embedder.model.encode(unique, batch_size=embedder.batch_size, normalize_embeddings=True)
    raw_encode = time.perf_counter() - t

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {len(files)} PDFs, {pages} pages, {claims_n} claims ({len(unique)} distinct claim texts)")
    print(f"end to end: {total:.1f} s = {pages / total:.1f} pages/s, {claims_n / total:.0f} claims/s; peak RSS {peak_mb:.0f} MB")
    print(f"{'stage':<12} {'seconds':>8} {'share':>6}  reference")
    refs = {
        "read": f"miner {pages / stage['read']:.0f} pages/s vs raw pypdfium2 {raw_pages / raw_seconds:.0f} pages/s "
                f"({pages / stage['read'] / (raw_pages / raw_seconds):.2f}x; tables through pdfplumber included)",
        "embed": f"miner {len(unique) / stage['embed']:.0f} texts/s vs raw model.encode {len(unique) / raw_encode:.0f}/s "
                 f"({raw_encode / stage['embed']:.2f}x)",
    }
    for name, seconds in stage.items():
        print(f"{name:<12} {seconds:8.2f} {seconds / total:6.1%}  {refs.get(name, '')}")


if __name__ == "__main__":
    main()
