"""Time expressions in report text → ISO periods, in English and Chinese.

`find_periods` writes every time expression it finds in ISO 8601 at the precision it was written
in: a year `2026`, a month `2026-09`, a day `2026-10-12`, anything else as an interval `start/end`
(`2026-07/2026-09` for Q3, `2026-02-01/2026-03-01` for "the four weeks to 1 March 2026",
`2025/2030` for "2025–2030"). It works in three passes:

1. regular expressions propose candidate spans: forms written the same way in both languages
   (`Q3 2026`, `3Q26`, `H1 2026`, `FY2025`, `2026-10-06`, bare years) always, English words or
   Chinese forms by language; where candidates overlap the longest wins;
2. forms without a year ("in June", "三季度", "1-9月") take the year of the nearest dated expression
   before them in the same text, else the publication year; relative forms ("last year", "去年",
   "this quarter") need the publication date and are dropped without it;
3. the words around a span adjust it: "by", "到", "…前" mark a target date (`forecast_cue`), "the
   four weeks to" turns a date into an interval.

`best_period` picks which of them a number at a given offset refers to.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from miner.lang import detect_language
from miner.model import Language, Period

# ASCII-only boundaries: `\b` sees no boundary between "2026" and a following "年" or "Q3" and "营收".
_L = r"(?<![A-Za-z0-9])"
_R = r"(?![A-Za-z0-9])"
_Y = r"(?:19\d\d|20\d\d|2100)"
# Only abbreviations take a full stop: "in May." ends a sentence.
_MON = (
    r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?![a-z])|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)(?:\.|(?![a-z])))"
)
_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_WORD_NUMBER = {
    w: i + 1
    for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split())
}
_NUM = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_ORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
_ZH_NUMBER = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              "十": 10, "十一": 11, "十二": 12}
_ZHN = r"(?:十[一二]?|[一二两三四五六七八九])"
_ZH_REL_YEAR = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "明年": 1, "前年": -2}
# Optional year at the head of a Chinese expression: "2026年" or a relative "今年".
_ZY = r"(?:(?P<y>" + _Y + r")\s*年(?:度)?|(?P<ry>今年|本年|去年|明年|前年))?"

_RELATIVE = {
    **{f"{w} {u}": (u, k) for w, k in (("last", -1), ("this", 0), ("next", 1), ("current", 0))
       for u in ("year", "month", "quarter")},
    "去年": ("year", -1), "今年": ("year", 0), "本年": ("year", 0), "明年": ("year", 1),
    "前年": ("year", -2), "上年": ("year", -1), "上月": ("month", -1), "上个月": ("month", -1),
    "本月": ("month", 0), "下月": ("month", 1), "下个月": ("month", 1), "本季度": ("quarter", 0),
    "上季度": ("quarter", -1), "上一季度": ("quarter", -1), "下季度": ("quarter", 1),
    "下一季度": ("quarter", 1),
    **{w: ("month", 0) for w in ("today", "now", "currently", "at present", "目前", "当前", "现在", "如今")},
}

# (kind, pattern, languages it applies to). Kinds are built by `_build`.
_SOURCES: list[tuple[str, str, str]] = [
    ("day", _L + r"(?P<y>" + _Y + r")[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)", "en zh"),
    ("yearpair", _L + r"(?:from\s+)?(?P<y>" + _Y + r")\s*(?:-|–|—|to|through)\s*(?P<y2>" + _Y
     + r"|\d\d)" + _R, "en zh"),
    ("yearpair", _L + r"between\s+(?P<y>" + _Y + r")\s+and\s+(?P<y2>" + _Y + r")" + _R, "en"),
    ("quarter", _L + r"Q(?P<q>[1-4])\s*(?:of\s+|,\s*)?(?:(?P<y>" + _Y + r")|['’]\s?(?P<yy>\d\d))" + _R,
     "en zh"),
    ("quarter", _L + r"(?P<y>" + _Y + r")\s*(?:年\s*)?Q(?P<q>[1-4])" + _R, "en zh"),
    ("quarter", _L + r"(?P<q>[1-4])Q\s*['’]?\s*(?:(?P<y>" + _Y + r")|(?P<yy>\d\d))" + _R, "en zh"),
    ("quarter", _L + r"Q(?P<q>[1-4])" + _R, "en zh"),
    ("half", _L + r"H(?P<h>[12])\s*(?:of\s+|,\s*)?(?:(?P<y>" + _Y + r")|['’]\s?(?P<yy>\d\d))" + _R,
     "en zh"),
    ("half", _L + r"(?P<y>" + _Y + r")\s*(?:年\s*)?H(?P<h>[12])" + _R, "en zh"),
    ("half", _L + r"(?P<h>[12])H\s*['’]?\s*(?:(?P<y>" + _Y + r")|(?P<yy>\d\d))" + _R, "en zh"),
    ("year", _L + r"(?:FY|fiscal(?:\s+year)?)\s*['’]?\s*(?:(?P<y>" + _Y + r")|(?P<yy>\d\d))" + _R,
     "en zh"),
    ("bareyear", r"(?<![\d.,$€£¥#A-Za-z])(?P<y>" + _Y + r")(?![\d]|[.,]\d|[A-Za-z])", "en zh"),
    # English words; a month name with its year is unambiguous in any text
    ("day", _L + r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m>" + _MON + r"),?\s+(?P<y>" + _Y + r")" + _R,
     "en zh"),
    ("day", _L + r"(?P<m>" + _MON + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>" + _Y + r")" + _R,
     "en zh"),
    ("month", _L + r"(?P<m>" + _MON + r")\s*,?\s*(?:(?P<y>" + _Y + r")|['’](?P<yy>\d\d))" + _R,
     "en zh"),
    # A month name alone is only taken after a preposition: "May" and "March" are also words.
    ("month", r"\b(?P<lead>(?i:in|since|by|during|until|till|from|through|for|of|and|to|with|than|versus"
     r"|before|after))\s+(?P<m>" + _MON + r")", "en"),
    ("months", _L + r"(?:(?P<btw>between)\s+|from\s+)?(?P<m>" + _MON + r")(?:\s*(?P<y>" + _Y
     + r"))?\s*(?P<sep>-|–|—|\s+to\s+|\s+through\s+|\s+until\s+|\s+and\s+)\s*(?P<m2>" + _MON
     + r")(?:,?\s*(?P<y2>" + _Y + r"))?", "en"),
    ("firstn", _L + r"(?:the\s+)?first\s+(?P<n>" + _NUM + r")\s+months(?:\s+of\s+(?P<y>" + _Y + r"))?",
     "en"),
    ("firstq", _L + r"(?:the\s+)?first\s+(?P<n>two|three|2|3)\s+quarters(?:\s+of\s+(?P<y>" + _Y
     + r"))?", "en"),
    ("quarter", _L + r"(?:the\s+)?(?P<q>" + _ORD + r")[-\s]quarter(?:\s+(?:of\s+)?(?P<y>" + _Y
     + r"))?" + _R, "en"),
    ("half", _L + r"(?:the\s+)?(?P<h>first|second)[-\s]half(?:\s+(?:of\s+)?(?P<y>" + _Y + r"))?" + _R,
     "en"),
    ("relative", r"\b(?P<rel>(?:last|this|next|the\s+current)\s+(?:year|month|quarter))\b", "en"),
    # "from 40 a year ago to 120 today": the present is the publication month.
    ("relative", r"\b(?P<rel>today|now|currently|at present)\b", "en"),
    ("ytd", r"\b(?:year[-\s]to[-\s]date|YTD)\b", "en"),
    ("thisyear", r"\b(?:the\s+)?(?:end\s+of\s+(?:the|this)\s+year|year[-\s]end)\b", "en"),
    ("shift", r"\b(?:a\s+year\s+(?:earlier|ago|before)|the\s+(?:same\s+period\s+(?:a|last)\s+year"
     r"|year\s+before|previous\s+year|prior\s+year))\b", "en"),
    # Chinese
    ("day", _ZY + r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]", "zh"),
    ("months", r"(?P<y>" + _Y + r")\s*年\s*(?P<m>\d{1,2})\s*月\s*(?:-|–|—|~|～|至|到)\s*(?P<y2>" + _Y
     + r")\s*年\s*(?P<m2>\d{1,2})\s*月", "zh"),
    ("months", _ZY + r"(?<!\d)(?P<m>\d{1,2})\s*月?\s*(?:-|–|—|~|～|至|到)\s*(?P<m2>\d{1,2})\s*月(?:份)?",
     "zh"),
    ("firstn", _ZY + r"前\s*(?P<n>" + _ZHN + r"|\d{1,2})\s*个月", "zh"),
    ("firstq", _ZY + r"前\s*(?P<n>[二两三23])\s*(?:个)?季度", "zh"),
    ("half", _ZY + r"(?P<h>上|下)半年", "zh"),
    ("quarter", _ZY + r"(?:第\s*)?(?<![一二三四五六七八九十\d])(?P<q>[一二三四1-4])\s*季度", "zh"),
    ("month", _ZY + r"(?<![一二三四五六七八九十百千万\d])(?P<m>\d{1,2}|" + _ZHN + r")\s*月(?:份)?", "zh"),
    ("year", r"(?<!\d)(?P<y>" + _Y + r")\s*(?:年(?:度)?(?:全年)?|财年|财政年度)", "zh"),
    ("yearpair", r"(?<!\d)(?P<y>" + _Y + r")\s*年?\s*(?:-|–|—|~|～|至|到)\s*(?P<y2>" + _Y + r")\s*年",
     "zh"),
    ("relative", r"(?P<rel>上一季度|下一季度|本季度|上季度|下季度|上个月|下个月|上月|本月|下月"
     r"|去年|今年|本年|明年|前年|上年|目前|当前|现在|如今)", "zh"),
    ("ytd", r"(?:年初至今|今年以来)", "zh"),
    ("shift", r"(?:去年|上年)同期", "zh"),
]
# Month names are matched case-sensitively ("may", "march" are words); everything else is not.
_RULES = [(kind, re.compile(pattern, 0 if _MON in pattern else re.IGNORECASE), langs.split())
          for kind, pattern, langs in _SOURCES]

# A bare four-digit number is not a year next to these: "$2026", "2030 GW", "rose by 2000".
_NOT_YEAR_BEFORE = re.compile(
    r"(?:[$€£¥]|\b(?:RMB|USD|CNY|EUR)|\b(?:page|p\.|pp\.|section|table|figure|fig\.|chapter|no\.|number"
    r"|version|rose|grew|increased|decreased|fell|dropped|declined|climbed|jumped|gained|lost|added"
    r"|cut|reduced|raised|up|down|more\s+than|less\s+than|fewer\s+than|nearly|almost|approximately"
    r"|roughly|at\s+least|at\s+most)(?:\s+by)?)\s*$", re.IGNORECASE)
_NOT_YEAR_AFTER = re.compile(
    r"\s*(?:%|[\u4e00-\u9fff](?<![年财])|(?:tokens?|units?|people|persons|employees|engineers|staff"
    r"|workers|users|customers|developers|GPUs?|chips?|servers?|nodes?|racks?|cars|vehicles|homes"
    r"|households|companies|firms|sites|projects|models|data\s+cent(?:re|er)s|[kMGT]Wh?|Wh|W|MWp|GWp"
    r"|tonnes?|tons?|t|kg|km|hours?|hrs?|h|days|miles|barrels|shares|times|x|points|bps|basis\s+points"
    r"|percent|per\s*cent|million|billion|trillion|thousand|mn|bn|tn|m|k|yuan|dollars|euros|RMB|USD"
    r"|CNY|EUR)(?![A-Za-z0-9]))", re.IGNORECASE)
_SPAN_BEFORE = re.compile(  # "the four weeks to 1 March 2026", "the 12 months ending June 2026"
    r"(?:the\s+)?(?:(?P<n>" + _NUM + r"|a)\s+)?(?P<unit>weeks?|days?|months?|year|quarter)\s+"
    r"(?:to|ending|ended|through)\s+$", re.IGNORECASE)
_BY_BEFORE = re.compile(r"(?P<by>\bby\s+(?:the\s+)?)?(?P<end>\bend\s+of\s+|\bend-)?$", re.IGNORECASE)
_ZH_TO_BEFORE = re.compile(r"(?<![截止])(?:到|至)\s*$")
# "截至2025年底", "as of the end of 2025": a state reported at a date, not a target.
_AS_OF_BEFORE = re.compile(r"(?:截至|截止(?:到|至)?|\bas\s+of\s+(?:the\s+)?)\s*$", re.IGNORECASE)
_ZH_AFTER = re.compile(r"^\s*(?:(?P<end>年?底|年?末)?(?P<before>(?:之|以)?前(?![一二三四五六七八九十两\d半后]))?)")


@dataclass
class _Hit:
    """A candidate span. `iso` is set once resolved; until then `months` (first, last) waits for a
    year (with `day` for a day), or `shift` asks for the preceding period moved by whole years."""

    start: int
    end: int
    iso: str | None = None
    months: tuple[int, int] | None = None
    day: int | None = None
    roll_back: bool = False  # a yearless month or quarter later than the publication month
    shift: int = 0
    cue: bool = False
    year_of_end: bool = False  # "end of 2027": a target when the year is not yet over


def find_periods(text: str, lang: Language | None = None, published: date | None = None) -> list[Period]:
    """Every time expression in `text`, sorted, non-overlapping, with its ISO period."""
    lang = lang or detect_language(text)
    hits = _longest_first(
        [hit for kind, regex, langs in _RULES if lang in langs
         for m in regex.finditer(text) if (hit := _build(kind, m, text, published)) is not None]
    )
    hits = _adjust(hits, text, lang, published)
    return [
        Period(raw=text[h.start:h.end], start=h.start, end=h.end, iso=h.iso, forecast_cue=h.cue)
        for h in _resolve(hits, published)
    ]


def _build(kind: str, m: re.Match[str], text: str, published: date | None) -> _Hit | None:
    g = m.groupdict()
    hit = _Hit(m.start("m") if g.get("lead") else m.start(), m.end())
    if g.get("ry") and published is None:
        return _unresolvable(hit)
    year = _year(g, published)
    if kind == "bareyear":
        if _NOT_YEAR_BEFORE.search(text, max(0, m.start() - 30), m.start()) or _NOT_YEAR_AFTER.match(
                text, m.end()):
            return None
        return replace(hit, iso=str(year), year_of_end=True)
    if kind == "year":
        return replace(hit, iso=str(year), year_of_end=True)
    if kind == "yearpair":
        return _year_pair(hit, g, text)
    if kind == "relative":
        return _relative(hit, g["rel"], published)
    if kind in ("ytd", "thisyear"):
        if published is None:
            return _unresolvable(hit)
        if kind == "thisyear":
            return replace(hit, iso=str(published.year), year_of_end=True)
        return replace(hit, iso=f"{published.year}-01/{published.year}-{published.month:02d}")
    if kind == "shift":
        return replace(hit, shift=-1)
    if kind == "day":
        month, day = _month(g["m"]), int(g["d"])
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return None
        if year is None:
            return replace(hit, months=(month, month), day=day, roll_back=True)
        return replace(hit, iso=_day_iso(year, month, day)) if _valid_day(year, month, day) else None
    if kind == "months":
        return _month_pair(hit, g, year)
    first, last, roll_back = _stretch(kind, g)
    if not 1 <= first <= last <= 12:
        return None
    if year is None:
        return replace(hit, months=(first, last), roll_back=roll_back)
    return replace(hit, iso=_months_iso(year, first, year, last))


def _stretch(kind: str, g: dict[str, str | None]) -> tuple[int, int, bool]:
    """The months (first, last) a within-year form covers, and whether a missing year may roll back."""
    if kind == "month":
        month = _month(g["m"])
        return month, month, True
    if kind == "quarter":
        q = _count(g["q"])
        return 3 * q - 2, 3 * q, True
    if kind == "half":  # "下半年" is as often a forecast as a result: no roll-back
        second = g["h"].lower() in ("2", "second", "下")
        return (7, 12, False) if second else (1, 6, False)
    n = _count(g["n"])
    return 1, 3 * n if kind == "firstq" else n, True


def _year_pair(hit: _Hit, g: dict[str, str | None], text: str) -> _Hit | None:
    first, second = int(g["y"]), g["y2"]
    last = first // 100 * 100 + int(second) if len(second) == 2 else int(second)
    if first < last <= first + 50:
        if _NOT_YEAR_AFTER.match(text, hit.end) and not text[hit.end - 1] == "年":
            return None
        return replace(hit, iso=f"{first}/{last}")
    # "2025-12" is a month when it cannot be a range of years
    if len(second) == 2 and 1 <= int(second) <= 12:
        return replace(hit, iso=f"{first}-{int(second):02d}")
    return None


def _month_pair(hit: _Hit, g: dict[str, str | None], year: int | None) -> _Hit | None:
    sep = g.get("sep") or ""
    if sep.strip().lower() == "and" and not g.get("btw"):
        return None  # "January and March" are two months, not a stretch
    first, last = _month(g["m"]), _month(g["m2"])
    y1 = year or (int(g["y2"]) if g.get("y2") else None)
    y2 = int(g["y2"]) if g.get("y2") else y1
    if not (1 <= first <= 12 and 1 <= last <= 12):
        return None
    if y1 is None:
        return replace(hit, months=(first, last), roll_back=True) if first < last else None
    if (y2, last) <= (y1, first):
        return None
    return replace(hit, iso=_months_iso(y1, first, y2, last))


def _relative(hit: _Hit, word: str, published: date | None) -> _Hit:
    if published is None:
        return _unresolvable(hit)
    unit, offset = _RELATIVE[re.sub(r"\s+", " ", word.lower()).removeprefix("the ")]
    y, m = published.year, published.month
    if unit == "year":
        return replace(hit, iso=str(y + offset), year_of_end=True)
    if unit == "month":
        y, m = _add_months(y, m, offset)
        return replace(hit, iso=f"{y}-{m:02d}")
    y, m = _add_months(y, (m - 1) // 3 * 3 + 1, 3 * offset)
    return replace(hit, iso=_months_iso(y, m, y, m + 2))


def _unresolvable(hit: _Hit) -> _Hit:
    """Kept through overlap resolution, so that "今年上半年" does not fall back to a bare "上半年"."""
    return replace(hit, iso="")


def _longest_first(hits: list[_Hit]) -> list[_Hit]:
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _adjust(hits: list[_Hit], text: str, lang: Language, published: date | None) -> list[_Hit]:
    """Let the words around each span widen it: duration prefixes, "by the end of", "到…年底前"."""
    out: list[_Hit] = []
    for i, hit in enumerate(hits):
        floor = out[-1].end if out else 0
        ceiling = hits[i + 1].start if i + 1 < len(hits) else len(text)
        before = text[max(floor, hit.start - 40):hit.start]
        if lang == "en" and hit.iso and (span := _SPAN_BEFORE.search(before)):
            hit = _span_to(hit, span) or hit
            before = text[max(floor, hit.start - 40):hit.start]
        if lang == "en" and (by := _BY_BEFORE.search(before)) and by.group(0):
            as_of = bool(_AS_OF_BEFORE.search(before, 0, by.start()))
            target = bool(by.group("by")) or (bool(by.group("end")) and not as_of and _ends_ahead(hit, published))
            hit = replace(hit, start=hit.start - len(by.group(0)), cue=target)
        if lang == "zh":
            after = _ZH_AFTER.match(text[hit.end:ceiling])
            if after and (after.group("end") or after.group("before")):
                ahead = bool(after.group("end")) and not _AS_OF_BEFORE.search(before) and _ends_ahead(hit, published)
                target = bool(after.group("before")) or ahead
                hit = replace(hit, end=hit.end + len(after.group(0)), cue=target)
            if _ZH_TO_BEFORE.search(before):
                hit = replace(hit, cue=True)
        out.append(hit)
    return out


def _ends_ahead(hit: _Hit, published: date | None) -> bool:
    """"end of 2027" is a target when 2027 is not over at publication (or the date is unknown)."""
    if not hit.year_of_end or not hit.iso:
        return False
    return published is None or int(hit.iso[:4]) >= published.year


def _span_to(hit: _Hit, span: re.Match[str]) -> _Hit | None:
    """"the four weeks to 1 March 2026" → 2026-02-01/2026-03-01; "the three months to June 2026"
    → 2026-04/2026-06. The start is the end moved back by the duration, as the report counts it."""
    n = 1 if not span.group("n") or span.group("n").lower() == "a" else _count(span.group("n"))
    unit = span.group("unit").lower().rstrip("s")
    start = hit.start - len(span.group(0))
    if len(hit.iso) == 10:
        end = date.fromisoformat(hit.iso)
        if unit in ("week", "day"):
            first = end - timedelta(days=n * (7 if unit == "week" else 1))
        else:
            y, m = _add_months(end.year, end.month, -n * {"month": 1, "quarter": 3, "year": 12}[unit])
            first = date(y, m, min(end.day, calendar.monthrange(y, m)[1]))
        return replace(hit, start=start, iso=f"{first.isoformat()}/{hit.iso}")
    if len(hit.iso) == 7 and unit in ("month", "quarter", "year"):
        y, m = int(hit.iso[:4]), int(hit.iso[5:])
        fy, fm = _add_months(y, m, 1 - n * {"month": 1, "quarter": 3, "year": 12}[unit])
        return replace(hit, start=start, iso=_months_iso(fy, fm, y, m))
    return None


def _resolve(hits: list[_Hit], published: date | None) -> list[_Hit]:
    """Give yearless spans a year and shifted spans their base; drop what cannot be resolved."""
    for i, hit in enumerate(hits):
        if hit.iso is not None:
            continue
        before = next((h.iso for h in reversed(hits[:i]) if h.iso), None)
        if hit.shift:
            base = before or (str(published.year) if published else None)
            hit.iso = _shift_years(base, hit.shift) if base else ""
            continue
        first, last = hit.months
        if before:
            year = int(before.split("/")[-1][:4])
        elif published:
            year = published.year - (hit.roll_back and last > published.month)
        else:
            year = next((int(h.iso[:4]) for h in hits[i + 1:] if h.iso), None)
        if year is None:
            hit.iso = ""
        elif hit.day is not None:
            hit.iso = _day_iso(year, first, hit.day) if _valid_day(year, first, hit.day) else ""
        else:
            hit.iso = _months_iso(year, first, year, last)
    return [h for h in hits if h.iso]


def _shift_years(iso: str, years: int) -> str:
    def move(part: str) -> str:
        y = int(part[:4]) + years
        if part[4:] == "-02-29" and not calendar.isleap(y):
            return f"{y}-02-28"
        return f"{y}{part[4:]}"

    return "/".join(move(part) for part in iso.split("/"))


def _year(g: dict[str, str | None], published: date | None) -> int | None:
    if g.get("y"):
        return int(g["y"])
    if g.get("yy"):
        return 2000 + int(g["yy"])
    if g.get("ry") and published:
        return published.year + _ZH_REL_YEAR[g["ry"]]
    return None


def _month(word: str) -> int:
    word = word.strip(". ")
    if word.isdigit():
        return int(word)
    return _MONTH_NUMBER.get(word[:3].lower()) or _ZH_NUMBER.get(word, 0)


def _count(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _WORD_NUMBER.get(word) or _ORDINAL.get(word) or _ZH_NUMBER.get(word, 0)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _day_iso(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def _months_iso(y1: int, m1: int, y2: int, m2: int) -> str:
    if (y1, m1) == (y2, m2):
        return f"{y1:04d}-{m1:02d}"
    return f"{y1:04d}-{m1:02d}/{y2:04d}-{m2:02d}"


def iso_bounds(iso: str) -> tuple[date, date]:
    """First and last day an ISO period covers: `2026-07/2026-09` → (2026-07-01, 2026-09-30).
    Useful for comparing periods of different precision ("2026-09" lies within "2026")."""
    first, _, last = iso.partition("/")
    return _part_bounds(first)[0], _part_bounds(last or first)[1]


def _part_bounds(part: str) -> tuple[date, date]:
    y = int(part[:4])
    if len(part) == 4:
        return date(y, 1, 1), date(y, 12, 31)
    m = int(part[5:7])
    if len(part) == 7:
        return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
    d = date.fromisoformat(part)
    return d, d


# best_period: which period a number refers to.
_CLAUSE_END = re.compile(r"[;；。！？!?\n]|\.(?=\s)")
_COMPARED = re.compile(r"(?:\b(?:from|since|than|versus|vs\.?|against|compared\s+(?:with|to))|较|比|相比)\s*$",
                       re.IGNORECASE)
_INTRODUCED = re.compile(r"(?:\b(?:in|for|during|over|as\s+of|at|on|through|throughout)|在|于|截至)\s*$",
                         re.IGNORECASE)
_NUMBER = re.compile(r"\d")
_ATTACHED = re.compile(r"\s*的\s*(?:约|近|超过)?\s*")
_OWN_NUMBER = re.compile(r"\D{0,4}?[\d.,]+")


def best_period(periods: list[Period], anchor: int, text: str | None = None, end: int | None = None) -> Period | None:
    """The period a number starting at character `anchor` refers to.

    Rule: candidates are the periods in the anchor's clause (text between `; 。 ! ?`, line breaks
    or a full stop), or all periods when the clause has none. Each costs its distance in
    characters from the number, plus 100 when another number stands between them (the period
    belongs to that one: "$4bn, up from $3bn in 2024"), plus 150 when a comparison word introduces
    it ("since 2020", "较2025年"), minus 10 when "in", "for", "during"… introduces it, minus 20
    when it follows the figure with nothing between ("34% a year earlier"). The
    cheapest wins; ties go to the more specific (shorter) period, then to the later one. Without
    `text` only distance and specificity count.
    """
    if not periods:
        return None
    candidates = periods
    if text is not None:
        lo = max((m.end() for m in _CLAUSE_END.finditer(text, 0, anchor)), default=0)
        hi = next((m.start() for m in _CLAUSE_END.finditer(text, anchor)), len(text))
        candidates = [p for p in periods if p.start >= lo and p.end <= hi] or periods

    def cost(p: Period) -> tuple[float, int, int]:
        # Distance from the figure's end for a period after it ("47% in December"), when known.
        distance = max(p.start - (anchor if end is None else end), anchor - p.end, 0)
        c = float(distance)
        if text is not None:
            if p.start >= anchor:
                own = _OWN_NUMBER.match(text, anchor)
                between = text[own.end() if own else anchor:p.start]
            else:
                between = text[p.end:anchor]
            if p.end <= anchor and _ATTACHED.fullmatch(between):
                return -1000.0, 0, 0  # the figure's own date: "较1月的53%", "2025年的1700亿千瓦时"
            if end is not None and p.start >= end and not text[end:p.start].strip():
                c -= 20  # right after the figure: "34% a year earlier", "8亿千瓦 in 2025"
            c += 100 * bool(_NUMBER.search(between))
            preceding = text[max(0, p.start - 20):p.start]
            c += 150 * bool(_COMPARED.search(preceding)) - 10 * bool(_INTRODUCED.search(preceding))
        first, last = iso_bounds(p.iso)
        return c, (last - first).days, -p.start

    return min(candidates, key=cost)
