"""Quantity extraction against the peers' own spec cases, and speed against quantulum3, in one run.

    .venv/bin/python benchmarks/quantities.py [--rounds N]

Run from the repository root; the shared evaluation folder is expected at `<repo>/../shared`.
Prints, in order:
1. `score_quantities.py` per file and in total: Recognizers-Text EN + ZH together, then
   quantulum3's cases (values only);
2. the spec cases miner reads differently on purpose, each with the reason and what miner reads;
3. sentences/s of `miner.quantities.find_quantities` and of quantulum3's `parser.parse` on the same
   English sentences, best of N passes each, and the ratio.
"""
from __future__ import annotations

import argparse
import functools
import importlib.metadata
import json
import logging
import subprocess
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from miner.quantities import find_quantities  # noqa: E402

SHARED = REPO.parent / "shared" / "eval"
SCORER = SHARED / "score_quantities.py"
RECOGNIZERS = sorted((SHARED / "peers" / "recognizers").glob("*/*.jsonl"))
QUANTULUM = SHARED / "peers" / "quantulum3" / "quantities.jsonl"

# Spec cases whose reading miner does not share, by the inputs they contain, with the reason.
REJECTED = [
    ("percentage points are a change in pp, never a share in % (CONTRACT.md, Units): 六个百分点 = 6 pp",
     ["百分点", "百分點", "百分 点", "百分 點", "百 分点", "百 分點", "百 分 点", "百 分 點"]),
    ("dates and times of day are periods (miner.periods reads them), not quantities",
     ["5/17/2018", "１９９１年１月１６日"]),
    ("a dotted sequence is one code (IP address, version, section number), not several quantities",
     ["192.168.1.2", "2222.2222.22222.222"]),
    ("a phone number is an identifier", ["+1-222-2222/2222"]),
    ("names, ordinals and versions are not amounts", ["SCP-173", "第零十刃", "version two"]),
    ("a bare G is not a scale in reports (4G, 5G, 10G name technologies); giga is read as a unit prefix: GW, GB",
     ["10G", "1,674.5 G"]),
    ("a fraction in a share context (of, X in Y, a qualifier) is a share in %: one out of three = 33.3%",
     ["one out of three", "1 in twenty-one", "two out of five hundred", "five eighths of", "more than half people"]),
    ("5-20% is a range: its midpoint 12.5% with range [5, 20], not its upper end", ["5-20%"]),
    ("二三十 is twenty to thirty: an approximate range, 25% with range [20, 30]", ["百分之二三十"]),
    ("money is a quantity: 一美元 = 1 USD (Recognizers leaves it to its currency model)", ["一美元", "两美刀"]),
    ("一折 is 10% of the price, as Recognizers' own PercentModel says", ["苹果折扣一折"]),
    ("a measurement is a quantity; miner keeps the unit's symbol (mL, km)", ["180.25ml", "180ml", "29km", ".25ml"]),
    ("二％ is a percentage the spec leaves out", ["减少了二％"]),
]
SHOWN_PER_REASON = 6


def score(files: list[Path]) -> None:
    miner = Path(sys.executable).with_name("miner")
    run = subprocess.run([sys.executable, str(SCORER), "--miner", str(miner), *map(str, files)],
                         capture_output=True, text=True, check=False)
    print((run.stdout + run.stderr).rstrip())


def cases(files: list[Path]) -> list[dict]:
    return [json.loads(line) | {"file": f.name} for f in files
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def disagreements(spec: list[dict]) -> list[dict]:
    """The cases the scorer holds against miner: an expected figure missed, or a figure read that is not expected."""
    sys.path.insert(0, str(SHARED))
    from score_quantities import matches, parse_expected

    out = []
    for case in spec:
        expected = [e for e in map(parse_expected, case["expected"]) if e]
        found = [q.model_dump() for q in find_quantities(case["input"])]
        if "Percent" in case["file"]:
            found = [q for q in found if q["unit"] == "%"]
        if not all(any(matches(q, e) for q in found) for e in expected) or not all(
                any(matches(q, e) for e in expected) for q in found):
            out.append(case)
    return out


def print_rejected() -> None:
    left = disagreements(cases(RECOGNIZERS))
    for reason, keys in [*REJECTED, ("NOT EXPLAINED: to fix or to give a reason for", None)]:
        hits = [c for c in left if keys is None or any(k in c["input"] for k in keys)]
        left = [c for c in left if c not in hits]
        if keys is None and not hits:
            continue
        print(f"- {reason} ({len(hits)} case{'s' if len(hits) != 1 else ''})")
        for c in hits[:SHOWN_PER_REASON]:
            expected = ", ".join(f"{e.get('text')}={e.get('value')}" for e in c["expected"]) or "nothing"
            read = ", ".join(f"{q.raw}={q.value:g} {q.unit}".rstrip() for q in find_quantities(c["input"])) or "nothing"
            print(f"    {c['input'][:48]!r}: spec {expected}; miner {read}")


def quantulum_parser(workdir: Path):
    """quantulum3 0.9.2's `parse`, ready to run on this environment.

    It imports pkg_resources, which setuptools no longer ships, only to ask for a version; and its
    shipped classifier was pickled by scikit-learn 1.5, which 1.8 cannot load, so it is retrained
    with quantulum3's own training data (about 10 s, outside the timing).
    """
    if "pkg_resources" not in sys.modules:
        shim = types.ModuleType("pkg_resources")
        shim.get_distribution = lambda name: types.SimpleNamespace(version=importlib.metadata.version(name))
        sys.modules["pkg_resources"] = shim
    logging.getLogger("quantulum3").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    from quantulum3 import classifier, parser

    try:
        classifier.classifier("en_US")
        return parser.parse
    except (AttributeError, ModuleNotFoundError, ValueError):
        path = str(workdir / "clf.joblib")
        classifier.train_classifier(store=True, output_path=path)
        return functools.partial(parser.parse, classifier_path=path)


def per_second(fn, sentences: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for s in sentences:
            fn(s)
        best = min(best, time.perf_counter() - start)
    return len(sentences) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="timing passes per tool; the best counts")
    args = ap.parse_args()
    if not SCORER.exists():
        sys.exit(f"no evaluation folder at {SHARED}")

    print("== Recognizers-Text spec cases, EN + ZH")
    score(RECOGNIZERS)
    print("\n== quantulum3's own cases (values only)")
    score([QUANTULUM])
    print("\n== Recognizers cases miner reads differently on purpose")
    print_rejected()

    print("\n== Speed: the same English sentences (Recognizers EN + quantulum3 cases)")
    english = [c["input"] for c in cases([f for f in RECOGNIZERS if f.parent.name == "en"] + [QUANTULUM])]
    chinese = [c["input"] for c in cases([f for f in RECOGNIZERS if f.parent.name == "zh"])]
    ours = per_second(find_quantities, english, args.rounds)
    with tempfile.TemporaryDirectory() as workdir:
        parse = quantulum_parser(Path(workdir))
        theirs = per_second(parse, english, max(1, args.rounds // 2))
    print(f"{len(english)} sentences: miner {ours:,.0f}/s, quantulum3 {theirs:,.0f}/s, ratio {ours / theirs:.1f}x")
    print(f"miner on {len(chinese)} Chinese sentences: {per_second(find_quantities, chinese, args.rounds):,.0f}/s"
          " (quantulum3 reads no Chinese)")


if __name__ == "__main__":
    main()
