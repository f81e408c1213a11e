"""Cases, officials and interface strings, loaded from `content/` and validated at start-up.

Everything a supporter reads comes from here. A mistake in a content file must stop the bot
with the file and the field named, before any supporter sees a broken letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import jinja2
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Lang = Literal["en", "ru"]


LANGS: tuple[Lang, ...] = ("en", "ru")


DEFAULT_LANG: Lang = "en"


#: Template kinds each case provides per letter language, as `templates/<kind>.<lang>.j2`.
TEMPLATE_KINDS = ("letter", "email_subject", "tweet", "call")


EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


class Channel(StrEnum):
    """Ways to reach an official; values are the one-letter codes used in callback data."""

    POST = "p"
    EMAIL = "e"
    TWEET = "t"
    FAX = "f"
    PHONE = "h"
    FACEBOOK = "b"


#: Channels whose view shows the letter, so they need a signature and a letter language.
LETTER_CHANNELS = frozenset({Channel.POST, Channel.EMAIL, Channel.FAX})


class ContentError(Exception):
    """A content file is wrong; the message names the file, the field and what to do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _has_english(value: dict[Lang, str]) -> dict[Lang, str]:
    if "en" not in value:
        raise ValueError("needs at least the English text (key 'en')")
    if any(not text.strip() for text in value.values()):
        raise ValueError("texts must not be empty")
    return value


def _email(value: str) -> str:
    if not EMAIL_PATTERN.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


Localized = Annotated[dict[Lang, str], AfterValidator(_has_english)]


Handle = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,15}$")]


Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,23}$")]


class Frozen(BaseModel):
    """Base for content models: unknown keys are typos, and loaded content never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Frozen):
    """The person the Urgent Action is for."""

    name: Localized
    pronouns: Localized


class Official(Frozen):
    """A government official to write to, with every channel the UA document gives."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,16}$")]
    name: Localized
    title: Localized
    address: list[str] = []
    email: Annotated[str, AfterValidator(_email)] | None = None
    fax: str | None = None
    phone: str | None = None
    twitter: list[Handle] = []
    facebook: Annotated[str, Field(pattern=r"^[A-Za-z0-9.]{1,50}$")] | None = None
    salutation: Localized
    languages: list[Lang] = Field(min_length=1)

    @property
    def channels(self) -> list[Channel]:
        """Channels the document gives, quickest first (the order the bot offers them)."""
        given = {
            Channel.EMAIL: self.email is not None,
            Channel.TWEET: bool(self.twitter),
            Channel.POST: bool(self.address),
            Channel.FAX: self.fax is not None,
            Channel.PHONE: self.phone is not None,
            Channel.FACEBOOK: self.facebook is not None,
        }
        return [channel for channel, present in given.items() if present]


class Update(Frozen):
    """News organizers publish about a case (further information, closed, released)."""

    id: Slug
    kind: Literal["info", "closed", "released"]
    text: Localized


class Case(Frozen):
    """One Urgent Action: who, what happened, what we ask, whom to write to, until when."""

    id: Slug
    ua_number: str
    status: Literal["active", "closed"] = "active"
    deadline: date | None
    # When organizers closed the case (status: closed) before its deadline; retention counts
    # from this day, or from the deadline.
    closed_on: date | None = None
    title: Localized
    person: Person
    summary: Localized
    ask: Localized
    background: dict[Lang, list[str]]
    languages: list[Lang] = Field(min_length=1)
    previous_ua: str | None = None
    source: str | None = None
    reminders_days_before: list[int] = []
    updates: list[Update] = []
    officials: list[Official] = Field(min_length=1)

    def official(self, official_id: str) -> Official | None:
        """The official with this id, or None if the content no longer has them."""
        return next((o for o in self.officials if o.id == official_id), None)


class UiStrings(Frozen):
    """Interface strings of one language: HTML messages, plain-text buttons, command menu."""

    language_name: str
    months: list[str] = Field(min_length=12, max_length=12)
    commands: dict[str, str]
    messages: dict[str, str]
    buttons: dict[str, str]


@dataclass(frozen=True)
class CaseContent:
    """A validated case with its compiled letter, email, tweet and call templates."""

    case: Case
    directory: Path
    templates: Mapping[tuple[str, Lang], jinja2.Template]

    @property
    def letter_languages(self) -> list[Lang]:
        """Languages the letter exists in: the bot offers only these."""
        return [lang for lang in LANGS if ("letter", lang) in self.templates]

    def languages_for(self, official: Official) -> list[Lang]:
        """The official's preferred languages, in the document's order, that have a letter."""
        preferred = [lang for lang in official.languages if lang in self.letter_languages]
        return preferred or self.letter_languages


@dataclass(frozen=True)
class Content:
    """All cases and interface strings, as loaded and checked at start-up."""

    cases: Mapping[str, CaseContent]
    strings: Mapping[Lang, UiStrings]
    directory: Path
    warnings: list[str] = field(default_factory=list)

    def case(self, case_id: str) -> CaseContent | None:
        """The case with this id, or None for a stale or forged id."""
        return self.cases.get(case_id)

    def iter_cases(self) -> Iterator[CaseContent]:
        """Cases in file-name order, which is the order supporters see them listed."""
        return iter(self.cases.values())
