"""Reading a document's text: .txt as it is, .docx paragraphs and tables, in document order."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any


class DocumentError(Exception):
    """The document cannot be imported at all; the message says what to do."""


def read_document(path: Path) -> str:
    """The document's text, from UTF-8 `.txt` (BOM and CRLF tolerated) or Word `.docx`."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        try:
            raw = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentError(
                f"{path}: not UTF-8 text; save it as UTF-8 and try again"
            ) from None
        except OSError as error:
            raise DocumentError(f"{path}: cannot be read: {error.strerror}") from None
        return raw.replace("\r\n", "\n").replace("\r", "\n")
    if suffix == ".docx":
        try:
            # Imported here: only organizers importing Word files need python-docx.
            docx: Any = importlib.import_module("docx")
        except ImportError:
            raise DocumentError(
                f"{path}: reading .docx needs python-docx: run `pip install python-docx`"
            ) from None
        try:
            document = docx.Document(str(path))
        except Exception as error:  # python-docx raises several unrelated types
            raise DocumentError(f"{path}: not a readable Word document: {error}") from None
        return "\n".join(_docx_lines(document)).replace("\r\n", "\n").replace("\r", "\n")
    raise DocumentError(f"{path}: only .txt and .docx documents can be imported")


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
