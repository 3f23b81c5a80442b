"""The search stack's speed, each figure against a baseline in the same run:

    .venv/bin/python benchmarks/search.py            # 100k and 1M vectors (6–10 minutes)
    .venv/bin/python benchmarks/search.py --quick    # a smoke run: 20k and 60k vectors, fewer texts

1. Embedding: sentences/s of the embedding stage against raw `SentenceTransformer.encode` on the
   same texts with the same batch size (each batch timed several times with both, back to back,
   best kept, so that a busy machine slows both alike; CPU-time ratios beside the wall-time
   ones): `Embedder.encode` on plain sentences, and `Home.vectors_for` on claims with a cold
   cache (hashing, the store's cache look-up, the label/quote parts, the mean) against raw
   encode of the parts that stage has to embed; then `Home.vectors_for` with a warm cache.
2. Vector index at 100k and 1M claims, as the product builds it (`VectorIndex.sync` from a store,
   which switches to IVF past `miner.index.APPROXIMATE_FROM`): build time, resident memory, the
   index's size on disk, single-query latency p50/p99 through `VectorIndex.search`, and recall@10
   against exact search (faiss brute force on the same vectors), with exact search's own p50/p99
   (one thread, as the product runs a single query on an exact index).

Realistic vectors: a few thousand claims are generated from templates (entities from the
gazetteer, metrics, figures, periods; English and Chinese; sentences and table rows) and
embedded with the real model through `claim_text`, exactly as the product embeds claims. Each of
the N index vectors is then sampled around one of them: a point on the segment from a real claim
vector towards one of its 10 nearest real neighbours (a fraction drawn from U(0, 0.5)), plus
isotropic Gaussian noise of norm about 0.25, renormalised. So the index holds dense families of
near-paraphrases, as a real million-claim store does (the same metric for many entities,
periods and sources), rather than uniformly random vectors, on which IVF looks worse than it is.
Queries are generated questions (English and Chinese), embedded with the model, plus sampled
vectors that are not in the index; recall is reported for both.

faiss runs with 2 threads (the machine has 2 cores). Run from the repository root.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from miner.model import Claim  # noqa: E402

SEED = 7

# -- generated claims ----------------------------------------------------------------------------

ENTITIES = [  # (English, Chinese) as reports write them
    ("OpenRouter", "OpenRouter"), ("OpenAI", "OpenAI"), ("Anthropic", "Anthropic"), ("Google", "谷歌"),
    ("Microsoft", "微软"), ("Amazon", "亚马逊"), ("Nvidia", "英伟达"), ("AMD", "AMD"),
    ("DeepSeek", "深度求索"), ("Zhipu AI", "智谱AI"), ("Moonshot AI", "月之暗面"), ("MiniMax", "稀宇科技"),
    ("Alibaba", "阿里巴巴"), ("Baidu", "百度"), ("Tencent", "腾讯"), ("ByteDance", "字节跳动"),
    ("StepFun", "阶跃星辰"), ("Huawei", "华为"), ("SiliconFlow", "硅基流动"), ("CoreWeave", "CoreWeave"),
    ("Lambda", "Lambda"), ("Nebius", "Nebius"), ("LONGi", "隆基绿能"), ("JinkoSolar", "晶科能源"),
    ("Trina Solar", "天合光能"), ("CATL", "宁德时代"), ("State Grid", "国家电网"), ("China", "中国"),
    ("the United States", "美国"), ("Europe", "欧洲"), ("India", "印度"), ("Japan", "日本"),
    ("Inner Mongolia", "内蒙古"), ("Guizhou", "贵州"), ("Ningxia", "宁夏"), ("Chinese models", "中国模型"),
]

# (English metric, Chinese metric, unit kind)
METRICS = [
    ("share of OpenRouter tokens", "OpenRouter Token占比", "share"),
    ("monthly token volume", "月度Token调用量", "tokens"),
    ("revenue", "营收", "money"),
    ("overseas revenue share", "海外收入占比", "share"),
    ("market share", "市场份额", "share"),
    ("operating margin", "营业利润率", "share"),
    ("on-demand H100 price per hour", "H100每小时按需租用价格", "hourly"),
    ("average electricity price", "平均电价", "kwh_price"),
    ("data-centre electricity use", "数据中心用电量", "energy"),
    ("installed data-centre capacity", "数据中心装机容量", "power"),
    ("new solar capacity", "新增光伏装机容量", "power"),
    ("module shipments", "组件出货量", "power"),
    ("funding raised", "融资额", "money"),
    ("API team headcount", "API团队人数", "count"),
    ("price per million output tokens", "每百万输出Token价格", "token_price"),
    ("share of inference operating cost spent on electricity", "电费占推理运营成本的比例", "share"),
    ("GPU utilisation", "GPU利用率", "share"),
    ("year-on-year growth in token calls", "Token调用量同比增长", "share"),
]

MONTHS = "January February March April May June July August September October November December".split()


Figure = tuple[str, float, str]  # as written, canonical value, canonical unit


def _figure(kind: str, rng: random.Random) -> tuple[Figure, Figure]:
    """A figure as English and Chinese reports write it, each with the value and unit the
    extractor stores for it."""
    if kind == "share":
        v = rng.choice([rng.randint(3, 95), round(rng.uniform(1, 90), 1)])
        return (f"{v}%", v, "%"), (rng.choice([f"{v}%", f"约{v}%", f"百分之{v}"]), v, "%")
    if kind == "tokens":
        v = round(rng.uniform(0.2, 12), 1)
        return (f"{v} trillion tokens", v * 1e12, "tokens"), (f"{v}万亿Token", v * 1e12, "tokens")
    if kind == "money":
        v = rng.randint(1, 900)
        return (rng.choice([(f"${v} million", v * 1e6, "USD"), (f"US${v / 10:g}bn", v * 1e8, "USD")]),
                rng.choice([(f"{v / 100:g}亿美元", v * 1e6, "USD"), (f"{v}亿元", v * 1e8, "CNY")]))
    if kind == "hourly":
        v = round(rng.uniform(0.8, 4.5), 2)
        return (f"${v:.2f} an hour", v, "USD/h"), (f"每小时{v:.2f}美元", v, "USD/h")
    if kind == "kwh_price":
        v = round(rng.uniform(0.03, 0.2), 3)
        return (f"${v} per kWh", v, "USD/kWh"), (f"每千瓦时{round(v * 7, 2)}元", round(v * 7, 2), "CNY/kWh")
    if kind == "energy":
        v = rng.randint(20, 1200)
        return (f"{v} TWh", v * 1e9, "kWh"), (f"{v * 10}亿千瓦时", v * 1e9, "kWh")
    if kind == "power":
        v = rng.randint(2, 300)
        return (f"{v} GW", v * 1e6, "kW"), (rng.choice([f"{v / 100:g}亿千瓦", f"{v}吉瓦"]), v * 1e6, "kW")
    if kind == "token_price":
        v = round(rng.uniform(0.1, 15), 2)
        return ((f"${v} per million output tokens", v / 1e6, "USD/token"),
                (f"每百万输出Token {round(v * 7, 1)}元", round(v * 7, 1) / 1e6, "CNY/token"))
    v = rng.randint(12, 2000)
    return (f"{v} people", v, ""), (f"{v}人", v, "")


def _period(rng: random.Random) -> tuple[str, str, str]:
    """(English words, Chinese words, ISO) for a month, a quarter or a year."""
    year = rng.randint(2023, 2027)
    pick = rng.random()
    if pick < 0.45:
        m = rng.randint(1, 12)
        return f"{MONTHS[m - 1]} {year}", f"{year}年{m}月", f"{year}-{m:02d}"
    if pick < 0.7:
        q = rng.randint(1, 4)
        return (f"the {['first', 'second', 'third', 'fourth'][q - 1]} quarter of {year}", f"{year}年第{'一二三四'[q - 1]}季度",
                f"{year}-{3 * q - 2:02d}/{year}-{3 * q:02d}")
    return str(year), f"{year}年", str(year)


EN_TEMPLATES = [
    "{e}'s {m} reached {f} in {p}.",
    "In {p}, {e} reported {m} of {f}, according to the company's filing.",
    "The {m} of {e} fell to {f} in {p}, down from a year earlier.",
    "Analysts estimate that {e}'s {m} was about {f} in {p}.",
    "We expect {e}'s {m} to reach {f} by the end of {p}.",
    "{e} said its {m} rose to {f} in {p} as demand for inference grew.",
    "Company: {e}; {M}: {f}; Period: {p}",
]
ZH_TEMPLATES = [
    "{p}，{e}的{m}达到{f}。",
    "据公司公告，{e}{p}{m}为{f}。",
    "{p}{e}{m}约为{f}，较上年同期有所下降。",
    "据估算，{e}{p}的{m}约为{f}。",
    "预计到{p}底，{e}{m}将达到{f}。",
    "{e}表示，受推理需求带动，其{m}在{p}升至{f}。",
    "公司: {e}; {m}: {f}; 时间: {p}",
]
FORECAST_TEMPLATES = {EN_TEMPLATES[4], ZH_TEMPLATES[4]}


def generated_claims(n: int, seed: int = SEED) -> list[Claim]:
    """n claims, half English and half Chinese, as the extractor would have stored them."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        zh = i % 2 == 1
        (e_en, e_zh), (m_en, m_zh, kind) = rng.choice(ENTITIES), rng.choice(METRICS)
        f_en, f_zh = _figure(kind, rng)
        p_en, p_zh, iso = _period(rng)
        template = rng.choice(ZH_TEMPLATES if zh else EN_TEMPLATES)
        raw, value, unit = f_zh if zh else f_en
        quote = template.format(e=e_zh if zh else e_en, m=m_zh if zh else m_en, M=m_en.capitalize(),
                                f=raw, p=p_zh if zh else p_en)
        out.append(Claim(
            id=f"g{i}", quote=quote, entity=e_en.removeprefix("the "), metric=m_zh if zh else m_en,
            value=value, unit=unit, raw=raw, period=iso, language="zh" if zh else "en",
            kind="forecast" if template in FORECAST_TEMPLATES else "reported",
            approximate=raw.startswith("约") or any(w in template for w in ("about {f}", "约为{f}")),
        ))
    return out


def generated_questions(n: int, seed: int = SEED + 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        (e_en, e_zh), (m_en, m_zh, _) = rng.choice(ENTITIES), rng.choice(METRICS)
        p_en, p_zh, _ = _period(rng)
        if i % 2:
            out.append(rng.choice([f"{p_zh}{e_zh}的{m_zh}是多少？", f"{e_zh}{p_zh}{m_zh}有多少？"]))
        else:
            out.append(rng.choice([f"What was {e_en}'s {m_en} in {p_en}?", f"How high was the {m_en} of {e_en} in {p_en}?"]))
    return out


# -- measuring -------------------------------------------------------------------------------------

def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def reset_peak() -> None:
    """Make VmHWM (peak resident memory) start again from the current RSS (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mb() -> float:
    return _status_mb("VmHWM")


def paired_best(chunks: list, runs: list, rounds: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds per run over all chunks: each chunk is timed `rounds` times with every
    run, back to back in alternating order, and the best time of each run on each chunk is summed.
    On a shared machine this keeps a burst of someone else's load from landing on one side only.
    A run is (setup, timed): setup(chunk) is not timed, timed(setup's result) is."""
    best = [[(float("inf"), float("inf"))] * len(chunks) for _ in runs]
    for ci, chunk in enumerate(chunks):
        for r in range(rounds):
            order = list(range(len(runs)))
            for fi in order if r % 2 == 0 else order[::-1]:
                setup, timed = runs[fi]
                arg = setup(chunk)
                w0, c0 = time.perf_counter(), time.process_time()
                timed(arg)
                w, c = time.perf_counter() - w0, time.process_time() - c0
                best[fi][ci] = (min(best[fi][ci][0], w), min(best[fi][ci][1], c))
    return [(sum(w for w, _ in b), sum(c for _, c in b)) for b in best]


def bench_embedding(n_texts: int, rounds: int) -> None:
    from miner.config import Settings
    from miner.embed import PART_SEP, Embedder, claim_text
    from miner.home import Home
    from miner.model import Document

    embedder = Embedder("use-m")
    batch = embedder.batch_size
    print(f"## Embedding stage ('use-m', batch size {batch}): {n_texts} generated claims in chunks of {batch}, "
          f"best of {rounds} alternating passes per chunk")
    model = embedder.model
    claims = generated_claims(n_texts, seed=SEED + 2)
    chunks = [claims[i:i + batch] for i in range(0, len(claims), batch)]
    model.encode([c.quote for c in claims[:batch]], batch_size=batch)  # load the weights before timing

    def raw(texts):
        model.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def sentences(chunk):
        return [c.quote for c in chunk]

    def parts(chunk):
        return list(dict.fromkeys(p for c in chunk for p in claim_text(c).split(PART_SEP)))

    def report(what, n, unit, raw_times, stage_name, stage_times):
        (rw, rc), (sw, sc) = raw_times, stage_times
        print(f"  {what:<16}: raw model.encode {n / rw:6.1f} {unit}/s | {stage_name} {n / sw:6.1f} {unit}/s | "
              f"ratio {rw / sw:.2f} (CPU time: {rc / sc:.2f})")

    raw_t, emb_t = paired_best(chunks, [(sentences, raw), (sentences, embedder.encode)], rounds)
    report("plain sentences", len(claims), "sentences", raw_t, "Embedder.encode", emb_t)

    # The ingest path: claim texts (label and quote parts), hashed, looked up in the store's cache
    # (cold: a new home for every pass), the distinct parts embedded, averaged. Raw encode gets
    # the distinct parts that stage has to embed.
    with tempfile.TemporaryDirectory(prefix="miner-bench-embed-") as tmp:
        homes: list[Home] = []

        def fresh_home(chunk):
            home = Home(Settings(home=Path(tmp) / f"h{len(homes)}", model="use-m"))
            home._embedder = embedder
            homes.append(home)
            return home, chunk

        def stage(arg):
            home, chunk = arg
            home.vectors_for(chunk)

        n_parts = sum(len(parts(c)) for c in chunks)
        raw_t, stage_t = paired_best(chunks, [(parts, raw), (fresh_home, stage)], rounds)
        report("claims, cold", len(claims), "claims", raw_t, "Home.vectors_for", stage_t)
        print(f"  {'':<16}  ({n_parts} distinct label and sentence parts for {len(claims)} claims)")
        for home in homes:
            home.close()

        with Home(Settings(home=Path(tmp) / "warm", model="use-m")) as home:
            home._embedder = embedder
            vectors, _ = home.vectors_for(claims)
            home.store.add_document(Document(id="d", title="t", source="s", format="txt"), [], claims, vectors)
            calls = _count_encodes(embedder)
            t0 = time.perf_counter()
            home.vectors_for(claims)
            warm = time.perf_counter() - t0
            print(f"  {'claims, warm':<16}: Home.vectors_for {len(claims) / warm:9.0f} claims/s, "
                  f"{calls()} texts embedded (all {len(claims)} cached in the store)")


def _count_encodes(embedder):
    count = [0]
    inner = embedder._encode

    def counting(texts):
        count[0] += len(texts)
        return inner(texts)

    embedder._encode = counting
    return lambda: count[0]


def realistic_vectors(n_claims: int, n_questions: int):
    """(claim vectors, question vectors), embedded with the real model, as the product embeds them."""
    from miner.embed import Embedder, claim_text

    embedder = Embedder("use-m")
    t0 = time.perf_counter()
    base = embedder.encode([claim_text(c) for c in generated_claims(n_claims)])
    questions = embedder.encode(generated_questions(n_questions))
    print(f"  embedded {n_claims} generated claims and {n_questions} generated questions in {time.perf_counter() - t0:.0f} s")
    return base, questions


def _neighbours(base: np.ndarray, k: int = 10) -> np.ndarray:
    """Each row's k nearest other rows."""
    import faiss

    _, ids = faiss.knn(base, base, k + 1, metric=faiss.METRIC_INNER_PRODUCT)
    return ids[:, 1:]


def sample_around(base: np.ndarray, n: int, seed: int, noise: float = 0.25, around: np.ndarray | None = None) -> np.ndarray:
    """n unit vectors near the real ones: towards a near neighbour by U(0, 0.5), plus noise.
    `around`: which row of `base` each vector starts from (random rows when not given)."""
    rng = np.random.default_rng(seed)
    neighbours = _neighbours(base)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        i = rng.integers(0, len(base), m) if around is None else around[start:start + m]
        j = neighbours[i, rng.integers(0, neighbours.shape[1], m)]
        lam = rng.uniform(0, 0.5, (m, 1)).astype(np.float32)
        x = (1 - lam) * base[i] + lam * base[j]
        x += rng.standard_normal(x.shape, dtype=np.float32) * np.float32(noise / np.sqrt(base.shape[1]))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start:start + m] = x
    return out


class _VectorsAsStore:
    """The two Store methods `VectorIndex.sync` reads, over an array: ids 1..n."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors

    def claim_rowids(self) -> np.ndarray:
        return np.arange(1, len(self.vectors) + 1, dtype=np.int64)

    def claim_vectors(self, model, rowids, batch: int = 50_000):
        for i in range(0, len(rowids), batch):
            ids = np.asarray(rowids[i:i + batch], dtype=np.int64)
            yield ids, self.vectors[ids - 1]


def bench_index(n: int, base: np.ndarray, queries: np.ndarray, sampled_queries: np.ndarray) -> dict:
    import faiss

    from miner.index import VectorIndex

    vectors = sample_around(base, n, seed=n)
    store = _VectorsAsStore(vectors)
    with tempfile.TemporaryDirectory(prefix="miner-bench-index-") as tmp:
        before = rss_mb()
        reset_peak()
        t0 = time.perf_counter()
        index = VectorIndex(Path(tmp), "use-m", base.shape[1])
        index.sync(store)
        build = time.perf_counter() - t0
        grown, peak = rss_mb() - before, peak_mb() - before
        index.save()
        disk = os.path.getsize(Path(tmp) / "index.faiss") / 2**20
        t0 = time.perf_counter()
        VectorIndex.load(Path(tmp), "use-m", base.shape[1])
        load = time.perf_counter() - t0

    all_queries = np.vstack([queries, sampled_queries])
    _, truth = faiss.knn(all_queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
    truth = truth + 1  # ids are 1-based
    latencies, cpu, found = [], [], []
    index.search(all_queries[0], 10)  # warm
    for q in all_queries:
        t0, c0 = time.perf_counter(), time.thread_time()
        _, ids = index.search(q, 10)
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        found.append(ids[0])
    recall = np.array([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)])
    exact = []
    faiss.omp_set_num_threads(1)  # one thread: faster than two for a single query (see miner.index)
    for q in all_queries[:50]:
        t0 = time.perf_counter()
        faiss.knn(q[None, :], vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
        exact.append(time.perf_counter() - t0)
    faiss.omp_set_num_threads(2)
    lat, cpu = np.array(latencies) * 1000, np.array(cpu) * 1000
    row = {
        "n": n, "kind": index.kind, "build_s": build, "rss_mb": grown, "peak_mb": peak, "disk_mb": disk, "load_s": load,
        "cpu50": float(np.percentile(cpu, 50)), "cpu99": float(np.percentile(cpu, 99)),
        "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99)),
        "recall": float(recall.mean()), "recall_q": float(recall[:len(queries)].mean()),
        "recall_s": float(recall[len(queries):].mean()),
        "exact_p50": float(np.median(exact) * 1000), "exact_p99": float(np.percentile(np.array(exact) * 1000, 99)),
        "nlist": getattr(faiss.extract_index_ivf(index._index), "nlist", None) if index.kind != "exact" else None,
        "nprobe": getattr(faiss.extract_index_ivf(index._index), "nprobe", None) if index.kind != "exact" else None,
    }
    del index, vectors, store
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: small sizes")
    parser.add_argument("--sizes", default=None, help="comma-separated index sizes (default 100000,1000000)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved passes for the embedding figures")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import faiss

    faiss.omp_set_num_threads(2)
    sizes = [int(s) for s in (args.sizes or ("20000,60000" if args.quick else "100000,1000000")).split(",")]
    rounds = args.rounds or (1 if args.quick else 3)

    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)\n")
    bench_embedding(128 if args.quick else 256, rounds)

    from miner import index as index_module

    print(f"\n## Vector index as the product builds it (exact below {index_module.APPROXIMATE_FROM:,} vectors, "
          "IVF from there), 2 faiss threads")
    base, questions = realistic_vectors(500 if args.quick else 1000, 100 if args.quick else 200)
    sampled = sample_around(base, 100 if args.quick else 300, seed=1)
    print(f"  queries: {len(questions)} generated questions + {len(sampled)} sampled vectors (not in the index)")
    print("  RSS +MB: resident memory the built index adds; peak +MB: the most the build held at once;"
          " cpu: the query thread's CPU time (what the latency would be on an idle machine)")
    header = (f"{'vectors':>9} {'kind':>5} {'nlist':>5} {'nprobe':>6} {'build s':>7} {'RSS +MB':>7} {'peak +MB':>8} "
              f"{'disk MB':>7} {'load s':>6} | {'p50 ms':>6} {'p99 ms':>6} {'cpu p50':>7} {'cpu p99':>7} | "
              f"{'recall@10':>9} {'questions':>9} {'sampled':>7} | {'exact p50':>9} {'p99 ms':>6}")
    print(header)
    for n in sizes:
        r = bench_index(n, base, questions, sampled)
        print(f"{r['n']:>9,} {r['kind']:>5} {r['nlist'] or '-':>5} {r['nprobe'] or '-':>6} {r['build_s']:7.1f} "
              f"{r['rss_mb']:7.0f} {r['peak_mb']:8.0f} {r['disk_mb']:7.0f} {r['load_s']:6.1f} | {r['p50']:6.2f} "
              f"{r['p99']:6.2f} {r['cpu50']:7.2f} {r['cpu99']:7.2f} | {r['recall']:9.3f} {r['recall_q']:9.3f} "
              f"{r['recall_s']:7.3f} | {r['exact_p50']:9.1f} {r['exact_p99']:6.1f}", flush=True)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
