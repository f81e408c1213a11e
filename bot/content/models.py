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
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot.content.languages import is_language_code

#: Interface languages: the bot talks to supporters in these.
Lang = Literal["en", "ru"]
LANGS: tuple[Lang, ...] = ("en", "ru")
DEFAULT_LANG: Lang = "en"

#: Template kinds each case provides per letter language, as `templates/<kind>.<code>.j2`.
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


def _known_language(value: str) -> str:
    if not is_language_code(value):
        raise ValueError(f"{value!r} is not a language code (ISO 639-1, for example es, fr, ar)")
    return value


def _has_english_any(value: dict[str, str]) -> dict[str, str]:
    for code in value:
        _known_language(code)
    if "en" not in value:
        raise ValueError("needs at least the English text (key 'en')")
    if any(not text.strip() for text in value.values()):
        raise ValueError("texts must not be empty")
    return value


def _some_text(value: dict[str, str]) -> dict[str, str]:
    for code in value:
        _known_language(code)
    if not value:
        raise ValueError("needs the text in at least one letter language")
    if any(not text.strip() for text in value.values()):
        raise ValueError("texts must not be empty")
    return value


def _email(value: str) -> str:
    if not EMAIL_PATTERN.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


#: A text in the interface languages (English required, Russian optional).
Localized = Annotated[dict[Lang, str], AfterValidator(_has_english)]
#: A letter language: any language code CLDR knows (es, fr, ar, be, zh, ...).
LetterLang = Annotated[str, AfterValidator(_known_language)]
#: A name or title in any language (English required: the interface falls back to it).
Named = Annotated[dict[str, str], AfterValidator(_has_english_any)]
#: A text per letter language (a salutation): at least one.
PerLetterLanguage = Annotated[dict[str, str], AfterValidator(_some_text)]
#: A case's status: drafts are checked but never shown; released is good news.
Status = Literal["draft", "active", "closed", "released"]


Handle = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,15}$")]


Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,23}$")]


class Frozen(BaseModel):
    """Base for content models: unknown keys are typos, and loaded content never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: Grammatical cases a sentence may need besides the nominative (the name as written).
GRAMMATICAL_CASES = ("gen", "dat", "acc", "ins", "pre")


class Declension(Frozen):
    """A name or title in each grammatical case (Russian: Жанболата, Жанболату, ...).

    Russian puts a name in the case its sentence needs: «в поддержку Жанболата Мамая»,
    «передайте Послу ... Ержану Ашикбаеву». The forms are written by a person: no rule turns
    Kazakh, Spanish or Arabic names into correct Russian cases.
    """

    gen: Annotated[str, Field(min_length=1)]
    dat: Annotated[str, Field(min_length=1)]
    acc: Annotated[str, Field(min_length=1)]
    ins: Annotated[str, Field(min_length=1)]
    pre: Annotated[str, Field(min_length=1)]


class OfficialDeclension(Frozen):
    """An official's name and title in each grammatical case of one language."""

    name: Declension
    title: Declension


def _declined_languages_named(names: Mapping[str, str], declension: Mapping[str, object]) -> None:
    for code in declension:
        _known_language(code)
        if code not in names:
            raise ValueError(f"declension.{code}: there is no {code} name to decline")


class Person(Frozen):
    """The person the Urgent Action is for."""

    name: Named
    pronouns: Localized
    # The name in other grammatical cases, per language (optional: strings fall back to a
    # wording where the nominative is correct).
    declension: dict[str, Declension] = {}

    @model_validator(mode="after")
    def _declined_names_exist(self) -> Person:
        _declined_languages_named(self.name, self.declension)
        return self


class Official(Frozen):
    """A government official to write to, with every channel the UA document gives."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,16}$")]
    name: Named
    title: Named
    address: list[str] = []
    email: Annotated[str, AfterValidator(_email)] | None = None
    # Further addresses of the same official ("Email: a@x.mx, b@x.mx"): the email goes to all.
    more_emails: list[Annotated[str, AfterValidator(_email)]] = []
    fax: str | None = None
    phone: str | None = None
    twitter: list[Handle] = []
    facebook: Annotated[str, Field(pattern=r"^[A-Za-z0-9.]{1,50}$")] | None = None
    salutation: PerLetterLanguage
    languages: list[LetterLang] = Field(min_length=1)
    # Name and title in other grammatical cases, per language (as for the person).
    declension: dict[str, OfficialDeclension] = {}
    # What supporters should know about this official, shown on their screen ("this is the
    # ambassador in the USA; elsewhere, write to the embassy in your country").
    note: Localized | None = None

    @model_validator(mode="after")
    def _declined_names_exist(self) -> Official:
        _declined_languages_named(self.name, self.declension)
        for code in self.declension:
            if code not in self.title:
                raise ValueError(f"declension.{code}: there is no {code} title to decline")
        return self

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

    @property
    def emails(self) -> list[str]:
        """Every email address of the official, the first one first."""
        return [self.email, *self.more_emails] if self.email else []


class Copy(Frozen):
    """Someone to send a copy of the letter to ("Copies to": an embassy), not an official."""

    name: str
    address: list[str] = []
    email: Annotated[str, AfterValidator(_email)] | None = None
    fax: str | None = None
    phone: str | None = None


class Update(Frozen):
    """News organizers publish about a case (further information, closed, released)."""

    id: Slug
    kind: Literal["info", "closed", "released"]
    text: Localized


class Case(Frozen):
    """One Urgent Action: who, what happened, what we ask, whom to write to, until when."""

    id: Slug
    ua_number: str
    status: Status = "active"
    deadline: date | None
    # When organizers closed the case (status: closed or released) before its deadline;
    # retention counts from this day, or from the deadline.
    closed_on: date | None = None
    country: Localized | None = None
    title: Localized
    person: Person
    summary: Localized
    ask: Localized
    background: dict[Lang, list[str]]
    languages: list[LetterLang] = Field(min_length=1)
    previous_ua: str | None = None
    source: str | None = None
    reminders_days_before: list[int] = []
    updates: list[Update] = []
    # Whether organizers pass the total of actions on to Amnesty International (by forwarding
    # /report): only then may the thanks promise it.
    report_totals: bool = False
    officials: list[Official] = Field(min_length=1)
    # "Copies to": shown to supporters as "also send a copy to …", never counted as officials.
    copies: list[Copy] = []

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
    templates: Mapping[tuple[str, str], jinja2.Template]

    @property
    def letter_languages(self) -> list[str]:
        """Languages the letter exists in, the document's preferred ones first."""
        present = {lang for kind, lang in self.templates if kind == "letter"}
        preferred = [lang for lang in self.case.languages if lang in present]
        return preferred + sorted(present - set(preferred))

    def languages_for(self, official: Official) -> list[str]:
        """The official's preferred languages, in the document's order, that have a letter."""
        letters = self.letter_languages
        preferred = [lang for lang in official.languages if lang in letters]
        return preferred or letters

    def spoken_language(self, official: Official, lang: Lang) -> str:
        """The language of a tweet or call script: the supporter's, if the official accepts it.

        Nobody can read aloud a language they do not speak: a call script (and a tweet) opens
        in the supporter's interface language when the official accepts it, otherwise in the
        official's first language (with "What does it say?" beside it).
        """
        offered = self.languages_for(official)
        return lang if lang in offered else offered[0]

    def meaning_language(self, lang: Lang) -> str | None:
        """The language "What does it say?" shows a letter in: the supporter's, else English."""
        letters = self.letter_languages
        if lang in letters:
            return lang
        return "en" if "en" in letters else None

    @property
    def listed(self) -> bool:
        """Whether supporters may see the case at all (drafts are organizers' only)."""
        return self.case.status != "draft"

    def is_open(self, today: date) -> bool:
        """Whether supporters may still act and confirm: active, and the deadline not passed."""
        deadline = self.case.deadline
        return self.case.status == "active" and (deadline is None or today <= deadline)

    @property
    def ended_on(self) -> date | None:
        """The day the appeal period ended or ends: when organizers closed it, or the deadline."""
        return self.case.closed_on or self.case.deadline


@dataclass(frozen=True)
class Content:
    """All cases and interface strings, as loaded and checked at start-up.

    `broken` holds the cases left out because their files failed the check, with the
    problems found: the other cases keep working (a broken case never breaks the bot).
    """

    cases: Mapping[str, CaseContent]
    strings: Mapping[Lang, UiStrings]
    directory: Path
    warnings: list[str] = field(default_factory=list)
    broken: Mapping[str, list[str]] = field(default_factory=dict)

    def case(self, case_id: str) -> CaseContent | None:
        """The case with this id, or None for a stale or forged id."""
        return self.cases.get(case_id)

    def iter_cases(self) -> Iterator[CaseContent]:
        """Cases in file-name order (screens sort them for supporters)."""
        return iter(self.cases.values())

    @property
    def problems(self) -> list[str]:
        """Every problem of every broken case, one line each."""
        return [problem for problems in self.broken.values() for problem in problems]


def is_open(case: CaseContent, today: date) -> bool:
    """Whether supporters may still act and confirm on `case` (see `CaseContent.is_open`)."""
    return case.is_open(today)
