"""The hostile file set at full size through `miner ingest`: counts, wall time, peak RSS.

    .venv/bin/python benchmarks/hostile.py [--big-mb 200] [--pages 5000] [--keep DIR] [--read-long-pdf]

Writes tests/hostile.py's set (a 200 MB text file and a 5,000-page PDF among some thirty hostile
and good files) to a temporary folder and runs one `miner ingest --password secret` over it, with
limits that refuse exactly those two (MINER_MAX_FILE_MB=200, MINER_MAX_PAGES=4999). Prints each
file's outcome, the counts (tried, stored, failed by reason, lost) and the ingest process's wall
time and peak resident memory (wait4's ru_maxrss), then runs the same batch again (all skipped).

--read-long-pdf also ingests the 5,000-page PDF alone with the page limit raised, to show the
memory and time of really reading it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hostile import PASSWORD, Run, limits, make_hostile, outcomes, run_ingest  # noqa: E402


def show(title: str, run: Run) -> None:
    print(f"\n== {title}")
    print(f"exit {run.returncode}; {run.stdout.strip().splitlines()[-1] if run.stdout.strip() else '(no summary)'}")
    print(f"wall {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB")
    odd = run.odd_stderr_lines()
    if odd:
        print(f"!! {len(odd)} stderr lines that are not `failed: PATH: reason`:")
        for line in odd[:20]:
            print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big-mb", type=float, default=200)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="write the files and the home here and keep them")
    parser.add_argument("--read-long-pdf", action="store_true", help="also ingest the long PDF with the limit raised")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="miner-hostile-"))
    root, home = work / "files", work / "home"
    try:
        import time

        t = time.monotonic()
        expect = make_hostile(root, big_mb=args.big_mb, pages=args.pages)
        print(f"wrote {len(expect)} entries to {root} in {time.monotonic() - t:.1f} s "
              f"(big.txt {(root / 'big.txt').stat().st_size / 2**20:.1f} MB, "
              f"many-pages.pdf {(root / 'many-pages.pdf').stat().st_size / 2**20:.1f} MB, {args.pages} pages)")
        env = limits(args.big_mb, args.pages)
        run = run_ingest([root], home, password=PASSWORD, env=env, timeout=3600)
        show(f"miner ingest --password {PASSWORD} {root}  [{' '.join(f'{k}={v}' for k, v in env.items())}]", run)

        results = outcomes(run, root, expect)
        tried = [n for n, e in expect.items() if e.status != "ignored"]
        failed = {n: results[n][len("failed: "):] for n in tried if results[n].startswith("failed")}
        stored = [n for n in tried if n not in failed]
        summary = run.summary or {}
        lost = len(tried) - summary.get("stored", 0) - summary.get("failed", 0)
        print(f"\nfiles tried {len(tried)}, stored {summary.get('stored')}, failed {summary.get('failed')}, lost {lost}"
              f" ({len(expect) - len(tried)} entries passed over by the folder walk: symlinks, a pipe)")
        print("\nper file:")
        wrong = []
        for name in sorted(expect, key=lambda n: (expect[n].status, n)):
            e = expect[name]
            got = "ignored" if e.status == "ignored" else ("failed: " + failed[name] if name in failed else "stored")
            ok = got.startswith(e.status) and (e.reason is None or e.reason in got)
            wrong += [] if ok else [name]
            print(f"  {'ok ' if ok else 'XX '} {name.encode('utf-8', 'backslashreplace').decode()}: {got}")
        reasons = Counter(reason.split(" (")[0] for reason in failed.values())
        print("\nfailed by reason:")
        for reason, n in reasons.most_common():
            print(f"  {n:3d}  {reason}")
        if wrong:
            print(f"\n!! {len(wrong)} files did not do what tests/hostile.py expects: {wrong}")

        again = run_ingest([root], home, password=PASSWORD, env=env, timeout=3600)
        show("the same again", again)

        if args.read_long_pdf:
            long_home = work / "home-long"
            run = run_ingest([root / "many-pages.pdf"], long_home, env={"MINER_MAX_PAGES": str(args.pages)}, timeout=7200)
            show(f"many-pages.pdf alone, MINER_MAX_PAGES={args.pages}", run)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
