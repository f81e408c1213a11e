"""Reading a document's text: .txt, Word .docx, .pdf and web pages (.html), in document order.

Every file is checked against a size limit before it is opened, and a .docx (a zip) against
what it declares unpacked, so that a hostile file is refused in one line before any library
unpacks it. The text that comes out keeps pages apart with form feeds; `text.clean_lines`
drops page furniture and re-joins hard-wrapped lines.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path
from typing import Any

#: Largest document read at all: Urgent Actions are a few pages.
MAX_BYTES = 5 * 1024 * 1024


#: Largest a .docx may unpack to, and the largest ratio of unpacked to packed size per part.
MAX_UNPACKED = 50 * 1024 * 1024
MAX_RATIO = 200
MAX_PARTS = 2000


#: Longest PDF read: a UA is two to four pages.
MAX_PAGES = 60


FORMATS = (".txt", ".docx", ".pdf", ".html", ".htm")


class DocumentError(Exception):
    """The document cannot be imported at all; the message says what to do."""


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def read_document(path: Path) -> str:
    """The document's text from .txt (UTF-8, BOM and any line ending), .docx, .pdf or .html."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DocumentError(
            f"{path}: only .txt, .docx, .pdf and .html documents can be imported "
            "(save the document in one of these formats)"
        )
    try:
        size = path.stat().st_size
    except OSError as error:
        raise DocumentError(f"{path}: cannot be read: {error.strerror}") from None
    if size > MAX_BYTES:
        raise DocumentError(
            f"{path}: {_megabytes(size)} is too large for an Urgent Action document "
            f"(the limit is {_megabytes(MAX_BYTES)}); refused without opening it"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"{path}: cannot be read: {error.strerror}") from None
    if suffix == ".txt":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentError(
                f"{path}: not UTF-8 text; save it as UTF-8 and try again"
            ) from None
    elif suffix == ".docx":
        text = _read_docx(path)
    elif suffix == ".pdf":
        text = _read_pdf(path)
    else:
        text = _read_html(raw)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- Word -----------------------------------------------------------------------------------


def check_zip(path: Path) -> None:
    """Refuse a .docx whose parts would unpack too large, before anything unpacks them."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise DocumentError(f"{path}: not a Word document (.docx is a zip file)") from None
    unpacked = sum(part.file_size for part in parts)
    ratio = max(
        (part.file_size / max(part.compress_size, 1) for part in parts if part.file_size),
        default=0,
    )
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED or ratio > MAX_RATIO:
        raise DocumentError(
            f"{path}: refused: it would unpack to {_megabytes(unpacked)} in {len(parts)} parts "
            f"(compressed up to {ratio:.0f} times; the limits are {_megabytes(MAX_UNPACKED)} "
            f"and {MAX_RATIO} times), which no Urgent Action needs: a zip bomb?"
        )


def _read_docx(path: Path) -> str:
    check_zip(path)
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises several unrelated types
        raise DocumentError(f"{path}: not a readable Word document: {error}") from None
    return "\n".join(_docx_lines(document))


def _docx_lines(document: Any) -> list[str]:
    """Paragraphs in document order; each table cell becomes a block, as officials often are."""
    lines: list[str] = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            seen: set[int] = set()
            for row in item.rows:
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell is listed once per column
                        seen.add(id(cell._tc))
                        lines += [str(cell.text), ""]
        else:
            lines.append(str(item.text))
    return lines


# -- PDF ------------------------------------------------------------------------------------


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs every repair it makes; organizers need only the one line below, if any.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path}: the PDF is password-protected; save it without one")
        if len(reader.pages) > MAX_PAGES:
            raise DocumentError(
                f"{path}: {len(reader.pages)} pages is too long for an Urgent Action "
                f"(the limit is {MAX_PAGES}); refused"
            )
        # Layout mode keeps the blank lines between paragraphs, which plain mode loses.
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise DocumentError(f"{path}: not a readable PDF: {error}") from None
    text = "\f".join(pages)
    if not text.strip():
        raise DocumentError(
            f"{path}: the PDF has no text layer (a scan?); import the document as text instead"
        )
    return text


# -- web pages ------------------------------------------------------------------------------


#: Elements that are a website's chrome or code, never the Urgent Action.
_CHROME_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "nav",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "input",
    "label",
    "dialog",
]


_CHROME_HINT = re.compile(
    r"\b(?:cookie|consent|nav|navbar|menu|breadcrumbs?|footer|share|social|newsletter"
    r"|sidebar|related|promo|banner|skip)\b",
    re.IGNORECASE,
)


_BLOCK_TAGS = [
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "address",
    "main",
    "figure",
    "figcaption",
    "hr",
    "header",
]


def _read_html(raw: bytes) -> str:
    """A saved web page's main text, one block element per paragraph."""
    from bs4 import BeautifulSoup, Tag
    from bs4.element import NavigableString

    soup = BeautifulSoup(raw, "html.parser")
    root = soup.find("main") or soup.find("article") or soup.body or soup
    assert isinstance(root, Tag)
    for tag in root.find_all(_CHROME_TAGS):
        tag.decompose()
    for tag in root.find_all("header"):
        if tag.find_parent("article") is None:  # the site's banner, not the article's title
            tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        hints = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
        role = str(tag.get("role") or "")
        if role in {"navigation", "banner", "contentinfo", "complementary"} or (
            hints and _CHROME_HINT.search(hints.replace("-", " ").replace("_", " "))
        ):
            tag.decompose()
    for text in list(root.find_all(string=True)):
        if isinstance(text, NavigableString) and not text.find_parent("pre"):
            text.replace_with(re.sub(r"\s+", " ", str(text)))
    for br in root.find_all("br"):
        br.replace_with("\n")
    for tag in root.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    lines = [line.strip() for line in root.get_text().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
