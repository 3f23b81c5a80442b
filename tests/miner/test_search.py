"""Search over a small English and Chinese corpus with the real model: across languages, with
filters, after deletes and additions, and with an index that is missing or built otherwise."""
import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.config import Settings
from miner.embed import Embedder
from miner.home import Home
from miner.index import INDEX_FILE, META_FILE, VectorIndex
from miner.ingest import ingest
from miner.search import Filters, search

MONITOR = """# Token and Compute Monitor
Larkspur Analytics · Published 2026-03-05

Developers routed about 8.7 trillion tokens through OpenRouter in February 2026.
Chinese models accounted for 61% of those tokens in February 2026, up from 53% in January 2026.
The average on-demand price of an H100 GPU hour fell to $2.10 in September 2026.
US data-centre operators paid an average of $0.08 per kWh for electricity in 2025.
LONGi shipped 45 GW of solar modules in the first nine months of 2026.
Moonshot AI closed a $700 million funding round in January 2026.
"""

BRIEF = """算力与能源简报
青岚智库 发布日期：2026年3月8日

2026年2月，OpenRouter平台总调用量约为8.7万亿Token，其中中国模型占比约61%。
2026年1-9月，全国新增光伏装机容量约为1.9亿千瓦，同比增长12%。
美国数据中心平均电价约为每千瓦时0.08美元。
智谱AI负责开放平台API的团队已扩充至约150人。
预计到2030年，全国数据中心用电量将达到约3800亿千瓦时。
"""

N_CLAIMS = 14  # 7 in each file


@pytest.fixture(scope="module")
def embedder():
    return Embedder("use-m")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "monitor.md").write_text(MONITOR, encoding="utf-8")
    (folder / "brief.txt").write_text(BRIEF, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, corpus, embedder):
    """A home with both files ingested, closed (index saved); tests open it or a copy of it."""
    folder = tmp_path_factory.mktemp("home")
    with open_home(folder, embedder) as home:
        results = list(ingest([corpus], home))
    assert [r.status for r in results] == ["stored", "stored"]
    assert sum(r.claims for r in results) == N_CLAIMS
    return folder


def open_home(folder, embedder) -> Home:
    home = Home(Settings(home=folder))
    home._embedder = embedder  # one model load for the module
    return home


@pytest.fixture
def home(built, embedder):
    with open_home(built, embedder) as h:
        yield h


@pytest.fixture
def scratch(built, tmp_path):
    """A copy of the built home that a test may change."""
    return shutil.copytree(built, tmp_path / "home")


def rank(found, value, unit, language=None) -> int | None:
    """1-based rank of the first claim with this figure (and language), or None."""
    for i, c in enumerate(found, 1):
        if c.unit == unit and abs(c.value - value) <= 0.01 * abs(value) and language in (None, c.language):
            return i
    return None


def run(home, query, k=5, **filters):
    return search(query, home, k=k, filters=Filters(**filters) if filters else None)


@pytest.mark.parametrize(("query", "value", "unit"), [
    ("What share of OpenRouter tokens did Chinese models account for in February 2026?", 61, "%"),
    ("How much new solar capacity did China install from January to September 2026?", 1.9e8, "kW"),
    ("How many tokens went through OpenRouter in February 2026?", 8.7e12, "tokens"),
    ("How many people work on Zhipu AI's API team?", 150, ""),
    ("How much electricity will China's data centres use by 2030?", 3.8e11, "kWh"),
])
def test_search_english_question_finds_the_chinese_claim(home, query, value, unit):
    found = run(home, query)
    assert rank(found, value, unit, "zh") is not None, [(c.raw, c.quote) for c in found]


@pytest.mark.parametrize(("query", "value", "unit"), [
    ("中国模型在OpenRouter的Token占比是多少？", 61, "%"),
    ("美国数据中心每千瓦时电价是多少？", 0.08, "USD/kWh"),
    ("2026年2月OpenRouter平台的Token总调用量是多少？", 8.7e12, "tokens"),
    ("月之暗面融资了多少钱？", 7e8, "USD"),
    ("H100每小时租用价格是多少？", 2.1, "USD/h"),
])
def test_search_chinese_question_finds_the_english_claim(home, query, value, unit):
    found = run(home, query)
    assert rank(found, value, unit, "en") is not None, [(c.raw, c.quote) for c in found]


def test_search_results_are_ranked_with_scores(home):
    found = run(home, "share of OpenRouter tokens", k=20)
    assert len(found) == N_CLAIMS
    scores = [c.score for c in found]
    assert all(s is not None and s > 0 for s in scores) and scores == sorted(scores, reverse=True)
    assert len({c.id for c in found}) == N_CLAIMS


def test_search_filters(home):
    query = "share of tokens, electricity price, solar capacity"
    docs = {d.source: d.id for d in home.store.documents()}
    cases = {
        "entity": ("Chinese models", lambda c: c.entity == "Chinese models", 3),
        "unit": ("%", lambda c: c.unit == "%", 4),
        "period": ("2025", lambda c: c.period == "2025", 1),
        "document": (docs["brief.txt"], lambda c: c.document_id == docs["brief.txt"], 7),
        "language": ("en", lambda c: c.language == "en", 7),
    }
    for name, (value, holds, expected) in cases.items():
        found = run(home, query, k=20, **{name: value})
        assert len(found) == expected and all(map(holds, found)), (name, [(c.raw, c.entity, c.period) for c in found])
    # A period takes in every period that overlaps it (a month, January to September); filters combine.
    found = run(home, query, k=20, period="2026-02", language="zh")
    assert sorted(c.value for c in found) == [12, 61, 1.9e8, 8.7e12]
    found = run(home, query, k=20, period="2026", language="zh", unit="%")
    assert sorted(c.value for c in found) == [12, 61]
    assert run(home, query, entity="Nobody") == []


def test_search_deleted_document_is_gone_from_results(scratch, embedder):
    with open_home(scratch, embedder) as home:
        monitor = next(d for d in home.store.documents() if d.source == "monitor.md")
        assert rank(run(home, "Moonshot AI funding round"), 7e8, "USD", "en") is not None
        home.store.delete_document(monitor.id)
        home.removed()
        assert home.index.count == N_CLAIMS - monitor.claims
        found = run(home, "Moonshot AI funding round", k=20)
        assert found and all(c.document_id != monitor.id for c in found)
    # And in the next process, from the index on disk.
    with open_home(scratch, embedder) as home:
        assert home.index.count == N_CLAIMS - monitor.claims
        assert all(c.document_id != monitor.id for c in run(home, "Moonshot AI funding round", k=20))


def test_search_incremental_add(scratch, embedder, tmp_path):
    more = tmp_path / "more.md"
    more.write_text("# Funding wire\nPublished 2026-03-10\n\nMiniMax raised $600 million in March 2026.\n")
    with open_home(scratch, embedder) as home:
        before = set(home.index.ids().tolist())
        [result] = list(ingest([more], home))
        assert result.status == "stored" and result.claims == 1
        after = set(home.index.ids().tolist())
        assert before < after and len(after) == N_CLAIMS + 1
        assert rank(run(home, "稀宇科技融资了多少？"), 6e8, "USD") is not None
    with open_home(scratch, embedder) as home:
        assert home.index.count == N_CLAIMS + 1


def test_search_reindex_restores_deleted_index_files(scratch):
    (scratch / INDEX_FILE).unlink()
    (scratch / META_FILE).unlink()
    result = CliRunner().invoke(app, ["--home", str(scratch), "reindex"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"indexed {N_CLAIMS} claims (0 embedded anew)"
    meta = json.loads((scratch / META_FILE).read_text())
    assert meta["model"] == "use-m" and meta["count"] == N_CLAIMS and meta["kind"] == "exact"
    result = CliRunner().invoke(app, ["--home", str(scratch), "search", "中国模型占比", "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert any(c["raw"].endswith("61%") for c in json.loads(result.stdout))


def test_search_index_built_with_another_model_is_rebuilt_on_load(scratch, embedder, home):
    # An index from 'minilm' (384 dimensions) over the same claim ids, as after a model change.
    ids = VectorIndex.load(scratch, "use-m", 512).ids()
    other = VectorIndex(scratch, "minilm", 384)
    other.add(ids, np.eye(384, dtype=np.float32)[: len(ids)])
    other.save()
    expected = [c.id for c in run(home, "What share of OpenRouter tokens did Chinese models have?", k=10)]
    with open_home(scratch, embedder) as repaired:
        index = repaired.index  # no IndexMismatch: the store is the truth
        assert (index.model, index.dimension, index.count) == ("use-m", 512, N_CLAIMS)
        found = run(repaired, "What share of OpenRouter tokens did Chinese models have?", k=10)
        assert [c.id for c in found] == expected
    meta = json.loads((scratch / META_FILE).read_text())
    assert (meta["model"], meta["dimension"], meta["count"]) == ("use-m", 512, N_CLAIMS)


def test_search_survives_an_index_ahead_of_the_store(scratch, embedder):
    """An id the store no longer has (another process deleted its document) is skipped, and
    every other claim keeps its own score."""
    with open_home(scratch, embedder) as home:
        reference = run(home, "OpenRouter tokens", k=N_CLAIMS)
        query = embedder.encode(["OpenRouter tokens"])
        home.index.add(np.array([10_000]), query)  # the best vector match, unknown to the store
        found = run(home, "OpenRouter tokens", k=N_CLAIMS)
        assert len(found) == N_CLAIMS and {c.id for c in found} == {c.id for c in reference}
        scores = [c.score for c in found]
        assert scores == sorted(scores, reverse=True)
