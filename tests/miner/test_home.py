"""Home: what it embeds when it opens the index (the claims another model's vectors left behind,
and only those)."""
import numpy as np

import miner.home
from miner.config import Settings
from miner.home import Home
from miner.model import Claim, Document, Passage
from tests.hostile import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    encoded: list[str] = []

    def encode(self, texts):
        CountingEmbedder.encoded += list(texts)
        return super().encode(texts)


def add(store, name: str, n: int) -> list[int]:
    """A document of n claims stored without vectors, as a store written before a model change holds them."""
    doc = Document(id=name * 8, title=name, source=f"{name}.md", format="md", language="en")
    passages = [Passage(index=0, text="Figures.", kind="sentence", language="en", start=0, end=8)]
    claims = [Claim(id=f"{name}-{i}", quote=f"{name} figure {i} was {i}%.", value=float(i), unit="%", raw=f"{i}%",
                    metric=f"figure {i}", passage=0) for i in range(n)]
    return store.add_document(doc, passages, claims)


def test_opening_embeds_what_lacks_a_vector_once_and_then_only_newer_claims(tmp_path, monkeypatch):
    monkeypatch.setattr(miner.home, "Embedder", CountingEmbedder)
    settings = Settings(home=tmp_path / "home")
    CountingEmbedder.encoded = []
    with Home(settings) as home:
        first = add(home.store, "a", 3)
        assert home.index.count == 3  # none had a vector: all embedded on opening
        assert len(CountingEmbedder.encoded) == 3
    CountingEmbedder.encoded = []
    with Home(settings) as home:
        second = add(home.store, "b", 2)
        assert home.index.count == 5
        assert len(CountingEmbedder.encoded) == 2  # the saved index's claims were not looked at again
        assert sorted(home.index.ids().tolist()) == first + second
    CountingEmbedder.encoded = []
    with Home(Settings(home=tmp_path / "home", model="minilm")) as home:
        assert home.index.count == 5  # another model: every claim embedded for it
        assert len(CountingEmbedder.encoded) == 5
        assert np.array_equal(np.sort(home.index.ids()), np.array(first + second))


def test_the_keyword_index_is_saved_and_trusted_only_while_its_top_claim_stands(tmp_path, monkeypatch):
    monkeypatch.setattr(miner.home, "Embedder", CountingEmbedder)
    settings = Settings(home=tmp_path / "home")
    with Home(settings) as home:
        a = add(home.store, "a", 3)
        assert [r for r, _ in home.keywords.search("a")] == a
    assert (tmp_path / "home" / miner.home.KEYWORDS_FILE).exists()

    def no_build(_):
        raise AssertionError("built again instead of loaded")

    with monkeypatch.context() as m, Home(settings) as home:
        m.setattr(miner.home, "build", no_build)
        b = add(home.store, "b", 2)  # stored after the save: followed from the store
        assert sorted(r for r, _ in home.keywords.search("figure", limit=10)) == a + b
        home.store.delete_document("b" * 8)
        home.removed()  # as the API does after a deletion through this home
        assert sorted(r for r, _ in home.keywords.search("figure", limit=10)) == a
    with Home(settings) as home:
        home.store.delete_document("a" * 8)
        c = add(home.store, "c", 3)  # SQLite hands out the deleted claims' rowids again
    assert c == a
    with Home(settings) as home:
        assert [r for r, _ in home.keywords.search("a", limit=10)] == []
        assert sorted(r for r, _ in home.keywords.search("c", limit=10)) == c
