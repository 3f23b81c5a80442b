"""Hostile files for `miner ingest`: every one must be stored or fail alone with one clear line.

    make_hostile(folder, big_mb=200, pages=5000) -> {relative name: Expectation}

writes the set into `folder` and says what a batch run over it must do with each file, given
`PASSWORD` on the command line and limits that refuse the big ones (`limits(big_mb, pages)`:
the environment for `miner ingest`). The tests use small sizes (a 2 MB file, a 30-page PDF
against lowered limits); benchmarks/hostile.py uses the full 200 MB and 5,000 pages.

    python tests/hostile.py FOLDER [--big-mb 200] [--pages 5000]

writes them to FOLDER and prints the expectations as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PASSWORD = "secret"  # given with --password; encrypted-other.pdf uses another one

GOOD_EN = """# Compute Market Monitor
Published 2026-03-05

Chinese models took 61% of OpenRouter tokens in February 2026.
Data centres drew 41 TWh in the first quarter, and power cost $0.09 per kWh.
"""

GOOD_ZH = """算力租赁市场季报
发布日期：2026年5月8日

一季度全国智能算力调用量约为6.4万亿次，同比增长三成。东部地区占比约为55%。
"""

LATIN1 = """Rapport sur l'énergie des centres de données
Publié le 2026-02-10

La consommation a atteint 41 TWh en 2025, soit 12% de plus qu'en 2024 (café, naïve, été).
"""


@dataclass(frozen=True)
class Expectation:
    """What a batch must do with one file: `stored`, `failed` (with `reason` in its message) or
    `ignored` (a folder walk passes it over: not a regular file, or an unsupported type)."""

    status: str
    reason: str | None = None
    note: str = ""


def stored(note: str = "") -> Expectation:
    return Expectation("stored", None, note)


def failed(reason: str, note: str = "") -> Expectation:
    return Expectation("failed", reason, note)


def limits(big_mb: float, pages: int) -> dict[str, str]:
    """Environment settings under which big.txt and many-pages.pdf are refused (and only they)."""
    return {"MINER_MAX_FILE_MB": f"{big_mb:g}", "MINER_MAX_PAGES": str(pages - 1)}


# ---------------------------------------------------------------------------------------------
# PDFs


def _pdf(path: Path, lines: list[str], *, encrypt: str | None = None, compress: bool = False) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt=encrypt, pageCompression=1 if compress else 0)
    c.setTitle(lines[0])
    y = 760
    for line in lines:
        c.drawString(72, y, line)
        y -= 16
    c.save()


def _many_pages(path: Path, pages: int) -> None:
    """A long report: each page a heading and two sentences with figures."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pageCompression=1)
    c.setTitle("Very Long Capacity Review")
    for n in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, 760, f"Section {n}")
        c.setFont("Helvetica", 11)
        c.drawString(72, 730, f"Region {n % 97} added {n % 50 + 1} MW of capacity in 2025.")
        c.drawString(72, 714, f"Utilisation reached {n % 40 + 50}% and power cost ${n % 9 + 1}.0 per MWh.")
        c.drawString(300, 30, str(n))
        c.showPage()
    c.save()


def _image_only(path: Path) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 400, fill=1)
    c.save()


def _corrupt_streams(good: bytes) -> bytes:
    """Every compressed stream's bytes scrambled in the middle, lengths kept: the structure parses,
    inflating the content fails."""
    out = bytearray(good)
    start = 0
    rng = random.Random(7)
    while (i := out.find(b"stream\n", start)) != -1:
        begin = i + len(b"stream\n")
        end = out.find(b"endstream", begin)
        for k in range(begin + 2, max(begin + 2, end - 2)):
            out[k] = rng.randrange(256)
        start = end
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# The set


def make_hostile(folder: Path | str, *, big_mb: float = 200, pages: int = 5000) -> dict[str, Expectation]:
    """Write the hostile set into `folder`; {name relative to folder: what a batch must do}."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, Expectation] = {}

    def text(name: str, content: str | bytes, expectation: Expectation) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        expect[name] = expectation
        return path

    # Good files in the same batch: they must be stored whatever their neighbours do.
    text("good-en.md", GOOD_EN, stored("a normal English report"))
    text("good-zh.txt", GOOD_ZH, stored("a normal Chinese report"))
    _pdf(root / "good.pdf", ["Inference Market Monitor", "Published 2026-04-14",
                             "Data centres drew 41 TWh in the first quarter of 2026."])
    expect["good.pdf"] = stored("a normal PDF")
    # Deleted and rewritten mid-batch in test_file_deleted_or_changed_mid_batch (which pauses the
    # ingest generator); here, in a batch left alone, they are plain files.
    text("vanishing.md", GOOD_EN.replace("61%", "62%"), stored("deleted mid-batch in the in-process test"))
    text("changing.md", GOOD_EN.replace("61%", "63%"), stored("rewritten mid-batch in the in-process test"))

    # Encrypted PDFs.
    _pdf(root / "encrypted-secret.pdf", ["Locked Market Note", "Utilisation reached 87% in 2025."], encrypt=PASSWORD)
    expect["encrypted-secret.pdf"] = stored(f"encrypted with '{PASSWORD}', the password given")
    _pdf(root / "encrypted-other.pdf", ["Other Locked Note", "Utilisation reached 88% in 2025."], encrypt="not-given")
    expect["encrypted-other.pdf"] = failed("encrypted PDF: wrong password", "encrypted with another password")

    # Empty, truncated, corrupt, not what the name says.
    text("empty.pdf", b"", failed("empty file"))
    text("empty.md", b"", failed("empty file"))
    text("blank.txt", " \n\n\t \n", failed("no text in file", "whitespace only"))
    report = root / "_report.pdf"
    _many_pages(report, 3)
    whole = report.read_bytes()
    report.unlink()
    text("truncated.pdf", whole[: len(whole) // 2], failed("corrupt PDF", "the first half of a PDF"))
    text("truncated-tail.pdf", whole[:-200], failed("corrupt PDF", "a PDF missing its last 200 bytes (the xref and trailer)"))
    text("corrupt-streams.pdf", _corrupt_streams(whole), failed("every page is empty", "every compressed stream scrambled"))
    text("not-a-pdf.pdf", "This is plain text with a .pdf name.\n", failed("corrupt PDF"))
    text("garbage.pdf", b"%PDF-1.7\n" + random.Random(1).randbytes(4096), failed("corrupt PDF", "a PDF header, then noise"))
    _image_only(root / "scan.pdf")
    expect["scan.pdf"] = failed("no text layer", "a drawing, no text: a scan")

    # Too big: refused by the limits before being read whole.
    _many_pages(root / "many-pages.pdf", pages)
    expect["many-pages.pdf"] = failed(f"PDF has {pages} pages", f"{pages} pages, over MINER_MAX_PAGES")
    _big_text(root / "big.txt", big_mb)
    expect["big.txt"] = failed("limit", f"{big_mb:g} MB and a bit, over MINER_MAX_FILE_MB")

    # HTML.
    nested = (
        "<html><head><title>Deep Page</title><script>var share = '99% of tokens';</script></head><body>"
        + "<div>" * 10_000
        + "<p>Data centres drew 41 TWh in 2025, up 12% on the year.</p>"
        + "<script>document.write('Fake figure: 77% of everything');</script>"
        + "</div>" * 10_000
        + "</body></html>"
    )
    text("nested.html", nested, stored("scripts and 10,000 nested tags; the scripts' text must not be read"))
    text("scripts-only.html", "<html><head><script>var x = '50%';</script></head><body><script>alert(1)</script></body></html>",
         failed("no readable text in HTML page"))
    text("unclosed.html", "<html><body><p>Capacity grew 30% in 2025.<table><tr><td>5 GW<td><b><i>" * 40,
         stored("unclosed tags everywhere"))

    # Binary under a text name; non-UTF-8 text.
    text("binary.md", random.Random(2).randbytes(50_000), failed("binary data, not text"))
    text("binary.html", random.Random(3).randbytes(50_000), failed("binary data, not text"))
    text("nul-bytes.txt", b"Capacity grew 30%\x00\x00\x00\x00\x00 in 2025\x00\x00\x00\x00" * 50, failed("binary data, not text"))
    text("gbk.txt", GOOD_ZH.replace("55%", "56%").encode("gbk"), stored("Chinese in GBK"))
    text("latin1.txt", LATIN1.encode("latin-1"), stored("French in Latin-1"))
    text("utf16.txt", GOOD_EN.replace("61%", "64%").encode("utf-16"), stored("UTF-16 with a BOM"))
    line = " ".join(f"Region {i} added {i % 50 + 1} MW and {i % 90 + 1}% more in 2025;" for i in range(200))
    text("one-long-line.txt", line, stored("9 KB on one line without a full stop, 600 figures"))
    header = "| Region | " + " | ".join(f"Site {i} (MW)" for i in range(1, 300)) + " |"
    row = "| North | " + " | ".join(str(i) for i in range(1, 300)) + " |"
    text("wide-table.md", f"Table 1: Capacity\n\n{header}\n|" + "---|" * 300 + f"\n{row}\n", stored("a 300-column table"))

    # A symlink loop: loop/back -> the root; the file inside must be stored once only.
    text("loop/inside.md", GOOD_EN.replace("61%", "65%"), stored("inside a folder with a symlink loop"))
    (root / "loop" / "back").symlink_to("..", target_is_directory=True)
    expect["loop/back"] = Expectation("ignored", note="a symlink to the folder above: walked once")
    (root / "dangling.md").symlink_to("no-such-target.md")
    expect["dangling.md"] = Expectation("ignored", note="a symlink to nothing")
    os.mkfifo(root / "fifo.txt")
    expect["fifo.txt"] = Expectation("ignored", note="a named pipe: reading it would block forever")

    # A file name that is not valid UTF-8 (bytes on disk; surrogate escapes in Python).
    odd = os.fsdecode(b"odd-name-\xff\xfe.md")
    text(odd, GOOD_EN.replace("61%", "66%"), stored("a file name that is not UTF-8"))
    return expect


def _big_text(path: Path, big_mb: float) -> None:
    """Report text repeated to `big_mb` MiB and 100 KiB (so that a limit of big_mb refuses it)."""
    chunk = (GOOD_EN * 200).encode("utf-8")
    size = int(big_mb * 2**20) + 100 * 2**10
    with open(path, "wb") as f:
        written = 0
        while written < size:
            piece = chunk[: size - written]
            f.write(piece)
            written += len(piece)


# ---------------------------------------------------------------------------------------------
# A plain corpus (for the crash and concurrency tests)

COMPANIES = ["DeepSeek", "Zhipu AI", "MiniMax", "Moonshot AI", "CoreWeave", "Lambda", "Qwen", "Baidu"]
COMPANIES_ZH = ["深度求索", "智谱", "月之暗面", "百度", "阿里云", "腾讯云", "华为云", "字节跳动"]


def make_corpus(root: Path, n: int = 40) -> list[Path]:
    """n small reports, alternately English Markdown (with a table) and Chinese text, each with
    its own figures so that no two files share their bytes."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        if i % 2 == 0:
            a, b = COMPANIES[i % 8], COMPANIES[(i + 3) % 8]
            text = (
                f"# Compute Brief No. {i}\nPublished 2026-03-{i % 27 + 1:02d}\n\n"
                f"{a} served {i + 2}.{i % 10} trillion tokens in February 2026, a {20 + i}% share.\n"
                f"Data centres drew {40 + i} TWh in 2025 and power cost ${0.05 + i / 1000:.3f} per kWh.\n\n"
                f"Table {i}: Capacity, 2025\n\n| Company | Capacity (MW) | Share |\n|---|---|---|\n"
                f"| {a} | {100 + i} | {10 + i}% |\n| {b} | {200 + i} | {30 + i}% |\n"
            )
            path = root / f"brief-{i:02d}.md"
        else:
            a = COMPANIES_ZH[i % 8]
            text = (
                f"算力简报第{i}期\n发布日期：2026年4月{i % 27 + 1}日\n\n"
                f"{a}二月调用量约为{i + 1}.{i % 10}万亿Token，占比{15 + i}%。\n"
                f"当地工业电价约为每千瓦时0.{30 + i}元，全年用电量{100 + i}亿千瓦时。\n"
            )
            path = root / f"jianbao-{i:02d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# A stand-in for the embedding model, for in-process tests about storage rather than meaning


class FakeEmbedder:
    """Deterministic unit vectors from each text's hash, under the default model's name and
    dimension, so that an in-process Home stores and indexes without loading the model (about
    15 s of CPU). Use with monkeypatch.setattr(miner.home, "Embedder", FakeEmbedder)."""

    model = None  # what the real one loads on first use

    def __init__(self, model: str = "use-m", batch_size: int = 64, threads: int = 2):
        self.name, self.dimension, self.threads = model, 512, threads

    def encode(self, texts):
        import hashlib

        import numpy as np

        rows = [np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little"))
                .standard_normal(self.dimension) for t in texts]
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension)
        return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)

    encode_recent = encode  # the same vectors; nothing worth remembering


# ---------------------------------------------------------------------------------------------
# Running `miner ingest` and reading what it said


def miner_command() -> list[str]:
    """The `miner` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("miner")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from miner.cli import run; run()"]


SUMMARY = re.compile(r"^ingested (\d+), skipped (\d+), failed (\d+), claims (\d+)$")


@dataclass
class Run:
    """One `miner ingest` process: exit status, output, wall time and peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    failures: dict[str, str] = field(default_factory=dict)  # path -> reason, from stderr

    @property
    def summary(self) -> dict[str, int] | None:
        lines = self.stdout.strip().splitlines()
        match = SUMMARY.match(lines[-1]) if lines else None
        return dict(zip(("stored", "skipped", "failed", "claims"), map(int, match.groups()))) if match else None

    def odd_stderr_lines(self) -> list[str]:
        """stderr lines that are not `failed: PATH: reason` (a traceback, a warning, a progress bar)."""
        return [line for line in self.stderr.splitlines() if line.strip() and not line.startswith("failed: ")]


def run_ingest(paths: list[Path], home: Path, *, password: str | None = None, env: dict[str, str] | None = None,
               timeout: float = 900) -> Run:
    """`miner --home HOME ingest [--password P] PATHS...` in a subprocess, measured with wait4."""
    import tempfile

    command = [*miner_command(), "--home", str(home), "ingest", *(["--password", password] if password else []),
               *map(str, paths)]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=environment)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        run = Run(process.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                  seconds, usage.ru_maxrss / 1024)
    for line in run.stderr.splitlines():
        if line.startswith("failed: "):
            path, _, reason = line[len("failed: "):].partition(": ")
            run.failures[path] = reason
    return run


def outcomes(run: Run, root: Path, expect: dict[str, Expectation]) -> dict[str, str]:
    """What happened to each expected file: 'failed: reason' from stderr, else 'not failed'."""
    return {name: f"failed: {run.failures[str(root / name)]}" if str(root / name) in run.failures else "not failed"
            for name in expect}


def report_lines(expect: dict[str, Expectation]) -> list[str]:
    return [f"{name}: {e.status}{' (' + e.reason + ')' if e.reason else ''}" for name, e in sorted(expect.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description="write the hostile file set to a folder")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--big-mb", type=float, default=200)
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    expect = make_hostile(args.folder, big_mb=args.big_mb, pages=args.pages)
    print(json.dumps({os.fsencode(k).decode("utf-8", "backslashreplace"): asdict(v) for k, v in expect.items()},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
