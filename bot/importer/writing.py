"""Writing a parsed document as a case folder, atomically, with what still needs a human."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.content.models import Case, Official
from bot.importer.document import parse_document
from bot.importer.languages import language_name
from bot.importer.parsed import ParsedCase, ParsedLetter
from bot.importer.reading import DocumentError, read_document

#: What `ua-<number>` case ids and official ids must look like (as `bot.content` checks).
_CASE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")


@dataclass(frozen=True)
class ImportResult:
    """What `import_document` wrote, and what the organizer still has to check or fill in."""

    case_id: str
    directory: Path
    warnings: list[str]
    #: The case this document updates ("Further information on UA 97/10"), if any.
    update_of: str | None = None


def accepted_languages(codes: Iterable[str]) -> list[str]:
    """The codes the content model takes as letter languages today, in the given order.

    Asked of the model itself, so the importer writes every language as soon as the bot
    accepts it, without a list of its own to keep in step.
    """
    annotation: Any = Official.model_fields["languages"].annotation
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    accepted = []
    for code in codes:
        try:
            adapter.validate_python([code])
        except ValidationError:
            continue
        accepted.append(code)
    return accepted


def _literal(text: str) -> str:
    """Document text inside a Jinja template: a brace must not start a tag."""
    return text.replace("{", "{{ '{' }}")


def letter_template(letter: ParsedLetter) -> str:
    """A letter as a template: the official's salutation, the paragraphs, closing, signature."""
    paragraphs = [f"{{{{ salutation }}}}{letter.mark}", *map(_literal, letter.paragraphs)]
    closing = _literal(letter.closing or "")
    text = "\n\n".join(paragraphs) + f"\n\n{closing}\n{{{{ signature }}}}\n"
    if letter.generated:
        # A Jinja comment: organizers see it in the file, supporters never do.
        text = (
            "{# Written by the importer from the document's recommended actions: review it "
            "before publishing. #}\n" + text
        )
    return text


def _templates(parsed: ParsedCase, warnings: list[str]) -> dict[str, str]:
    templates: dict[str, str] = {}
    for letter in parsed.letters:
        code = letter.language or "en"
        templates.setdefault(f"letter.{code}.j2", letter_template(letter))
    text_code = parsed.text_language or "en"
    if not parsed.title:
        warnings.append(
            "templates: no title, so email_subject.en.j2, tweet.en.j2 and call.en.j2 were not "
            "written; write them"
        )
        return templates
    title = _literal(parsed.title)
    sentence = title if title.endswith((".", "!", "?")) else f"{title}."
    templates[f"email_subject.{text_code}.j2"] = f"{title}\n"
    templates[f"tweet.{text_code}.j2"] = f"{{{{ handles }}}} {title}\n"
    made = f"email_subject.{text_code}.j2 and tweet.{text_code}.j2"
    if parsed.person_name and text_code == "en":
        templates["call.en.j2"] = (
            f"Hello, I am calling about {_literal(parsed.person_name)}.\n{sentence}\n"
            "Please pass my message on to the {{ official_title }}, {{ official_name }}. "
            "Thank you.\n"
        )
        made = "email_subject.en.j2, tweet.en.j2 and call.en.j2"
    else:
        warnings.append(
            f"templates: call.{text_code}.j2 was not written (no person's name); write it"
        )
    warnings.append(
        f"templates: {made} were generated from the document's title (the document gives "
        "none); review them"
    )
    for letter in parsed.letters:
        code = letter.language or "en"
        lacking = [
            k for k in ("email_subject", "tweet", "call") if f"{k}.{code}.j2" not in templates
        ]
        if lacking and f"letter.{code}.j2" in templates and code != text_code:
            names = ", ".join(f"{k}.{code}.j2" for k in lacking)
            warnings.append(
                f"templates: the letter is in {language_name(code)}; write {names} to go with it"
            )
    return templates


def _salutation(official: Any, allowed: list[str]) -> dict[str, str]:
    found = dict(official.salutations)
    if official.salutation and not found:
        found["en"] = official.salutation
    return {code: text for code, text in found.items() if code in allowed}


def case_data(parsed: ParsedCase, case_id: str, source: str, languages: list[str]) -> Any:
    """The case.yaml data of a parsed document: only what the document states."""
    allowed = accepted_languages([*parsed.languages, "en", "ru"])
    officials = []
    for o in parsed.officials:
        official: dict[str, Any] = {
            "id": o.id,
            "name": {"en": o.name},
            "title": {"en": o.title},
            "address": o.address,
        }
        optional = {"email": o.email, "fax": o.fax, "phone": o.phone}
        official.update({key: value for key, value in optional.items() if value is not None})
        if o.more_emails:
            official["more_emails"] = list(o.more_emails)
        if o.twitter:
            official["twitter"] = o.twitter
        if o.facebook is not None:
            official["facebook"] = o.facebook
        official["salutation"] = _salutation(o, allowed) or {"en": ""}
        official["languages"] = list(languages)  # a copy: YAML would write an anchor
        officials.append(official)
    data: dict[str, Any] = {
        "id": case_id,
        "ua_number": parsed.ua_number or "",
        "status": "active",
        "deadline": parsed.deadline,
        "source": source,
        "previous_ua": parsed.previous_ua,
        "languages": languages,
        "reminders_days_before": [7, 1],
        "title": {"en": parsed.title or ""},
        "person": {
            "name": {"en": parsed.person_name or ""},
            "pronouns": {"en": parsed.pronouns or ""},
        },
        "summary": {"en": parsed.summary or ""},
        "ask": {"en": parsed.ask or ""},
        "background": {"en": parsed.background},
        "officials": officials,
    }
    if parsed.copies and "copies" in Case.model_fields:
        data["copies"] = [
            {
                key: value
                for key, value in {
                    "name": c.name,
                    "address": c.address,
                    "email": c.email,
                    "fax": c.fax,
                    "phone": c.phone,
                }.items()
                if value
            }
            for c in parsed.copies
        ]
    return data


def bot_languages(parsed: ParsedCase, warnings: list[str]) -> list[str]:
    """The preferred languages the bot can offer; the others are reported, not written."""
    supported = accepted_languages(parsed.languages)
    for code in parsed.languages:
        if code not in supported:
            warnings.append(
                f"languages: the document prefers {code!r}, which the bot does not offer "
                "yet; left out"
            )
    if parsed.languages and not supported:
        warnings.append(
            "languages: none of the preferred languages is one the bot offers; set languages "
            "(for example [en]) in case.yaml and in each official"
        )
    letters = {letter.language or "en" for letter in parsed.letters}
    for code in supported:
        if code not in letters:
            first = parsed.letter_language or "en"
            warnings.append(
                f"no {code} letter: translate templates/letter.{first}.j2 into "
                f"templates/letter.{code}.j2 (and email_subject, tweet and call .{code}.j2), and "
                f"add the {code} texts to case.yaml; until then the bot offers the letter in "
                f"{language_name(first)} only"
            )
    return supported


def read_case(path: Path) -> ParsedCase:
    """The facts of the document at `path` (any format the importer reads)."""
    return parse_document(read_document(path))


def case_files(
    parsed: ParsedCase,
    case_id: str,
    source: str,
    *,
    today: date | None = None,
    status: str = "active",
) -> tuple[str, dict[str, str], list[str]]:
    """The files of a case folder from a parsed document: case.yaml, templates, warnings."""
    warnings = list(parsed.warnings)
    languages = bot_languages(parsed, warnings)
    templates = _templates(parsed, warnings)
    imported = (today or date.today()).isoformat()
    header = (
        f"# Urgent Action {parsed.ua_number or '(number not found)'}, imported from {source} "
        f"on {imported} by bot/importer.py.\n"
        "# Facts are the document's; review the importer's warnings and add translations.\n"
    )
    data = case_data(parsed, case_id, source, languages)
    data["status"] = status
    text = header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)
    return text, templates, warnings


def check_case_id(case_id: str) -> None:
    """Refuse a case id the content model would refuse, in words an organizer can act on."""
    if not _CASE_ID.match(case_id):
        raise DocumentError(
            f"case id {case_id!r}: use up to 24 lowercase letters, digits and hyphens"
        )


def import_document(
    path: Path,
    content_dir: Path,
    *,
    case_id: str | None = None,
    overwrite: bool = False,
    today: date | None = None,
    parsed: ParsedCase | None = None,
) -> ImportResult:
    """Write `content_dir/cases/<case_id>/` from a document; warnings list what to check."""
    parsed = parsed or read_case(path)
    case_id = case_id or parsed.case_id
    if case_id is None:
        raise DocumentError(
            f"{path}: no UA number found to name the case; give a case id (like ua-31-22)"
        )
    check_case_id(case_id)
    cases = content_dir / "cases"
    target = cases / case_id
    if target.exists() and not overwrite:
        raise DocumentError(f"{target} already exists; remove it or import with overwrite")
    text, templates, warnings = case_files(parsed, case_id, path.name, today=today)
    write_case_folder(content_dir, case_id, text, templates)
    return ImportResult(
        case_id=case_id, directory=target, warnings=warnings, update_of=parsed.update_of
    )


def write_case_folder(
    content_dir: Path, case_id: str, case_yaml: str, templates: dict[str, str]
) -> None:
    """Replace `content_dir/cases/<case_id>/` with these files (see `write_case`)."""
    write_case(content_dir / "cases", case_id, case_yaml, templates)


#: Hidden folders of unfinished work (a case being written, checked or removed).
_SCRATCH = (".import-", ".check-", ".gone-")


def _old(cases: Path, case_id: str) -> Path:
    """Where the previous version of a case waits while the new one is renamed in."""
    return cases / f".{case_id}.old"


def recover_cases(cases: Path) -> None:
    """Finish or undo a replacement a crash interrupted (see `write_case`).

    A previous version left beside a missing case is put back; beside a present one, the
    new version was already in place and the old one goes. Half-written folders go.
    """
    if not cases.is_dir():
        return
    for entry in cases.iterdir():
        if not entry.name.startswith("."):
            continue
        if entry.name.endswith(".old") and entry.is_dir():
            case = cases / entry.name[1:].removesuffix(".old")
            if case.exists():
                shutil.rmtree(entry)
            else:
                entry.rename(case)
        elif entry.name.startswith(_SCRATCH) and entry.is_dir():
            shutil.rmtree(entry)


def _write_file(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def _sync_directory(path: Path) -> None:
    """Make a rename durable: the directory entry is on disk once its folder is synced."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # a platform without directory descriptors: renames are still atomic
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_case(cases: Path, case_id: str, case_yaml: str, templates: dict[str, str]) -> Path:
    """Replace `cases/<case_id>/` with these files so that no reader ever sees half of them.

    The files are written to a hidden folder beside it (the loader skips names starting with
    a dot), synced, then renamed in; a previous version steps aside as `.<case_id>.old`
    first and is removed after. A crash between those two renames is undone by
    `recover_cases`, which the bot runs before it reads the cases.
    """
    check_case_id(case_id)
    cases.mkdir(parents=True, exist_ok=True)
    recover_cases(cases)
    target = cases / case_id
    staging = Path(tempfile.mkdtemp(prefix=f".import-{case_id}-", dir=cases))
    try:
        _write_file(staging / "case.yaml", case_yaml)
        (staging / "templates").mkdir()
        for name, template in templates.items():
            _write_file(staging / "templates" / name, template)
        _sync_directory(staging / "templates")
        _sync_directory(staging)
        if target.exists():
            old = _old(cases, case_id)
            target.rename(old)
            try:
                staging.rename(target)
            except OSError:
                old.rename(target)
                raise
            _sync_directory(cases)
            shutil.rmtree(old)
        else:
            staging.rename(target)
            _sync_directory(cases)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target
