"""Plain text and Markdown readers, plus the text helpers every reader shares.

Shared helpers (used by pdf.py and html.py too): `decode_text` (encoding detection),
`join_lines` (how a line break becomes a space or nothing, in English and Chinese),
`find_published` (a publication date in a document's opening lines) and `caption_of`
(whether the line above a table is its caption).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from miner.errors import UnreadableDocument
from miner.lang import detect_language
from miner.model import Block, Document

# ---------------------------------------------------------------------------------------------
# Decoding

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Control bytes that never occur in text (tab, newlines, form feed and ESC excluded).
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
# A GB2312 double-byte character: both bytes in 0xA1-0xFE. Almost all Chinese text in GBK uses
# only these; Latin-1 text decoded as GBK does not (an accented letter is followed by ASCII).
_GB2312_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
# Legacy encodings charset-normalizer may name that we trust for reports in our two languages.
_CJK_LEGACY = {"big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"}


def looks_binary(data: bytes) -> bool:
    """More than a stray control byte in the first 64 KB: an image, archive or executable."""
    sample = data[:65536]
    return len(_CONTROL.findall(sample)) > max(2, len(sample) // 200)


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: BOM, then UTF-8, then GBK/GB18030, Big5 & co., then cp1252.

    charset-normalizer alone misreads short files (it takes 8 GBK characters for UTF-16 and
    Latin-1 "naïve" for cp1250), so it only arbitrates between the CJK legacy encodings; Western
    single-byte text is read as cp1252, which agrees with Latin-1 on every printable character.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if looks_binary(data):
        raise UnreadableDocument("binary data, not text", "is the file really text? check its type")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:65536]
    high = len(_HIGH_BYTE.findall(sample))
    if 2 * len(_GB2312_PAIR.findall(sample)) >= 0.9 * high:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding in _CJK_LEGACY:
        return str(best)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ---------------------------------------------------------------------------------------------
# Joining lines


def _no_space_side(char: str) -> bool:
    """CJK characters and CJK/full-width punctuation: no space is written next to them.
    (Numeric ranges rather than a regex: this runs at every line break of every PDF.)"""
    code = ord(char)
    return (
        0x3000 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
    )


# The same ranges as one regex, to ask once per paragraph whether any Chinese is in it.
_CJK_ANY = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _hyphenated(text: str) -> bool:
    return len(text) > 1 and text[-1] == "-" and text[-2].isascii() and text[-2].isalpha()


def join_lines(lines: Iterable[str]) -> str:
    """Join the lines of one paragraph the way they were meant to be read (see joined_spans)."""
    return joined_spans(lines)[0]


def joined_spans(lines: Iterable[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join the lines of one paragraph; also say where each line's text ended up: [start, end).

    English lines are joined with a space, and a word hyphenated at the end of a line is mended
    ("electri-" + "city" -> "electricity"; "mid-" + "March" keeps its hyphen). No space is put
    where either side of the break is Chinese, or where a number or word is broken inside
    Chinese text ("5.3" + "万亿" -> "5.3万亿"), since Chinese never marks a break with a space.
    """
    lines = [line.strip() for line in lines]
    chinese = _CJK_ANY.search("".join(lines)) is not None  # else only hyphens need a look
    out = ""
    spans: list[tuple[int, int]] = []
    for line in lines:
        if not line:
            spans.append((len(out), len(out)))
            continue
        if not out:
            pass
        elif _hyphenated(out) and line[0].islower():
            out = out[:-1]
            start, _ = spans[-1]
            spans[-1] = (start, max(start, len(out)))
        elif not (
            _hyphenated(out)
            or chinese
            and (_no_space_side(out[-1]) or _no_space_side(line[0]) or _inside_number_or_word(out, line))
        ):
            out += " "
        spans.append((len(out), len(out) + len(line)))
        out += line
    return out, spans


def _inside_number_or_word(before: str, after: str) -> bool:
    """A break between two alphanumeric runs ("5." / "3万亿", "Tok" / "en") in Chinese text."""
    glue = ".,"
    if not ((before[-1].isalnum() or before[-1] in glue) and (after[0].isalnum() or after[0] in glue)):
        return False
    tail = before[-40:]
    return _CJK_ANY.search(tail) is not None and detect_language(tail) == "zh"


# ---------------------------------------------------------------------------------------------
# Publication dates

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_FULL_DATES = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>(?:19|20)\d\d)\b", re.I),
]
# A month without a day counts only on a line that says it is the publication date.
_MONTH_DATES = [
    re.compile(rf"\b{_MONTH}\s+(?P<y>(?:19|20)\d\d)\b", re.I),
    re.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)"),
]
_CUE = re.compile(r"\b(published|publication|released?|issued|dated?|posted)\b|发布|發佈|发表|日期|发稿|刊", re.I)
OPENING_LINES = 12


def _match_date(match: re.Match) -> date | None:
    groups = match.groupdict()
    month = _MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
    try:
        return date(int(groups["y"]), month, int(groups.get("d") or 1))
    except ValueError:
        return None


def _first_date(line: str, patterns: list[re.Pattern]) -> date | None:
    found = [(m.start(), m) for pattern in patterns for m in pattern.finditer(line)]
    for _, match in sorted(found, key=lambda item: item[0]):
        if (when := _match_date(match)) is not None:
            return when
    return None


def find_published(lines: Iterable[str]) -> date | None:
    """The publication date stated in a document's opening lines, or None.

    A full date on a line with a cue ("Published", "发布日期") wins; then any full date in the
    opening lines (a byline such as "Harbourview Data, 2026-10-15"); then a month on a cue line
    ("Published March 2026" -> 2026-03-01).
    """
    opening = [line for line in (raw.strip() for raw in lines) if line][:OPENING_LINES]
    cued = [line for line in opening if _CUE.search(line)]
    for candidates, patterns in ((cued, _FULL_DATES), (opening, _FULL_DATES), (cued, _MONTH_DATES)):
        for line in candidates:
            if (when := _first_date(line, patterns)) is not None:
                return when
    return None


# ---------------------------------------------------------------------------------------------
# Table captions

_UNIT = (
    r"[(（]?\s*(?:(?:单位|單位|単位|units?)\s*[:：]|(?:all )?(?:figures|amounts|values) (?:are )?in\b"
    r"|[(（]\s*(?:in )?(?:thousands|millions|billions)\b)"
)
CAPTION = re.compile(
    rf"^\s*(?:[(（\[]?\s*(?:table\b|tab\.|exhibit\b|(?:续|附)?表\s*[\dA-Z一二三四五六七八九十])|{_UNIT})",
    re.I,
)
_UNIT_LINE = re.compile(rf"^\s*{_UNIT}", re.I)
# "Table 2 shows that …" is a sentence about a table, not its caption.
_REFERS = re.compile(r"\b(shows?|presents?|lists?|summari[sz]es|gives|illustrates|compares|indicates)\b|显示|列出|给出|表明", re.I)
_SENTENCE_END = re.compile(r"[.。!！?？;；:：,，]$")
# "Table 2: List prices" is a caption whatever words follow the label.
_LABELLED = re.compile(r"^\s*(?:table|tab\.|exhibit|表)\s*[\w.-]+\s*[:：]", re.I)


def caption_of(above: list[str]) -> tuple[str | None, int]:
    """The caption of a table given the lines right above it (nearest last): (caption, lines used).

    The caption starts at the nearest line that reads like one ("Table 2: …", "表 7.5 …",
    "单位：亿元") and runs down to the table, so a caption wrapped over two lines stays whole.
    A unit line right above the table takes along the title or period line above it.
    """
    above = [line.strip() for line in above[-3:]]
    starts = [k for k, line in enumerate(above)
              if CAPTION.match(line) and (_LABELLED.match(line) or not _REFERS.search(line)) and len(line) <= 200]
    if not starts:
        return None, 0
    k = starts[-1]
    if k == len(above) - 1 and _UNIT_LINE.match(above[k]) and k > 0:
        title = above[k - 1]
        if title and len(title) <= 120 and not _SENTENCE_END.search(title):
            k -= 1
    return " ".join(above[k:]), len(above) - k


# ---------------------------------------------------------------------------------------------
# Markdown

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE = re.compile(r"^\s*>\s?")
_MARKUP = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image -> its alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link -> its text
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *emphasis*
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),  # _emphasis_ (not snake_case)
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"<[^>\n]{1,200}>"), ""),  # inline HTML such as <sup>1</sup>, <br>
]


def strip_markup(text: str) -> str:
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text.strip()


def _cells(line: str) -> tuple[str, ...]:
    body = line.strip().removeprefix("|").removesuffix("|")
    return tuple(strip_markup(cell.replace("\\|", "|")) for cell in re.split(r"(?<!\\)\|", body))


def markdown_blocks(text: str) -> list[Block]:
    """Headings, pipe tables (with a caption line above them) and paragraphs, in order."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            joined = join_lines(strip_markup(line) for line in para)
            if joined:
                blocks.append(Block(kind="text", text=joined))
            para.clear()

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _TABLE_ROW.match(line) and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            # The caption is the line right above, or the one-line paragraph before a blank line.
            if para:
                caption, used = caption_of([strip_markup(x) for x in para])
                del para[len(para) - used :]
                flush()
            else:
                caption, used = caption_of([blocks[-1].text]) if blocks and blocks[-1].kind == "text" else (None, 0)
                if used:
                    blocks.pop()
            rows = [_cells(line)]
            i += 2
            while i < len(lines) and _TABLE_ROW.match(lines[i]):
                rows.append(_cells(lines[i]))
                i += 1
            blocks.append(table_block(rows, caption))
            continue
        if heading := _HEADING.match(line):
            flush()
            if title := strip_markup(heading.group(2)):
                blocks.append(Block(kind="heading", text=title))
        elif not line.strip():
            flush()
        elif _LIST_ITEM.match(line):
            flush()
            para.append(_LIST_ITEM.sub("", line, count=1))
        else:
            para.append(_QUOTE.sub("", line, count=1))
        i += 1
    flush()
    return blocks


def table_block(rows: list[tuple[str, ...]] | list[list[str]], caption: str | None, **where) -> Block:
    """A table Block: rows padded to one width, text = one line per row with ' | ' between cells."""
    width = max(len(row) for row in rows)
    padded = tuple(tuple(row) + ("",) * (width - len(row)) for row in rows)
    text = "\n".join(" | ".join(row) for row in padded)
    return Block(kind="table", text=text, rows=padded, caption=caption, **where)


# ---------------------------------------------------------------------------------------------
# Plain text

_TITLE_MAX = 120
_HEADING_MAX = 80


def plain_blocks(text: str) -> list[Block]:
    """Blank-line separated paragraphs; the title line and short lone lines become headings."""
    blocks: list[Block] = []
    groups = [g.splitlines() for g in re.split(r"\n\s*\n", text.strip())]
    for n, group in enumerate(groups):
        group = [line.strip() for line in group if line.strip()]
        if not group:
            continue
        first = group[0]
        lone_heading = len(group) == 1 and len(first) <= _HEADING_MAX and not _SENTENCE_END.search(first)
        # A section label on its own line above its paragraph ("Summary", "United States").
        leading_heading = len(first) <= _HEADING_MAX and _opens_with_title(group)
        if lone_heading or (n == 0 or leading_heading) and _opens_with_title(group):
            blocks.append(Block(kind="heading", text=first))
            group = group[1:]
        if group:
            blocks.append(Block(kind="text", text=join_lines(group)))
    return blocks


def _opens_with_title(group: list[str]) -> bool:
    """Whether the first line of the opening paragraph is a title rather than the start of a
    hard-wrapped paragraph: unpunctuated, not continued in lowercase, and not as long as a
    wrapped line (a title is short or clearly shorter than the line after it)."""
    first = group[0]
    if len(first) > _TITLE_MAX or _SENTENCE_END.search(first):
        return False
    if len(group) == 1:
        return True
    second = group[1]
    return not second[0].islower() and (len(first) <= 60 or len(first) < 0.8 * len(second))


# ---------------------------------------------------------------------------------------------
# Readers


def _title(blocks: list[Block], text: str, fallback: str) -> str:
    for block in blocks:
        if block.kind == "heading":
            return block.text
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        return fallback
    return first if len(first) <= _TITLE_MAX else first[: _TITLE_MAX - 1].rstrip() + "…"


def read_text(data: bytes, name: str, doc_id: str, *, markdown: bool) -> Document:
    """A Document from the bytes of a .txt or .md file."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    blocks = markdown_blocks(text) if markdown else plain_blocks(text)
    if not blocks:
        raise UnreadableDocument("no text in file", "the file holds only whitespace or markup")
    return Document(
        id=doc_id,
        title=_title(blocks, text, name),
        source=name,
        format="md" if markdown else "txt",
        published=find_published(strip_markup(line) for line in text.splitlines()[: 3 * OPENING_LINES]),
        language=detect_language(text[:20000]),
        blocks=tuple(blocks),
    )

