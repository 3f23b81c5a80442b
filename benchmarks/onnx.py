"""ONNX Runtime against torch for the embedding models, same run, same texts: sentences/s and the
cosine between the two backends' vectors.

    .venv/bin/pip install onnxruntime==1.32.0 onnx==1.23.2     # for this trial only; not a dependency
    .venv/bin/python benchmarks/onnx.py [--texts 2000] [--threads 1 2] [--rounds 3]

'use-m', the default model, is not a candidate: it is already a numpy port of an ONNX graph, with
no torch in its forward pass. 'minilm' (all-MiniLM-L6-v2) runs on torch through
sentence-transformers. Its `backend="onnx"` needs optimum-onnx, whose releases pin
transformers < 4.58 (miner pins 5.24): installing it would downgrade transformers. So the model is
exported here with torch.onnx from the packaged weights (offline, into --cache), and run with
onnxruntime directly, with the same tokenizer, batches (64, by length, as sentence-transformers
makes them), mean pooling and normalisation. An int8 dynamic quantization of the export is
measured too, for its speed and how far its vectors move.

The texts are the parts miner embeds (claim labels and sentences, see miner.embed.claim_text) of
the claims of the demo corpus and of generated English report sentences. Each backend encodes them
`--rounds` times, interleaved, at each thread count; the best round counts.

Measured on the development machine (2 cores shared with other jobs, load average 2.4 to 5.5),
2000 texts: ONNX Runtime (fp32) is 1.05x to 1.14x torch on one thread and 1.09x to 1.66x on two
(torch suffers more from the busy cores), with the same vectors (cosine mean 1.0000000, min
0.9999997); int8 is 1.5x to 1.8x torch but moves the vectors (cosine mean 0.961, min 0.897).
Neither touches the default model, so miner does not take onnxruntime on: this script records why.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the `onnx` package: keep its folder off the path so that `import onnx`
# (in torch.onnx and onnxruntime.quantization) finds the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def claim_parts(n: int) -> list[str]:
    from benchmarks.ingest import sentence
    from miner.claims import extract_claims, extract_text
    from miner.embed import PART_SEP, claim_text
    from miner.ingest import collect
    from miner.read import read
    from miner.segment import segment

    claims = []
    for path in collect([ROOT / "corpora" / "reports"]).files:
        doc = read(path)
        claims += extract_claims(doc, segment(doc), ner=False)
    rng = random.Random(0)
    while len({p for c in claims for p in claim_text(c).split(PART_SEP)}) < n:
        claims += extract_text(" ".join(sentence(rng, zh=False) for _ in range(20)), lang="en")
    return list(dict.fromkeys(p for c in claims for p in claim_text(c).split(PART_SEP)))[:n]


def export(model, folder: Path) -> Path:
    """The model's transformer as ONNX (last hidden state), exported once from the packaged weights."""
    import torch

    path = folder / "minilm.onnx"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)

    class LastHidden(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = model.tokenizer(["an example", "a second, longer example"], padding=True, return_tensors="pt")
    torch.onnx.export(
        LastHidden(model[0].auto_model.eval()), tuple(sample[k] for k in names), str(path), input_names=names,
        output_names=["last_hidden_state"], dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "last_hidden_state"]},
        opset_version=17, dynamo=False,
    )
    return path


def quantized(path: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_name("minilm-int8.onnx")
    if not out.exists():
        quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8)
    return out


class OnnxEncoder:
    """sentence-transformers' encode for MiniLM (tokenise, transformer, mean pooling, normalise),
    with the transformer run by onnxruntime."""

    def __init__(self, model, path: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer, self.max_length = model.tokenizer, model.max_seq_length

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts])
        out = np.empty((len(texts), 384), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            enc = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="np")
            feed = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            mean = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out[rows] = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
        return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cache", type=Path, help="keep the export here (default: a temporary folder)")
    a = ap.parse_args()

    import torch

    from miner.embed import Embedder

    model = Embedder("minilm").model
    texts = claim_parts(a.texts)
    t = time.perf_counter()
    path = export(model, a.cache or Path(tempfile.mkdtemp(prefix="miner-onnx-")))
    exported = time.perf_counter() - t
    int8 = quantized(path)
    print(f"{len(texts)} texts (claim labels and sentences, {np.mean([len(x) for x in texts]):.0f} characters on "
          f"average); export {exported:.1f} s ({path.stat().st_size / 2**20:.0f} MB, int8 "
          f"{int8.stat().st_size / 2**20:.0f} MB); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for threads in a.threads:
        torch.set_num_threads(threads)
        backends = {
            "torch": lambda x: model.encode(x, batch_size=64, normalize_embeddings=True, convert_to_numpy=True),
            "onnx": OnnxEncoder(model, path, threads).encode,
            "onnx int8": OnnxEncoder(model, int8, threads).encode,
        }
        best = dict.fromkeys(backends, float("inf"))
        vectors = {}
        for _ in range(a.rounds):
            for name, encode in backends.items():
                t = time.perf_counter()
                vectors[name] = np.asarray(encode(texts), dtype=np.float32)
                best[name] = min(best[name], time.perf_counter() - t)
        print(f"\n{threads} thread{'s' if threads > 1 else ''}:")
        for name in backends:
            cos = np.einsum("ij,ij->i", vectors["torch"], vectors[name])
            print(f"  {name:<10} {len(texts) / best[name]:7.0f} texts/s = {best['torch'] / best[name]:.2f}x torch; "
                  f"cosine with torch mean {cos.mean():.7f}, min {cos.min():.7f}")
    print(f"\nload average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
