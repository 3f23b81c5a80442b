"""The REST service under load: `/ask` latency and throughput at 10k, 100k and 1M claims.

    .venv/bin/python benchmarks/serve.py [--sizes 10000,100000,1000000] [--seconds 30] [--clients 16]
        [--cache DIR] [--workers 1] [--profile N]

Run from the repository root. For each size the real service (`miner serve`, a subprocess on
loopback, over a home of that many claims) is started, waited for (/healthz), and loaded with a
single client and then with `--clients` concurrent clients, each for `--seconds` after a warm-up.

Load model: closed loop without think time. Each client is a thread with its own keep-alive
connection that posts `/ask` and, as soon as the answer is in, posts the next question; so
`--clients` requests are in flight at every moment and the throughput is what the service
sustains at that concurrency. Latency is measured at the client, from sending the request to
reading the whole answer; the clients share the machine's two cores with the service, as they do
when the tests or another job run beside it. The single-client run is the service time of one
request with nothing queued before it.

Questions: a mix of English and Chinese, nearly all distinct, so that no cache of question
vectors helps: generated questions about the generated claims ("What was Baidu's market share in
March 2026?", "2026年第二季度百度的市场份额是多少？", from benchmarks/search.py) plus the demo and
dev questions (corpora/questions.jsonl, ../shared/eval/dev/questions.jsonl) about reports these
homes do not hold, which go through the same retrieval and find a generated claim or nothing.
Only the latter (one request in 20) repeat.

Homes: claims generated from templates by benchmarks/search.py (entities from the gazetteer,
metrics, figures with their canonical values and units, periods; English and Chinese; sentences
and table rows), 40 to a document, one passage each, written through `Store.add_document` as
ingest writes them (full-text index, vectors table), and indexed as the product does (`Home.index`:
`VectorIndex.sync`, IVF from 50k claims). Vectors: 4,000 generated claims are embedded with the
real model; each stored claim's vector is sampled around the embedded claim with the same subject,
metric and language (`benchmarks.search.sample_around`). Homes are kept in `--cache` (default
`$TMPDIR/miner-bench-serve`), so a rerun starts at once. Building them took 15 s for 10k claims,
100 s for 100k and 20 minutes for 1M (17 writing, 3 indexing) on the shared two-core machine,
plus 90 s once to embed the base claims; 1M claims take 6.5 GB of disk.

`--workers N` serves with `miner serve --workers N`: N processes, each with the model and indexes.

`--profile N` instead runs cProfile over N questions of the mix through `miner.answer.ask`
in-process on each home and prints the top costs.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import logging
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.search import SEED, generated_claims, generated_questions, sample_around  # noqa: E402
from miner.model import Claim, Document, Passage  # noqa: E402

BASE_CLAIMS = 4000
CLAIMS_PER_DOCUMENT = 40
CHUNK = 50_000  # claims generated, sampled and written at a time: bounds the builder's memory
HOME_VERSION = 1  # raise when the homes' content changes, so cached ones are rebuilt
MODEL = "use-m"
TARGET_SIZE, TARGET_CLIENTS, TARGET_P50, TARGET_P99 = 100_000, 16, 50.0, 200.0
WARMUP_S = 5.0

# -- homes ---------------------------------------------------------------------------------------


def base_vectors(cache: Path) -> tuple[list[Claim], np.ndarray]:
    """Generated claims embedded with the real model, as the product embeds claims (cached)."""
    from miner.embed import Embedder, claim_text

    claims = generated_claims(BASE_CLAIMS, seed=SEED + 3)
    path = cache / f"base-{BASE_CLAIMS}-v{HOME_VERSION}.npy"
    if not path.exists():
        t0 = time.perf_counter()
        vectors = Embedder(MODEL).encode([claim_text(c) for c in claims])
        np.save(path, vectors)
        print(f"  embedded {len(claims)} base claims in {time.perf_counter() - t0:.0f} s", flush=True)
    return claims, np.load(path)


def _nearest_base(claims: list[Claim], base: list[Claim], rng: random.Random) -> np.ndarray:
    """For each claim, a base claim with the same subject, metric and language (else metric and
    language): the real vector its own is sampled around."""
    by_label: dict[tuple, list[int]] = {}
    for i, b in enumerate(base):
        by_label.setdefault((b.entity, b.metric, b.language), []).append(i)
        by_label.setdefault((None, b.metric, b.language), []).append(i)
    return np.array([rng.choice(by_label.get((c.entity, c.metric, c.language)) or by_label[(None, c.metric, c.language)])
                     for c in claims])


def _documents(claims: list[Claim], tag: str, rng: random.Random):
    """The claims as reports of CLAIMS_PER_DOCUMENT claims in one language, one passage a claim:
    (document, passages, claims as stored, each claim's position in `claims`)."""
    for lang in ("en", "zh"):
        positions = [i for i, c in enumerate(claims) if c.language == lang]
        mine = [claims[i] for i in positions]
        for d in range(0, len(mine), CLAIMS_PER_DOCUMENT):
            doc_id = hashlib.sha256(f"{tag}-{lang}-{d}".encode()).hexdigest()
            published = date(2023, 1, 1) + timedelta(days=rng.randrange(5 * 365))
            doc = Document(id=doc_id, title=f"Market report {tag}-{lang}-{d // CLAIMS_PER_DOCUMENT}",
                           source=f"report-{tag}-{lang}-{d // CLAIMS_PER_DOCUMENT}.md", format="md",
                           published=published, language=lang)
            passages, stored = [], []
            for j, c in enumerate(mine[d:d + CLAIMS_PER_DOCUMENT]):
                row = c.quote.startswith(("Company:", "公司:"))
                passages.append(Passage(index=j, text=c.quote, kind="table_row" if row else "sentence", language=lang,
                                        start=0, end=len(c.quote)))
                start = c.quote.find(c.raw)
                stored.append(c.model_copy(update={"id": f"{doc_id[:16]}-{j}", "document_id": doc_id, "passage": j,
                                                   "start": start, "end": start + len(c.raw)}))
            yield doc, passages, stored, positions[d:d + CLAIMS_PER_DOCUMENT]


def build_home(n: int, cache: Path) -> Path:
    """A home of n generated claims (built once, then taken from the cache)."""
    from miner.config import Settings
    from miner.embed import claim_text, text_key
    from miner.home import Home
    from miner.store import ClaimVectors

    home = cache / f"claims-{n}-v{HOME_VERSION}"
    if (home / "built.json").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    base, base_vecs = base_vectors(cache)
    t0 = time.perf_counter()
    with Home(Settings(home=home, model=MODEL)) as h:
        for chunk, start in enumerate(range(0, n, CHUNK)):
            size = min(CHUNK, n - start)
            rng = random.Random(f"{n}-{chunk}")
            claims = generated_claims(size, seed=SEED + 100 + chunk)
            vectors = sample_around(base_vecs, size, seed=chunk, around=_nearest_base(claims, base, rng))
            for doc, passages, stored, positions in _documents(claims, f"{n}-{chunk}", rng):
                keys = [text_key(claim_text(c)) for c in stored]
                new = dict(zip(keys, vectors[positions]))
                h.store.add_document(doc, passages, stored, ClaimVectors(MODEL, keys, new))
            print(f"\r  {n:,} claims: {start + size:,} written ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
        written = time.perf_counter() - t0
        index = h.index  # VectorIndex.sync, exactly as at the service's start-up
        kind = index.kind
    total = time.perf_counter() - t0
    (home / "built.json").write_text(json.dumps({"claims": n, "write_s": written, "total_s": total, "index": kind}))
    print(f"\r  {n:,} claims: written in {written:.0f} s, indexed ({kind}) in {total - written:.0f} s", flush=True)
    return home


# -- questions -----------------------------------------------------------------------------------

CORPUS_QUESTIONS = [REPO / "corpora" / "questions.jsonl", REPO.parent / "shared" / "eval" / "dev" / "questions.jsonl"]


def question_mix(n: int, seed: int) -> list[str]:
    """n questions: one in 20 from the demo and dev sets, the rest generated (distinct), shuffled."""
    fixed = [json.loads(line)["q"] for path in CORPUS_QUESTIONS if path.exists()
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    generated = list(dict.fromkeys(generated_questions(2 * n, seed=seed)))[:n - n // 20]
    mix = generated + list(itertools.islice(itertools.cycle(fixed), n - len(generated))) if fixed else generated
    random.Random(seed).shuffle(mix)
    return mix


# -- the service ---------------------------------------------------------------------------------


class Service:
    """`miner serve` over a home, in a subprocess on a free loopback port."""

    def __init__(self, home: Path, workers: int, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MINER_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        command = [str(REPO / ".venv" / "bin" / "miner"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(workers)]
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=env, cwd=REPO)

    def wait(self, timeout: float = 900) -> float:
        """Seconds until /healthz answers."""
        import httpx

        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"miner serve exited with {self.process.returncode}:\n{self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"miner serve did not answer /healthz within {timeout:.0f} s")

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes."""
        return sum(_rss_kb(pid) for pid in _tree(self.process.pid)) / 1024

    def cpu_s(self) -> float:
        """CPU time the server and its worker processes have used: what a request costs, however
        busy the machine is with other work."""
        return sum(_cpu_ticks(pid) for pid in _tree(self.process.pid)) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for c in children for p in _tree(int(c)))]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime and stime


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# -- load ----------------------------------------------------------------------------------------


@dataclass
class Run:
    clients: int
    seconds: float
    latencies_ms: np.ndarray
    errors: int
    found: int
    sent: int  # every request, the warm-up's included

    @property
    def throughput(self) -> float:
        return (len(self.latencies_ms) + self.errors) / self.seconds

    def percentile(self, p: float) -> float:
        return float(np.percentile(self.latencies_ms, p)) if len(self.latencies_ms) else float("nan")


def closed_loop(url: str, questions: list[str], clients: int, seconds: float, warmup: float = WARMUP_S) -> Run:
    """`clients` threads posting /ask back to back; requests sent during the `seconds` after the
    warm-up are counted (each to its end). Questions are handed out in order across all clients."""
    import httpx

    feed = iter(questions)
    feed_lock = threading.Lock()
    start = time.perf_counter() + warmup
    stop = start + seconds
    results: list[tuple[float, bool, bool]] = []
    results_lock = threading.Lock()
    sent_all = [0]

    def client() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while (sent := time.perf_counter()) < stop:
                with feed_lock:
                    question = next(feed, None)
                    sent_all[0] += question is not None
                if question is None:
                    return
                try:
                    r = http.post("/ask", json={"question": question})
                    ok, found = r.status_code == 200, r.status_code == 200 and r.json()["figure"] is not None
                except httpx.HTTPError:
                    ok = found = False
                if sent >= start:
                    with results_lock:
                        results.append(((time.perf_counter() - sent) * 1000, ok, found))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sent_all[0] == len(questions):
        raise SystemExit("the question mix ran out: pass a smaller --seconds or raise QUESTIONS_PER_S")
    ok = np.array([ms for ms, good, _ in results if good])
    return Run(clients, seconds, ok, sum(not good for _, good, _ in results), sum(f for *_, f in results), sent_all[0])


# -- profile -------------------------------------------------------------------------------------


def profile(home: Path, questions: list[str], top: int = 25) -> None:
    """cProfile of `miner.answer.ask` in-process, on the thread's CPU time (so that other jobs on
    the machine do not count): the top costs by own time and cumulative time."""
    import cProfile
    import pstats

    from miner.answer import ask
    from miner.config import Settings
    from miner.home import Home

    with Home(Settings(home=home, model=MODEL)) as h:
        _ = h.index
        for q in questions[:3]:
            ask(q, h)  # load the model and warm the caches the process keeps
        prof = cProfile.Profile(time.thread_time)
        t0, c0 = time.perf_counter(), time.thread_time()
        prof.enable()
        for q in questions[3:]:
            ask(q, h)
        prof.disable()
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    n = len(questions) - 3
    print(f"  {n} questions under the profiler: {1000 * wall / n:.1f} ms wall, {1000 * cpu / n:.1f} ms CPU each")
    stats = pstats.Stats(prof)
    for key in ("tottime", "cumulative"):
        print(f"  -- by {key} --")
        stats.sort_stats(key).print_stats(top)


# -- main ----------------------------------------------------------------------------------------

QUESTIONS_PER_S = 400  # the most any run can ask without repeating itself


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated claim counts")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured time of each run, after a warm-up")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the loaded run")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the service")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "miner-bench-serve",
                        help="where built homes are kept")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N questions in-process instead")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    args.cache.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"load average at the start: {_load()} (on {os.cpu_count()} cores)")
    homes = {n: build_home(n, args.cache) for n in sizes}
    if args.profile:
        for n, home in homes.items():
            print(f"\n## Profile of miner.answer.ask at {n:,} claims")
            profile(home, question_mix(args.profile + 3, seed=n))
        return

    per_run = int(QUESTIONS_PER_S * (args.seconds + WARMUP_S))
    print(f"\n## POST /ask, `miner serve` on loopback ({args.workers} worker{'s' * (args.workers > 1)}); closed loop, "
          f"no think time; {args.seconds:g} s measured after a {WARMUP_S:g} s warm-up per run")
    print(f"  questions: English and Chinese, 19 in 20 generated and distinct, 1 in 20 from the demo/dev sets; "
          "'found': answers with a figure")
    print("  CPU ms/req: the service's CPU time per request, warm-up included, all its threads (less sensitive than\n"
          "  latency to other jobs on the machine)")
    print(f"{'claims':>9} {'clients':>7} | {'requests':>8} {'errors':>6} {'found':>5} | {'p50 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} | {'req/s':>6} {'CPU ms/req':>10} | {'RSS MB':>6} {'start s':>7}")
    verdicts = []
    for n, home in homes.items():
        service = Service(home, args.workers, args.cache / f"serve-{n}.log")
        try:
            started = service.wait()
            questions = question_mix(2 * per_run, seed=n)
            for i, clients in enumerate(dict.fromkeys([1, args.clients])):
                cpu = service.cpu_s()
                run = closed_loop(service.url, questions[i * per_run:(i + 1) * per_run], clients, args.seconds)
                # The warm-up's requests used CPU too; counted alike, they keep the ratio fair.
                cpu_ms = 1000 * (service.cpu_s() - cpu) / max(1, run.sent)
                print(f"{n:>9,} {clients:>7} | {len(run.latencies_ms) + run.errors:>8} {run.errors:>6} "
                      f"{100 * run.found / max(1, len(run.latencies_ms)):4.0f}% | {run.percentile(50):7.1f} "
                      f"{run.percentile(99):7.1f} {run.latencies_ms.max(initial=0):7.1f} | {run.throughput:6.1f} "
                      f"{cpu_ms:10.1f} | {service.rss_mb():6.0f} {started:7.1f}", flush=True)
                if n == TARGET_SIZE and clients == TARGET_CLIENTS:
                    met = run.percentile(50) < TARGET_P50 and run.percentile(99) < TARGET_P99 and not run.errors
                    verdicts.append(
                        f"target at {n:,} claims, {clients} clients (p50 < {TARGET_P50:g} ms, p99 < {TARGET_P99:g} ms, "
                        f"no errors): {'met' if met else 'MISSED'}. With {clients} requests always in flight the "
                        f"latency is {clients} / throughput (Little's law): p50 < {TARGET_P50:g} ms needs about "
                        f"{clients / (TARGET_P50 / 1000):.0f} req/s, i.e. {2 * TARGET_P50 / clients:.1f} ms of CPU "
                        f"a request on two cores; measured {run.throughput:.1f} req/s at {cpu_ms:.1f} ms.")
        finally:
            service.stop()
    print("\n".join(verdicts))
    print(f"load average at the end: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
