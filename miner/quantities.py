"""text → [Quantity]: every figure a text states, in the canonical units of CONTRACT.md.

Three steps:
1. read the numbers: digits and English words (`miner.numwords`), Chinese numerals (`miner.numbers`);
2. drop the numbers that are not quantities: years and dates, times, citation markers [4],
   section/page/table/figure/version labels, model names (GPT-4, Llama 3.1), phone numbers,
   IP addresses and other dotted or dashed codes, identifiers glued to letters (H100, Q3, FY2025,
   1H26, 5G, 3rd), ordinals (第3章), enumerations ((1), 一、);
3. dress each number with what is written around it: a currency before or after it (with a
   price denominator, see `miner.units`), a unit (%, pp, kWh, kW, tokens, x), a Chinese share word
   (四成, 八折, 百分之, 千分之), qualifiers (approximate; bound at_least / at_most); then merge
   neighbours into ranges ("20–30%", "between 30% and 40%", "2至3倍", "1.5-2万亿": the value is the
   midpoint) and shares ("one in five" = 20%).

Conventions:
- a span covers the number with its currency, unit and share words, not its qualifiers:
  "about $3bn" → raw "$3bn", approximate; "约四成" → raw "四成".
- fractions are shares (unit %) where a share is meant: "a third of", "close to half",
  "one in five", "三分之一的"; elsewhere plain numbers ("two thirds" = 0.667, "1/2").
- precision is half the step of the last written digit, in canonical units (61% → 0.5,
  8.7 trillion → 5e10, 四成 → 5); a range takes its upper end's; None for fractions.
- percentage points are "pp", never "%": 3个百分点 = 3 pp; 50 bps = 0.5 pp.
- prices are `CCY/<unit>` with the denominator unscaled ($0.50 per million tokens = 5e-7
  USD/token), see `miner.units`; measurement units outside CONTRACT.md's table keep their symbol
  (2,000 km → 2000 km, 80GB → 80 GB).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from miner.lang import detect_language
from miner.model import Quantity
from miner.numbers import ZH_DIGITS, Number, chinese_numbers, normalize
from miner.numwords import english_numbers
from miner.units import (
    APPROX_AFTER, APPROX_BEFORE, AT_LEAST_AFTER, AT_LEAST_BEFORE, AT_MOST_AFTER, AT_MOST_BEFORE,
    CURRENCY_AFTER, CURRENCY_BEFORE, CURRENCY_SCALE, PER_AFTER, PER_BEFORE, UNIT_AFTER, currency_code,
    per_unit, unit_after,
)


@dataclass(frozen=True, slots=True)
class _Item:
    start: int
    end: int
    value: float
    unit: str
    step: float | None
    approximate: bool = False
    bound: str | None = None
    range: tuple[float, float] | None = None
    number: Number | None = None  # the number read, for merging ranges and shares
    factor: float = 1.0  # from the number's value to `value`


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
          r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?(?![a-z])")
# Spans whose digits are not quantities.
_NOT_QUANTITY = re.compile(  # the lookahead skips the positions no alternative can start at, for speed
    rf"""(?=[\d\[【(+一二三四五六七八九十零两JFMASOND])(?:\[\s*\d+(?:\s*[,–—-]\s*\d+)*\s*\] | 【\s*\d+\s*】
  | (?<![\d.])(?!\d{{1,3}}(?:\.\d{{3}}){{2,}}(?![\d.]))\d+(?:\.\d+){{2,}}(?!\d)
  | (?<![\d-])\d+(?:\s?[-/]\s?\d+){{2,}}
  | \+\d[\d\s()-]{{6,}}\d | \(\d{{3}}\)\s*\d{{3}}[-\s]\d{{4}}
  | (?<!\d)(?:19|20)\d{{2}}\s*[-–/]\s*(?:(?:19|20)?\d{{2}})(?![\d%])
  | (?<!\d)\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*(?i:[ap]\.?m)\.?)?
  | (?<![\d.])\d{{1,2}}(?:\.\d{{2}})?\s*(?i:[ap]\.?m\.?)(?![A-Za-z])
  | (?<![A-Za-z]){_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?![\d,.]\d)(?:,?\s*\d{{4}})?
  | (?<![\d.])\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}
  | (?<![\d.])\d{{4}}\s*年 | (?<![\d.])\d{{2}}\s*年代 | (?<![\d.])\d{{1,2}}\s*[-–~至到]\s*\d{{1,2}}\s*月 | (?<![\d.个個])\d{{1,2}}\s*月 | (?<![\d.])\d{{1,2}}\s*[日号](?!元)
  | (?<![个個第零〇一二两三四五六七八九十])[一二三四五六七八九十]{{1,3}}\s*月 | [一二三四五六七八九十]{{1,3}}[日号](?!元)
  | (?<![\d.])\d{{1,2}}\s*[点點时時](?![ ]*[\d零〇一二两兩三四五六七八九半]) | [一二三四]\s*季度 | \d\s*季度
  | [零一二两三四五六七八九十]{{1,3}}[点點](?![ ]*[\d零〇一二两兩三四五六七八九])
  | \(\s*(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*\) | ^\d{{1,2}}[.)](?=\s+\S) | (?:^|(?<=[\n。；;]))[一二三四五六七八九十]{{1,3}}、)
""",
    re.VERBOSE,
)
_LINKS = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+")
# Labels and names a number belongs to: "Section 4.2", "page 17", "第3章", "图2", "GPT-4", "Llama 3.1".
_LABEL_BEFORE = re.compile(
    r"""(?=[A-Za-z§\#第图表圖文通豆混昇鲲麒骁])(?:(?<![A-Za-z])(?i:sections?|sec\.|chapters?|chap\.|ch\.|pages?|pg\.|
        p\.|pp\.|tables?|tab\.|figures?|fig\.|figs\.|exhibits?|charts?|appendix|annex|footnotes?|notes?|parts?|
        items?|articles?|art\.|clauses?|paragraphs?|para\.|version|ver\.|v\.|release|rev\.|revision|vol\.|volume|issue|no\.|nos\.|steps?|phase|tier|level|gen|
        generation|series|slides?|rows?|columns?|col\.|questions?|box|scenario|option|equation|eq\.|ref\.|
        references?|lines?)
      | (?<![A-Za-z])(?:GPT|Llama|LLaMA|Claude|Gemini|Gemma|Qwen|DeepSeek|Mistral|Mixtral|Phi|Grok|Kimi|GLM|
        ChatGLM|ERNIE|Baichuan|Yi|Doubao|Hunyuan|PaLM|Falcon|Ascend|Kirin|Snapdragon|iPhone|Pixel|Galaxy|
        Windows|macOS|iOS|Android|Python|Java|HTTP|USB|PCIe|LPDDR|DDR|HBM|Wi-?Fi|Bluetooth|Model|Tesla)\s?-?v?
      | [A-Z][A-Za-z]*- | 文心|通义|豆包|混元|昇腾|鲲鹏|麒麟|骁龙 | §|\#|第|[图表圖])
    \s*(?:\d+[a-z]?(?:\.\d+)*\s*(?:-|–|—|,|and|to|&)\s*)*$""",
    re.VERBOSE,
)
_OF = re.compile(r"[ ]*分[ ]*之[ ]*")
_AND_ZH = re.compile(r"[ ]*又[ ]*")
_UNITS_ONLY = re.compile(r"[负負]?[百佰千仟万萬亿億 ]+")
_PERCENT_BEFORE = re.compile(
    r"(?=[负負百佰千仟万萬亿億A-Za-z])(?:(?P<neg>[负負][ ]*)?(?<![零〇一二两兩三四五六七八九十百佰千仟万萬亿億\d])"
    r"(?P<zh>(?:[百佰千仟万萬亿億][ ]*){1,3})分[ ]*之"
    r"|(?<![A-Za-z])(?i:percents?|per\s?cents?)\s+of)\s*$"
)
_ZH_UNIT = {"百": 100, "佰": 100, "千": 1e3, "仟": 1e3, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_ENDS_WITH_NUMBER = re.compile(r"(?:\d|(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|teen|"
                               r"ty|hundred|thousand|million|billion|trillion))\s*$")
_PARENS_BEFORE = re.compile(r"\(\s*$")
_PARENS_AFTER = re.compile(r"\s*\)")
_SHARE_OF = re.compile(r"(?i)\s+of\b(?!\s+(?:the\s+)?(?:year|fiscal|decade|century|month|quarter|\d{4}))")
_PERIOD_HALF = re.compile(r"(?i)(?:first|second|third|fourth|last|latter|former|back|front|other|top|bottom|final)\s*$")
_SHARE_IN = re.compile(r"(?i)\s+(?:out\s+of|in)\s+")
_RANGE_SEP = re.compile(r"(?i)\s*(?:-\s*)?(?:-|–|—|~|to|至|到)\s*|\s+and\s+")
_SCALE_END = re.compile(r"(?:[万萬亿億兆][ ]*)+$|(?i:thousand|million|billion|trillion|lakh|crore|k|m|mm|mn|mil|mln|"
                        r"bn|bln|b|tn|tln)$")
_SCALE_WORDS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "mn": 1e6, "mil": 1e6,
                "mln": 1e6, "billion": 1e9, "b": 1e9, "bn": 1e9, "bln": 1e9, "trillion": 1e12, "tn": 1e12,
                "tln": 1e12, "lakh": 1e5, "crore": 1e7}
_YEAR_BEFORE = re.compile(r"(?i)(?<![A-Za-z])(?:in|by|since|from|to|until|till|through|during|before|after|of|"
                          r"early|late|mid|end|year|fiscal|FY|and|between)\s*$")
_COUNT_AFTER = re.compile(r"\s+(?!years\b)[a-z]+s\b|\s*[个個家名台座项項人位款辆輛件条條种種]")
# Chinese share words: 四成 (40%), 三成五 (35%), 八折 (80% of the price), 七五折 (75%), 打对折, 一半.
_ZH_DIGIT = "零一二两兩三四五六七八九壹贰貳叁肆伍陆陸柒捌玖"
_NOT_BEFORE = r"(?<![\d.零〇一二两兩三四五六七八九十百千万亿点點壹贰貳叁肆伍陆陸柒捌玖拾佰仟萬億])"
_CHENG = re.compile(
    rf"{_NOT_BEFORE}(?P<n>\d+(?:\.\d+)?|[{_ZH_DIGIT}十拾](?:[ ]*[点點][ ]*[{_ZH_DIGIT}])?|半)[ ]*成"
    rf"(?![本立功为為交员員长長熟果绩績都型分不])(?:[ ]*(?P<m>[{_ZH_DIGIT}\d](?![\d{_ZH_DIGIT}十百千万亿点.])|半))?"
)
_ZHE = re.compile(
    rf"{_NOT_BEFORE}(?:(?P<a>[一二三四五六七八九\d])[ ]*(?P<b>[零一二三四五六七八九\d])"
    rf"|(?P<n>\d(?:\.\d+)?|[{_ZH_DIGIT}](?:[ ]*[点點][ ]*[{_ZH_DIGIT}])?))[ ]*折(?![合算旧舊叠疊扣射线線腾騰])"
    r"|(?<=打)(?P<dui>对折|對折)|(?P<half>半折)"
)
_ZH_HALF = re.compile(r"(?<![上下前后後])一半|半数|百分之百|百分百")
_MULTIPLE_WORD = re.compile(r"(?i)(?<![A-Za-z-])(?:twice|thrice|(?P<w>two|three|four|five|six|seven|eight|nine|ten|"
                            r"twenty|hundred)fold)(?![A-Za-z])")
_FOLD = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
         "twenty": 20, "hundred": 100}


def find_quantities(text: str, lang: str | None = None) -> list[Quantity]:
    """Every quantity in `text`, sorted by start and without overlaps; spans are offsets into `text`.

    `lang` ("en", "zh" or None to detect it from the share of CJK script) decides whether Chinese
    numerals are read; digits and English number words are read in both.
    """
    if not text:
        return []
    norm = normalize(text)
    language = lang or detect_language(text)
    items = [item for n in _numbers(norm, language) if (item := _dress(norm, n))]
    items = _overlay(items, _share_words(norm, language))
    items = [i for i in items if not _is_year(norm, i)]
    items = _disjoint(_ranges(norm, _shares(norm, items)))
    return [
        Quantity(raw=text[i.start:i.end], value=_tidy(i.value), unit=i.unit, start=i.start, end=i.end,
                 approximate=i.approximate, bound=i.bound,
                 range=(_tidy(i.range[0]), _tidy(i.range[1])) if i.range else None,
                 precision=_tidy(i.step / 2) if i.step else None)
        for i in items
    ]


def _tidy(x: float) -> float:
    """Drop binary noise (0.1 * 3 = 0.30000000000000004) while keeping 15 significant digits."""
    return float(f"{x:.15g}")


def _numbers(text: str, lang: str) -> list[Number]:
    found = english_numbers(text)
    if lang == "zh":
        found += chinese_numbers(text)
    if not found:
        return []
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    blocked = [m.span() for m in _NOT_QUANTITY.finditer(text)]
    if "@" in text or "://" in text or "www." in text:
        blocked += [m.span() for m in _LINKS.finditer(text)]
    kept: list[Number] = []
    for x in found:
        if kept and x.start < kept[-1].end:
            continue
        kept.append(x)
    kept = [x for x in kept if not any(s < x.end and x.start < e for s, e in blocked)
            and not _LABEL_BEFORE.search(text, max(0, x.start - 40), x.start)]
    return _zh_fractions(text, kept) if lang == "zh" else kept


def _zh_fractions(text: str, nums: list[Number]) -> list[Number]:
    """A分之B is B/A (三分之一); W又A分之B adds W (一又二分之一 = 1.5). 百分之五 is left to `_dress`."""
    out: list[Number] = []
    i = 0
    while i < len(nums):
        a = nums[i]
        if i + 1 < len(nums) and _OF.fullmatch(text, a.end, nums[i + 1].start):
            if _UNITS_ONLY.fullmatch(text, a.start, a.end):
                i += 1  # 百万分之五: a share prefix, read with the number after it
                continue
            if a.value:
                b = nums[i + 1]
                value, start = b.value / a.value, a.start
                if out and _AND_ZH.fullmatch(text, out[-1].end, a.start):
                    whole = out.pop()
                    value, start = whole.value + (value if whole.value >= 0 else -value), whole.start
                out.append(Number(start, b.end, value, None, fraction=True, script="zh"))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


_SPAN_ADJECTIVE = re.compile(r"-(?i:year|month|week|day|hour|minute)(?:-old)?(?![A-Za-z])")


def _glued(text: str, k: int) -> bool:
    return 0 <= k < len(text) and text[k].isascii() and text[k].isalpha()


def _dress(text: str, n: Number) -> _Item | None:
    """The quantity a number states, read from the words around it; None when it is an identifier."""
    s, e = n.start, n.end
    value, step, scaled = n.value, n.step, n.scaled
    start, lo = s, s
    currency: str | None = None
    per: tuple[str, float] | None = None
    percent: float | None = None
    approximate, bound = n.approximate, n.bound
    while True:  # peel what stands before the number, innermost first
        window = max(0, lo - 30)
        if currency is None and (m := CURRENCY_BEFORE.search(text, window, lo)):
            currency, start, lo = currency_code(m.group()), m.start(), m.start()
        elif per is None and (m := PER_BEFORE.search(text, window, lo)):
            per, start, lo = per_unit(m), m.start(), m.start()
        elif percent is None and (m := _PERCENT_BEFORE.search(text, window, lo)) and (
                m["zh"] or not _ENDS_WITH_NUMBER.search(text, max(0, m.start() - 12), m.start())):
            percent, start, lo = _percent_factor(m["zh"]), m.start(), m.start()
            value = -value if m["neg"] else value  # 负百分之五
        elif q := _qualifier_before(text, window, lo, approximate, bound):
            kind, lo = q
            if kind == "approximate":
                approximate = True
            else:
                bound = kind
        else:
            break
    if _glued(text, s - 1) and not (currency and start < s):
        return None  # H100, Q3, FY2025, Qwen3
    pos = e
    if currency and not scaled and (m := CURRENCY_SCALE.match(text, pos)):
        f = 1e6 if m["m"] else 1e12
        value, step, scaled, pos = value * f, step * f if step else None, True, m.end()
    if percent is None and (m := CURRENCY_AFTER.match(text, pos)) and currency in (None, currency_code(m.group())):
        currency, pos = currency_code(m.group()), m.end()  # 30亿元, and 人民币30亿元 written twice
    unit, factor = "", 1.0
    if percent is not None:
        unit, factor = "%", percent
    elif currency:
        unit = currency
        if per is None and (m := PER_AFTER.match(text, pos)):
            per, pos = per_unit(m), m.end()
        if per:
            unit, factor = f"{currency}/{per[0]}", 1 / per[1]
    elif (m := UNIT_AFTER.match(text, pos)) and (read := unit_after(m, scaled)):
        (unit, factor), pos = read, m.end()
    if pos == e and _glued(text, e):
        return None  # 3D, 5G, 180ml, 1990s, 4th
    if pos == e and _SPAN_ADJECTIVE.match(text, e):
        return None  # "a 20-year deal", "a 12-month high": how long, not how much
    if (n.fraction or n.bare) and not unit:
        if n.bare and _PERIOD_HALF.search(text, max(0, s - 12), s):
            return None  # "the first half" is a period
        if approximate or bound or _SHARE_OF.match(text, pos) or (n.script == "zh" and text.startswith("的", pos)):
            unit, factor, step = "%", 100.0, None
        elif n.bare:
            return None
    # Accounting writes a loss as (1,200) or ($1.2m); a measure in brackets, "(930,000 mi)", is
    # a conversion or an aside, never a negative.
    if value > 0 and (currency or (not unit and re.search(r"[.,]", text[s:e]))) and (
            m := _PARENS_BEFORE.search(text, max(0, start - 4), start)) and (p := _PARENS_AFTER.match(text, pos)):
        value, start, pos = -value, m.start(), p.end()  # accounting: (1,200)
    approximate, bound = _after_qualifiers(text, pos, approximate, bound)
    rng = (n.range[0] * factor, n.range[1] * factor) if n.range else None
    return _Item(start, pos, value * factor, unit, step * factor if step else None, approximate, bound, rng, n, factor)


def _percent_factor(zh: str | None) -> float:
    """百分之 → 1, 千分之 → 0.1, 万分之 → 0.01, 百万分之 → 1e-4; "percent of" → 1."""
    if not zh:
        return 1.0
    denominator = 1.0
    for c in zh.replace(" ", ""):
        denominator *= _ZH_UNIT[c]
    return 100 / denominator


def _after_qualifiers(text: str, pos: int, approximate: bool, bound: str | None) -> tuple[bool, str | None]:
    approximate = approximate or bool(APPROX_AFTER.match(text, pos))
    if not bound:
        bound = "at_least" if AT_LEAST_AFTER.match(text, pos) else "at_most" if AT_MOST_AFTER.match(text, pos) else None
    return approximate, bound


def _qualifier_before(text: str, window: int, lo: int, approximate: bool, bound: str | None
                      ) -> tuple[str, int] | None:
    """The qualifier ending right before `lo`: (approximate | at_least | at_most, its start).
    The longest wins, so that "no more than" is at_most although it ends with "more than"."""
    found = []
    if not approximate and (m := APPROX_BEFORE.search(text, window, lo)):
        found.append((m.start(), "approximate"))
    if not bound:
        for kind, rx in (("at_least", AT_LEAST_BEFORE), ("at_most", AT_MOST_BEFORE)):
            if m := rx.search(text, window, lo):
                found.append((m.start(), kind))
    if not found:
        return None
    start, kind = min(found)
    return kind, start


def _qualified(text: str, start: int, end: int, value: float, unit: str, step: float | None) -> _Item:
    """An item read from a word (四成, twice), with the qualifiers around it."""
    approximate, bound, lo = False, None, start
    while q := _qualifier_before(text, max(0, lo - 30), lo, approximate, bound):
        kind, lo = q
        if kind == "approximate":
            approximate = True
        else:
            bound = kind
    approximate, bound = _after_qualifiers(text, end, approximate, bound)
    return _Item(start, end, value, unit, step, approximate, bound)


def _zh_value(written: str) -> float:
    """A one-digit Chinese or Arabic number, maybe with a decimal: 七, 6.5, 六点五, 十, 半."""
    w = written.replace(" ", "").replace("點", "点")
    if w == "半":
        return 0.5
    if w in ("十", "拾"):
        return 10.0
    if "点" in w:
        a, b = w.split("点")
        return ZH_DIGITS[a] + ZH_DIGITS[b] / 10
    return float(w) if w[0].isdigit() else float(ZH_DIGITS[w])


def _share_words(text: str, lang: str) -> list[_Item]:
    out = []
    for m in _MULTIPLE_WORD.finditer(text):
        word = m.group().lower()
        value = 2 if word == "twice" else 3 if word == "thrice" else _FOLD[m["w"].lower()]
        out.append(_qualified(text, m.start(), m.end(), value, "x", 0.5))
    if lang != "zh":
        return out
    for m in _CHENG.finditer(text):
        n = _zh_value(m["n"])
        extra = 0.0 if not m["m"] else 5.0 if m["m"] == "半" else _zh_value(m["m"])
        if n <= 10 and not (n == 10 and extra):
            step = 1.0 if m["m"] or n != int(n) else 10.0
            out.append(_qualified(text, m.start(), m.end(), n * 10 + extra, "%", step))
    for m in _ZHE.finditer(text):
        if m["dui"] or m["half"]:
            value, step = 50.0, 10.0
        elif m["a"]:
            value, step = _zh_value(m["a"]) * 10 + _zh_value(m["b"]), 1.0
        else:
            n = _zh_value(m["n"])
            value, step = n * 10, 1.0 if n != int(n) else 10.0
        if 0 < value < 100:
            out.append(_qualified(text, m.start(), m.end(), value, "%", step))
    for m in _ZH_HALF.finditer(text):
        out.append(_qualified(text, m.start(), m.end(), 100.0 if "百" in m.group() else 50.0, "%", None))
    return out


def _overlay(items: list[_Item], words: list[_Item]) -> list[_Item]:
    """Share words win over the bare numbers inside them (四成 over 四)."""
    if not words:
        return items
    kept = [i for i in items if not any(w.start < i.end and i.start < w.end for w in words)]
    words = sorted(words, key=lambda w: w.start)
    merged = []
    for w in words:
        if not merged or w.start >= merged[-1].end:
            merged.append(w)
    return sorted(kept + merged, key=lambda i: i.start)


def _disjoint(items: list[_Item]) -> list[_Item]:
    """Two numbers may claim the same currency word (5美元 美元3): the first keeps it."""
    out: list[_Item] = []
    for i in items:
        if not out or i.start >= out[-1].end:
            out.append(i)
    return out


def _is_year(text: str, item: _Item) -> bool:
    n = item.number
    if item.unit or n is None or n.scaled or n.script != "digits" or n.fraction:
        return False
    if not re.fullmatch(r"\d{4}", text[item.start:item.end]) or not 1800 <= n.value <= 2199:
        return False
    if _YEAR_BEFORE.search(text, max(0, item.start - 24), item.start):
        return True
    return not _COUNT_AFTER.match(text, item.end)  # "2000 engineers" is a count


def _shares(text: str, items: list[_Item]) -> list[_Item]:
    """"one in five", "two out of three": a share of a whole."""
    out, i = [], 0
    while i < len(items):
        a = items[i]
        if i + 1 < len(items) and (m := _SHARE_IN.fullmatch(text, a.end, items[i + 1].start)):
            b = items[i + 1]
            out_of = "out" in m.group().lower()
            plain = not a.unit and not b.unit and a.number and b.number and not a.number.fraction
            if plain and 0 < a.value < b.value and (out_of or (b.value < 1000 and (
                    a.value <= 10 or a.number.script == "words"))):
                out.append(_Item(a.start, b.end, a.value / b.value * 100, "%", None, a.approximate, a.bound))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _ranges(text: str, items: list[_Item]) -> list[_Item]:
    out, i = [], 0
    while i < len(items):
        if i + 1 < len(items) and (r := _range(text, items[i], items[i + 1])):
            out.append(r)
            i += 2
            continue
        out.append(items[i])
        i += 1
    return out


def _range(text: str, a: _Item, b: _Item) -> _Item | None:
    """"20–30%", "between 30% and 40%", "2至3倍", "$3-5bn", "1.5-2万亿": one quantity at the midpoint."""
    m = _RANGE_SEP.fullmatch(text, a.end, b.start)
    if not m or a.range or b.range or a.number is None or b.number is None or a.number.fraction or b.number.fraction:
        return None
    word = m.group().strip().lower()
    if word in ("-", "–", "—", "~") and "words" in (a.number.script, b.number.script):
        return None  # "three-four" is not how a range is written in words
    before = text[max(0, a.start - 20):a.start]
    if word == "and" and not re.search(r"(?i)between\s*(?:about\s+|around\s+)?$", before):
        return None
    if re.search(r"(?i)(?:from|从|由)\s*$", before):
        return None  # "from 20% to 30%" is a change, not a range
    if a.unit == b.unit:
        low, high, unit = a.value, b.value, b.unit
        if not a.number.scaled and b.number.scaled:
            low *= _scale_of(text, b.number)
    elif not a.unit:
        low, high, unit = a.number.value * b.factor, b.value, b.unit
        if not a.number.scaled and b.number.scaled:
            low *= _scale_of(text, b.number)
    elif re.fullmatch(r"[A-Z]{3}", a.unit) and b.unit.startswith(a.unit + "/"):
        low, high, unit = a.value * b.factor, b.value, b.unit  # "$0.08 and $0.10 per watt"
    elif not b.unit and re.fullmatch(r"[A-Z]{3}", a.unit) and not a.number.scaled:
        low, high, unit = a.value, b.value * a.factor, a.unit  # "$3-5bn", "$30,000-40,000"
        if b.number.scaled:
            low *= _scale_of(text, b.number)
    else:
        return None
    if not low < high:
        return None
    return _Item(a.start, b.end, (low + high) / 2, unit, b.step, a.approximate or b.approximate, None,
                 (low, high), b.number, b.factor)


def _scale_of(text: str, n: Number) -> float:
    """The scale a number ends with: 1e12 for 2万亿, 1e9 for 5bn."""
    m = _SCALE_END.search(text, n.start, n.end)
    if not m:
        return 1.0
    word = m.group().replace(" ", "")
    if word.lower() in _SCALE_WORDS:
        return _SCALE_WORDS[word.lower()]
    scale = 1.0
    for c in word:
        scale *= {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "兆": 1e12}[c]
    return scale
