"""Letter languages: any language CLDR knows, named in the supporter's interface language.

A case's letters may be in Spanish, French, Arabic, Belarusian...; the interface speaks English
and Russian. Names come from CLDR through Babel ("Spanish", «испанский»), never a hand-made
table, so a new language needs no code.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

_CODE: Final = re.compile(r"^[a-z]{2,3}$")
#: Russian adjective endings: a language named by an adjective declines ("на испанском").
_ADJECTIVE: Final = re.compile(r"(ий|ый|ой)$")
#: A masculine noun ending in a consonant takes -е: иврит → «на иврите», идиш → «на идише».
_CONSONANT_NOUN: Final = re.compile(r"^[а-яё]+[бвгджзклмнпрстфхцчшщ]$")
#: Codes CLDR knows that are not a language one writes a letter in.
_NOT_LANGUAGES: Final = frozenset({"und", "mul", "zxx", "mis"})
#: Unicode's right-to-left mark: starts each line of a right-to-left letter.
RLM: Final = "\u200f"


@cache
def _locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return None


def is_language_code(code: str) -> bool:
    """Whether `code` is a language code CLDR knows (es, fr, ar, be, zh, ...)."""
    return (
        bool(_CODE.match(code))
        and code not in _NOT_LANGUAGES
        and _locale(code) is not None
        and _name(code, "en") != code
    )


@cache
def _name(code: str, ui: str) -> str:
    locale = _locale(ui)
    assert locale is not None
    return str(locale.languages.get(code, code))


def language_name(code: str, ui: str) -> str:
    """The language's name in the interface language: 'Spanish', «испанский»."""
    return _name(code, ui)


@cache
def in_language(code: str, ui: str) -> str:
    """'in Spanish', «на испанском»: the phrase a button or a heading needs."""
    name = _name(code, ui)
    if ui == "ru":
        words = name.split()
        if words and all(_ADJECTIVE.search(word) for word in words):
            return "на " + " ".join(_ADJECTIVE.sub("ом", word) for word in words)
        if _CONSONANT_NOUN.match(name):
            return f"на {name}е"
        return f"на языке {name}"  # a noun or an indeclinable name: «на языке хинди»
    return f"in {name}"


def is_rtl(code: str) -> bool:
    """Whether the language is written right to left (Arabic, Hebrew, Persian, Urdu...)."""
    locale = _locale(code)
    return locale is not None and locale.character_order == "right-to-left"


def for_display(text: str, code: str) -> str:
    """A letter ready to show and copy: right-to-left lines start with a right-to-left mark.

    Telegram decides each paragraph's direction by its first strong character; a line that
    starts with a Latin name or a number would otherwise run left to right. The mark is
    invisible and survives copying, so the pasted email keeps its direction too.
    """
    if not is_rtl(code):
        return text
    return "\n".join(RLM + line if line.strip() else line for line in text.split("\n"))


def letter_date(day: date, code: str) -> str:
    """The date at the top of a letter, as people write it in the letter's language (CLDR).

    CLDR's narrow no-break spaces ("2022 г.") become plain ones: the date is copied into
    emails and fax forms that do not all keep them.
    """
    return format_date(day, format="long", locale=code).replace("\u202f", " ")
