"""What organizers type, checked before it is kept: each kind of field has its own rule.

A refusal is a `ValueProblem` naming an interface string (`author_bad_<rule>`), so the
organizer reads why in their language, with what to send instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal

import jinja2
from jinja2 import meta

from bot.content.languages import is_language_code
from bot.content.models import EMAIL_PATTERN
from bot.content.signature import clean_input
from bot.importer.languages import find_date, language_code
from bot.importer.officials import is_closing, is_salutation
from bot.importer.parsed import ParsedLetter
from bot.importer.writing import letter_template

#: Kinds of field an organizer can be asked for (`gaps.Ask.kind`).
Kind = Literal[
    "line",
    "text",
    "paragraphs",
    "number",
    "date",
    "email",
    "languages",
    "salutation",
    "letter",
    "email_subject",
    "tweet",
    "call",
    "news",
    "handles",
]

#: Longest accepted value per kind; screens must still fit Telegram's 4096 characters.
LIMITS: dict[str, int] = {
    "line": 200,
    "text": 1500,
    "paragraphs": 20000,
    "number": 30,
    "salutation": 120,
    "letter": 3000,
    "email_subject": 200,
    "tweet": 280,
    "call": 1000,
    "news": 3000,
}

#: Variables a case template may use (what `render_template` passes).
TEMPLATE_NAMES = frozenset(
    {"salutation", "signature", "handles", "person", "official_name", "official_title"}
)

_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
_NUMBER = re.compile(r"^(?:UA\s*)?(\d[\d./-]*\d|\d)$", re.IGNORECASE)


class ValueProblem(Exception):
    """What an organizer typed cannot be kept; `key` names the interface string saying why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _normalise(text: str) -> str:
    """NFC, Windows line ends gone, control and format characters dropped (bidi tricks)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    kept = "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\n\t\u200c\u200d\u200f"
    )
    return kept.strip()


def _limit(kind: str, text: str) -> str:
    limit = LIMITS.get(kind)
    if limit is not None and len(text) > limit:
        raise ValueProblem("author_bad_long", limit=limit, length=len(text))
    if not text:
        raise ValueProblem("author_bad_empty")
    return text


def parse_value(kind: str, raw: str, today: date) -> Any:
    """The value to keep for a field of this kind, or ValueProblem saying what is wrong."""
    text = _normalise(raw)
    if kind == "line":
        return _limit(kind, clean_input(text))
    if kind == "text":
        return _limit(kind, " ".join(text.split()))
    if kind == "news":
        return _limit(kind, re.sub(r"\n{3,}", "\n\n", text))
    if kind == "paragraphs":
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
        _limit(kind, "\n\n".join(paragraphs))
        return paragraphs
    if kind == "number":
        match = _NUMBER.match(text)
        if match is None:
            raise ValueProblem("author_bad_number")
        return match[1]
    if kind == "date":
        return _date(text, today)
    if kind == "email":
        return _emails(text)
    if kind == "handles":
        return handles(text)
    if kind == "languages":
        return _languages(text)
    if kind == "salutation":
        value = _limit(kind, clean_input(text).rstrip(",:;!. "))
        if "{" in value or "}" in value:
            raise ValueProblem("author_bad_braces")
        return value
    if kind in ("letter", "email_subject", "tweet", "call"):
        return template_text(kind, text)
    raise ValueError(f"unknown kind {kind}")


def _date(text: str, today: date) -> date:
    found = None
    try:
        found = date.fromisoformat(text)
    except ValueError:
        found = find_date(text)
    if found is None:
        raise ValueProblem("author_bad_date")
    if found < today:
        raise ValueProblem("author_bad_past", day=found.isoformat())
    return found


def _emails(text: str) -> list[str]:
    """One address or several (separated by commas or spaces): the first is the main one."""
    addresses = [part for part in re.split(r"[\s,;]+", text) if part]
    if not addresses:
        raise ValueProblem("author_bad_empty")
    for address in addresses:
        if not EMAIL_PATTERN.match(address):
            raise ValueProblem("author_bad_email", value=address[:80])
    return addresses


def handles(text: str) -> list[str]:
    """Twitter/X handles ('@TokayevKZ, KZAmbUS'), or ValueProblem."""
    found = []
    for part in re.split(r"[\s,;]+", _normalise(text)):
        if not part:
            continue
        match = _HANDLE.match(part.removeprefix("https://x.com/"))
        if match is None:
            raise ValueProblem("author_bad_handle", value=part[:40])
        found.append(match[1])
    if not found:
        raise ValueProblem("author_bad_empty")
    return found


def _languages(text: str) -> list[str]:
    """Language codes or names in any document language ('ru, en', 'Russian, English')."""
    codes: list[str] = []
    for part in re.split(r"[,;/]+|\s+(?:and|и|y|et|und)\s+", text):
        part = part.strip()
        if not part:
            continue
        code = part.lower() if is_language_code(part.lower()) else language_code(part)
        if code is None or not is_language_code(code):
            raise ValueProblem("author_bad_language", value=part[:40])
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueProblem("author_bad_empty")
    return codes


def _literal(text: str) -> str:
    """Typed text inside a Jinja template: a brace must not start a tag."""
    return text.replace("{", "{{ '{' }}")


def template_text(kind: str, text: str) -> str:
    """A template from what an organizer sent: their text, with the bot's placeholders.

    Text with `{{ ... }}` is taken as a template as written (the check renders it). A
    letter otherwise gets each official's salutation in place of its opening line and the
    supporter's signature under its closing; a tweet gets the officials' handles in front.
    """
    _limit(kind, text)
    if "{{" in text or "{%" in text or "{#" in text:
        _placeholders(text)
        return text + "\n"
    if kind == "letter":
        return _letter(text)
    if kind == "email_subject":
        if "\n" in text:
            raise ValueProblem("author_bad_one_line")
        return _literal(text) + "\n"
    if kind == "tweet":
        return "{{ handles }} " + _literal(" ".join(text.split())) + "\n"
    return _literal(text) + "\n"


def _placeholders(text: str) -> None:
    """A template as written: it may use only the bot's placeholders (the check renders it)."""
    try:
        names = meta.find_undeclared_variables(jinja2.Environment().parse(text))
    except jinja2.TemplateSyntaxError as error:
        raise ValueProblem("author_bad_template", reason=error.message or "") from None
    unknown = sorted(names - TEMPLATE_NAMES)
    if unknown:
        raise ValueProblem("author_bad_placeholder", names=", ".join(unknown))


def _letter(text: str) -> str:
    """A typed letter as a template: opening → salutation, closing kept, signature under it."""
    blocks = [block.strip().split("\n") for block in re.split(r"\n\s*\n", text) if block.strip()]
    lines = [line.strip() for block in blocks for line in block if line.strip()]
    opening = lines[0] if lines else ""
    if not (is_salutation(opening) or (len(opening) <= 80 and opening.endswith((",", "!", ":")))):
        raise ValueProblem("author_bad_opening")
    # The closing is among the last lines; whatever follows it is the sender's own signature.
    closing_at = None
    for index in range(len(lines) - 1, max(0, len(lines) - 4), -1):
        line = lines[index]
        if is_closing(line) or (len(line) <= 60 and line.endswith(",")):
            closing_at = index
            break
    closing = lines[closing_at] if closing_at is not None else None
    paragraphs: list[str] = []
    seen = 0
    for block in blocks:
        kept = []
        for line in (line.strip() for line in block):
            if not line:
                continue
            if seen == 0 or (closing_at is not None and seen >= closing_at):
                seen += 1
                continue
            kept.append(line)
            seen += 1
        if kept:
            paragraphs.append(" ".join(kept))
    if not paragraphs:
        raise ValueProblem("author_bad_letter_body")
    mark = opening[-1] if opening[-1] in ",:!" else ","
    letter = ParsedLetter(
        salutation="", paragraphs=paragraphs, closing=closing, language=None, mark=mark
    )
    return letter_template(letter).replace("\n\n\n{{ signature }}", "\n\n{{ signature }}")
