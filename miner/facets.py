"""Facets: the word in a metric phrase that says which of a few mutually exclusive things a figure
is of. "新增风电装机" and "新增光伏装机", "input tokens" and "output tokens", "training" and
"inference" compute are different facts, but their phrases differ in one word, so embeddings put
them close together (cosine 0.8 and more with USE-m), and the answer once gave the solar figure
for a question about wind. Each group lists the members an analyst keeps apart, in English and
Chinese; a phrase may name several ("风光" is wind and solar together, a total of both).
"""
from __future__ import annotations

import functools
import re

GROUPS: dict[str, dict[str, str]] = {
    "energy source": {
        "wind": r"wind|风电|风能|风力|风光",
        "solar": r"solar|photovoltaic|\bPV\b|光伏|太阳能|风光",
        "hydro": r"hydro|水电",
        "nuclear": r"nuclear|核电",
        "coal": r"\bcoal|煤电|燃煤",
        "gas": r"natural gas|gas-fired|气电|燃气",
    },
    "siting": {"offshore": r"offshore|海上", "onshore": r"onshore|陆上"},
    "solar build": {"distributed": r"distributed|rooftop|分布式", "utility-scale": r"utility-scale|centrali[sz]ed|集中式"},
    "token direction": {"input": r"\binput|输入", "output": r"\boutput|输出"},
    "AI workload": {"training": r"\btraining|训练", "inference": r"\binference|推理"},
}
_PATTERNS = {group: {member: re.compile(p, re.I) for member, p in members.items()} for group, members in GROUPS.items()}

Facets = dict[str, frozenset[str]]


@functools.lru_cache(maxsize=65536)
def facets(text: str) -> Facets:
    """Each group the text names members of, with the members it names."""
    found = {group: frozenset(m for m, p in members.items() if p.search(text)) for group, members in _PATTERNS.items()}
    return {group: members for group, members in found.items() if members}


def conflict(a: Facets, b: Facets) -> bool:
    """Both name a group, and not the same members of it: wind against solar, or against wind and solar."""
    return any(group in b and b[group] != members for group, members in a.items())


def shared(a: Facets, b: Facets) -> bool:
    """Both name the same members of some group."""
    return any(b.get(group) == members for group, members in a.items())
