"""PDF reader: pypdfium2 for text and boxes, pdfplumber for ruled tables only.

Speed comes from asking pdfium for a page's text in one call and for boxes per *line* (first
and last character), never per character; pdfplumber, about fifty times slower, runs only on
pages whose vector graphics look like a ruled table. Boxes use pdfplumber's convention: points,
origin at the top-left corner of the media box.
"""
from __future__ import annotations

import ctypes
import io
import re
import statistics
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from miner.errors import EncryptedDocument, TooLarge, UnreadableDocument
from miner.lang import detect_language
from miner.model import Block, Box, Document
from miner.read.text import OPENING_LINES, caption_of, find_published, join_lines, joined_spans, table_block

if TYPE_CHECKING:
    import pypdfium2

# PDFium is not thread-safe; the API may read uploads from several worker threads at once.
_PDFIUM_LOCK = threading.Lock()

# pdfium ends a line with CRLF, and marks a word hyphenated across lines with U+FFFE (or 0x02
# in older builds) instead of a line break.
_BREAK = re.compile(r"(\r\n|[\r\n\ufffe\x02])")
_SOFT_HYPHEN = "\ufffe\x02"
_SENTENCE_END = re.compile(r"[.。!！?？;；:：,，]$")
_LETTER = re.compile(r"[^\W\d_]")
# "173", "－ 15 －", "Page 3 of 10", "第3页": a page number alone on its line.
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—－_.·|/]*(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?[\s\-–—－_.·|/]*$|^第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?$",
    re.I,
)
_JUNK_TITLE = re.compile(
    r"^(untitled|document\d*|新規文書\d*|新建.*文档\d*|microsoft (word|excel|powerpoint) - .*|.*\.(pdf|docx?|xlsx?"
    r"|pptx?|exe|indd|qxd|tex|dvi|ps|rtf|txt|html?))$",
    re.I,
)
# Bullets drawn from the Symbol font come out in Unicode's private use area.
_SYMBOL_BULLETS = str.maketrans({"\uf0b7": "•", "\uf0a7": "▪", "\uf0d8": "➢", "\uf0fc": "✓", "\uf06e": "■"})
_SYMBOL_FONT = re.compile("[\uf000-\uf0ff]")
_BULLETS = "•▪➢✓■●◦"
_BOLD_NAME = re.compile(rb"bold|black|heavy", re.I)
_JUNK_AUTHOR = re.compile(r"^(anonymous|unknown|user|admin|administrator|owner)$", re.I)


@dataclass(slots=True)
class _Line:
    """One text line on a page, as pdfium reports it: its text is pdfium's characters
    [index, index + len(text)); box in top-left coordinates; font size of its first character."""

    text: str
    index: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    height: float  # bottom - top, at least 1
    bold: bool = False

    def box(self) -> dict[str, float]:
        return {"x0": self.x0, "top": self.top, "x1": self.x1, "bottom": self.bottom}


@dataclass(frozen=True)
class _Table:
    rows: list[list[str]]
    box: Box


@dataclass
class _Page:
    lines: list[_Line]
    width: float
    height: float
    ruled: bool = False
    tables: list[_Table] = field(default_factory=list)


@dataclass(frozen=True)
class _Para:
    """A block in the making, with the style of its first line (headings are told by it)."""

    block: Block
    size: float = 0.0
    bold: bool = False


def read_pdf(data: bytes, name: str, doc_id: str, *, password: str | None = None, max_pages: int | None = None) -> Document:
    """A Document from PDF bytes: paragraphs and headings with line boxes, ruled tables as rows."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError as exc:
            raise _open_error(exc, password) from None
        with pdf:
            count = len(pdf)
            if max_pages is not None and count > max_pages:
                raise TooLarge(f"PDF has {count} pages, limit {max_pages}", "raise MINER_MAX_PAGES or split the file")
            meta = pdf.get_metadata_dict(skip_empty=True)
            pages = [_read_page(pdf, i) for i in range(count)]
    if not any(page.lines for page in pages):
        if not _draws_anything(data, password):
            raise UnreadableDocument("no text: every page is empty", "the PDF is blank, or its page contents are damaged")
        raise UnreadableDocument("no text layer: scanned document, OCR not supported", "run OCR on it first")
    ruled = [i for i, page in enumerate(pages) if page.ruled]
    if ruled:
        for i, tables in _find_tables(data, password, ruled).items():
            pages[i].tables = tables
        if any(page.tables for page in pages):
            with _PDFIUM_LOCK, pdfium.PdfDocument(data, password=password) as pdf:
                for i, page in enumerate(pages):
                    if page.tables:
                        _cut_tables(pdf, i, page)
    opening = [line.text for page in pages[:2] for line in page.lines][: 3 * OPENING_LINES]
    _drop_running_lines(pages)
    paras = _mark_headings([para for number, page in enumerate(pages, 1) for para in _page_blocks(page, number)])
    blocks = tuple(para.block for para in paras)
    return Document(
        id=doc_id,
        title=_title(meta, paras, name),
        source=name,
        format="pdf",
        published=find_published(opening) or _pdf_date(meta.get("CreationDate", "")),
        author=_author(meta),
        language=detect_language("\n".join(block.text for block in blocks[:200])[:20000]),
        pages=count,
        blocks=blocks,
    )


def _draws_anything(data: bytes, password: str | None, pages: int = 50) -> bool:
    """Whether any of the first pages holds an object (image, path, text...): a page whose
    content stream cannot be decoded holds none, like a blank one; a scan holds images."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK, pdfium.PdfDocument(data, password=password) as pdf:
        for i in range(min(len(pdf), pages)):
            page = pdf[i]
            try:
                if next(iter(page.get_objects(max_depth=2)), None) is not None:
                    return True
            finally:
                page.close()
    return False


def _open_error(exc: Exception, password: str | None) -> Exception:
    code = getattr(exc, "err_code", None)
    if code == 4:  # FPDF_ERR_PASSWORD
        if password is None:
            return EncryptedDocument("encrypted PDF: password required", "pass --password")
        return EncryptedDocument("encrypted PDF: wrong password", "check the value given with --password")
    if code == 6:  # FPDF_ERR_SECURITY
        return EncryptedDocument("encrypted PDF: unsupported security handler", "decrypt it with another tool first")
    if code == 3:  # FPDF_ERR_FORMAT
        return UnreadableDocument("corrupt PDF: not a valid PDF structure", "the file is damaged or not a PDF")
    return UnreadableDocument(f"cannot open PDF: {exc}", "the file is damaged or not a PDF")


# ---------------------------------------------------------------------------------------------
# pdfium: lines, and whether a page may hold a ruled table


def _read_page(pdf: pypdfium2.PdfDocument, index: int) -> _Page:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        page = pdf[index]
        try:
            left, bottom, right, top = page.get_mediabox()
            ruled = _looks_ruled(page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject)
            textpage = page.get_textpage()
            try:
                lines = _lines(textpage, left, top)
            finally:
                textpage.close()
        finally:
            page.close()
    except pdfium.PdfiumError:
        return _Page([], 0.0, 0.0)  # one damaged page should not cost the rest of the document
    return _Page(lines, right - left, top - bottom, ruled and bool(lines))


def _lines(textpage, left: float, top: float) -> list[_Line]:
    import pypdfium2.raw as raw

    count = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) != count:
        # Rare: pdfium's text output skipped or added characters; rebuild it char by char so
        # that indices match the character boxes.
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 32) for i in range(count))
    if _SYMBOL_FONT.search(text):
        text = text.translate(_SYMBOL_BULLETS)  # one for one: indexes still match (and it is slow, so only when needed)
    handle = textpage.raw
    loose, font_size = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetFontSize
    size, size_key = 0.0, None
    first, last = raw.FS_RECTF(), raw.FS_RECTF()
    lines = []
    parts = _BREAK.split(text)  # [line, break, line, break, ..., line]
    start = 0
    for k in range(0, len(parts), 2):
        segment = parts[k]
        brk = parts[k + 1] if k + 1 < len(parts) else ""
        line_start, start = start, start + len(segment) + len(brk)
        stripped = segment.strip()
        if not stripped:
            continue
        s = line_start + len(segment) - len(segment.lstrip())
        e = s + len(stripped)  # exclusive; a soft hyphen sits at e
        if not (loose(handle, s, first) and loose(handle, e - 1, last)):
            continue
        if brk in _SOFT_HYPHEN and brk:
            stripped += "-"
            e += 1
        x0, y_top, x1, y_bottom = first.left, first.top, last.right, last.bottom
        if stripped[0] in _BULLETS and len(stripped) > 2:
            size = round(font_size(handle, s + 2), 1)  # the text's size, not the bullet's
            size_key = None
        elif first.top - first.bottom != size_key:
            # A loose box spans the font's ascent to descent: while its height stays the same,
            # so does the font size, and pdfium need not be asked again.
            size_key, size = first.top - first.bottom, round(font_size(handle, s), 1)
        if last.top > y_top:
            y_top = last.top
        if first.bottom < y_bottom:
            y_bottom = first.bottom
        if x1 < x0:  # right-to-left or rotated text
            x0, x1 = last.left, first.right
        lines.append(_Line(stripped, s, x0 - left, top - y_top, x1 - left, top - y_bottom, size, max(y_top - y_bottom, 1)))
    # Boldness only matters for one-line headings, which are shorter than the usual line:
    # asking pdfium only about those saves two calls on most lines of running text.
    usual = statistics.median([line.x1 - line.x0 for line in lines]) if lines else 0.0
    font_name = ctypes.create_string_buffer(64)
    for line in lines:
        if line.x1 - line.x0 < 0.75 * usual:
            line.bold = _is_bold(handle, line.index, font_name)
    return lines


def _is_bold(handle, index: int, name: ctypes.Array) -> bool:
    import pypdfium2.raw as raw

    weight = raw.FPDFText_GetFontWeight(handle, index)
    if weight > 0:
        return weight >= 600
    # The 14 standard fonts report no weight; their names say it ("Helvetica-Bold").
    raw.FPDFText_GetFontInfo(handle, index, name, 64, None)
    return _BOLD_NAME.search(name.value) is not None


def _char_boxes(handle, start: int, end: int, left: float, top: float) -> list:
    import pypdfium2.raw as raw

    rect = raw.FS_RECTF()
    boxes = []
    for i in range(start, end):
        if raw.FPDFText_IsGenerated(handle, i) or not raw.FPDFText_GetLooseCharBox(handle, i, rect):
            boxes.append(None)
        else:
            boxes.append((rect.left - left, top - rect.top, rect.right - left, top - rect.bottom))
    return boxes


def _looks_ruled(container, count_objects, get_object, depth: int = 0) -> bool:
    """Whether the page's vector paths could make a ruled table: several horizontal and vertical
    rules, several boxes, or one big many-segment grid. Reads path bounds only, not segments."""
    import pypdfium2.raw as raw

    bounds = [ctypes.c_float() for _ in range(4)]
    get_type, path, form = raw.FPDFPageObj_GetType, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
    horizontal = vertical = boxes = 0
    for i in range(count_objects(container)):
        obj = get_object(container, i)
        kind = get_type(obj)
        if kind == path:
            raw.FPDFPageObj_GetBounds(obj, *bounds)
            width = bounds[2].value - bounds[0].value
            height = bounds[3].value - bounds[1].value
            if height < 3 and width > 8:
                horizontal += 1
            elif width < 3 and height > 8:
                vertical += 1
            elif width > 8 and height > 8:
                segments = raw.FPDFPath_CountSegments(obj)
                if segments >= 10 and width > 50 and height > 20:
                    return True  # a whole grid drawn as one path
                boxes += segments >= 4
            if (horizontal >= 2 and vertical >= 2) or boxes >= 4:
                return True
        elif kind == form and depth < 4:
            if _looks_ruled(obj, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, depth + 1):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# pdfplumber: tables on ruled pages


def _find_tables(data: bytes, password: str | None, page_indexes: list[int]) -> dict[int, list[_Table]]:
    import pdfplumber

    found: dict[int, list[_Table]] = {}
    try:
        # `pages` keeps pdfplumber from setting up the pages it will not look at.
        with pdfplumber.open(io.BytesIO(data), password=password or "", pages=[i + 1 for i in page_indexes]) as plumber:
            for i, page in zip(page_indexes, plumber.pages):
                left, top = page.mediabox[0], page.mediabox[1]
                found[i] = []
                for table in page.find_tables():
                    if rows := _clean_rows(table.extract()):
                        x0, t, x1, b = table.bbox
                        found[i].append(_Table(rows, Box(x0=x0 - left, top=t - top, x1=x1 - left, bottom=b - top)))
                page.close()
    except Exception:  # noqa: BLE001 - pdfminer can fail where pdfium did not: keep the text
        return found
    return found


def _clean_rows(rows: list[list[str | None]]) -> list[list[str]]:
    """Cells as one-line text; empty rows and columns dropped. A table of one row or one column
    is a frame drawn around text, not a table, and yields nothing."""
    cleaned = [[_despace(" ".join(join_lines((cell or "").split("\n")).split())) for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    keep = [j for j in range(max(map(len, cleaned))) if any(j < len(row) and row[j] for row in cleaned)]
    cleaned = [[row[j] if j < len(row) else "" for j in keep] for row in cleaned]
    return cleaned if len(cleaned) >= 2 and len(keep) >= 2 else []


def _despace(cell: str) -> str:
    """Undo letter-spacing that pdfplumber reads as words ("0 3 / 2 5 / 2 0 16" -> "03/25/2016"):
    mostly one-character tokens, and any longer ones made of digits."""
    tokens = cell.split()
    if len(tokens) >= 4 and sum(len(t) == 1 for t in tokens) >= 0.6 * len(tokens):
        if all(len(t) == 1 or t.isdigit() for t in tokens):
            return "".join(tokens)
    return cell


# ---------------------------------------------------------------------------------------------
# Blocks


def _drop_running_lines(pages: list[_Page]) -> None:
    """Drop page numbers, and running headers, footers and side notes: text in the page's outer
    tenth that, digits aside, repeats on two pages in five or more (left and right pages often
    alternate two versions), given three or more pages."""
    margins = [[line for line in page.lines if _in_margin(line, page)] for page in pages]
    seen: dict[str, int] = {}
    for lines in margins:
        for key in {_running_key(line) for line in lines}:
            seen[key] = seen.get(key, 0) + 1
    repeated = {key for key, n in seen.items() if len(pages) >= 3 and n >= max(3, 0.4 * len(pages))}
    for page, lines in zip(pages, margins):
        drop = {id(line) for line in lines if _PAGE_NUMBER.match(line.text) or _running_key(line) in repeated}
        if drop:
            page.lines = [line for line in page.lines if id(line) not in drop]


def _in_margin(line: _Line, page: _Page) -> bool:
    return (
        line.bottom < 0.1 * page.height
        or line.top > 0.9 * page.height
        or line.x1 < 0.1 * page.width
        or line.x0 > 0.9 * page.width
    )


def _running_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", line.text)


def _page_blocks(page: _Page, number: int) -> list[_Para]:
    """The page's paragraphs and tables in reading order; table text is left out of paragraphs
    and the caption line above a table goes to the table."""
    lines = page.lines
    tables: list[_Para] = []
    used: set[int] = set()
    for table in page.tables:
        above = _lines_above(lines, table.box)
        caption, n = caption_of([lines[i].text for i in above])
        used.update(above[len(above) - n :])
        rows = [tuple(row) for row in table.rows]
        if len(rows) > 2 and rows[0][0] and not any(rows[0][1:]):
            # A first row with only its first cell filled is the table's title drawn inside
            # its frame ("NICS Firearm Background Checks"), not its column headers.
            caption = f"{caption} {rows[0][0]}" if caption else rows[0][0]
            rows = rows[1:]
        tables.append(_Para(table_block(rows, caption, page=number, box=table.box)))
    paras = [_text_block(group, number) for group in _paragraphs([x for i, x in enumerate(lines) if i not in used])]
    # A table goes right after the last block (in pdfium's reading order) that ends above it;
    # inserting from the top down lets a lower table follow a higher one.
    for table in sorted(tables, key=lambda t: t.block.box.top):
        above = [k for k, p in enumerate(paras) if p.block.box and p.block.box.bottom <= table.block.box.top + 1]
        paras.insert(above[-1] + 1 if above else 0, table)
    return paras


def _cut_tables(pdf: pypdfium2.PdfDocument, index: int, page: _Page) -> None:
    """Take out of the page's lines the characters that lie inside its tables; a line running
    from a table into text beside it keeps its outside part. Reads character boxes, but only for
    lines that touch a table."""
    boxes = [table.box for table in page.tables]
    pdf_page = pdf[index]
    try:
        left, _, _, top = pdf_page.get_mediabox()
        textpage = pdf_page.get_textpage()
        try:
            kept = []
            for line in page.lines:
                if not any(_touches(line, box) for box in boxes):
                    kept.append(line)
                    continue
                chars = _char_boxes(textpage.raw, line.index, line.index + len(line.text), left, top)
                run: list[int] = []
                for k, char in enumerate(chars + [None]):
                    if k < len(chars) and not (char and any(_centre_in(char, box) for box in boxes)):
                        run.append(k)
                    elif run:
                        kept += _sub_line(line, run, chars)
                        run = []
        finally:
            textpage.close()
    finally:
        pdf_page.close()
    page.lines = kept


def _touches(line: _Line, box: Box) -> bool:
    return line.bottom > box.top and line.top < box.bottom and line.x1 > box.x0 and line.x0 < box.x1


def _centre_in(char: tuple[float, float, float, float], box: Box) -> bool:
    x, y = (char[0] + char[2]) / 2, (char[1] + char[3]) / 2
    return box.x0 <= x <= box.x1 and box.top <= y <= box.bottom


def _sub_line(line: _Line, indexes: list[int], chars: list) -> list[_Line]:
    """The part of a line made of the characters at `indexes` (none if only spaces)."""
    text = "".join(line.text[k] for k in indexes)
    boxes = [chars[k] for k in indexes if chars[k] is not None]
    if not text.strip() or not boxes:
        return []
    x0, top, x1, bottom = (f(b[i] for b in boxes) for f, i in ((min, 0), (min, 1), (max, 2), (max, 3)))
    index = line.index + indexes[0] + len(text) - len(text.lstrip())
    return [replace(line, text=text.strip(), index=index, x0=x0, top=top, x1=x1, bottom=bottom, height=max(bottom - top, 1))]


def _lines_above(lines: list[_Line], box: Box) -> list[int]:
    """Indexes of up to three lines stacked right above a table (nearest last)."""
    chosen: list[int] = []
    limit = box.top
    for _ in range(3):
        near = [
            i
            for i, line in enumerate(lines)
            if i not in chosen
            and -1 <= limit - line.bottom <= 1.5 * line.height
            and line.x1 > box.x0
            and line.x0 < box.x1
        ]
        if not near:
            break
        nearest = max(near, key=lambda i: lines[i].bottom)
        chosen.insert(0, nearest)
        limit = lines[nearest].top
    return chosen


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Group consecutive lines into paragraphs: same font size, same column, a vertical gap no
    wider than the page's usual line gap, and no first-line indent after a finished sentence."""
    if not lines:
        return []
    pairs = [(a, b, b.top - a.bottom, _same_column(a, b)) for a, b in zip(lines, lines[1:])]
    gaps = [gap for a, _, gap, column in pairs if column and 0 <= gap < 3 * a.height]
    usual = statistics.median(gaps) if gaps else 0.0
    groups = [[lines[0]]]
    for a, b, gap, column in pairs:
        if (
            column
            and -0.5 * a.height <= gap <= usual + 0.5 * (a.height if a.height > b.height else b.height)
            and not (b.x0 - a.x0 > a.size and _SENTENCE_END.search(a.text))
            and b.text[0] not in _BULLETS  # each list item is a paragraph of its own
        ):
            groups[-1].append(b)
        else:
            groups.append([b])
    return groups


def _same_column(a: _Line, b: _Line) -> bool:
    return abs(a.size - b.size) <= 0.15 * max(a.size, b.size) and b.x0 < a.x1 and a.x0 < b.x1


def _text_block(lines: list[_Line], page: int) -> _Para:
    text, spans = joined_spans(line.text for line in lines)
    # One validation call per block from plain dicts: pydantic builds the nested boxes in Rust,
    # several times faster than constructing a Box and a LineSpan per line in Python.
    block = Block.model_validate(
        {
            "kind": "text",
            "text": text,
            "page": page,
            "box": {
                "x0": min(line.x0 for line in lines),
                "top": min(line.top for line in lines),
                "x1": max(line.x1 for line in lines),
                "bottom": max(line.bottom for line in lines),
            },
            "lines": [{"start": s, "end": e, "box": line.box()} for (s, e), line in zip(spans, lines) if e > s],
        }
    )
    return _Para(block, lines[0].size, lines[0].bold)


def _mark_headings(paras: list[_Para]) -> list[_Para]:
    """Short unpunctuated paragraphs set larger than the body text, or bold on one line, are
    headings. The body size is the size most of the characters are set in."""
    weight: dict[float, int] = {}
    for para in paras:
        if para.block.kind == "text":
            weight[para.size] = weight.get(para.size, 0) + len(para.block.text)
    if not weight:
        return paras
    body = max(weight, key=weight.__getitem__)
    marked = []
    for para in paras:
        block = para.block
        if (
            block.kind == "text"
            and len(block.text) <= 150
            and _LETTER.search(block.text)
            and not _SENTENCE_END.search(block.text)
            and block.box.x1 - block.box.x0 >= block.box.bottom - block.box.top  # not set sideways
            and (para.size >= 1.15 * body or (para.bold and len(block.lines) == 1 and para.size >= 0.95 * body))
        ):
            para = replace(para, block=block.model_copy(update={"kind": "heading"}))
        marked.append(para)
    return marked


def _title(meta: dict, paras: list[_Para], name: str) -> str:
    title = " ".join(str(meta.get("Title", "")).split())
    if title and not _JUNK_TITLE.match(title):
        return title
    first_page = [p for p in paras if p.block.page == paras[0].block.page] if paras else []
    headings = [p for p in first_page if p.block.kind == "heading"]
    if headings:
        return max(headings, key=lambda p: p.size).block.text
    for para in first_page:
        if para.block.kind == "text" and len(para.block.text) <= 120 and _LETTER.search(para.block.text):
            return para.block.text
    for para in first_page:
        if para.block.caption:
            return para.block.caption
    return name.rsplit(".", 1)[0]


def _author(meta: dict) -> str | None:
    author = " ".join(str(meta.get("Author", "")).split())
    return author if author and not _JUNK_AUTHOR.match(author) else None


def _pdf_date(value: str) -> date | None:
    """A PDF date string ("D:20260306120000+08'00'") as a date.

    Used only when the document states no date of its own: CreationDate is when the file was
    made, which for a report is close to its release; ModDate moves whenever anyone re-saves,
    annotates or optimises the file, so it is never used.
    """
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", value.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        return None
