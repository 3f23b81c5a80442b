import pytest

from miner import entities
from miner.entities import aliases, canonical, entity_type, find_entities, find_entities_many

TYPES = {"org", "lab", "platform", "product", "country", "region", "group"}


def names(text, lang=None):
    return [(m.raw, m.name) for m in find_entities(text, lang, ner=False)]


@pytest.fixture
def no_spacy(monkeypatch):
    """Fails the test if anything tries to load spaCy."""
    def refuse():
        raise AssertionError("spaCy must not be loaded here")

    monkeypatch.setattr(entities, "_pipeline", refuse)


@pytest.mark.parametrize(
    "alias, name",
    [
        ("智谱", "Zhipu AI"), ("智谱华章", "Zhipu AI"), ("Zhiyuan AI", "Zhipu AI"), ("zhipu ai", "Zhipu AI"),
        ("月之暗面", "Moonshot AI"), ("Kimi", "Moonshot AI"), ("Moonlight", "Moonshot AI"),
        ("稀宇科技", "MiniMax"), ("稀宇", "MiniMax"), ("深度求索", "DeepSeek"), ("英伟达", "Nvidia"),
        ("AWS", "Amazon"), ("通义千问", "Alibaba"), ("Qwen", "Alibaba"), ("豆包", "ByteDance"),
        ("阶跃星辰", "StepFun"), ("零一万物", "01.AI"), ("百川智能", "Baichuan"), ("宁德时代", "CATL"),
        ("隆基绿能", "LONGi"), ("晶科能源", "JinkoSolar"), ("天合光能", "Trina Solar"), ("晶澳科技", "JA Solar"),
        ("通威", "Tongwei"), ("国家电网", "State Grid"), ("国际能源署", "IEA"), ("国家能源局", "NEA"),
        ("U.S.", "United States"), ("美国", "United States"), ("欧盟", "European Union"), ("欧洲", "Europe"),
        ("内蒙古", "Inner Mongolia"), ("贵州", "Guizhou"), ("英伟达H100", "H100"), ("Nvidia H100", "H100"),
        ("国产模型", "Chinese models"), ("中国模型", "Chinese models"), ("US models", "US models"),
        ("OpenRouter", "OpenRouter"),
    ],
)
def test_entities_canonical_resolves_aliases_in_both_languages(alias, name):
    assert canonical(alias) == name


def test_entities_canonical_unknown_and_aliases_list():
    assert canonical("Fabrikam Robotics") is None
    zhipu = aliases("Zhipu AI")
    assert zhipu[0] == "Zhipu AI" and {"智谱", "智谱AI", "智谱华章", "Zhiyuan AI"} <= set(zhipu)
    assert aliases("智谱") == zhipu
    assert aliases("Fabrikam Robotics") == []
    assert entity_type("月之暗面") == "lab" and entity_type("H100") == "product"


def test_entities_data_file_is_consistent():
    gazetteer = entities._gazetteer()
    assert {e.type for e in gazetteer.entities.values()} <= TYPES
    owners: dict[str, str] = {}
    for e in gazetteer.entities.values():
        for alias in e.aliases:
            key = alias if alias in e.case_sensitive else alias.casefold()
            assert owners.setdefault(key, e.name) == e.name, f"{alias} names two entities"


def test_entities_english_spans_and_names(no_spacy):
    text = "Shares of Tencent rose after DeepSeek and the U.S. regulator spoke; CoreWeave's H100s sat idle."
    found = find_entities(text, "en", ner=False)
    assert [(m.raw, m.start, m.end, m.name, m.type) for m in found] == [
        ("Tencent", 10, 17, "Tencent", "org"),
        ("DeepSeek", 29, 37, "DeepSeek", "lab"),
        ("U.S.", 46, 50, "United States", "country"),
        ("CoreWeave", 68, 77, "CoreWeave", "org"),
        ("H100s", 80, 85, "H100", "product"),
    ]
    assert all(m.source == "gazetteer" for m in found)


def test_entities_chinese_substrings_longest_first(no_spacy):
    assert names("据智谱华章与月之暗面披露,国产模型在内蒙古的调用量上升。") == [
        ("智谱华章", "Zhipu AI"), ("月之暗面", "Moonshot AI"), ("国产模型", "Chinese models"),
        ("内蒙古", "Inner Mongolia")]
    assert names("中国模型与美国模型的差距") == [("中国模型", "Chinese models"), ("美国模型", "US models")]
    assert names("英伟达H100的租金下降,阿里云跟进。") == [("英伟达H100", "H100"), ("阿里云", "Alibaba")]


def test_entities_latin_names_inside_chinese_text(no_spacy):
    assert names("MiniMax的海外收入占比约七成,CoreWeave扩张。", "zh") == [
        ("MiniMax", "MiniMax"), ("CoreWeave", "CoreWeave")]


@pytest.mark.parametrize(
    "text",
    [
        "The metadata lists every field.",
        "Each lambda function runs for a second.",
        "Let us compare the two; they told us so.",
        "The fund raised US$3bn.",
        "A moonshot project needs a copilot.",
        "Indiana farms and Metaverse demos.",
    ],
)
def test_entities_ambiguous_words_are_not_names(text, no_spacy):
    assert names(text, "en") == []


def test_entities_capitalised_ambiguous_words_are_names(no_spacy):
    assert names("Meta and Lambda signed; US demand rose.", "en") == [
        ("Meta", "Meta"), ("Lambda", "Lambda"), ("US", "United States")]


def test_entities_groups_beat_their_country(no_spacy):
    assert names("Chinese models handled most tokens; US models the rest.", "en") == [
        ("Chinese models", "Chinese models"), ("US models", "US models")]


def test_entities_chinese_text_never_needs_spacy(no_spacy):
    assert names("稀宇科技本轮融资") == [("稀宇科技", "MiniMax")]
    assert [m.name for m in find_entities("稀宇科技本轮融资", ner=True)] == ["MiniMax"]


# The tests below load spaCy once (about 4 s).

def test_entities_ner_adds_organisations_the_gazetteer_lacks():
    found = find_entities("Fabrikam Robotics signed a supply deal with DeepSeek in Berlin.", "en")
    assert [(m.raw, m.name, m.type, m.source) for m in found] == [
        ("Fabrikam Robotics", "Fabrikam Robotics", "org", "ner"),
        ("DeepSeek", "DeepSeek", "lab", "gazetteer"),
        ("Berlin", "Berlin", "region", "ner"),
    ]


def test_entities_gazetteer_beats_ner():
    # spaCy reads MiniMax as a person here, and as an organisation in the second sentence.
    texts = ["DeepSeek and MiniMax both cut prices, while Northwind Power raised them.",
             "MiniMax said its overseas revenue doubled, according to Contoso Analytics."]
    first, second = find_entities_many(texts, "en")
    assert [(m.raw, m.type, m.source) for m in first] == [
        ("DeepSeek", "lab", "gazetteer"), ("MiniMax", "lab", "gazetteer"), ("Northwind Power", "org", "ner")]
    assert [(m.raw, m.source) for m in second] == [("MiniMax", "gazetteer"), ("Contoso Analytics", "ner")]
    assert find_entities(texts[1], "en") == second
