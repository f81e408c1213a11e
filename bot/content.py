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
from typing import Annotated, Any, Literal

import jinja2
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

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


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError([f"{path}: not valid YAML: {error}"]) from None
    except ValueError as error:  # YAML that parses but holds an impossible date, e.g. 2022-13-40
        raise ContentError([f"{path}: invalid value: {error}"]) from None
    except OSError as error:
        raise ContentError([f"{path}: cannot be read: {error.strerror}"]) from None


def _validation_problems(path: Path, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        problems.append(f"{path}: field '{where}': {item['msg']}")
    return problems


def _load_strings(directory: Path) -> dict[Lang, UiStrings]:
    strings: dict[Lang, UiStrings] = {}
    problems: list[str] = []
    for lang in LANGS:
        path = directory / "strings" / f"{lang}.yaml"
        try:
            strings[lang] = UiStrings.model_validate(_read_yaml(path))
        except ValidationError as error:
            problems += _validation_problems(path, error)
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    english = strings[DEFAULT_LANG]
    for lang, table in strings.items():
        path = directory / "strings" / f"{lang}.yaml"
        for section in ("commands", "messages", "buttons"):
            want, have = set(getattr(english, section)), set(getattr(table, section))
            for key in sorted(want - have):
                problems.append(f"{path}: field '{section}.{key}': missing; copy it from en.yaml")
            for key in sorted(have - want):
                problems.append(f"{path}: field '{section}.{key}': not in en.yaml; remove it")
    if problems:
        raise ContentError(problems)
    return strings


def case_environment(directory: Path) -> jinja2.Environment:
    """Jinja for letters: plain text (escaped when put into a message), strict about names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text; every view escapes the rendered letter as a whole
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _load_case(directory: Path) -> CaseContent:
    path = directory / "case.yaml"
    try:
        case = Case.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise ContentError(_validation_problems(path, error)) from None
    problems: list[str] = []
    if case.id != directory.name:
        problems.append(f"{path}: field 'id': {case.id!r} must equal the folder name")
    ids = [official.id for official in case.officials]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{path}: field 'officials': id {duplicate!r} is used twice")
    templates: dict[tuple[str, Lang], jinja2.Template] = {}
    env = case_environment(directory / "templates")
    for kind in TEMPLATE_KINDS:
        for lang in LANGS:
            name = f"{kind}.{lang}.j2"
            if not (directory / "templates" / name).is_file():
                continue
            try:
                templates[(kind, lang)] = env.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                problems.append(
                    f"{directory / 'templates' / name}: line {error.lineno}: {error.message}"
                )
    if not any(kind == "letter" for kind, _ in templates):
        problems.append(f"{directory / 'templates'}: no letter template (letter.<lang>.j2)")
    for lang in [lang for (kind, lang) in templates if kind == "letter"]:
        for other in TEMPLATE_KINDS:
            if (other, lang) not in templates:
                problems.append(
                    f"{directory / 'templates'}: {other}.{lang}.j2 is missing "
                    f"(the {lang} letter exists, so every {lang} template must)"
                )
    if problems:
        raise ContentError(problems)
    return CaseContent(case=case, directory=directory, templates=templates)


def missing_translations(content: Content) -> list[str]:
    """Texts that exist in English but not in Russian: warnings, since the bot falls back."""
    warnings = []
    for item in content.iter_cases():
        case, path = item.case, item.directory / "case.yaml"
        localized: dict[str, dict[Lang, str]] = {
            "title": case.title,
            "summary": case.summary,
            "ask": case.ask,
            "person.name": case.person.name,
            "person.pronouns": case.person.pronouns,
        }
        for official in case.officials:
            for name in ("name", "title", "salutation"):
                localized[f"officials.{official.id}.{name}"] = getattr(official, name)
        for lang in LANGS:
            for where, texts in localized.items():
                if lang not in texts:
                    warnings.append(f"{path}: field '{where}': no {lang} translation")
            if lang not in case.background:
                warnings.append(f"{path}: field 'background': no {lang} translation")
            if lang in case.languages and lang not in item.letter_languages:
                warnings.append(
                    f"{item.directory / 'templates'}: letter.{lang}.j2 missing: the "
                    f"document prefers {lang}, the bot offers only {item.letter_languages}"
                )
    return warnings


def load_content(directory: Path) -> Content:
    """Load and check every content file; raise ContentError naming each problem found."""
    from bot.checks import check_content  # checks render views, which need loaded content

    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found (setting BOT_CONTENT_DIR)"])
    strings = _load_strings(directory)
    cases: dict[str, CaseContent] = {}
    problems: list[str] = []
    for case_dir in sorted((directory / "cases").glob("*/")):
        try:
            loaded = _load_case(case_dir)
        except ContentError as error:
            problems += error.problems
            continue
        cases[loaded.case.id] = loaded
    if not cases and not problems:
        problems.append(f"{directory / 'cases'}: no case folders found")
    if problems:
        raise ContentError(problems)
    content = Content(cases=cases, strings=strings, directory=directory)
    errors, warnings = check_content(content)
    if errors:
        raise ContentError(errors)
    content.warnings.extend(warnings)
    return content
