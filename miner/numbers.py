"""Numbers as written in reports: the `Number` every reader returns, digits, and Chinese numerals.

Text is first passed through `normalize` (half-width forms, offsets kept). This module reads
digits (`DIGIT_NUMBER`, `digit_value`) and Chinese numerals (`chinese_numbers`); English number
words, and the digit tokens among them, are read by `miner.numwords`. Each `Number` carries its
value with any scale word or suffix applied ("1.5 million", "10k", "5.3万亿", "三千五百万") and
`step`, the place value of its last written digit, from which `miner.quantities` derives a
precision. What a number counts (percent, currency, kWh...) and whether it is a quantity at all
(a year, a section number) is decided there; this module only reads numbers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Number:
    start: int
    end: int
    value: float
    step: float | None = 1.0  # place value of the last written digit, scale applied; None for fractions
    scaled: bool = False  # a scale word or suffix applied: million, k, 万, 亿
    fraction: bool = False  # written as a fraction: two thirds, 3/4, 三分之一
    bare: bool = False  # "half", "quarter" alone: a number only where a share is meant
    script: str = "digits"  # digits | words | zh
    approximate: bool = False  # 二十几万, 二三十
    bound: str | None = None  # 一千多万, 500余万: at_least
    range: tuple[float, float] | None = None  # 二三十 = 20 to 30


# One character for one, so that offsets into the normalized text are offsets into the original.
_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_HALF_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x2009: 0x20, 0x202F: 0x20,
                    0x2212: 0x2D, 0x2012: 0x2D, 0x301C: 0x7E, 0xFFE5: 0xA5})


def normalize(text: str) -> str:
    """Half-width digits, letters, signs and spaces (６１％ → 61%), keeping every offset."""
    return text.translate(_HALF_WIDTH)


# A number in digits. Alternatives are tried in order, so the grouped forms come first; a group
# must be complete (1,234 but not 1,2345). Continental forms: 1.234.567 and 1.234,5. "1,5" is a
# decimal comma only when it is not part of a list such as "22,24,26".
ARABIC = r"""(?:
    \d{1,3}(?:\.\d{3}){2,}(?:,\d+)?(?![\d.]|,\d)
  | \d{1,3}(?:\.\d{3})+,\d+(?![\d.]|,\d)
  | \d{1,2}(?:,\d{2})+,\d{3}(?![\d,])(?:\.\d+)?
  | \d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?
  | (?<!\d,)\d+,\d{1,2}(?![\d,])
  | \d+(?:\.\d+)?
  | (?<![.\d])\.\d+
)"""
_SPACE_GROUPED = r"\d{1,3}(?:\ \d{3})+(?![\d,])(?:\.\d+)?"
VULGAR = {"½": 0.5, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 0.25, "¾": 0.75, "⅕": 0.2, "⅖": 0.4, "⅗": 0.6,
          "⅘": 0.8, "⅙": 1 / 6, "⅚": 5 / 6, "⅛": 0.125, "⅜": 0.375, "⅝": 0.625, "⅞": 0.875}
_V = "".join(VULGAR)
# A digit number with what may be glued to it: a fraction (2 1/4, 3/4, 2½), an exponent (1e10,
# 1.1^23, 1.3x10^6) and a scale suffix (10k, 2.5 M, 3bn). Lowercase m (metres) and T are scales
# only after a currency, which `quantities` decides.
DIGIT_NUMBER = re.compile(
    rf"""(?<![\d])
    (?:(?P<whole>\d{{1,3}})\s+(?=\d+\s*/\s*[1-9]))?
    (?P<core>{_SPACE_GROUPED}|{ARABIC})
    (?:\s*/\s*(?P<den>\d+)(?![\d/.,]) | (?P<vulgar>[{_V}]))?
    (?: (?P<exp>[eE][+-]?\d+)(?![A-Za-z\d])
      | \^(?P<pow>[+-]*\d+)
      | \s*[x×]\s*(?P<base>\d+)\s*(?:\^\s*(?P<bexp>[+-]*\d+)|(?P<bneg>-\d+)) )?
    (?P<sfx>\s*(?:k|K|M)(?![A-Za-z\d])|\s*(?:MM|mil|mln|mn|bln|bn|tln|tn)(?![A-Za-z\d])|[Bb](?![A-Za-z\d]))?
    |(?P<vonly>[{_V}])""",
    re.VERBOSE,
)
SUFFIX_SCALE = {"k": 1e3, "K": 1e3, "M": 1e6, "MM": 1e6, "mil": 1e6, "mln": 1e6, "mn": 1e6,
                "B": 1e9, "b": 1e9, "bn": 1e9, "bln": 1e9, "tn": 1e12, "tln": 1e12}


def digit_value(m: re.Match) -> tuple[float, float | None, bool, bool] | None:
    """(value, step, scaled, fraction) of a DIGIT_NUMBER match; None for "1/0" and overflows."""
    if m["vonly"]:
        return VULGAR[m["vonly"]], None, False, True
    core = m["core"]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}|\d+,\d{1,2}", core):
        core = core.replace(".", "").replace(",", ".")
    else:
        core = core.replace(",", "").replace(" ", "")
    value = float(core)
    decimals = len(core) - core.index(".") - 1 if "." in core else 0
    step: float | None = 10.0 ** -decimals
    fraction = False
    if m["den"]:
        if "." in core or int(m["den"]) == 0:
            return None
        value, step, fraction = value / int(m["den"]) + int(m["whole"] or 0), None, True
    elif m["vulgar"]:
        value, step, fraction = value + VULGAR[m["vulgar"]], None, True
    try:
        if m["exp"]:
            exp = int(m["exp"][1:])
            value, step = value * 10.0 ** exp, step * 10.0 ** exp
        elif m["pow"]:
            digits = m["pow"].lstrip("+-")
            sign = -1 if m["pow"][: len(m["pow"]) - len(digits)].count("-") % 2 else 1
            value, step = value ** (sign * int(digits)), None
        elif m["base"]:
            exp = int((m["bexp"] or m["bneg"]).replace("+", ""))
            factor = float(m["base"]) ** exp
            value, step = value * factor, step * factor
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    scaled = False
    if m["sfx"]:
        factor = SUFFIX_SCALE[m["sfx"].strip()]
        value, scaled = value * factor, True
        step = step * factor if step is not None else None
    return value, step, scaled, fraction


# --- Chinese numerals -------------------------------------------------------------------------
ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "壹": 1, "二": 2, "两": 2, "兩": 2, "倆": 2, "贰": 2,
             "貳": 2, "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
             "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
ZH_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
ZH_BIG = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "兆": 1e12}
_KIND = {**{c: "d" for c in ZH_DIGITS}, "零": "z", "〇": "z", **{c: "u" for c in ZH_SMALL},
         **{c: "U" for c in ZH_BIG}, "点": "p", "點": "p", "几": "j", "幾": "j", "多": "m", "余": "m",
         "餘": "m", "半": "h", "负": "s", "負": "s"}
# 千 and 兆 are also metric prefixes (千瓦 kW, 兆瓦 MW, 千克 kg): there they are not numerals.
_ZH_CHAR = r"(?:[千仟](?![瓦克米卡焦伏帕赫])|兆(?![瓦焦伏帕赫字比])|[零〇一幺壹二两兩倆贰貳三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰万萬亿億半负負])"
_ZH_MORE = r"(?:[点點几幾多余餘])"
_ZH_RUN = re.compile(rf"(?:{ARABIC}|{_ZH_CHAR})(?:[ ]*(?:{ARABIC}|{_ZH_CHAR}|{_ZH_MORE}))*", re.VERBOSE)
_ZH_TOKEN = re.compile(rf"(?P<n>{ARABIC})|(?P<c>{_ZH_CHAR}|{_ZH_MORE})", re.VERBOSE)
# Words that hold a numeral without being a number: 一切 (all), 十分 (very), 四川 (a province).
_ZH_NOT_NUMBER = re.compile(
    r"[一壹]切|一些|一样|一樣|一起|一直|一般|一定|一旦|一致|一下|一边|一同|一律|一再|一向|一概|一贯|一时|"
    r"一体|一流|一线|一看|一方面|一系列|一带一路|一经|一并|一心|一味|一举|统一|唯一|(?<![分\s])之一|"
    r"进一步|同一|单一|逐一|不一|十分(?![之钟])|十足|万分(?!之)|千万(?=[不别要])|四川|两两|两岸|两会|"
    r"三星|三峡|九州|五金|百货|百度|千问|万达|(?<![零〇一二两三四五六七八九十百千点點\d ])(?:万一|一一|[数上几](?=[十百千万亿]))|[上下任其某]一(?![\d零〇一二两三四五六七八九十百千万亿])"
)
# Alone, 百 and 千 are words (百货, 千瓦) and 陆 伍 拾 肆 too (陆地, 队伍, 拾取, 放肆), except after 分之.
_WORDS_ALONE = set("陆陸伍拾肆百佰千仟")
_AFTER_OF = re.compile(r"分\s*之\s*$")
_DOZEN = re.compile(r"打(?![对對折零一二两三四五六七八九\d])")


@dataclass(slots=True)
class _ZhTok:
    kind: str  # d digit, z zero, n Arabic number, u 十百千, U 万亿兆, p 点, j 几, m 多余, h 半, s 负
    value: float
    start: int
    end: int
    step: float = 1.0
    char: str = ""


def _zh_tokens(text: str, start: int, end: int) -> list[_ZhTok]:
    out = []
    for m in _ZH_TOKEN.finditer(text, start, end):
        if m["n"]:
            core = m["n"].replace(",", "")
            decimals = len(core) - core.index(".") - 1 if "." in core else 0
            out.append(_ZhTok("n", float(core), m.start(), m.end(), 10.0 ** -decimals))
        else:
            c = m["c"]
            value = ZH_DIGITS.get(c, ZH_SMALL.get(c, ZH_BIG.get(c, 0)))
            out.append(_ZhTok(_KIND[c], value, m.start(), m.end(), char=c))
    return out


def _parse_zh(toks: list[_ZhTok], i: int) -> tuple[Number | None, int]:
    """Read one Chinese numeral starting at toks[i]: (the number or None, index to resume at).

    Units stack up: 十百千 multiply the digit before them; 万亿兆 multiply everything since the last
    larger unit (一万五千亿 = 1.5e12, 五兆六十二亿 = 5e12 + 6.2e9). A digit after a unit with
    nothing between stands for the next lower place (一万三 = 13000, 两千三百五 = 2350).
    """
    n = len(toks)
    sign, j = 1, i
    if toks[j].kind == "s":
        if j + 1 >= n or toks[j + 1].kind not in "dnuz":
            return None, i + 1
        sign, j = -1, j + 1
    first = j
    stack: list[list[float]] = []  # [amount, level]
    pending: float | None = None
    pending_step = 1.0
    pending_small = False  # a single written digit, which may stand for a lower place
    zero = False
    last_small: float | None = None
    step = 1.0
    approximate, bound = False, None
    low_digit: float | None = None  # 二三十: the first digit of an approximate range
    end = j
    while j < n:
        t = toks[j]
        k = t.kind
        if k in "dn":
            if pending is not None:
                prev = toks[j - 1]
                if (prev.kind == "d" and k == "d" and not stack and low_digit is None and t.value == pending + 1
                        and j + 1 < n and toks[j + 1].kind in "uU"):
                    low_digit = pending
                elif prev.kind == "d" and k == "d":
                    return None, _skip_digit_string(toks, j)
                else:
                    break
            pending, pending_step = t.value, t.step
            pending_small = k == "d" or (t.value < 10 and t.value == int(t.value))
        elif k == "z":
            if pending is not None:
                if toks[j - 1].kind == "d":
                    return None, _skip_digit_string(toks, j)
                break
            if j == first and j + 1 < n and toks[j + 1].kind == "p":
                pending, pending_small = 0.0, True
            zero = True
        elif k == "u":
            if pending is None:
                if stack and not zero:
                    break
                pending, pending_step, pending_small = 1.0, 1.0, True
            if last_small is not None and t.value >= last_small:
                break
            stack.append([pending * t.value, t.value])
            step = pending_step * t.value
            pending, last_small, zero = None, t.value, False
        elif k == "U":
            lower = 0.0
            popped = False
            while stack and stack[-1][1] < t.value:
                lower += stack.pop()[0]
                popped = True
            if pending is not None:
                lower += pending
                step = pending_step
            elif not popped:
                if stack and stack[-1][1] == t.value:  # 万万 = 亿
                    stack[-1] = [stack[-1][0] * t.value, t.value * t.value]
                    step *= t.value
                    end, j = t.end, j + 1
                    continue
                break
            stack.append([lower * t.value, t.value])
            step *= t.value
            pending, last_small, zero = None, None, False
        elif k == "p":  # 点: the digits after it are read one by one, and 两 is never one of them
            digits = []
            q = j + 1
            while q < n and toks[q].kind in "dz" and toks[q].char not in "两兩倆":
                digits.append(str(int(toks[q].value)))
                q += 1
            if not digits or (pending is None and not stack):
                break
            whole, _ = _collapse(stack, pending, pending_small, zero, step, pending_step)
            stack, zero, last_small = [], False, None
            pending = whole + int("".join(digits)) / 10 ** len(digits)
            pending_step, pending_small = 10.0 ** -len(digits), False
            end, j = toks[q - 1].end, q
            continue
        elif k == "j":
            if pending is not None or not stack:
                break
            pending, pending_step, pending_small, approximate = 0.0, 1.0, False, True
        elif k == "m":
            if bound or (pending is None and not stack) or (pending is not None and toks[j - 1].kind != "n"):
                break
            bound = "at_least"
        elif k == "h":  # 半 opens a number only in 半百 (fifty)
            if j != first or j + 1 >= n or toks[j + 1].value != 100:
                break
            pending, pending_step, pending_small = 0.5, 1.0, False
        else:
            break
        end = t.end
        j += 1
    if pending is None and not stack:
        return None, max(j, i + 1)
    value, step = _collapse(stack, pending, pending_small, zero, step, pending_step)
    chars = [t for t in toks[first:j] if t.end <= end]
    if all(t.kind == "U" for t in chars) or (sign > 0 and all(t.kind == "n" for t in chars)):
        return None, j
    rng = None
    if low_digit is not None:
        high = value
        low = value * low_digit / (low_digit + 1)
        rng, value, approximate = (sign * low, sign * high), (low + high) / 2, True
    start = toks[i].start
    return Number(start, end, sign * value, step, scaled=any(t.kind == "U" for t in chars), script="zh",
                  approximate=approximate, bound=bound, range=rng), j


def _collapse(stack: list[list[float]], pending: float | None, pending_small: bool, zero: bool, step: float,
              pending_step: float) -> tuple[float, float]:
    """(value, step) of what has been read: the stacked amounts plus the digit still pending."""
    total = sum(a for a, _ in stack)
    if pending is None:
        return total, step
    if pending_small and not zero and stack and stack[-1][1] >= 100 and pending == int(pending):
        place = stack[-1][1] / 10  # 一千陆 = 1600: the digit stands for the next lower place
        return total + pending * place, place
    return total + pending, pending_step


def _skip_digit_string(toks: list[_ZhTok], j: int) -> int:
    """Digits read one by one (二〇二六, 九九) name years or brands, not amounts: skip them all."""
    while j < len(toks) and toks[j].kind in "dz":
        j += 1
    return j


def chinese_numbers(text: str) -> list[Number]:
    """Chinese numerals, alone or mixed with digits (5.3万亿, 1,100.9亿, 3万4000, 三点五)."""
    blocked = [m.span() for m in _ZH_NOT_NUMBER.finditer(text)]
    out = []
    for run in _ZH_RUN.finditer(text):
        toks = _zh_tokens(text, run.start(), run.end())
        i = 0
        while i < len(toks):
            number, i = _parse_zh(toks, i)
            if number and not any(s < number.end and number.start < e for s, e in blocked) and (
                    text[number.start:number.end] not in _WORDS_ALONE or _AFTER_OF.search(text, max(0, number.start - 6), number.start)):
                if _DOZEN.match(text, number.end):  # 十打 = ten dozen
                    number = replace(number, end=number.end + 1, value=number.value * 12, step=None)
                out.append(number)
    return out
