"""Language names, month names and a text's language, from CLDR (Babel) and py3langid.

Documents name languages in their own language ("Spanish", "Spanisch", "espagnol",
"испанский") and write dates with their own month names. Both come from the Unicode CLDR
through Babel rather than a table of our own, so any language CLDR knows is understood.
"""

from __future__ import annotations

import importlib
import re
from datetime import date
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import get_month_names

#: Languages Urgent Actions are written in, whose words for languages and months we read.
DOCUMENT_LOCALES = ("en", "fr", "es", "de", "ru", "pt", "it", "nl", "pl", "uk", "ar", "tr")


@cache
def _language_names() -> dict[str, str]:
    """Lowercase language name in any document locale → ISO 639-1 code."""
    names: dict[str, str] = {}
    for locale in DOCUMENT_LOCALES:
        for code, name in Locale(locale).languages.items():
            # Two letters only: ISO 639-1, which letter templates are named by.
            if re.fullmatch(r"[a-z]{2}", code):
                names.setdefault(name.lower(), code)
    return names


def language_code(name: str) -> str | None:
    """'Spanish', 'Spanisch', 'español', 'in gutem Spanisch' → 'es'; None if no language."""
    words = name.strip().strip(".,;:()").lower().split()
    names = _language_names()
    # The name is the phrase's end: "good Spanish", "auf Deutsch", "le français".
    for start in range(len(words)):
        code = names.get(" ".join(words[start:]))
        if code is not None:
            return code
    if re.fullmatch(r"[a-z]{2}", name.strip().lower()):
        return name.strip().lower() if name.strip().lower() in names.values() else None
    return None


@cache
def _months() -> dict[str, int]:
    """Lowercase month name or abbreviation in any document locale → month number."""
    months: dict[str, int] = {}
    for locale in DOCUMENT_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                names = get_month_names(width, context, locale=locale)
                for number, name in names.items():
                    months.setdefault(name.lower().rstrip("."), number)
    months.setdefault("sept", 9)
    return months


_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_MONTH_FIRST = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s+(?:de\s+)?(\d{4})\b"
)
_NUMERIC = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")


def find_date(text: str) -> date | None:
    """The first date written in `text` in any document language ('27. Januar 2015'), or None."""
    months = _months()
    found: list[tuple[int, date]] = []
    for match in _ISO.finditer(text):
        found += _dated(match.start(), int(match[1]), int(match[2]), int(match[3]))
    for match in _MONTH_FIRST.finditer(text):
        month = months.get(match[1].lower())
        if month:
            found += _dated(match.start(), int(match[3]), month, int(match[2]))
    for match in _DAY_FIRST.finditer(text):
        month = months.get(match[2].lower())
        if month:
            found += _dated(match.start(), int(match[3]), month, int(match[1]))
    for match in _NUMERIC.finditer(text):
        # Day first, as everywhere Amnesty publishes except the US, whose documents spell months.
        found += _dated(match.start(), int(match[3]), int(match[2]), int(match[1]))
    return min(found)[1] if found else None


def _dated(at: int, year: int, month: int, day: int) -> list[tuple[int, date]]:
    try:
        return [(at, date(year, month, day))]
    except ValueError:
        return []


@cache
def _classifier() -> Any:
    # Imported on first use: loading its model takes about a second. It ships no types.
    return importlib.import_module("py3langid")


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in, or None for too little text."""
    if len(text.split()) < 5:
        return None
    code: str = _classifier().classify(text)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def language_name(code: str) -> str:
    """'es' → 'Spanish', for messages to organizers (in English, as the importer writes)."""
    return str(Locale("en").languages.get(code, code))
