"""HTML reader: trafilatura keeps the main text (no navigation, footers, scripts) with its
headings, paragraphs, lists and tables; title, author and date come from the page's meta tags.

lxml, under trafilatura, stops building the tree 256 levels deep, so a deeply nested page can
come back empty; the standard library's event parser then reads its text instead.
"""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from miner.errors import UnreadableDocument
from miner.lang import detect_language
from miner.model import Block, Document
from miner.read.text import caption_of, decode_text, find_published, looks_binary, table_block

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "citation_publication_date",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "date",
    "pubdate",
    "publish-date",
    "publish_date",
    "sailthru.date",
)
_TITLE_META = ("og:title", "twitter:title", "citation_title", "dc.title")
_AUTHOR_META = ("author", "article:author", "citation_author", "dc.creator", "byl")
_ISO_DATE = re.compile(r"((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_SKIP = {"script", "style", "noscript", "template", "svg", "nav", "footer", "header", "aside", "form", "head"}
_BREAKS = {"p", "div", "section", "article", "main", "li", "tr", "br", "table", "ul", "ol", "blockquote", "pre", "dd", "dt"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def read_html(data: bytes, name: str, doc_id: str) -> Document:
    """A Document from the bytes of an HTML page."""
    html = _decode(data)
    page = _PageScan()
    try:
        page.feed(html)
        page.close()
    except Exception as exc:  # noqa: BLE001 - html.parser is lenient; whatever still breaks it, say so
        raise UnreadableDocument(f"cannot parse HTML: {type(exc).__name__}", "is the file really HTML?") from None
    blocks = _main_blocks(html) or page.blocks()
    if not blocks:
        raise UnreadableDocument("no readable text in HTML page", "the page may need JavaScript to show its text")
    meta = page.meta
    title = next((meta[key] for key in _TITLE_META if meta.get(key)), None) or page.title
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading"), None) or name.rsplit(".", 1)[0]
    text = "\n".join(block.text for block in blocks)
    return Document(
        id=doc_id,
        title=" ".join(title.split()),
        source=name,
        format="html",
        published=_meta_date(meta) or page.time or find_published(text.splitlines()),
        author=next((meta[key] for key in _AUTHOR_META if meta.get(key)), None),
        language=detect_language(text[:20000]),
        blocks=tuple(blocks),
    )


def _decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    if declared and not looks_binary(data):
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: detect instead
    return decode_text(data)


def _main_blocks(html: str) -> list[Block]:
    """The main content as blocks, via trafilatura's XML output; [] when it finds nothing."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            html,
            output_format="xml",
            include_tables=True,
            include_comments=False,
            include_images=False,
            config=_trafilatura_config(),
        )
        root = etree.fromstring(xml.encode("utf-8")) if xml else None
    except Exception:  # noqa: BLE001 - trafilatura can fail on hostile markup; the fallback reads it
        return []
    if root is None:
        return []
    main = root.find("main")
    blocks: list[Block] = []
    for element in main if main is not None else root:
        if element.tag == "table":
            rows = [tuple(_flat(cell) for cell in row.iter("cell")) for row in element.iter("row")]
            rows = [row for row in rows if any(row)]
            if len(rows) >= 2:
                caption = _pop_caption(blocks)
                blocks.append(table_block(rows, caption))
        elif element.tag == "list":
            blocks.extend(Block(kind="text", text=text) for item in element.iter("item") if (text := _flat(item)))
        elif text := _flat(element):
            blocks.append(Block(kind="heading" if element.tag == "head" else "text", text=text))
    return blocks


def _flat(element) -> str:
    """An element's text with whitespace runs collapsed to single spaces."""
    return " ".join("".join(element.itertext()).split())


def _pop_caption(blocks: list[Block]) -> str | None:
    """If the paragraph before a table reads like its caption, take it off and return it."""
    if not blocks or blocks[-1].kind != "text":
        return None
    caption, used = caption_of([blocks[-1].text])
    if used:
        blocks.pop()
    return caption


def _trafilatura_config():
    from copy import deepcopy

    import trafilatura.settings

    config = deepcopy(trafilatura.settings.DEFAULT_CONFIG)
    # The defaults drop extractions under 250 characters and then fall back to other
    # algorithms that repeat paragraphs or keep the navigation; short reports are normal here.
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    # The timeout uses signals, which only work in the main thread; the API reads in workers.
    config["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"
    return config


def _meta_date(meta: dict[str, str]) -> date | None:
    for key in _DATE_META:
        match = _ISO_DATE.search(meta.get(key, ""))
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                continue
    return None


class _PageScan(HTMLParser):
    """One pass of the standard parser: meta tags, <title>, the first <time datetime>, and the
    visible text as blocks (skipping scripts, navigation and footers) for when trafilatura
    returns nothing. Event-based, so nesting depth does not matter."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.time: date | None = None
        self._skip = 0
        self._in_title = False
        self._parts: list[tuple[str, str]] = []  # (kind, text) pieces; kind "" = a break
        self._heading = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (values.get("name") or values.get("property") or values.get("itemprop") or "").lower()
            if key and values.get("content") and key not in self.meta:
                self.meta[key] = values["content"].strip()
        elif tag == "title":
            self._in_title = True
        elif tag == "time" and self.time is None:
            match = _ISO_DATE.search(values.get("datetime", ""))
            if match:
                try:
                    self.time = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    pass
        if tag == "body":
            self._skip = 0  # a page that never closes <head>
        elif tag in _SKIP:
            self._skip += 1
        elif tag in _HEADINGS:
            self._heading += 1
            self._parts.append(("", ""))
        elif tag in _BREAKS:
            self._parts.append(("", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _HEADINGS:
            self._heading = max(0, self._heading - 1)
            self._parts.append(("", ""))
        elif tag in _BREAKS:
            self._parts.append(("", ""))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip and data.strip():
            self._parts.append(("heading" if self._heading else "text", data))

    def blocks(self) -> list[Block]:
        blocks: list[Block] = []
        pieces: list[str] = []
        kinds: set[str] = set()
        for kind, text in self._parts + [("", "")]:
            if kind:
                pieces.append(text)
                kinds.add(kind)
            elif pieces:
                blocks.append(Block(kind="heading" if kinds == {"heading"} else "text", text=" ".join(" ".join(pieces).split())))
                pieces, kinds = [], set()
        return blocks
