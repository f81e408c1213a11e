"""UA numbers as every template writes them, and whether a document updates an earlier UA.

"Urgent Action 31.22" (Amnesty USA today), "UA 97/10" and "UA: 229/10" (e-mails of
2009–2012), "THIRD UA 60/16" (the International Secretariat's form), "UA-257-1/2014"
(the German section). A "Further information on UA 97/10" document, a follow-up, or a
second, third … UA on the same number is an update of that case, not a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.importer.parsed import case_id_for

#: "UA 60/16", "UA: 229/10", "UA 219 /06", "UA-257-1/2014", "AU 12/15" (French, Spanish).
_SLASHED = re.compile(
    r"\b(?:UA|AU)\b[\s:#-]*(?:no\.?\s*)?(?P<number>\d{1,4}(?:-\d{1,2})?)\s*/\s*(?P<year>\d{4}|\d{2})\b"
)


#: "Urgent Action 31.22", "UA 31.22", "UA #31.22".
_DOTTED = re.compile(
    r"\b(?:urgent\s+action|UA)\s*(?:no\.?|number|#)?\s*:?\s*(?P<number>\d{1,3}\.\d{2})\b",
    re.IGNORECASE,
)


_ORDINALS = ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


#: Words before the number that make the document an update of that UA.
_UPDATE_CUE = re.compile(
    r"(?:further information|follow-?up|\bFI\b|\bFU\b|weitere informationen|"
    r"complément d'information|compléments? d'informations?|más información|"
    r"información complementaria|дополнительная информация|"
    rf"\b(?:{'|'.join(_ORDINALS)})\b)[^\n]{{0,20}}$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class UaNumber:
    """A UA number as the document writes it, and the case it updates, if it is an update."""

    number: str
    update: bool

    @property
    def case_id(self) -> str:
        """`ua-60-16` for UA 60/16."""
        return case_id_for(self.number)


def find_number(lines: list[str]) -> UaNumber | None:
    """The document's UA number: the first one written, preferring the template's own field."""
    for line in lines:
        if re.match(r"^urgent action type and number\s*:", line, re.IGNORECASE):
            found = _in_line(line)
            if found is not None:
                return found
    for line in lines:
        found = _in_line(line)
        if found is not None:
            return found
    return None


def _in_line(line: str) -> UaNumber | None:
    slashed = _SLASHED.search(line)
    dotted = _DOTTED.search(line)
    matches = [m for m in (slashed, dotted) if m is not None]
    if not matches:
        return None
    first = min(matches, key=lambda m: m.start())
    number = f"{first['number']}/{first['year']}" if first is slashed else first["number"]
    update = bool(_UPDATE_CUE.search(line[: first.start()]))
    return UaNumber(number=number, update=update)
