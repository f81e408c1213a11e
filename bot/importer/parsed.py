"""What the importer read from a document, before it becomes a case folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ParsedOfficial:
    """One official as the document gives them; empty strings mean 'not found'."""

    id: str
    heading: str
    title: str
    name: str
    address: list[str] = field(default_factory=list)
    email: str | None = None
    fax: str | None = None
    phone: str | None = None
    twitter: list[str] = field(default_factory=list)
    facebook: str | None = None
    salutation: str = ""


@dataclass
class ParsedCase:
    """Everything found in a document, plus warnings about what was not found or unsure."""

    ua_number: str | None = None
    title: str | None = None
    summary: str | None = None
    ask: str | None = None
    person_name: str | None = None
    pronouns: str | None = None
    deadline: date | None = None
    #: Preferred languages as codes, in the document's order; may include ones the bot lacks.
    languages: list[str] = field(default_factory=list)
    previous_ua: str | None = None
    background: list[str] = field(default_factory=list)
    officials: list[ParsedOfficial] = field(default_factory=list)
    #: The letter's opening as written ("Dear Mr President"), without the trailing comma.
    letter_salutation: str | None = None
    #: The letter's paragraphs between the opening and the closing line.
    letter: list[str] = field(default_factory=list)
    letter_closing: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def case_id(self) -> str | None:
        """The default case id, `ua-31-22` for Urgent Action 31.22."""
        return f"ua-{self.ua_number.replace('.', '-')}" if self.ua_number else None
