"""Retrieval on the dev set and the demo corpus: does `search()` put the claim that holds the right
figure near the top, in the question's language and across languages?

    .venv/bin/python benchmarks/retrieval.py [--models use-m,minilm] [--depth 100]

Run from the repository root; the shared evaluation folder is expected at `<repo>/../shared`.
Each corpus is ingested once (in a temporary home); then, for every embedding model and every
choice of the text that stands for a claim, the claims are embedded again into an exact index and
every question is run three ways: keyword only, vector only, and fused (`miner.search.search`,
exactly what `miner search` runs), and for the first model also with variants of the fusion (other
vector weights, without the bonus for the unit the question asks for).

A claim is *right* for a question when its unit is the question's canonical unit, its value lies
within 1% of one of the question's values, and it is about an entity the question names (or about
no named entity when the question names none; see `is_right`). For every question, in its own language and in a
translation into the other one (written below, by hand), the table gives the rank of the first
right claim in English and of the first right claim in Chinese, where the corpus holds one:
"en→zh" rows are the cross-lingual case the issue names (an English question must find the
Chinese report's figure).

Prints: a summary (hits in the top 5 and mean reciprocal rank, same-language and cross-language,
per corpus, model, claim text and method); then one row per question × language pair with its
ranks; then the acceptance line for the product's defaults.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
import warnings
from types import SimpleNamespace
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from miner.config import Settings  # noqa: E402
from miner.embed import PART_SEP, Embedder, claim_text  # noqa: E402
from miner.entities import find_entities  # noqa: E402
from miner.home import Home  # noqa: E402
from miner.index import VectorIndex  # noqa: E402
from miner.ingest import ingest  # noqa: E402
from miner.model import Claim  # noqa: E402
from miner.search import UNIT_BONUS, VECTOR_WEIGHT, fuse, rankings, search, wanted_unit  # noqa: E402

SHARED = REPO.parent / "shared" / "eval"
CORPORA = {
    "dev": (SHARED / "dev" / "corpus", SHARED / "dev" / "questions.jsonl"),
    "demo": (REPO / "corpora" / "reports", REPO / "corpora" / "questions.jsonl"),
}
TOP = 5

# Each question in the other language, translated by hand (by the author of this file, not by a
# model), as a reader of the other language would ask it: names as that language writes them.
TRANSLATIONS = {
    # dev set
    "h100-price-sep": "2026年9月H100 GPU按需租用的平均每小时价格是多少？",
    "h100-price-jun": "2026年6月租用一小时H100 GPU要多少钱？",
    "coreweave-share": "CoreWeave在出租的GPU小时中占多大份额？",
    "spot-share": "大型新兴云服务商售出的GPU小时中，现货算力占多少？",
    "solar-new-cap": "How much new solar capacity did China install from January to September 2026?",
    "distributed-share": "中国新增光伏装机中分布式光伏占比是多少？",
    "longi-overseas-zh": "What share of LONGi Green Energy's revenue comes from overseas?",
    "longi-shipments": "2026年前九个月隆基出货了多少组件？",
    "h100-forecast": "预计到2027年底H100每小时的价格是多少？",
    # demo corpus
    "cn-token-share-feb": "2026年2月中国模型在OpenRouter的Token中占比多少？",
    "openrouter-total-feb": "How many tokens were used on the OpenRouter platform in total in February 2026?",
    "power-share-inference": "电费在AI推理运营成本中占多大比例？",
    "minimax-overseas": "What share of MiniMax's revenue comes from overseas?",
    "zhipu-api-team": "智谱AI的API团队有多少名工程师？",
    "cn-dc-power-2030": "How much electricity are China's data centres expected to use by 2030?",
    "moonshot-funding": "月之暗面2026年1月融资了多少钱？",
    "aidc-capacity-share": "What share of China's total data-centre capacity do intelligent computing centres make up?",
    "us-cn-power-ratio": "美国数据中心的电价是中国的多少倍？",
    "us-dc-power-price": "What do US data centres pay for electricity per kWh?",
}


def _label(c: Claim) -> str:
    return " ".join(x for x in (c.entity, c.metric, c.period) if x)


_MONTHS = "January February March April May June July August September October November December".split()


def _period_words(iso: str | None, lang: str) -> str:
    """An ISO period as a report writes it: '2026-01/2026-09' → 'January to September 2026', '2026年1-9月'."""
    if not iso:
        return ""
    def part(p: str) -> tuple[str, str | None]:
        bits = p.split("-")
        return bits[0], (bits[1] if len(bits) > 1 else None)
    a, _, b = iso.partition("/")
    (y1, m1), (y2, m2) = part(a), part(b or a)
    if lang == "zh":
        if m1 is None:
            return f"{y1}年" if y1 == y2 else f"{y1}-{y2}年"
        if y1 == y2 and m1 == m2:
            return f"{y1}年{int(m1)}月"
        return f"{y1}年{int(m1)}-{int(m2 or m1)}月" if y1 == y2 else f"{y1}年{int(m1)}月至{y2}年{int(m2 or 12)}月"
    if m1 is None:
        return y1 if y1 == y2 else f"{y1} to {y2}"
    if y1 == y2 and m1 == m2:
        return f"{_MONTHS[int(m1) - 1]} {y1}"
    return f"{_MONTHS[int(m1) - 1]} to {_MONTHS[int(m2 or m1) - 1]} {y2}" if y1 == y2 else f"{_MONTHS[int(m1) - 1]} {y1} to {y2}"


def _label_words(c: Claim) -> str:
    return " ".join(x for x in (c.entity, c.metric, _period_words(c.period, c.language)) if x)


# The candidate texts for a claim's vector. A claim with several texts gets the normalised mean of
# their vectors (`Embedder.encode` of the texts joined by PART_SEP, as the product embeds them).
TEXTS: dict[str, Callable[[Claim], list[str]]] = {
    "quote": lambda c: [c.quote],
    "label": lambda c: [_label(c) or c.quote],
    "label: quote": lambda c: [f"{_label(c)}: {c.quote}" if _label(c) else c.quote],
    "mean(label, quote)": lambda c: [_label(c), c.quote] if _label(c) else [c.quote],
    "mean(label(words), quote)": lambda c: [_label_words(c), c.quote] if _label_words(c) else [c.quote],
}
SHORT = {"quote": "q", "label": "l", "label: quote": "lq", "mean(label, quote)": "m", "mean(label(words), quote)": "mw"}


def embed_claims(embedder: Embedder, claims: list[Claim], text_of: Callable[[Claim], list[str]]):
    return embedder.encode([PART_SEP.join(text_of(c)) for c in claims])


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    language: str
    values: tuple[float, ...]
    unit: str
    original: bool
    entities: frozenset[str]


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        lang = "zh" if any("\u3400" <= ch <= "\u9fff" for ch in q["q"]) else "en"
        values = tuple(float(v) for v in q["value"])
        names = frozenset(m.name for m in find_entities(q["q"], ner=False))
        out.append(Question(q["id"], q["q"], lang, values, q["unit"], True, names))
        if q["id"] in TRANSLATIONS:
            other = "en" if lang == "zh" else "zh"
            out.append(Question(q["id"], TRANSLATIONS[q["id"]], other, values, q["unit"], False, names))
    return out


def is_right(c: Claim, q: Question) -> bool:
    """The right figure (unit, value within 1%) about the right subject: a claim about an entity the
    question names, or, when it names none, a claim about no named entity. Without that, a dev set
    with two unrelated 35% figures (LONGi's overseas revenue, spot GPU capacity) would count either
    as the answer to both questions. The few coincidences the rule lets through are listed in
    FALSE_FRIENDS, by the words of their quotes."""
    if c.unit != q.unit or not any(abs(c.value - v) <= 0.01 * abs(v) for v in q.values):
        return False
    if any(q.id == qid and words in c.quote for qid, words in FALSE_FRIENDS):
        return False
    return c.entity in q.entities if q.entities else c.entity is None


# Claims with a question's figure and no entity that are about something else (checked by hand).
FALSE_FRIENDS = [
    ("power-share-inference", "储能"),  # 四成 of new clean capacity gets storage, not electricity's 40% of cost
]


def first_ranks(ranked: list[Claim], q: Question) -> dict[str, int | None]:
    """1-based rank of the first right claim: in any language, in English, in Chinese."""
    out: dict[str, int | None] = {"any": None, "en": None, "zh": None}
    for i, c in enumerate(ranked, 1):
        if is_right(c, q):
            out["any"] = out["any"] or i
            out[c.language] = out.get(c.language) or i
    return out


def run_corpus(name: str, folder: Path, questions_path: Path, models: list[str], depth: int) -> list[dict]:
    """One row per (question, question language, claim language, model, text, method) with a rank."""
    rows: list[dict] = []
    questions = load_questions(questions_path)
    with tempfile.TemporaryDirectory(prefix=f"miner-retrieval-{name}-") as tmp:
        home = Home(Settings(home=Path(tmp) / "home", model="use-m"))
        t0 = time.perf_counter()
        results = list(ingest([folder], home))
        failed = [r for r in results if r.status == "failed"]
        store = home.store
        rowids = store.claim_rowids()
        claims = store.claims_by_rowid(rowids)
        by_rowid = dict(zip((int(r) for r in rowids), claims))
        print(f"# {name}: {len(results)} files ({len(failed)} failed), {len(claims)} claims, "
              f"{len(questions)} questions with translations; ingested in {time.perf_counter() - t0:.0f} s",
              flush=True)
        # Which claim languages hold a right figure for each question (the pairs worth asking for).
        holders = {q.id: {c.language for c in claims if is_right(c, q)} for q in questions}
        for model in models:
            embedder = Embedder(model)
            for text_name, text_of in TEXTS.items():
                index = VectorIndex(Path(tmp) / "scratch", model, embedder.dimension)
                index.add(rowids, embed_claims(embedder, claims, text_of))
                sources = SimpleNamespace(store=store, keywords=home.keywords, index=index, embedder=embedder)
                for q in questions:
                    keyword, vector = rankings(q.text, sources, depth=depth)
                    fused = search(q.text, sources, k=depth)
                    ranked = {
                        "keyword": [by_rowid[r] for r in keyword if r in by_rowid],
                        "vector": [by_rowid[r] for r in vector if r in by_rowid],
                        "fused": fused,
                    }
                    for fname, (weight, unit) in FUSERS.items() if model == models[0] else ():
                        ranked[fname] = [by_rowid[r] for r in _variant(keyword, vector, by_rowid, q.text, weight, unit)]
                    for method, found in ranked.items():
                        if method == "keyword" and (model, text_name) != (models[0], "quote"):
                            continue  # keyword search depends on neither model nor claim text
                        ranks = first_ranks(found, q)
                        for claim_lang in sorted(holders[q.id]):
                            rows.append({
                                "corpus": name, "id": q.id, "original": q.original, "q_lang": q.language,
                                "c_lang": claim_lang, "model": model, "text": text_name, "method": method,
                                "rank": ranks[claim_lang], "any": ranks["any"],
                            })
        home.close()
    return rows


def _variant(keyword, vector, by_rowid, query, weight: float, unit: bool) -> list[int]:
    """`search()`'s ranking with another vector weight, with or without the unit bonus."""
    fused = fuse(keyword, vector, weight)
    if unit:
        fits = wanted_unit(query)
        for r in fused:
            fused[r] += UNIT_BONUS if fits(by_rowid[r].unit) else 0.0
    return sorted(fused, key=fused.__getitem__, reverse=True)


# Variants of the product's ranking (`fused`: miner.search.search, vector weight VECTOR_WEIGHT
# and the unit bonus), to show what each part does: (vector weight, unit bonus).
FUSERS = {
    "w1": (1.0, False),  # plain reciprocal rank fusion, as before issue #4
    "w2": (2.0, False),
    "w1+unit": (1.0, True),
    "w3+unit": (3.0, True),
}


def _mrr(ranks: list[int | None]) -> float:
    return sum(1.0 / r for r in ranks if r) / len(ranks) if ranks else 0.0


def _hits(ranks: list[int | None]) -> str:
    return f"{sum(1 for r in ranks if r and r <= TOP)}/{len(ranks)}"


def print_summary(rows: list[dict], models: list[str]) -> None:
    print(f"\n## Summary: hits in the top {TOP} (and mean reciprocal rank) of the first right claim")
    print("same: question and claim in one language; cross: the other language (translated questions"
          " included); orig: each original question, first right claim in any language")
    print(f"fused = miner.search.search (vector ranking weighted {VECTOR_WEIGHT:g}, unit bonus); variants:"
          " wN = vector weight N, +unit = with the bonus for claims in the unit the question asks for")
    header = f"{'corpus':6} {'model':7} {'claim text':26} {'method':12} | {'orig':>5} {'MRR':>5} | " \
             f"{'same':>6} {'MRR':>5} | {'cross':>6} {'MRR':>5} | {'all':>6} {'MRR':>5}"
    print(header)
    print("-" * len(header))
    combos = [("keyword", models[0], "quote")] + [
        (method, m, t) for method in ("vector", "fused") for m in models for t in TEXTS
    ] + [(method, models[0], t) for method in FUSERS for t in TEXTS]
    for corpus in [c for c in CORPORA if any(r["corpus"] == c for r in rows)] + ["both"]:
        for method, model, text in combos:
            sel = [r for r in rows if (corpus == "both" or r["corpus"] == corpus)
                   and r["method"] == method and r["model"] == model and r["text"] == text]
            same = [r["rank"] for r in sel if r["q_lang"] == r["c_lang"]]
            cross = [r["rank"] for r in sel if r["q_lang"] != r["c_lang"]]
            orig = list({r["id"]: r["any"] for r in sel if r["original"]}.values())
            allr = same + cross
            label = ("-" if method == "keyword" else model, "-" if method == "keyword" else text)
            print(f"{corpus:6} {label[0]:7} {label[1]:26} {method:12} | {_hits(orig):>5} {_mrr(orig):5.2f} | "
                  f"{_hits(same):>6} {_mrr(same):5.2f} | {_hits(cross):>6} {_mrr(cross):5.2f} | "
                  f"{_hits(allr):>6} {_mrr(allr):5.2f}")
        print()


def print_detail(rows: list[dict], models: list[str]) -> None:
    print("## Ranks per question (first right claim in the claim language; '-' = not in the results)")
    print("kw = keyword only; V = vector only; F = fused (miner search). Claim texts: "
          + ", ".join(f"{v} = '{k}'" for k, v in SHORT.items()) + f"; models: {', '.join(models)}")
    cols = [("keyword", models[0], "quote", "kw")] + [
        (method, m, t, f"{method[0].upper()}:{m[:3]}/{SHORT[t]}") for method in ("vector", "fused")
        for m in models for t in TEXTS
    ]
    key = {(r["corpus"], r["id"], r["q_lang"], r["c_lang"], r["method"], r["model"], r["text"]): r["rank"] for r in rows}
    pairs = list(dict.fromkeys((r["corpus"], r["id"], r["q_lang"], r["c_lang"], r["original"]) for r in rows))
    width = max(len(c[3]) for c in cols)
    print(f"{'corpus':6} {'question':22} {'q→c':6} " + " ".join(f"{c[3]:>{width}}" for c in cols))
    for corpus, qid, ql, cl, original in pairs:
        cells = []
        for method, model, text, _ in cols:
            r = key.get((corpus, qid, ql, cl, method, model, text))
            cells.append(f"{r if r else '-':>{width}}")
        mark = "" if original else "*"
        print(f"{corpus:6} {qid:22} {ql}→{cl}{mark:1} " + " ".join(cells))
    print("(* = the translated question)")


def print_acceptance(rows: list[dict], model: str, text: str) -> bool:
    """The issue's bar: every dev question finds a right claim in the top 5 of `miner search`,
    and across languages (English question → Chinese claim and back)."""
    sel = [r for r in rows if r["corpus"] == "dev" and r["method"] == "fused" and r["model"] == model and r["text"] == text]
    orig = {r["id"]: r["any"] for r in sel if r["original"]}
    cross = [r for r in sel if r["q_lang"] != r["c_lang"]]
    fails = [f"{i} (rank {r})" for i, r in orig.items() if not (r and r <= TOP)]
    fails += [f"{r['id']} {r['q_lang']}→{r['c_lang']} (rank {r['rank']})" for r in cross if not (r["rank"] and r["rank"] <= TOP)]
    ok = not fails
    print(f"\n## Acceptance (dev set, `miner search` = fused, model '{model}', claim text '{text}'): "
          f"{sum(1 for r in orig.values() if r and r <= TOP)}/{len(orig)} questions, "
          f"{sum(1 for r in cross if r['rank'] and r['rank'] <= TOP)}/{len(cross)} cross-language pairs in the top {TOP}"
          f" — {'MET' if ok else 'NOT MET: ' + ', '.join(fails)}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="use-m,minilm", help="comma-separated embedding models")
    parser.add_argument("--depth", type=int, default=100, help="how deep each ranking goes")
    parser.add_argument("--corpora", default=",".join(CORPORA), help="comma-separated: dev, demo")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    models = args.models.split(",")
    rows: list[dict] = []
    for name in args.corpora.split(","):
        folder, questions = CORPORA[name]
        rows += run_corpus(name, folder, questions, models, args.depth)
    print_summary(rows, models)
    print_detail(rows, models)
    # Which of the candidate texts the product's claim_text is, checked on a claim with a label.
    probe = Claim(id="x", quote="Q", entity="E", metric="m", value=1.0, raw="1", period="2026")
    product_text = next((name for name, f in TEXTS.items() if PART_SEP.join(f(probe)) == claim_text(probe)), "?")
    if "dev" in args.corpora.split(","):
        print_acceptance(rows, Settings().model, product_text)


if __name__ == "__main__":
    main()
