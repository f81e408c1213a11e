"""A document's text as clean lines: one paragraph per line, whatever the file did to it.

PDFs and pdftotext give hard-wrapped lines, page numbers, running headers and form feeds;
Word and web pages give odd spaces and invisible characters. Everything after this module
sees lines with single spaces, blank lines between blocks, and paragraphs on one line.
"""

from __future__ import annotations

import re
from collections import Counter

_ARTEFACT = re.compile(r"\[bookmark: [^\]]*\]")


_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))


_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u2009\u200a]+")


#: "3", "- 3 -", "Page 3", "Page 3 of 4", "3/4", "Seite 3 von 4", "Стр. 3".
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(?:(?:page|p\.|seite|página|pagina|стр\.?|страница)\s*)?\d{1,3}"
    r"(?:\s*(?:/|of|von|de|из|sur)\s*\d{1,3})?[-–—\s]*$",
    re.IGNORECASE,
)


def clean_lines(text: str) -> list[str]:
    """Lines without conversion artefacts, odd spaces, page furniture or hard wraps."""
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    text = _ARTEFACT.sub("", text)
    pages = [
        [_SPACES.sub(" ", line).strip() for line in page.split("\n")] for page in text.split("\f")
    ]
    lines = drop_page_furniture(pages)
    return unwrap(lines) if is_hard_wrapped(lines) else lines


def drop_page_furniture(pages: list[list[str]]) -> list[str]:
    """The pages' lines joined, without page numbers and headers or footers every page repeats."""
    if len(pages) == 1:
        page = pages[0]
        at = [i for i, line in enumerate(page) if line]
        edge = {*at[:2], *at[-2:]}
        return [
            line for i, line in enumerate(page) if not (i in edge and _PAGE_NUMBER.match(line))
        ]
    edges: Counter[str] = Counter()
    for page in pages:
        filled = [line for line in page if line]
        for line in {*filled[:2], *filled[-2:]}:
            edges[re.sub(r"\d+", "#", line)] += 1
    repeated = {line for line, count in edges.items() if count >= max(2, len(pages) // 2 + 1)}
    lines: list[str] = []
    for number, page in enumerate(pages):
        at = [i for i, line in enumerate(page) if line]
        # The first page keeps its heading ("URGENT ACTION"), which later pages repeat.
        edge = {*at[-2:]} if number == 0 else {*at[:2], *at[-2:]}
        kept = [
            line
            for i, line in enumerate(page)
            if not (
                i in edge and (_PAGE_NUMBER.match(line) or re.sub(r"\d+", "#", line) in repeated)
            )
            and not (number == 0 and i in at[:2] and _PAGE_NUMBER.match(line))
        ]
        while kept and not kept[-1]:
            kept.pop()
        while kept and not kept[0]:
            kept.pop(0)
        # No blank line between pages: a paragraph cut by the page break is joined again by
        # `unwrap`, like any other wrapped line.
        lines += kept
    return lines


def is_hard_wrapped(lines: list[str]) -> bool:
    """Whether prose was broken at a fixed width (PDF, e-mail), not one paragraph per line."""
    lengths = sorted(len(line) for line in lines if len(line) > 30)
    if len(lengths) < 8:
        return False
    width = lengths[int(len(lengths) * 0.9)]
    if width > 130:
        return False
    near = [length for length in lengths if length >= width * 0.8]
    return len(near) >= max(4, len(lengths) * 0.25)


def unwrap(lines: list[str]) -> list[str]:
    """Hard-wrapped lines of one paragraph joined again; short lines (addresses) stay lines.

    A line that reached the margin was wrapped, so the next line continues its paragraph,
    unless that line starts a block of its own (a key, a heading, a bullet) or the full line
    ends with a colon. Paragraphs are told apart by the blank lines between them.
    """
    lengths = sorted(len(line) for line in lines if len(line) > 30)
    width = lengths[int(len(lengths) * 0.9)]
    joined: list[str] = []
    full = False
    for line in lines:
        if full and line and not starts_block(line) and not joined[-1].endswith(":"):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
        full = bool(line) and len(line) >= width * 0.7
    return joined


#: Lines that begin something new even right after a full line: keys, headings, bullets.
_STARTS = re.compile(
    r"^(?:[-•*–]\s|\d{1,2}[.)]\s|[A-ZÀ-ÞА-Я][A-ZÀ-ÞА-Я '’&\"()/-]{3,}:|"
    r"[\w .'’-]{1,30}:\s*\S*@|(?:e-?mail|fax|tel|phone|salutation|twitter|facebook)\b)",
    re.IGNORECASE,
)


def starts_block(line: str) -> bool:
    """Whether a line begins a new block (a key, a heading or a bullet), never a continuation."""
    if _STARTS.match(line):
        return True
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 3 and all(c.isupper() for c in letters)


def words(line: str) -> int:
    """How many words a line has."""
    return len(line.split())


_SENTENCE_END = re.compile(r"[.!?…][”\"’)]?$")


_SENTENCE_INSIDE = re.compile(r"[^\W\d_]{2}[.!?][”\"’)]? [A-ZÀ-ÞА-Я]")


def is_prose(line: str) -> bool:
    """A sentence or more of running text: never an address line, a title or a name."""
    count = words(line)
    if count >= 20:
        return True
    return count >= 9 and bool(_SENTENCE_END.search(line) or _SENTENCE_INSIDE.search(line))
