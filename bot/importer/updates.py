"""A "Further information on UA …" document applied to the case it updates.

`plan_update` says what would change (so `import` and, later, the organizer in Telegram can
show it first); `apply_update` writes it. Translations and templates organizers made stay:
only the facts the document states are changed, and the update itself is added to the case's
`updates` so that those who acted hear about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.importer.parsed import ParsedCase
from bot.importer.reading import DocumentError
from bot.importer.writing import (
    accepted_languages,
    case_data,
    letter_template,
    write_case,
)


@dataclass(frozen=True)
class Change:
    """One fact the update changes: the field, and its value before and after, as text."""

    field: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.field}: {self.before} → {self.after}"


def _read(case_dir: Path) -> dict[str, Any]:
    path = case_dir / "case.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DocumentError(f"{path}: cannot be read to update it: {error}") from None
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: not a case file")
    return data


def _new_data(case_dir: Path, parsed: ParsedCase) -> tuple[dict[str, Any], dict[str, Any]]:
    old = _read(case_dir)
    languages = accepted_languages(parsed.languages) or list(old.get("languages") or [])
    new = case_data(parsed, str(old["id"]), str(old.get("source") or ""), languages)
    return old, new


def _official_text(official: dict[str, Any]) -> str:
    name = (official.get("name") or {}).get("en", "")
    title = (official.get("title") or {}).get("en", "")
    return f"{title} {name}".strip() or str(official.get("id"))


def plan_update(case_dir: Path, parsed: ParsedCase) -> list[Change]:
    """What updating the case in `case_dir` with this document would change, field by field."""
    old, new = _new_data(case_dir, parsed)
    changes: list[Change] = []
    if parsed.deadline and old.get("deadline") != parsed.deadline:
        changes.append(Change("deadline", str(old.get("deadline")), str(parsed.deadline)))
    if parsed.languages and new["languages"] != old.get("languages"):
        changes.append(Change("languages", str(old.get("languages")), str(new["languages"])))
    if parsed.previous_ua and parsed.previous_ua != old.get("previous_ua"):
        changes.append(Change("previous_ua", str(old.get("previous_ua")), parsed.previous_ua))
    before = {o["id"]: o for o in old.get("officials") or []}
    after = {o["id"]: o for o in new["officials"]}
    for key in after.keys() - before.keys():
        changes.append(Change(f"officials.{key}", "(none)", _official_text(after[key])))
    for key in sorted(after.keys() & before.keys()):
        for name in ("address", "email", "more_emails", "fax", "phone", "twitter", "facebook"):
            if after[key].get(name) != before[key].get(name):
                changes.append(
                    Change(
                        f"officials.{key}.{name}",
                        str(before[key].get(name)),
                        str(after[key].get(name)),
                    )
                )
    for key in sorted(before.keys() - after.keys()):
        changes.append(
            Change(f"officials.{key}", _official_text(before[key]), "(not in the update; kept)")
        )
    if parsed.summary:
        changes.append(Change("updates", "(none)", f"further information: {parsed.summary}"))
    for letter in parsed.letters:
        code = letter.language or "en"
        path = case_dir / "templates" / f"letter.{code}.j2"
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != letter_template(letter):
            changes.append(Change(f"templates/letter.{code}.j2", "old letter", "new letter"))
        break
    return changes


def _update_id(parsed: ParsedCase, existing: list[dict[str, Any]], today: date) -> str:
    day = (parsed.published or today).isoformat()
    taken = {str(u.get("id")) for u in existing}
    candidate, number = f"fi-{day}", 2
    while candidate in taken:
        candidate, number = f"fi-{day}-{number}", number + 1
    return candidate


def apply_update(
    case_dir: Path, parsed: ParsedCase, *, source: str, today: date | None = None
) -> list[Change]:
    """Update the case in `case_dir` with the document's facts; returns what changed.

    Kept: the case's translations (every text not in English), its status, reminders and
    templates other than the letter the document gives. Officials the update no longer lists
    are kept and reported, since an update often names only some of them.
    """
    changes, text, templates = updated_files(case_dir, parsed, source=source, today=today)
    write_case(case_dir.parent, case_dir.name, text, templates)
    return changes


def updated_files(
    case_dir: Path, parsed: ParsedCase, *, source: str, today: date | None = None
) -> tuple[list[Change], str, dict[str, str]]:
    """What `apply_update` would write: the changes, the new case.yaml and every template."""
    changes = plan_update(case_dir, parsed)
    old, new = _new_data(case_dir, parsed)
    data = dict(old)
    if parsed.deadline:
        data["deadline"] = parsed.deadline
    if parsed.languages and new["languages"]:
        data["languages"] = new["languages"]
    if parsed.previous_ua:
        data["previous_ua"] = parsed.previous_ua
    officials = {o["id"]: dict(o) for o in old.get("officials") or []}
    for official in new["officials"]:
        mine = officials.setdefault(official["id"], {})
        for name, value in official.items():
            if isinstance(value, dict) and isinstance(mine.get(name), dict):
                mine[name] = {**mine[name], **{k: v for k, v in value.items() if v}}
            else:
                mine[name] = value
    data["officials"] = list(officials.values())
    if parsed.summary:
        updates = list(old.get("updates") or [])
        updates.append(
            {
                "id": _update_id(parsed, updates, today or date.today()),
                "kind": "info",
                "text": {"en": parsed.summary},
            }
        )
        data["updates"] = updates
    data["source"] = source
    templates = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted((case_dir / "templates").glob("*.j2"))
    }
    for letter in parsed.letters[:1]:
        templates[f"letter.{letter.language or 'en'}.j2"] = letter_template(letter)
    header = "".join(
        line + "\n"
        for line in (case_dir / "case.yaml").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    header += f"# Updated from {source} ({', '.join(c.field for c in changes) or 'no change'}).\n"
    text = header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)
    return changes, text, templates
