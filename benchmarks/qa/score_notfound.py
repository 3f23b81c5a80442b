#!/usr/bin/env python3
"""Questions whose honest answer is "not found": the corpus holds no figure for them.

score_qa.py cannot express this (every question there needs a figure), so this small companion
ingests the same corpus into a fresh home, asks each question of `notfound.jsonl`
(`{"id", "q"}` a line) with `miner ask --json`, and counts an answer right when its `figure` is
null. Standard library only.

usage: score_notfound.py --miner .venv/bin/miner --corpus benchmarks/qa/corpus --questions benchmarks/qa/notfound.jsonl
       [--home DIR]  (reuse a home that already holds the corpus; skips ingesting)
"""
import argparse, json, os, subprocess, sys, tempfile


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--miner", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--questions", required=True)
    ap.add_argument("--home")
    a = ap.parse_args()
    home = a.home or tempfile.mkdtemp(prefix="miner-notfound-")
    env = dict(os.environ, MINER_HOME=home)
    if not a.home:
        p = subprocess.run([a.miner, "ingest", a.corpus], env=env, capture_output=True, text=True, timeout=600)
        if p.returncode not in (0, 1):
            print(f"ingest failed ({p.returncode}): {p.stderr.strip()[-500:]}")
            sys.exit(2)
    questions = [json.loads(l) for l in open(a.questions, encoding="utf-8") if l.strip()]
    right = 0
    for q in questions:
        p = subprocess.run([a.miner, "ask", q["q"], "--json"], env=env, capture_output=True, text=True, timeout=600)
        try:
            fig = json.loads(p.stdout).get("figure")
        except json.JSONDecodeError:
            print(f"FAIL {q['id']}: no JSON answer (exit {p.returncode})")
            continue
        ok = fig is None
        right += ok
        got = "null" if fig is None else f"{fig.get('value')} {fig.get('unit')} ({fig.get('entity')}, {fig.get('metric')})"
        print(f"{'ok  ' if ok else 'FAIL'} {q['id']}: figure {got} (want null)")
    print(f"not-found answered right: {right}/{len(questions)}")
    sys.exit(0 if right == len(questions) else 1)


if __name__ == "__main__":
    main()
