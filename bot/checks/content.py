"""Loading content for serving: read it, render every screen, leave out what Telegram refuses.

A broken case is left out (and reported); the others keep working. Broken interface strings
stop the bot: without them it cannot say anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.checks.cases import check_case
from bot.checks.limits import check_screen
from bot.checks.links import case_link_problems, string_link_problems
from bot.checks.strings import string_problems
from bot.content.limits import MAX_CALLBACK_ANSWER
from bot.content.loader import load_case, read_content
from bot.content.models import LANGS, CaseContent, Content, ContentError, Lang
from bot.content.render import RenderFailure, Texts, compiled_texts
from bot.core.clock import appeal_day
from bot.screens.views import Views

#: Longest possible bot username, so deep links in checked screens are worst-case long.
_LONGEST_USERNAME = "x" * 32
#: Notes every supporter can reach, rendered without a case.
_NOTES = ("help", "language_menu", "forget_question", "outdated")


def check_strings(content: Content, views: Views) -> list[str]:
    """Problems of the interface strings and of the screens that list every case."""
    texts = views.texts
    problems: list[str] = []
    try:
        today = appeal_day(datetime.now(UTC))
        for lang in LANGS:
            for key in _NOTES:
                problems += check_screen(views.note(lang, key), f"strings/{lang}.yaml: {key}")
            # The longest numbers any deployment could set, and none.
            for days, backups in ((9999, 9999), (0, 0)):
                privacy = views.privacy(lang, days, backups)
                problems += check_screen(privacy, f"strings/{lang}.yaml: privacy")
            for key in content.strings[lang].messages:
                if texts.takes_no_values(lang, key):
                    texts.message(lang, key)  # a failure is a RenderFailure naming the key
            for key in ("already_counted", "closed_toast"):
                if len(texts.button(lang, key)) > MAX_CALLBACK_ANSWER:
                    problems.append(
                        f"strings/{lang}.yaml: buttons.{key}: over {MAX_CALLBACK_ANSWER}"
                        " characters (Telegram's limit for a button's answer)"
                    )
            pages = range(max(1, -(-len(content.cases) // 8)))
            for page in pages:
                where = f"strings/{lang}.yaml: case list"
                problems += check_screen(views.case_list(lang, today, page, greeting=True), where)
                problems += check_screen(views.ended_list(lang, today, page), where)
            problems += check_screen(views.settings(lang, "each", True, True, ()), "settings")
    except RenderFailure as error:
        problems.append(str(error))
    return list(dict.fromkeys(problems))  # the same broken string is named once


def load_content(directory: Path, cases_dir: Path | None = None) -> Content:
    """Read every content file and check every screen.

    Raises ContentError when the interface strings are broken. A case that fails its check
    is moved to `Content.broken` with its problems; the returned content serves the others.
    Cases in `cases_dir` (made in Telegram) override those of `directory` with the same id.
    """
    read = read_content(directory, cases_dir)
    views = Views(read, compiled_texts(read.strings), _LONGEST_USERNAME)
    problems = string_link_problems(read) + string_problems(read) or check_strings(read, views)
    if problems:
        raise ContentError(problems)
    strings = _fingerprint(read)
    good: dict[str, CaseContent] = {}
    broken = dict(read.broken)
    for item in read.iter_cases():
        key = (strings, _folder_state(item.directory))
        errors = _checked.get(key)
        if errors is None:
            errors = case_link_problems(item) or check_case(views, item)
            _remember(key, errors)
        if errors:
            broken[item.directory.name] = errors
        else:
            good[item.case.id] = item
    content = Content(cases=good, strings=read.strings, directory=directory, broken=broken)
    content.warnings.extend(_warnings(content))
    return content


#: Problems of cases already checked, by strings and case files: a /reload re-checks only
#: what changed (rendering every screen of hundreds of cases takes seconds of CPU).
_checked: dict[tuple[str, tuple[tuple[str, int, int], ...]], list[str]] = {}
_CHECKED_MAX = 1024


def _remember(key: tuple[str, tuple[tuple[str, int, int], ...]], errors: list[str]) -> None:
    if len(_checked) >= _CHECKED_MAX:
        _checked.clear()
    _checked[key] = errors


def _fingerprint(content: Content) -> str:
    """The interface strings as checked: a change to any of them re-checks every case."""
    dump = json.dumps(
        {lang: table.model_dump() for lang, table in sorted(content.strings.items())},
        sort_keys=True,
    )
    return hashlib.sha256(dump.encode()).hexdigest()


def _folder_state(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file of a case folder with its size and modification time."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return tuple((str(path), (stat := path.stat()).st_mtime_ns, stat.st_size) for path in files)


def check_folder(
    content: Content, folder: Path, texts: Texts | None = None
) -> tuple[CaseContent | None, list[str]]:
    """One case folder read and checked as `load_content` checks it: the case, or problems.

    `texts`: the served content's compiled strings (compiling them takes longer than the check).
    """
    try:
        item = load_case(folder)
    except ContentError as error:
        return None, error.problems
    views = Views(content, texts or compiled_texts(content.strings), _LONGEST_USERNAME)
    problems = case_link_problems(item) or check_case(views, item)
    return (None, problems) if problems else (item, [])


def with_folder(
    content: Content, case_id: str, folder: Path | None, texts: Texts | None = None
) -> Content:
    """`content` with one case read again from `folder` (None: the case is gone).

    Used after organizers change a case in Telegram. The folder's case replaces the served
    one if it passes the check; otherwise it is left out as broken (only drafts are ever
    written broken: a published case is checked before its files are swapped in).
    """
    cases = {key: value for key, value in content.cases.items() if key != case_id}
    broken = {key: value for key, value in content.broken.items() if key != case_id}
    if folder is not None:
        item, problems = check_folder(content, folder, texts)
        if item is not None:
            cases[item.case.id] = item
        else:
            broken[case_id] = problems
    return Content(
        cases={key: cases[key] for key in sorted(cases)},
        strings=content.strings,
        directory=content.directory,
        warnings=list(content.warnings),
        broken=broken,
    )


def _warnings(content: Content) -> list[str]:
    """What may be served but deserves a look: missing translations, a past deadline."""
    warnings = _missing_translations(content)
    today = appeal_day(datetime.now(UTC))
    for item in content.iter_cases():
        deadline = item.case.deadline
        if deadline is not None and deadline < today and item.case.status == "active":
            warnings.append(
                f"{item.directory / 'case.yaml'}: field 'deadline': {deadline} is in the past; "
                "supporters will be told the appeal period has ended"
            )
    return warnings


def _missing_translations(content: Content) -> list[str]:
    """Texts that exist in English but not in Russian: warnings, since the bot falls back."""
    warnings = []
    for item in content.iter_cases():
        case, path = item.case, item.directory / "case.yaml"
        localized: dict[str, Mapping[Any, str]] = {
            "title": case.title,
            "summary": case.summary,
            "ask": case.ask,
            "person.name": case.person.name,
            "person.pronouns": case.person.pronouns,
        }
        for official in case.officials:
            for name in ("name", "title"):
                localized[f"officials.{official.id}.{name}"] = getattr(official, name)
        lang: Lang
        for lang in LANGS:
            for where, texts in localized.items():
                if lang not in texts:
                    warnings.append(f"{path}: field '{where}': no {lang} translation")
            if lang not in case.background:
                warnings.append(f"{path}: field 'background': no {lang} translation")
        for code in case.languages:
            if code not in item.letter_languages:
                warnings.append(
                    f"{item.directory / 'templates'}: letter.{code}.j2 missing: the document "
                    f"prefers {code}; the bot offers only {', '.join(item.letter_languages)}"
                )
    return warnings


def keep_served(new: Content, served: Content) -> Content:
    """A reload never takes a working case away: a case that broke keeps its served version.

    The broken files are still reported (`broken`); supporters see no change until they are
    fixed.
    """
    kept = {folder: served.cases[folder] for folder in new.broken if folder in served.cases}
    if not kept:
        return new
    return Content(
        cases={**new.cases, **kept},
        strings=new.strings,
        directory=new.directory,
        warnings=list(new.warnings),
        broken=new.broken,
    )
