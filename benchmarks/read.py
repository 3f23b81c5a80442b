"""PDF reading throughput: miner's reader against raw pypdfium2 text extraction, same run.

    .venv/bin/python benchmarks/read.py [PDF_DIR] [--repeat N]     (about a minute with the default N=9)

PDF_DIR defaults to ../shared/eval/pdfs. For every readable PDF it times, best of N interleaved runs
(so that all three see the same machine load; full gets N/3):
  raw    pypdfium2 alone: open, then per page get_textpage().get_text_range()
  text   miner.read.read_bytes with table extraction switched off: pdfium lines, boxes,
         paragraphs, headings -- the path every text page takes
  full   miner.read.read_bytes as shipped: pdfplumber also runs on pages that look ruled
and prints pages/s for each. The target is text >= 0.5 x raw; `full` is slower on documents
with ruled tables by design (pdfplumber costs ~50x pypdfium2 per page). Files that cannot be
read (empty, encrypted without password) are skipped and named.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

import pypdfium2 as pdfium

import miner.read.pdf as miner_pdf
from miner.errors import MinerError
from miner.read import read_bytes

ROOT = Path(__file__).resolve().parents[1]


def raw_pypdfium2(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        return len(pdf)
    finally:
        pdf.close()


def miner_text(data: bytes, name: str) -> None:
    with mock.patch.object(miner_pdf, "_find_tables", lambda *args, **kwargs: {}):
        read_bytes(data, name)


def best_of(repeat: int, data: bytes, name: str) -> tuple[float, float, float]:
    """Best wall time of raw and text over `repeat` interleaved runs, and of full over a third
    as many (it takes seconds on table pages, and its spread matters less)."""
    runs = [lambda: raw_pypdfium2(data), lambda: miner_text(data, name), lambda: read_bytes(data, name)]
    best = [float("inf")] * 3
    for n in range(repeat):
        for k, run in enumerate(runs):
            if k == 2 and n >= max(1, repeat // 3):
                continue
            start = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared/eval/pdfs")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    files = sorted(args.folder.glob("*.pdf"))
    if not files:
        sys.exit(f"no PDFs in {args.folder}")
    totals = [0.0, 0.0, 0.0]
    total_pages = 0
    print(f"{'file':58} {'pages':>5} {'raw p/s':>9} {'text p/s':>9} {'full p/s':>9} {'text/raw':>8}")
    for path in files:
        data = path.read_bytes()
        try:
            read_bytes(data, path.name)
        except MinerError as exc:
            print(f"{path.name:58} skipped: {exc}")
            continue
        pages = raw_pypdfium2(data)
        times = best_of(args.repeat, data, path.name)
        total_pages += pages
        totals = [t + s for t, s in zip(totals, times)]
        raw, text, full = (pages / t for t in times)
        print(f"{path.name:58} {pages:5d} {raw:9.1f} {text:9.1f} {full:9.1f} {text / raw:8.2f}")
    raw, text, full = (total_pages / t for t in totals)
    print(f"{'ALL (pages / summed best times)':58} {total_pages:5d} {raw:9.1f} {text:9.1f} {full:9.1f} {text / raw:8.2f}")
    verdict = "meets" if text / raw >= 0.5 else "MISSES"
    print(f"text path {text / raw:.2f} x raw pypdfium2: {verdict} the 0.5 x target; full reader {full / raw:.2f} x raw")


if __name__ == "__main__":
    main()
