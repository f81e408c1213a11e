"""What the importer read from a document, before it becomes a case folder."""

from __future__ import annotations

import re
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
    #: Further addresses for the same official ("Email: a@x.mx, b@x.mx"), in the document's order.
    more_emails: list[str] = field(default_factory=list)
    fax: str | None = None
    phone: str | None = None
    twitter: list[str] = field(default_factory=list)
    facebook: str | None = None
    #: A web form the document gives instead of (or beside) an email address.
    web_form: str | None = None
    #: The salutation in the letter's language ("Dear Mr President"), or "".
    salutation: str = ""
    #: Every salutation the document gives, by language code ({"en": ..., "es": ...}).
    salutations: dict[str, str] = field(default_factory=dict)

    @property
    def emails(self) -> list[str]:
        """Every email address, the first one first."""
        return [self.email, *self.more_emails] if self.email else []


@dataclass
class ParsedCopy:
    """Someone the document asks supporters to send a copy to (an embassy, a ministry)."""

    name: str
    address: list[str] = field(default_factory=list)
    email: str | None = None
    fax: str | None = None
    phone: str | None = None


@dataclass
class ParsedLetter:
    """One model letter: its opening, paragraphs, closing and the language it is written in."""

    salutation: str
    paragraphs: list[str]
    closing: str | None
    language: str | None
    #: The punctuation after the opening as written: "," (English), ":" (Spanish), "!" (Russian).
    mark: str = ","
    #: True when the importer wrote it from the document's recommended actions.
    generated: bool = False


@dataclass
class ParsedCase:
    """Everything found in a document, plus warnings about what was not found or unsure."""

    ua_number: str | None = None
    #: The case id this document updates ("Further information on UA 97/10": ua-97-10), if any.
    update_of: str | None = None
    published: date | None = None
    title: str | None = None
    summary: str | None = None
    ask: str | None = None
    person_name: str | None = None
    pronouns: str | None = None
    deadline: date | None = None
    #: Preferred languages as ISO 639-1 codes, in the document's order.
    languages: list[str] = field(default_factory=list)
    previous_ua: str | None = None
    background: list[str] = field(default_factory=list)
    officials: list[ParsedOfficial] = field(default_factory=list)
    copies: list[ParsedCopy] = field(default_factory=list)
    #: The letter's opening as written ("Dear Mr President"), without the trailing comma.
    letter_salutation: str | None = None
    #: The letter's paragraphs between the opening and the closing line.
    letter: list[str] = field(default_factory=list)
    letter_closing: str | None = None
    #: Every model letter found, the first one first (its fields are mirrored above).
    letters: list[ParsedLetter] = field(default_factory=list)
    #: The language the case texts (title, summary, background) are written in.
    text_language: str | None = None
    #: Names of the fields the document lacks, one each, for the short list organizers read.
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def case_id(self) -> str | None:
        """The default case id: `ua-31-22` for UA 31.22, `ua-60-16` for UA 60/16."""
        return case_id_for(self.ua_number) if self.ua_number else None

    @property
    def letter_language(self) -> str | None:
        """The language of the first model letter, if there is one."""
        return self.letters[0].language if self.letters else None


def case_id_for(number: str) -> str:
    """`ua-` and the number's digit groups: "60/16" → ua-60-16, "257-1/2014" → ua-257-1-2014."""
    return "ua-" + "-".join(re.findall(r"\d+", number))
