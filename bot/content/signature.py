"""How a supporter signs letters: full name, initials and city, or unsigned."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

SignatureMode = Literal["name", "initials", "none"]
SIGNATURE_MODES: tuple[SignatureMode, ...] = ("name", "initials", "none")
MAX_NAME = 64
MAX_CITY = 64

# Joiners shape emoji and some scripts; every other format character (zero-width spaces,
# bidi overrides that make a name display as something else) is dropped.
_KEPT_FORMAT = frozenset("\u200c\u200d")


def clean_input(text: str) -> str:
    """Normalise a typed name or city; empty if nothing readable is left.

    Never shortened: a name over the limit is refused with a request to shorten it.
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf") or ch in _KEPT_FORMAT or ch in " \t\n"
    )
    text = " ".join(text.split())
    return text if any(ch.isalnum() for ch in text) else ""


@dataclass(frozen=True)
class Signature:
    """A supporter's choice of signature, as used at the bottom of every letter and email."""

    mode: SignatureMode
    name: str = ""
    city: str = ""

    @property
    def text(self) -> str:
        """The signature line(s) as they appear under the letter; empty when unsigned."""
        if self.mode == "name":
            return self.name
        if self.mode == "initials":
            return f"{self.name}, {self.city}" if self.city else self.name
        return ""


#: Longest signatures of each kind, used at start-up to prove every letter fits Telegram.
LONGEST_SIGNATURES = (
    Signature("none"),
    Signature("name", name="W" * MAX_NAME),
    Signature("initials", name="W" * MAX_NAME, city="W" * MAX_CITY),
)
