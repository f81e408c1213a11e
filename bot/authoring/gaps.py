"""What a draft still lacks, as a short list of gaps, each fixed by a few questions.

A gap groups related fields ("the Russian letter" is the letter, the email subject, the
tweet, the call script and every official's Russian salutation); its asks are the fields
still empty, in the order they are asked. Blocking gaps keep a case from being published
(the check would refuse it); the others are worth a look (a missing translation, texts the
importer wrote from the title). The final word is always the real check, at publishing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.authoring.values import Kind
from bot.authoring.workspace import CaseFiles
from bot.content.models import LANGS, TEMPLATE_KINDS
from bot.screens.desk import Gap

#: The importer's mark on templates it wrote itself (from the title, or recommended actions).
GENERATED = "{# Written by the importer"
#: Case fields every case needs in English, in the order they are asked.
_BASICS: tuple[tuple[str, str, Kind], ...] = (
    ("ua_number", "number", "number"),
    ("title.en", "title", "line"),
    ("person.name.en", "person", "line"),
    ("person.pronouns.en", "pronouns", "line"),
    ("summary.en", "summary", "text"),
    ("ask.en", "ask", "text"),
)


#: case.yaml fields of an official that give supporters a way to reach them.
_CHANNELS = ("email", "twitter", "address", "fax", "phone", "facebook")


@dataclass(frozen=True)
class Ask:
    """One question: the field (a path in the case), how to check it, how to name it."""

    field: str
    #: How the value is checked (`values.parse_value`).
    kind: str
    label: str
    lang: str | None = None
    official: str | None = None
    optional: bool = False
    #: The text there now (a template the importer wrote), shown so it can be kept.
    current: str | None = None


def get(data: Any, path: str) -> Any:
    """The value at a dotted path of case.yaml's data ('person.name.en'), or None."""
    value = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def official(data: dict[str, Any], official_id: str) -> dict[str, Any] | None:
    """An official's mapping in case.yaml's data, by id."""
    for item in data.get("officials") or []:
        if isinstance(item, dict) and item.get("id") == official_id:
            return item
    return None


def official_label(item: dict[str, Any]) -> str:
    """How an official is named to organizers: title and name (in English), or the id."""
    title = get(item, "title.en") or ""
    name = get(item, "name.en") or ""
    return f"{title} {name}".strip() or str(item.get("id"))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def letter_languages(files: CaseFiles) -> list[str]:
    """Languages the draft has a letter in, the preferred ones first."""
    present = [
        name.removesuffix(".j2").partition(".")[2]
        for name in files.templates
        if name.startswith("letter.")
    ]
    preferred = [code for code in files.data.get("languages") or [] if code in present]
    return preferred + sorted(set(present) - set(preferred))


def offered_languages(
    files: CaseFiles, item: dict[str, Any], extra: str | None = None
) -> list[str]:
    """The letter languages offered to an official (as `CaseContent.languages_for` decides)."""
    letters = letter_languages(files)
    if extra is not None and extra not in letters:
        letters.append(extra)
    preferred = [code for code in item.get("languages") or [] if code in letters]
    return preferred or letters


def _basics(files: CaseFiles) -> list[Ask]:
    return [
        Ask(path, kind, label) for path, label, kind in _BASICS if _empty(get(files.data, path))
    ]


def template_asks(files: CaseFiles, code: str) -> list[Ask]:
    """The templates and salutations a letter language still needs, in the order asked."""
    asks = []
    for kind in TEMPLATE_KINDS:
        if f"{kind}.{code}.j2" not in files.templates:
            asks.append(Ask(f"t.{kind}.{code}", kind, kind, code))
    for item in files.data.get("officials") or []:
        offered = code in offered_languages(files, item, extra=code)
        if offered and _empty(get(item, f"salutation.{code}")):
            oid = str(item.get("id"))
            asks.append(Ask(f"o.{oid}.salutation.{code}", "salutation", "salutation", code, oid))
    return asks


def _letters(files: CaseFiles) -> list[Gap]:
    gaps = []
    letters = letter_languages(files)
    wanted = [code for code in files.data.get("languages") or [] if code not in letters]
    for code in [*letters, *wanted]:
        asks = template_asks(files, code)
        if asks:
            # A letter that exists needs all of its templates (the check says so); a letter
            # the document prefers but nobody translated yet is worth doing, not required.
            gaps.append(_gap(f"t-{code}", code in letters, "gap_letter", asks, lang=code))
    return gaps


def _interface_texts(files: CaseFiles, code: str) -> list[Ask]:
    """Case texts supporters read in interface language `code` (Russian), not yet there."""
    data = files.data
    asks = []
    for path, label, kind in (
        ("title", "title", "line"),
        ("person.name", "person", "line"),
        ("summary", "summary", "text"),
        ("ask", "ask", "text"),
    ):
        if _empty(get(data, f"{path}.{code}")):
            asks.append(Ask(f"{path}.{code}", kind, label, code))
    for item in data.get("officials") or []:
        oid = str(item.get("id"))
        for name, label in (("title", "official_title"), ("name", "official_name")):
            if _empty(get(item, f"{name}.{code}")):
                asks.append(Ask(f"o.{oid}.{name}.{code}", "line", label, code, oid))
    if _empty(get(data, f"background.{code}")) and not _empty(get(data, "background.en")):
        asks.append(Ask(f"background.{code}", "paragraphs", "background", code, optional=True))
    return asks


def _reviews(files: CaseFiles) -> list[Ask]:
    asks = []
    for name, text in sorted(files.templates.items()):
        if text.startswith(GENERATED):
            kind, _, code = name.removesuffix(".j2").partition(".")
            if kind in TEMPLATE_KINDS:
                body = text.split("#}", 1)[-1].strip()
                asks.append(Ask(f"r.{kind}.{code}", kind, kind, code, current=body))
    return asks


#: A line of case.yaml's header naming a field the importer was unsure of (see `doubts`).
DOUBT = "# doubt: "
#: What each kind of doubt asks: field kind and label, per `d.<official>.<what>`.
_DOUBTS = {
    "email": ("email", "email"),
    "twitter": ("handles", "twitter"),
    "title": ("line", "official_title"),
    "name": ("line", "official_name"),
}


def doubts(files: CaseFiles) -> list[str]:
    """Fields the importer was unsure of (`d.<official>.<what>`), noted in case.yaml's header.

    The header is comments, so the note travels with the case folder, survives restarts and
    never reaches the content model; fixing or keeping the field removes it.
    """
    return [
        line.removeprefix(DOUBT).strip()
        for line in files.header.splitlines()
        if line.startswith(DOUBT)
    ]


def _doubt_asks(files: CaseFiles) -> list[Ask]:
    asks = []
    for field in doubts(files):
        parts = field.split(".")
        if len(parts) != 3 or parts[0] != "d" or parts[2] not in _DOUBTS:
            continue
        item = official(files.data, parts[1])
        if item is None:
            continue
        kind, label = _DOUBTS[parts[2]]
        now = {
            "email": ", ".join(
                filter(None, [item.get("email"), *(item.get("more_emails") or [])])
            ),
            "twitter": " ".join(f"@{handle}" for handle in item.get("twitter") or []),
            "title": get(item, "title.en") or "",
            "name": get(item, "name.en") or "",
        }[parts[2]]
        asks.append(
            Ask(field, kind, label, None, parts[1], optional=True, current=str(now) or None)
        )
    return asks


def _gap(key: str, blocking: bool, label: str, asks: list[Ask], **params: Any) -> Gap:
    return Gap(
        key=key,
        blocking=blocking,
        label=label,
        fields=tuple(dict.fromkeys(ask.label for ask in asks)),
        count=len(asks),
        lang=params.get("lang"),
        official=params.get("official"),
    )


def find_gaps(files: CaseFiles, today: date) -> list[Gap]:
    """What the case lacks or should be looked at, blocking first, at most one line each."""
    return [gap for gap, _ in gaps_with_asks(files, today)]


def gaps_with_asks(files: CaseFiles, today: date) -> list[tuple[Gap, list[Ask]]]:
    """Every gap with its questions (see `find_gaps`)."""
    found: list[tuple[Gap, list[Ask]]] = []

    def add(gap: Gap, asks: list[Ask]) -> None:
        if asks:
            found.append((gap, asks))

    data = files.data
    asks = _basics(files)
    add(_gap("basics", True, "gap_basics", asks), asks)
    if _empty(data.get("languages")):
        asks = [Ask("languages", "languages", "languages")]
        add(_gap("languages", True, "gap_languages", asks), asks)
    deadline = data.get("deadline")
    if not isinstance(deadline, date) or deadline < today:
        asks = [Ask("deadline", "date", "deadline")]
        past = isinstance(deadline, date)
        add(_gap("deadline", past, "gap_deadline_past" if past else "gap_deadline", asks), asks)
    for item in data.get("officials") or []:
        asks = _official_asks(item)
        label = official_label(item)
        add(_gap(f"o-{item.get('id')}", True, "gap_official", asks, official=label), asks)
    for gap in _letters(files):
        add(gap, template_asks(files, gap.lang or ""))
    asks = [
        Ask(f"country.{code}", "line", "country", code)
        for code in LANGS
        if _empty(get(data, f"country.{code}"))
    ]
    add(_gap("country", False, "gap_country", asks), asks)
    for code in LANGS:
        if code != "en":
            asks = _interface_texts(files, code)
            add(_gap(f"i-{code}", False, "gap_texts", asks, lang=code), asks)
    asks = _doubt_asks(files)
    add(_gap("doubts", False, "gap_doubts", asks), asks)
    asks = _reviews(files)
    add(_gap("review", False, "gap_review", asks), asks)
    found.sort(key=lambda pair: not pair[0].blocking)
    return found


def _official_asks(item: dict[str, Any]) -> list[Ask]:
    oid = str(item.get("id"))
    asks = []
    if _empty(get(item, "title.en")):
        asks.append(Ask(f"o.{oid}.title.en", "line", "official_title", "en", oid))
    if _empty(get(item, "name.en")):
        asks.append(Ask(f"o.{oid}.name.en", "line", "official_name", "en", oid))
    if all(_empty(item.get(name)) for name in _CHANNELS):
        asks.append(Ask(f"o.{oid}.email", "email", "email", None, oid))
    return asks
