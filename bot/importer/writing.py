"""Writing a parsed document as a case folder, atomically, with what still needs a human."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content.models import LANGS
from bot.importer.document import parse_document
from bot.importer.parsed import ParsedCase
from bot.importer.reading import DocumentError, read_document

#: What `ua-<number>` case ids and official ids must look like (as `bot.content` checks).
_CASE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")


@dataclass(frozen=True)
class ImportResult:
    """What `import_document` wrote, and what the organizer still has to check or fill in."""

    case_id: str
    directory: Path
    warnings: list[str]


def _literal(text: str) -> str:
    """Document text inside a Jinja template: a brace must not start a tag."""
    return text.replace("{", "{{ '{' }}")


def _templates(parsed: ParsedCase, warnings: list[str]) -> dict[str, str]:
    templates: dict[str, str] = {}
    if parsed.letter_salutation is not None:
        paragraphs = ["{{ salutation }},", *map(_literal, parsed.letter)]
        closing = parsed.letter_closing or ""
        templates["letter.en.j2"] = (
            "\n\n".join(paragraphs) + f"\n\n{closing}\n{{{{ signature }}}}\n"
        )
    if not parsed.title:
        warnings.append(
            "templates: no title, so email_subject.en.j2, tweet.en.j2 and call.en.j2 were not "
            "written; write them"
        )
        return templates
    title = _literal(parsed.title)
    sentence = title if title.endswith((".", "!", "?")) else f"{title}."
    templates["email_subject.en.j2"] = f"{title}\n"
    templates["tweet.en.j2"] = f"{{{{ handles }}}} {title}\n"
    if parsed.person_name:
        templates["call.en.j2"] = (
            f"Hello, I am calling about {_literal(parsed.person_name)}.\n{sentence}\n"
            "Please pass this message on to {{ official_title }} {{ official_name }}. "
            "Thank you.\n"
        )
        made = "email_subject.en.j2, tweet.en.j2 and call.en.j2"
    else:
        warnings.append("templates: no person's name, so call.en.j2 was not written; write it")
        made = "email_subject.en.j2 and tweet.en.j2"
    warnings.append(
        f"templates: {made} were generated from the document's title (the document gives "
        "none); review them"
    )
    return templates


def _case_data(parsed: ParsedCase, case_id: str, source: str, languages: list[str]) -> Any:
    officials = []
    for o in parsed.officials:
        official: dict[str, Any] = {
            "id": o.id,
            "name": {"en": o.name},
            "title": {"en": o.title},
            "address": o.address,
        }
        optional = {"fax": o.fax, "phone": o.phone, "email": o.email}
        official.update({key: value for key, value in optional.items() if value is not None})
        if o.twitter:
            official["twitter"] = o.twitter
        if o.facebook is not None:
            official["facebook"] = o.facebook
        official["salutation"] = {"en": o.salutation}
        official["languages"] = list(languages)  # a copy: YAML would write an anchor
        officials.append(official)
    return {
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


def _bot_languages(parsed: ParsedCase, warnings: list[str]) -> list[str]:
    """The preferred languages the bot can offer; the others are reported, not written."""
    supported: list[str] = [code for code in parsed.languages if code in LANGS]
    for code in parsed.languages:
        if code not in LANGS:
            warnings.append(
                f"languages: the document prefers {code!r}, which the bot does not offer "
                f"(it offers {', '.join(LANGS)}); left out"
            )
    if parsed.languages and not supported:
        warnings.append(
            "languages: none of the preferred languages is one the bot offers; set languages "
            "(for example [en]) in case.yaml and in each official"
        )
    for code in supported:
        if code != "en":
            warnings.append(
                f"no {code} letter: translate templates/letter.en.j2 into "
                f"templates/letter.{code}.j2 (and email_subject, tweet and call .{code}.j2), and "
                f"add the {code} texts to case.yaml; until then the bot offers English only"
            )
    return supported


def import_document(
    path: Path,
    content_dir: Path,
    *,
    case_id: str | None = None,
    overwrite: bool = False,
    today: date | None = None,
) -> ImportResult:
    """Write `content_dir/cases/<case_id>/` from a document; warnings list what to check."""
    parsed = parse_document(read_document(path))
    case_id = case_id or parsed.case_id
    if case_id is None:
        raise DocumentError(
            f"{path}: no UA number found to name the case; give a case id (like ua-31-22)"
        )
    if not _CASE_ID.match(case_id):
        raise DocumentError(
            f"case id {case_id!r}: use up to 24 lowercase letters, digits and hyphens"
        )
    cases = content_dir / "cases"
    target = cases / case_id
    if target.exists() and not overwrite:
        raise DocumentError(f"{target} already exists; remove it or import with overwrite")
    warnings = list(parsed.warnings)
    languages = _bot_languages(parsed, warnings)
    templates = _templates(parsed, warnings)
    imported = (today or date.today()).isoformat()
    header = (
        f"# Urgent Action {parsed.ua_number or '(number not found)'}, imported from {path.name} "
        f"on {imported} by bot/importer.py.\n"
        "# Facts are the document's; review the importer's warnings and add translations.\n"
    )
    data = _case_data(parsed, case_id, path.name, languages)
    text = header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)

    cases.mkdir(parents=True, exist_ok=True)
    # Write beside the content (not under cases/, which the loader scans), then swap in, so
    # a failed import never leaves a half-written case for the bot to find.
    staging = Path(tempfile.mkdtemp(prefix=f".import-{case_id}-", dir=content_dir))
    try:
        (staging / "case.yaml").write_text(text, encoding="utf-8")
        (staging / "templates").mkdir()
        for name, template in templates.items():
            (staging / "templates" / name).write_text(template, encoding="utf-8")
        if target.exists():
            old = staging.with_name(staging.name + "-old")
            target.rename(old)
            try:
                staging.rename(target)
            except OSError:
                old.rename(target)
                raise
            shutil.rmtree(old)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return ImportResult(case_id=case_id, directory=target, warnings=warnings)
