import pytest

from miner.crosscheck import compatible
from miner.facets import conflict, facets, shared
from miner.model import Claim


@pytest.mark.parametrize("text, expected", [
    ("新增风电装机", {"energy source": {"wind"}}),
    ("added solar capacity", {"energy source": {"solar"}}),
    ("新增风光装机", {"energy source": {"wind", "solar"}}),
    ("风电和光伏合计新增", {"energy source": {"wind", "solar"}}),
    ("offshore wind of wind added", {"energy source": {"wind"}, "siting": {"offshore"}}),
    ("分布式光伏新增", {"energy source": {"solar"}, "solar build": {"distributed"}}),
    ("price of output tokens", {"token direction": {"output"}}),
    ("输入Token价格", {"token direction": {"input"}}),
    ("推理算力需求", {"AI workload": {"inference"}}),
    ("share of tokens", {}),
    ("PV modules shipped", {"energy source": {"solar"}}),
    ("PVC demand", {}),  # "PV" only as a word of its own
])
def test_facets_name_the_members_a_phrase_speaks_of(text, expected):
    assert facets(text) == {g: frozenset(m) for g, m in expected.items()}


def test_conflict_when_both_name_a_group_differently_and_shared_when_alike():
    wind, solar, both = facets("新增风电装机"), facets("added solar capacity"), facets("新增风光装机")
    assert conflict(wind, solar) and conflict(wind, both) and not conflict(wind, facets("wind additions"))
    assert not conflict(wind, facets("新增装机"))  # says nothing of the source
    assert shared(wind, facets("Wind additions")) and not shared(wind, solar)


def claim(metric: str, **kw) -> Claim:
    base = dict(id=metric, quote=metric, value=5.0, unit="kW", raw="5", metric=metric, entity="China",
                period="2025-01/2025-06", document_id=metric)
    return Claim(**{**base, **kw})


def test_claims_of_other_members_never_state_one_fact():
    assert not compatible(claim("新增风电装机"), claim("added solar capacity"))
    assert not compatible(claim("input token price"), claim("output token price"))
    assert compatible(claim("新增风电装机"), claim("wind additions"))
    assert compatible(claim("新增风电装机"), claim("新增装机"))
