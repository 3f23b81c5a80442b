"""Document -> Passages: the sentences, headings and table rows claims are quoted from.

Sentences are split by rules, not a model: fast, deterministic, and right on what reports are
made of -- decimals ("5.3"), abbreviations ("U.S.", "e.g.", "Inc.", "No. 5"), initials,
citation markers ("[1]"), and Chinese punctuation (。！？；). Each passage keeps where it came
from: page, block, character span in the block's text, and for PDFs the box of its lines.
"""
from __future__ import annotations

import re

from miner.lang import CJK as _CJK
from miner.lang import detect_language
from miner.model import Block, Box, Document, Passage

# Abbreviations never end a sentence; the second set only when a number follows ("No. 5").
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep", "rev",
    "inc", "ltd", "co", "corp", "llc", "plc", "bros", "dept", "univ", "assn",
    "vs", "cf", "al", "approx", "est", "ca", "viz", "e.g", "i.e", "a.m", "p.m",
}
_BEFORE_NUMBER = {
    "no", "nos", "fig", "figs", "vol", "p", "pp", "art", "sec", "ch", "tab", "ref", "eq", "op",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
_CLOSERS = "\"'”’」』）)】]》"
# A sentence end: Chinese full stops always; ASCII ones when whitespace or Chinese follows.
# Closing quotes and brackets and citation markers ("[1]", "[2, 3]") stay with the sentence.
_END = re.compile(
    rf"(?:[。！？；]+|[!?]+|\.{{3}}|…|\.|;(?=[{_CJK}]))[{re.escape(_CLOSERS)}]*(?:\[\d+(?:[,–-]\s*\d+)*\])*"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_OPENERS = "\"'“‘([（【「『《•▪◦●■–—-"
_ENUMERATOR = re.compile(r"\(?(?:\d{1,3}|[ivxIVX]{1,4}|[A-Za-z])")  # "1." "iv." "a." opening a line
_ENCLOSED = re.compile(r"\([^()\n]{0,300}\)|\[[^\[\]\n]{0,300}\]|（[^（）\n]{0,300}）")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_NUMBER_AHEAD = re.compile(r"\s*\d")
# No real sentence is this long; a data dump or minified page without full stops can be. Such a
# run is cut at clause breaks (else spaces) so that extraction, which costs more than linear time
# in a sentence's length, stays linear in the document's.
MAX_SENTENCE = 1000
# The same for a table row: one as wide as this is split into groups of columns.
MAX_COLUMNS = 50
_CLAUSE_BREAK = re.compile(r"[;；,，、:：]\s*|\s+")


def segment(doc: Document) -> list[Passage]:
    """Passages in document order: headings, sentences of text blocks, data rows of tables."""
    passages: list[Passage] = []
    heading: str | None = None
    for number, block in enumerate(doc.blocks):
        where = {"page": block.page, "block": number}
        if block.kind == "heading":
            text = block.text.strip()
            if text:
                start = block.text.index(text)
                passages.append(
                    Passage(index=len(passages), text=text, kind="heading", language=detect_language(text),
                            box=block.box, start=start, end=start + len(text), context=heading, **where)
                )
                heading = text
        elif block.kind == "table":
            for row in _table_rows(block, block.caption or heading):
                passages.append(row.model_copy(update={"index": len(passages), **where}))
        else:
            for start, end in sentence_spans(block.text):
                text = block.text[start:end]
                passages.append(
                    Passage(index=len(passages), text=text, language=detect_language(text),
                            box=_box(block, start, end), start=start, end=end, context=heading, **where)
                )
    return passages


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence in `text`, surrounding whitespace excluded."""
    protected = [m.span() for m in _ENCLOSED.finditer(text)]
    cuts = []
    for match in _END.finditer(text):
        if _is_end(text, match, protected, cuts[-1] if cuts else 0):
            cuts.append(match.end())
    cuts.append(len(text))
    spans = []
    start = 0
    for cut in cuts:
        for piece_start, piece_end in _lines(text, start, cut):
            spans += _capped(text, piece_start, piece_end)
        start = cut
    return spans


def _capped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) as is, or cut into pieces of at most MAX_SENTENCE characters: after the last
    clause break in the second half of each piece, else after its last space, else anywhere."""
    spans = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        breaks = [m for m in _CLAUSE_BREAK.finditer(text, start + MAX_SENTENCE // 2, limit) if m.end() <= limit]
        clause = [m for m in breaks if not m.group()[0].isspace()]
        best = (clause or breaks or [None])[-1]
        cut = best.end() if best else limit
        piece = text[start:cut].rstrip()
        spans.append((start, start + len(piece)))
        start = cut + len(text[cut:end]) - len(text[cut:end].lstrip())
    if end > start:
        spans.append((start, end))
    return spans


def _is_end(text: str, match: re.Match, protected: list[tuple[int, int]], since: int) -> bool:
    """Whether the punctuation `match` ends a sentence that began at `since`."""
    at = match.start()
    if any(s < at < e - 1 for s, e in protected):
        return False  # inside brackets: "(see Fig. 3.)", "（注：……。）"
    mark = match.group()
    if mark[0] in "。！？；;":
        return True
    after = text[match.end() : match.end() + 3].lstrip()
    if match.end() < len(text) and not text[match.end()].isspace() and not _CJK_CHAR.match(text[match.end()]):
        return False  # "5.3", "U.S.A", "e.g.," – not followed by a space
    if after and not (after[0].isupper() or after[0].isdigit() or after[0] in _OPENERS or _CJK_CHAR.match(after[0])):
        return False  # "e.g. the", "Yahoo! reported": a lowercase word goes on with the sentence
    if mark[0] != ".":
        return True
    token = _TOKEN_BEFORE.search(text[max(since, at - 40) : at])
    original = token.group(1) if token else ""
    word = original.lstrip(_OPENERS).lower()
    if word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        return False  # "Inc.", "e.g.", "U.S."
    if word in _BEFORE_NUMBER and _NUMBER_AHEAD.match(text, match.end()):
        return False  # "No. 5", "Sept. 30"
    if len(word) == 1 and word.isalpha() and original[-1].isupper():
        return False  # an initial: "J. Smith"
    if _ENUMERATOR.fullmatch(text[since:at].strip()):
        return False  # "1. Introduction": a list number, not a sentence
    return True


def _lines(text: str, start: int, end: int):
    """The non-blank lines of text[start:end], stripped, as spans: a line break always ends a
    sentence (list items and table-like lines are not run together)."""
    for match in re.finditer(r"[^\n]+", text[start:end]):
        piece = match.group()
        stripped = piece.strip()
        if stripped:
            offset = start + match.start() + (len(piece) - len(piece.lstrip()))
            yield offset, offset + len(stripped)


def _box(block: Block, start: int, end: int) -> Box | None:
    """Union of the boxes of the block's lines that the span [start, end) touches."""
    box = None
    for line in block.lines:
        if line.start < end and line.end > start:
            box = line.box if box is None else box.union(line.box)
    return box


def _table_rows(block: Block, context: str | None) -> list[Passage]:
    """One passage per data row, quoted as "Header: cell; Header: cell"."""
    rows = [tuple(row) for row in block.rows or ()]
    if len(rows) < 2:
        return []
    headers, data = _headers(rows)
    offsets = _row_offsets(block.text, len(rows))
    passages = []
    labels: tuple[str, ...] = ()
    for k, row in enumerate(data, start=len(rows) - len(data)):
        if not any(row):
            continue
        row, labels = _fill_labels(row, labels)
        start, end = offsets[k]
        for part_headers, part in _column_groups(headers + ("",) * (len(row) - len(headers)), row):
            text = "; ".join(f"{h}: {c}" if h else c for h, c in zip(part_headers, part) if c)
            passages.append(
                Passage(index=0, text=text, kind="table_row", language=detect_language(text), box=block.box,
                        start=start, end=end, headers=part_headers, cells=part, context=context)
            )
    return passages


def _column_groups(headers: tuple[str, ...], row: tuple[str, ...]):
    """A row as is, or, past MAX_COLUMNS cells, in groups that each repeat the row's label cell:
    every claim quotes its passage, so one passage per very wide row would make the stored and
    embedded text grow with the square of the table's width."""
    if len(row) <= MAX_COLUMNS:
        yield headers[: len(row)], row
        return
    step = MAX_COLUMNS - 1
    for j in range(1, len(row), step):
        yield (headers[0], *headers[j : j + step]), (row[0], *row[j : j + step])


def _fill_labels(row: tuple[str, ...], labels: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Fill in label cells merged down over several rows, which hold text on the first row only
    ("高速公路" over three rows). Only a row with figures borrows, and only the empty cells that
    open it, so a new group label ("一级公路") does not inherit the old group's sub-labels."""
    first_value = next((j for j, cell in enumerate(row) if any(ch.isdigit() for ch in cell)), len(row))
    if first_value == len(row):
        return row, labels  # a row without figures: a sub-heading such as "当期変動額"
    lead = next((j for j, cell in enumerate(row) if cell), len(row))
    filled = tuple(labels[j] if j < min(lead, first_value, len(labels)) else cell for j, cell in enumerate(row))
    return filled, filled[:first_value]


def _headers(rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The column headers and the data rows. A second row whose first cell is empty, under a
    first row with empty (merged) cells, continues the header: "株主资本" over "资本金" gives
    "株主资本 资本金"."""
    first = rows[0]
    if len(rows) >= 3 and not rows[1][0] and not all(first[1:]):
        filled, last = [], ""
        for cell in first:
            last = cell or last
            filled.append(cell or (last if filled else ""))
        merged = tuple(" ".join(part for part in (a, b) if part) for a, b in zip(filled, rows[1]))
        return merged, rows[2:]
    return first, rows[1:]


def _row_offsets(text: str, count: int) -> list[tuple[int, int]]:
    """[start, end) of each row's line in the table block's text (the whole text if the lines
    do not match the rows)."""
    lines = text.split("\n")
    if len(lines) != count:
        return [(0, len(text))] * count
    offsets, start = [], 0
    for line in lines:
        offsets.append((start, start + len(line)))
        start += len(line) + 1
    return offsets
