"""Language of a text: English or Chinese, decided by how much of it is written in CJK script.

Cheap and deterministic on purpose: it runs on every passage and every question. It counts
CJK characters against Latin *words* rather than Latin letters, because one Chinese character
carries about as much as one short English word; counting letters would call
"CoreWeave占比约31%" English.
"""
from __future__ import annotations

import re

from miner.model import Language

# Han ideographs (with extensions A and the compatibility block) and Japanese kana: a Japanese
# report is closer to "zh" than to "en" for everything downstream (no spaces between words).
CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def detect_language(text: str) -> Language:
    """'zh' when CJK characters are at least as many as Latin words, else 'en' (also for empty text)."""
    cjk = len(_CJK_CHAR.findall(text))
    if not cjk:
        return "en"
    words = len(_LATIN_WORD.findall(text))
    return "zh" if cjk >= words else "en"
