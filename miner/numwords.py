"""English numbers: digits and number words, alone or together ("3 hundred and 21", "1.5 million").

`english_numbers(text)` tokenizes a normalized text into digit numbers and words and reads the
longest number phrase at each place. The grammar is the one people write in reports and the one
Recognizers-Text specifies: cardinals with "and" ("two hundred and two thousand"), scales that
multiply ("three lakh crore"), decimals in words ("two point zero three"), fractions
("two thirds", "a twenty-first", "five and a half million", "two thirds of a million") and
"X over Y". How fractions in words split follows their spoken form: "one hundred thirty fifths"
is 100/35, "one hundred and thirty fifths" is 130/5, "one hundred and three quarters" is 100.75.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from miner.numbers import DIGIT_NUMBER, VULGAR, Number, digit_value

_UNITS = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD_UNITS = "_ first second third fourth fifth sixth seventh eighth ninth".split()
_ORD_TEENS = ("tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
              "eighteenth nineteenth").split()
_ORD_TENS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split()


# "the one you mentioned", "which one": a pronoun, not a number.
_DETERMINERS = {"the", "this", "that", "which", "each", "every", "any", "no", "another", "either",
                "neither", "such", "whichever", "what", "someone", "anyone", "everyone"}
_PRONOUN_AFTER = {"of", "another", "anyone", "day"}


def _vocabulary() -> dict[str, tuple[str, float, bool]]:
    """word → (kind, value, plural)."""
    v: dict[str, tuple[str, float, bool]] = {}
    v.update({w: ("small", i, False) for i, w in enumerate(_UNITS)})
    v.update({"nought": ("small", 0, False), "naught": ("small", 0, False)})
    v.update({w: ("teen", i + 10, False) for i, w in enumerate(_TEENS)})
    v.update({w: ("tens", (i + 2) * 10, False) for i, w in enumerate(_TENS)})
    v.update({"hundred": ("hundred", 100, False), "hundreds": ("hundred", 100, True)})
    scales = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "lakh": 1e5, "crore": 1e7}
    for w, s in scales.items():
        v[w], v[w + "s"] = ("scale", s, False), ("scale", s, True)
    v.update({w: ("dozen", 12, w != "dozen") for w in ("dozen", "dozens", "doz", "dozs", "dz", "dzs")})
    ordinals = {w: i for i, w in enumerate(_ORD_UNITS) if i >= 3}
    ordinals.update({w: i + 10 for i, w in enumerate(_ORD_TEENS)})
    ordinals.update({w: (i + 2) * 10 for i, w in enumerate(_ORD_TENS)})
    ordinals.update({"hundredth": 100, "thousandth": 1e3, "millionth": 1e6, "billionth": 1e9,
                     "trillionth": 1e12, "quarter": 4})
    for w, d in ordinals.items():
        v[w], v[w + "s"] = ("ord", d, False), ("ord", d, True)
    v.update({"half": ("ord", 2, False), "halves": ("ord", 2, True)})
    # "first" and "second" are fractions only inside a compound: "a twenty-first".
    v.update({"first": ("ordc", 1, False), "firsts": ("ordc", 1, True),
              "second": ("ordc", 2, False), "seconds": ("ordc", 2, True)})
    v.update({"a": ("a", 1, False), "an": ("a", 1, False), "and": ("and", 0, False),
              "point": ("point", 0, False), "minus": ("minus", 0, False), "negative": ("minus", 0, False),
              "over": ("over", 0, False), "of": ("of", 0, False)})
    v.update({w: ("w", 0, False) for w in _DETERMINERS | _PRONOUN_AFTER if w not in v})
    return v


_VOCAB = _vocabulary()
# The lookahead lets the engine skip spaces, punctuation and CJK text quickly.
_TOKEN = re.compile(
    rf"(?=[\d.A-Za-z&{''.join(VULGAR)}-])(?:(?P<lit>{DIGIT_NUMBER.pattern})|(?P<word>[A-Za-z]+)|(?P<dash>-)|(?P<amp>&))",
    re.VERBOSE,
)
_STARTERS = {"lit", "small", "teen", "tens", "hundred", "a", "minus", "ord"}
_WORDS = {"small", "teen", "tens", "hundred", "scale", "dozen", "a"}


@dataclass(slots=True)
class _Tok:
    kind: str
    value: float
    start: int
    end: int
    word: str = ""
    plural: bool = False
    step: float | None = 1.0
    scaled: bool = False
    fraction: bool = False
    glued: bool = False  # letters touch it: H100, 3D, 10kg; it then stands alone


@dataclass(slots=True)
class _Card:
    value: float
    step: float | None
    end: int  # index of the token after the last one read
    comps: list[int]  # indices of the tokens that make the number
    scaled: bool
    last: str  # kind of the last component
    scale: float  # the last scale applied (math.inf when none)


def _tokenize(text: str) -> list[_Tok]:
    toks = []
    for m in _TOKEN.finditer(text):
        if m["lit"] is not None:
            read = digit_value(m)
            if read is None:
                continue
            value, step, scaled, fraction = read
            s, e = m.start(), m.end()
            glued = (s > 0 and text[s - 1].isascii() and text[s - 1].isalpha()) or (
                e < len(text) and text[e].isascii() and text[e].isalpha())
            toks.append(_Tok("lit", value, s, e, step=step, scaled=scaled, fraction=fraction, glued=glued))
        elif m["word"] is not None:
            w = m["word"].lower()
            if w in _VOCAB:  # other words only separate tokens, which `_Parser.joined` sees in the gaps
                kind, value, plural = _VOCAB[w]
                toks.append(_Tok(kind, value, m.start(), m.end(), w, plural))
        else:
            toks.append(_Tok("dash" if m["dash"] else "and", 0, m.start(), m.end(), m.group()))
    return toks


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]):
        self.text, self.t, self.n = text, toks, len(toks)

    def kind(self, j: int) -> str | None:
        return self.t[j].kind if 0 <= j < self.n else None

    def joined(self, a: int, b: int) -> bool:
        """Tokens a and b stand next to each other with nothing but spaces between."""
        return 0 <= a < b < self.n and not self.text[self.t[a].end:self.t[b].start].strip()

    def at(self, j: int, *kinds: str) -> bool:
        """Token j exists, is of one of `kinds` and is joined to the token before it."""
        return self.kind(j) in kinds and self.joined(j - 1, j)

    def small_number(self, j: int) -> tuple[float | None, int]:
        """Value and end of "five", "sixteen", "thirty-two", "21" at j (the part after an "and")."""
        t = self.t
        if not self.at(j, "small", "teen", "tens", "lit") or (t[j].kind == "lit" and (
                t[j].glued or t[j].scaled or t[j].fraction or t[j].value != int(t[j].value))):
            return None, j
        if t[j].kind == "tens":
            if self.at(j + 1, "dash") and self.at(j + 2, "small") and t[j + 2].value:
                return t[j].value + t[j + 2].value, j + 3
            if self.at(j + 1, "small") and t[j + 1].value:
                return t[j].value + t[j + 1].value, j + 2
        return t[j].value, j + 1

    def cardinal(self, i: int, stop: int | None = None) -> _Card | None:
        t, n = self.t, self.n if stop is None else stop
        if i >= n:
            return None
        total = group = tail = 0.0
        last: str | None = None
        mult = scale = math.inf
        step: float | None = 1.0
        scaled = has_hundred = False
        comps: list[int] = []
        j = i
        if t[i].kind == "a" or (t[i].kind == "hundred" and not t[i].plural):
            # "a hundred", "a dozen"; a bare "hundred thousand" or "hundred and five"
            if t[i].kind == "a" and not self.at(i + 1, "hundred", "scale", "dozen"):
                return None
            if t[i].kind == "hundred" and not (self.at(i + 1, "scale") or (
                    self.at(i + 1, "and") and self.at(i + 2, "small", "teen", "tens"))):
                return None
            group, tail, last = 1.0, 1.0, "a"
            if t[i].kind == "a":
                comps.append(i)
                j = i + 1
        while j < n:
            tok, k = t[j], t[j].kind
            if j > i and not self.joined(j - 1, j):
                break
            if k == "dash":
                if last == "tens" and not group % 10 and self.at(j + 1, "small") and t[j + 1].value:
                    j += 1
                    continue
                break
            if k in ("small", "teen", "tens", "lit"):
                v = tok.value
                if last == "tens":
                    if k != "small" or not v or group % 10:
                        break
                elif last in ("hundred", "scale", "and"):
                    if v >= mult or (k == "lit" and (tok.scaled or tok.fraction or tok.glued or v != int(v))):
                        break
                elif last is not None:
                    break
                group += v
                tail = tail + v if last == "tens" else v
                step = tok.step if k == "lit" else 1.0
                scaled = scaled or tok.scaled
                last = "tens" if k == "tens" else "unit"
                comps.append(j)
                j += 1
                if k == "lit" and (tok.scaled or tok.fraction or tok.glued):
                    break
                continue
            if k == "hundred":
                if has_hundred or last not in ("unit", "tens", "a") or (tok.plural and last == "a"):
                    break
                group *= 100
                step = 100.0 if last == "a" or step is None else step * 100
                tail, mult, has_hundred, last = 0.0, 100, True, "hundred"
            elif k == "scale":
                s = tok.value
                if last in (None, "and", "dozen") or (tok.plural and last == "a"):
                    break
                if last == "scale":
                    if s <= scale:
                        break
                    total *= s  # three lakh crore
                elif s < scale:
                    total += group * s
                else:
                    total = (total + group) * s
                step = step * s if step is not None else None
                group = tail = 0.0
                mult = scale = s
                has_hundred, scaled, last = False, True, "scale"
            elif k == "dozen":
                if last not in ("unit", "tens", "a"):
                    break
                group += tail * 11
                comps.append(j)
                last = "dozen"
                j += 1
                break
            elif k == "and":
                if last not in ("hundred", "scale", "tens") or (last == "tens" and group % 10):
                    break
                place = 10 if last == "tens" else mult
                v, after = self.small_number(j + 1)
                if v is None or v == 0 or v >= place:
                    break
                ak = self.kind(after) if self.joined(after - 1, after) else None
                if ak == "hundred" and has_hundred or ak in ("ord", "ordc") or (
                        ak == "dash" and self.kind(after + 1) in ("ord", "ordc")):
                    break  # "3 hundred and 2 hundred" are two numbers; "and three fifths" a fraction
                mult, last = place, "and"
                j += 1
                continue
            else:
                break
            comps.append(j)
            j += 1
        if not comps or last in ("a", "and"):
            return None
        return _Card(total + group, step, comps[-1] + 1, comps, scaled, last, scale)

    def denominator(self, j: int) -> tuple[float, bool, int] | None:
        """(denominator, plural, end) of "fifth(s)", "twenty-first", "one hundred (and) fifth" at j."""
        t = self.t
        if self.kind(j) == "ord":
            return t[j].value, t[j].plural, j + 1
        if self.kind(j) not in ("small", "teen", "tens"):
            return None
        d = self.cardinal(j)
        if d is None or d.last not in ("tens", "hundred", "scale") or any(t[c].kind == "lit" for c in d.comps):
            return None
        k = d.end
        if self.at(k, "dash", "and") and self.kind(k + 1) in ("ord", "ordc"):
            k += 1
        if self.at(k, "ord", "ordc") and t[k].value < 10:
            return d.value + t[k].value, t[k].plural, k + 1
        return None

    def fraction(self, i: int, card: _Card | None) -> tuple[float, float, int, bool] | None:
        """(numerator, denominator, end, bare) of a fraction at i, `card` being its numerator if read."""
        t = self.t
        if i >= self.n:
            return None
        if card is None:
            if t[i].kind == "a":
                d = self.denominator(i + 1) if self.joined(i, i + 1) else None
                if d and not d[1]:
                    return 1.0, d[0], d[2], t[i + 1].word == "quarter"
                return None
            if t[i].kind == "ord" and t[i].word in ("half", "quarter"):
                return 1.0, t[i].value, i + 1, True
            return None
        if any(t[c].kind == "lit" for c in card.comps) or card.last == "dozen":
            return None  # "100 millionths" is not a fraction
        k = card.end
        if self.at(k, "dash") and self.kind(k + 1) in ("ord", "ordc", "small", "teen", "tens"):
            k += 1
        if not self.joined(k - 1, k):
            return None
        if self.kind(k) == "ord":
            den, plural, end = t[k].value, t[k].plural, k + 1
            numerator = card.value
            stop = self._extend(card, den, t[k].word)
            if stop is not None:
                head, part = self.cardinal(card.comps[0], stop), self.cardinal(stop, card.end)
                if head is not None and head.end == stop and part is not None:
                    den, numerator = den + part.value, head.value
        else:
            d = self.denominator(k)
            if d is None:
                return None
            den, plural, end = d
            numerator = card.value
        if (numerator == 1) == plural or not den:
            return None  # "two millionth" is an ordinal, "one fifths" is not English
        # "a quarter", "one quarter" are mostly periods ("in one quarter"): a number only as a share
        return numerator, den, end, numerator == 1 and t[end - 1].word == "quarter"

    def _extend(self, card: _Card, den: float, word: str) -> int | None:
        """Where the numerator ends when the words before the ordinal belong to it:
        "one hundred thirty fifths" = 100/35, "one hundred one thousand fifths" = 100/1005."""
        t, comps = self.t, card.comps
        if den >= 10 or word.startswith(("half", "quarter")) or len(comps) < 2:
            return None
        stop = None
        if t[comps[-1]].kind == "tens" and t[comps[-1] - 1].kind != "and":
            comps, stop = comps[:-1], comps[-1]
        if len(comps) >= 3 and t[comps[-1]].kind in ("hundred", "scale") and t[comps[-2]].kind == "small":
            u = comps[-2]
            if t[u - 1].kind not in ("tens", "dash"):
                stop = u
        return stop

    def unsigned(self, i: int) -> tuple[float, float | None, int, bool, bool, bool] | None:
        """(value, step, end, scaled, fraction, bare) of the number phrase at i."""
        t = self.t
        card = self.cardinal(i)
        f = self.fraction(i, card)
        if f:
            num, den, end, bare = f
            return self.times_scale(num / den, end, bare)
        if card is None:
            return None
        end = card.end
        if self.at(end, "and"):
            mixed = self.after_and(card, end + 1)
            if mixed:
                return mixed
        if self.at(end, "point") and all(t[c].kind in _WORDS for c in card.comps) and card.value == int(card.value):
            digits, k = self.spoken_digits(end + 1)
            if digits:
                value, step = card.value + int(digits) / 10 ** len(digits), 10.0 ** -len(digits)
                if self.at(k, "scale"):
                    value, step, k = value * t[k].value, step * t[k].value, k + 1
                    return value, step, k, True, False, False
                return value, step, k, card.scaled, False, False
        before = self.text[max(0, t[i].start - 3):t[i].start].rstrip()[-1:]
        if self.at(end, "over") and not card.scaled and before not in set("$€£¥"):
            d = self.cardinal(end + 1) if self.joined(end, end + 1) else None
            if d and d.value and not (d.end < self.n and self.joined(d.end - 1, d.end)):
                return card.value / d.value, None, d.end, False, True, False
        fraction = any(t[c].fraction for c in card.comps)
        return card.value, card.step, end, card.scaled, fraction, False

    def after_and(self, card: _Card, j: int):
        """"one and a half", "one hundred and three quarters", "one million and a half",
        "five and a half million", "one billion and three quarters million"."""
        t = self.t
        f = self.fraction(j, self.cardinal(j)) if self.kind(j) != "a" else self.fraction(j, None)
        if not f:
            return None
        num, den, end, _ = f
        part = num / den
        if card.last == "scale":
            value = card.value + part * card.scale
        elif num < den:
            value = card.value + part
        else:
            value = (card.value + num) / den
        if self.at(end, "scale"):
            s = t[end].value
            value = card.value + part * s if card.scaled and card.scale > s else (card.value + part) * s
            return value, None, end + 1, True, False, False
        return value, None, end, card.scaled, not card.scaled, False

    def spoken_digits(self, j: int) -> tuple[str, int]:
        """"zero three" → "03", "seventy-one" → "71": the digits after "point"."""
        t, out = self.t, ""
        while self.at(j, "small", "teen", "tens"):
            v = int(t[j].value)
            if t[j].kind == "tens" and self.at(j + 1, "dash") and self.at(j + 2, "small"):
                v, j = v + int(t[j + 2].value), j + 2
            elif t[j].kind == "tens" and self.at(j + 1, "small"):
                v, j = v + int(t[j + 1].value), j + 1
            out += str(v)
            j += 1
        return out, j

    def times_scale(self, value: float, end: int, bare: bool):
        """A fraction of a scale: "half million", "half a dozen", "two thirds of a million"."""
        k = end
        if self.at(k, "of") and self.at(k + 1, "a"):
            k += 2
        elif self.at(k, "a"):
            k += 1
        if self.at(k, "scale", "dozen") and not self.t[k].plural:
            return value * self.t[k].value, None, k + 1, self.t[k].kind == "scale", False, False
        return value, None, end, False, True, bare

    def phrase(self, i: int) -> tuple[Number, int] | None:
        t = self.t
        sign, j = 1.0, i
        if t[i].kind == "minus":
            if not self.at(i + 1, *(_STARTERS - {"minus"})):
                return None
            sign, j = -1.0, i + 1
        got = self.unsigned(j)
        if got is None:
            return None
        value, step, end, scaled, fraction, bare = got
        if end == j + 1 and t[j].word == "one" and self._pronoun(j):
            return None
        start = t[i].start
        if t[j].kind == "lit" and sign > 0:
            start, sign = _signed(self.text, start)
        script = "words" if any(t[x].kind not in ("lit", "dash") for x in range(j, end)) else "digits"
        return Number(start, t[end - 1].end, sign * value, step, scaled, fraction, bare, script), end

    def _pronoun(self, j: int) -> bool:
        before = self.t[j - 1].word if j > 0 and self.joined(j - 1, j) else ""
        after = self.t[j + 1].word if self.joined(j, j + 1) else ""
        return before in _DETERMINERS or after in _PRONOUN_AFTER or after == "-"


def _signed(text: str, start: int) -> tuple[int, float]:
    """(start, sign): a minus right before the number, but not a hyphen (GPT-4, 2013-14, 20 - 30)."""
    k = start - 1
    if k >= 0 and text[k] == "-":
        prev = text[k - 1] if k else " "
        if k == 0 or not (prev.isascii() and prev.isalnum()) and prev not in ")]%-.":
            return k, -1.0
    if start < 12 and re.fullmatch(r"\s*-\s+", text[:start]):  # "- 10 k" opening the text
        return text.index("-"), -1.0
    return start, 1.0


def english_numbers(text: str) -> list[Number]:
    """Every number written in digits or English words in `text` (normalized), in order."""
    toks = _tokenize(text)
    parser = _Parser(text, toks)
    out, i = [], 0
    while i < len(toks):
        if toks[i].kind in _STARTERS:
            got = parser.phrase(i)
            if got:
                out.append(got[0])
                i = got[1]
                continue
        i += 1
    return out
