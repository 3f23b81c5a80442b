"""What a number counts, as written around it in EN and ZH reports, and the canonical unit for it.

Canonical units follow CONTRACT.md (Units): shares in %, percentage points in pp, money in ISO
4217 codes, energy in kWh, power in kW, multiples in x, tokens in tokens. A price is
`CCY/<unit>` with its denominator in the same canonical unit and without scale, so that prices
written differently compare: "$80 per MWh" is 0.08 USD/kWh, "$0.50 per million tokens" is
5e-7 USD/token, "每小时2.1美元" is 2.1 USD/h.

Patterns anchored with `$` are meant for `search(text, pos, endpos)` on the text before a number;
the others for `match(text, pos)` right after it. All work on `miner.numbers.normalize`d text.
"""
from __future__ import annotations

import re

CURRENCIES = {
    "$": "USD", "US$": "USD", "U.S.$": "USD", "HK$": "HKD", "NT$": "TWD", "S$": "SGD", "A$": "AUD",
    "C$": "CAD", "R$": "BRL", "€": "EUR", "£": "GBP", "¥": "CNY", "₹": "INR", "₩": "KRW",
    "RMB": "CNY", "人民币": "CNY", "元人民币": "CNY", "元": "CNY", "美元": "USD", "美金": "USD", "美刀": "USD",
    "欧元": "EUR", "英镑": "GBP", "日元": "JPY", "港元": "HKD", "港币": "HKD",
    "dollar": "USD", "us dollar": "USD", "u.s. dollar": "USD", "hong kong dollar": "HKD", "hk dollar": "HKD",
    "singapore dollar": "SGD", "australian dollar": "AUD", "canadian dollar": "CAD", "euro": "EUR",
    "pound": "GBP", "pounds sterling": "GBP", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY",
    "rupee": "INR", "won": "KRW", "ruble": "RUB", "rouble": "RUB", "real": "BRL", "reais": "BRL", "rand": "ZAR",
    "peso": "MXN", "franc": "CHF", "swiss franc": "CHF", "块钱": "CNY", "块": "CNY", "₽": "RUB", "₺": "TRY",
    "฿": "THB", "₫": "VND", "₱": "PHP", "₦": "NGN", "₿": "BTC", "bitcoin": "BTC", "卢布": "RUB", "韩元": "KRW",
    "新台币": "TWD", "澳元": "AUD", "加元": "CAD", "瑞士法郎": "CHF", "卢比": "INR", "新加坡元": "SGD",
}
_CODES = "USD|CNY|RMB|EUR|GBP|JPY|HKD|INR|KRW|CHF|SEK|NOK|DKK|AUD|CAD|SGD|TWD|RUB|BRL|ZAR|MXN|TRY|THB|BTC"


def currency_code(written: str) -> str:
    """ISO code for a currency as written: "US$" → USD, "美元" → USD, "euros" → EUR."""
    w = re.sub(r"\s+", " ", written.strip())
    if w in CURRENCIES:
        return CURRENCIES[w]
    if re.fullmatch(_CODES, w):
        return CURRENCIES.get(w, w)
    w = w.lower()
    return CURRENCIES.get(w) or CURRENCIES.get(w[:-1]) or CURRENCIES.get(w.rstrip("s"), "USD")


CURRENCY_BEFORE = re.compile(  # each pattern before a number opens with a lookahead on its first character, for speed
    r"(?=[A-Z$€£¥₹₩₽₺฿₫₱₦₿人美港欧日英])(?:US\$|U\.S\.\s?\$|HK\$|NT\$|S\$|A\$|C\$|R\$|\$|€|£|¥|₹|₩|₽|₺|฿|₫|₱|₦|₿"
    rf"|(?<![A-Za-z])(?:{_CODES})|人民币|美元|港元|港币|欧元|日元|英镑)\s*$"
)
CURRENCY_AFTER = re.compile(
    r"\s*(?:(?i:(?:US|U\.S\.|Hong\s+Kong|HK|Singapore|Australian|Canadian)\s+dollars?|dollars?|euros?|"
    r"pounds?(?:\s+sterling)?|yuan|renminbi|yen|rupees?|(?:swiss\s+)?francs?|pesos?|roubles?|rubles?|reais|rand|"
    r"bitcoins?)(?![A-Za-z])"
    rf"|(?:{_CODES})(?![A-Za-z])|€|₽|元人民币|人民币|美元|美金|美刀|欧元|英镑|日元|港元|港币|新台币|新加坡元|澳元|加元|"
    r"瑞士法郎|卢布|韩元|卢比|块钱|元(?![宇旦素]))"
)
# $5m, $2.174T: scales that read otherwise (metres, tera) after a bare number.
CURRENCY_SCALE = re.compile(r"\s?(?:(?P<m>m)|(?P<t>T|tr))(?![A-Za-z])")

# The denominator of a price, after the amount: "per kWh", "/h", "an hour", "/千瓦时", "每度".
PER_AFTER = re.compile(
    r"""\s*(?:(?i:per|an?|each|every)\s+|/\s*|每\s*)(?:
        (?P<kwh>(?P<ep>[kMGT]?)Wh|(?i:(?P<ewp>kilo|mega|giga|tera)watt[- ]?hours?)|千瓦时|度电?)
      | (?P<h>(?i:(?:GPU|card|chip)[- ]?)?(?i:hours?|hrs?|h)(?![A-Za-z])|卡时|小时)
      | (?P<kw>(?P<pp>[kMG]?)W(?![A-Za-z])|(?i:(?P<pwp>kilo|mega|giga)?watts?)(?![A-Za-z-])|千瓦(?!时)|瓦(?!时))
      | (?P<tok>(?P<tks>(?i:million|thousand|billion|1M|1K|M|K)|1,000,000|1,000|百万|千|万)?\s*(?:个\s*)?
               (?i:(?:input\s+|output\s+)?tokens?)(?![A-Za-z]))
      | (?P<month>(?i:month)(?![A-Za-z])|月)
      | (?P<year>(?i:year|yr|annum)(?![A-Za-z])|年)
      | (?P<day>(?i:day)(?![A-Za-z])|天)
      | (?P<share>(?i:share)(?![A-Za-z])|股)
    )""",
    re.VERBOSE,
)
# The same denominator written before the amount: "每千瓦时0.6元", "每小时2.1美元".
PER_BEFORE = re.compile(
    r"每\s*(?:(?P<kwh>千瓦时|度电?|kWh)|(?P<h>卡时|小时|(?i:GPU)\s*小时)|(?P<kw>千瓦|瓦)|(?P<tok>(?P<tks>百万|千|万)?\s*(?:个\s*)?(?i:tokens?))"
    r"|(?P<month>月)|(?P<year>年)|(?P<day>天)|(?P<share>股))\s*$"
)
_PREFIX = {"": 1e-3, "k": 1.0, "kilo": 1.0, "M": 1e3, "mega": 1e3, "G": 1e6, "giga": 1e6, "T": 1e9, "tera": 1e9}
_TOKEN_SCALE = {"million": 1e6, "1m": 1e6, "m": 1e6, "百万": 1e6, "1,000,000": 1e6, "thousand": 1e3,
                "1k": 1e3, "k": 1e3, "千": 1e3, "1,000": 1e3, "万": 1e4, "billion": 1e9}


def per_unit(m: re.Match) -> tuple[str, float]:
    """(denominator unit, how many of it the price is for) of a PER_AFTER / PER_BEFORE match."""
    if m["kwh"] is not None:
        groups = m.groupdict()
        if groups.get("ep") is not None:
            return "kWh", _PREFIX[groups["ep"]]
        if "att" in m["kwh"]:
            return "kWh", _PREFIX[(groups.get("ewp") or "").lower()]
        return "kWh", 1.0
    if m["kw"] is not None:
        # A price per unit of power, "$0.09 per watt", "0.7元/瓦", in the contract's power unit:
        # per kW, so that module and build costs compare whatever they were quoted in.
        groups = m.groupdict()
        if groups.get("pp") is not None:
            return "kW", _PREFIX[groups["pp"]]
        if groups.get("pwp") is not None or "att" in m["kw"]:
            return "kW", _PREFIX[(groups.get("pwp") or "").lower()]
        return "kW", 1.0 if "千" in m["kw"] else 1e-3
    if m["tok"] is not None:
        return "token", _TOKEN_SCALE.get((m["tks"] or "").lower(), 1.0)
    for unit in ("h", "month", "year", "day", "share"):
        if m[unit] is not None:
            return unit, 1.0
    raise ValueError(m.group())


# What follows a number, in the order tried: percentage points before percent ("percentage").
UNIT_AFTER = re.compile(
    r"""(?:
        (?P<pp>\s*(?:(?i:percentage[- ]points?)|pp|ppts?|(?:[个個]\s*)?[百佰]\s*分\s*[点點])(?![A-Za-z]))
      | (?P<bp>\s*(?:(?i:basis[- ]points?)|bps|bp)(?![A-Za-z]))
      | (?P<pct>\s*(?:%|(?i:percent(?:age)?s?|per\s?cents?|pct))(?![A-Za-z]))
      | (?P<w>(?:\s*|-)(?P<wp>[kMGT]?)W(?P<wh>h)?(?![A-Za-z]))
      | (?P<ww>\s*(?i:(?P<wwp>kilo|mega|giga|tera)?watts?(?P<wwh>[- ]?hours?)?)(?![A-Za-z]))
      | (?P<zw>\s*(?P<zwp>千|兆|吉|太)?瓦(?P<zwh>时)?)
      | (?P<du>\s*度(?P<dian>电)?)
      | (?P<tok>\s*(?:[个個]\s*)?(?:(?i:tokens?)|词元)(?![A-Za-z]))
      | (?P<x>[xX×](?![A-Za-z\d])|\s+×|\s*(?i:times)(?![A-Za-z])|\s*-?\s*(?i:fold)(?![A-Za-z])|\s*倍)
      | (?P<other>\s*-?\s*(?:(?i:(?:kilo|centi|milli|nano)?met(?:er|re)s?|miles?|(?:kilo|milli)?grams?|tonnes?|tons?|
          (?:milli)?lit(?:er|re)s?|(?:kilo|mega|giga|tera|peta|exa)?bytes|hectares?|square\s+(?:kilo)?met(?:er|re)s?|
          degrees?\s+(?:Celsius|Fahrenheit)|(?:peta|exa|tera)?flops)
        |km²|km2|m²|m2|mm|cm|km|nm|µm|μm|mi|mg|kg|g|t|lbs|lb|oz|mL|ml|L|l|kB|KB|MB|GB|TB|PB|EB|Tbps|Gbps|Mbps|
         kHz|MHz|GHz|THz|Hz|°C|℃|°F|PFLOPS|EFLOPS|TFLOPS|FLOPS|ha)(?![A-Za-z\d]))
    )""",
    re.VERBOSE,
)
# Measurement units that are not in the contract's table keep their usual symbol.
_OTHER = {"kilometer": "km", "kilometre": "km", "meter": "m", "metre": "m", "centimeter": "cm", "centimetre": "cm",
          "millimeter": "mm", "millimetre": "mm", "nanometer": "nm", "nanometre": "nm", "mile": "mi",
          "gram": "g", "kilogram": "kg", "lbs": "lb", "milligram": "mg", "tonne": "t", "ton": "t", "liter": "L", "litre": "L",
          "l": "L", "milliliter": "mL", "millilitre": "mL", "ml": "mL", "byte": "B", "kilobyte": "kB", "KB": "kB",
          "megabyte": "MB", "gigabyte": "GB", "terabyte": "TB", "petabyte": "PB", "exabyte": "EB", "hectare": "ha",
          "square kilometer": "km2", "square kilometre": "km2", "square meter": "m2", "square metre": "m2",
          "km²": "km2", "m²": "m2", "μm": "µm", "℃": "°C", "degree celsius": "°C", "degree fahrenheit": "°F",
          "flop": "FLOPS", "petaflop": "PFLOPS", "exaflop": "EFLOPS", "teraflop": "TFLOPS"}


def _other_unit(written: str) -> str:
    w = re.sub(r"\s+", " ", written.strip(" -"))
    if w in _OTHER:
        return _OTHER[w]
    low = w.lower()
    return _OTHER.get(low) or _OTHER.get(low[:-1]) or _OTHER.get(low.replace("degrees", "degree")) or w
_ZH_POWER = {None: 1e-3, "千": 1.0, "兆": 1e3, "吉": 1e6, "太": 1e9}


def unit_after(m: re.Match, scaled: bool) -> tuple[str, float] | None:
    """(canonical unit, factor to it) of a UNIT_AFTER match; None for 度 that is not electricity."""
    if m["pp"]:
        return "pp", 1.0
    if m["bp"]:
        return "pp", 0.01
    if m["pct"]:
        return "%", 1.0
    if m["w"]:
        return ("kWh" if m["wh"] else "kW"), _PREFIX[m["wp"]]
    if m["ww"]:
        return ("kWh" if m["wwh"] else "kW"), _PREFIX[(m["wwp"] or "").lower()]
    if m["zw"]:
        return ("kWh" if m["zwh"] else "kW"), _ZH_POWER[m["zwp"]]
    if m["du"]:
        return ("kWh", 1.0) if m["dian"] or scaled else None  # 30度 is a temperature or an angle
    if m["tok"]:
        return "tokens", 1.0
    if m["other"]:
        return _other_unit(m["other"]), 1.0
    return "x", 1.0


# Qualifiers, before the number (searched up to it) and after it.
APPROX_BEFORE = re.compile(
    r"(?=[A-Za-z~≈约大将接近差])(?:(?<![A-Za-z])(?i:about|around|roughly|approximately|approx\.?|nearly|almost|"
    r"close\s+to|some|circa|an\s+estimated|estimated|c\.|ca\.)|~|≈|约为|约合|大约|大概|约|将近|接近|近|差不多"
    r"|(?:约为|约是|约|大约是|大约为)[^\d,.;:，。；：]{1,8}的)\s*$"  # 约为中国的1.5倍
)
AT_LEAST_BEFORE = re.compile(
    r"(?=[A-Za-z>≥超逾至不多高大突])(?:(?<![A-Za-z])(?i:more\s+than|over|at\s+least|above|exceeding|in\s+excess\s+of|"
    r"greater\s+than|upwards\s+of|passed|surpassed|topped|exceeded|crossed|north\s+of|no\s+(?:less|fewer)\s+than|not\s+less\s+than)|>=?|≥|超过|超|逾|至少|不少于|不低于|"
    r"多于|高于|大于|突破)\s*$"
)
AT_MOST_BEFORE = re.compile(
    r"(?=[A-Za-z<≤不最至少低小])(?:(?<![A-Za-z])(?i:up\s+to|below|under|less\s+than|fewer\s+than|at\s+most|no\s+more\s+than|"
    r"not\s+more\s+than|south\s+of)|<=?|≤|不到|不足|最多|至多|少于|低于|小于|不超过|不高于)\s*$"
)
# A Chinese measure word may stand between a number and its qualifier: 300家左右, 5个以上.
_MEASURE = r"\s*[个個家名台座项項人位款辆輛件条條种種张張块塊片颗顆套次户戶所栋棟只隻艘架部]?"
APPROX_AFTER = re.compile(_MEASURE + r"\s*(?:左右|上下|前后)")
AT_LEAST_AFTER = re.compile(
    _MEASURE + r"\s*(?:以上|多(?![少数])|余|\+(?!\d)|(?i:or\s+more|or\s+above|and\s+above)(?![A-Za-z]))")
AT_MOST_AFTER = re.compile(_MEASURE + r"\s*(?:以下|以内|(?i:or\s+less|or\s+fewer|or\s+below)(?![A-Za-z]))")
