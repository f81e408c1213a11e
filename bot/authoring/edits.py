"""Putting a checked value in its place in a case's files (`gaps.Ask.field` paths).

Paths: `ua_number`, `deadline`, `languages`; `title.<lang>` and the other case texts;
`person.name.<lang>`; `o.<official>.<name|title|salutation>.<lang>`, `o.<official>.email`;
`t.<kind>.<lang>` for a template, `r.<kind>.<lang>` for one the importer wrote (to review);
`d.<official>.<email|twitter|title|name>` for an official's field the importer was unsure of.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from bot.authoring.gaps import DOUBT, GENERATED, official
from bot.authoring.workspace import CaseFiles
from bot.content.models import TEMPLATE_KINDS


class FieldError(Exception):
    """The path names no field of this case (an official that is gone, a stale button)."""


def _set(mapping: dict[str, Any], key: str, value: Any) -> None:
    """Set one key; a text dict loses the empty texts the importer left as placeholders."""
    mapping[key] = value
    for name, text in list(mapping.items()):
        if text == "" and name != key:
            del mapping[name]


def _dict(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        value = {}
        parent[key] = value
    return value


def template_name(field: str) -> str:
    """`t.letter.ru` or `r.letter.ru` → `letter.ru.j2`."""
    _, kind, code = field.split(".", 2)
    if kind not in TEMPLATE_KINDS:
        raise FieldError(field)
    return f"{kind}.{code}.j2"


def _settled(files: CaseFiles, field: str) -> CaseFiles:
    """The files without the note that the importer was unsure of `field`."""
    header = "".join(
        line + "\n" for line in files.header.splitlines() if line != f"{DOUBT}{field}"
    )
    return replace(files, header=header)


def apply_value(files: CaseFiles, field: str, value: Any) -> CaseFiles:
    """The files with `value` at `field` (a new copy; the original is not changed)."""
    if field.startswith("d."):
        # A field the importer was unsure of: set the official's field, drop the note.
        _, official_id, what = field.split(".", 2)
        target = f"o.{official_id}.{what}" + (".en" if what in ("title", "name") else "")
        return apply_value(_settled(files, field), target, value)
    if field.startswith(("t.", "r.")):
        return files.with_template(template_name(field), str(value))
    data = copy.deepcopy(files.data)
    parts = field.split(".")
    if parts[0] == "o":
        if len(parts) < 3:
            raise FieldError(field)
        item = official(data, parts[1])
        if item is None:
            raise FieldError(field)
        if parts[2] == "email" and isinstance(value, list):
            item["email"] = value[0]
            if value[1:]:
                item["more_emails"] = value[1:]
            else:
                item.pop("more_emails", None)
        elif parts[2] == "twitter" and isinstance(value, list):
            item["twitter"] = value
        elif parts[2] in ("name", "title", "salutation") and len(parts) == 4:
            _set(_dict(item, parts[2]), parts[3], value)
        else:
            raise FieldError(field)
    elif field in ("ua_number", "deadline"):
        data[field] = value
    elif field == "languages":
        data["languages"] = list(value)
        for item in data.get("officials") or []:
            if isinstance(item, dict) and not item.get("languages"):
                item["languages"] = list(value)
    elif parts[0] in ("title", "summary", "ask", "country", "background") and len(parts) == 2:
        _set(_dict(data, parts[0]), parts[1], value)
    elif parts[0] == "person" and len(parts) == 3 and parts[1] in ("name", "pronouns"):
        _set(_dict(_dict(data, "person"), parts[1]), parts[2], value)
    else:
        raise FieldError(field)
    return CaseFiles(files.case_id, data, dict(files.templates), files.header)


def keep_generated(files: CaseFiles, field: str) -> CaseFiles:
    """A text the importer wrote (or a field it was unsure of), kept: its mark goes."""
    if field.startswith("d."):
        return _settled(files, field) if f"{DOUBT}{field}" in files.header else files
    name = template_name(field)
    text = files.templates.get(name)
    if text is None or not text.startswith(GENERATED):
        return files
    return files.with_template(name, text.split("#}", 1)[-1].lstrip("\n"))


def mark_generated(files: CaseFiles, names: list[str]) -> CaseFiles:
    """Mark templates the importer wrote from the title, so organizers review them."""
    templates = dict(files.templates)
    for name in names:
        text = templates.get(name)
        if text is not None and not text.startswith(GENERATED):
            templates[name] = (
                f"{GENERATED} from the document's title: review it before publishing. #}}\n" + text
            )
    return CaseFiles(files.case_id, files.data, templates, files.header)
