"""Loading content for serving: read it, render every screen, leave out what Telegram refuses.

A broken case is left out (and reported); the others keep working. Broken interface strings
stop the bot: without them it cannot say anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.checks.cases import check_case
from bot.checks.limits import check_screen
from bot.checks.links import case_link_problems, string_link_problems
from bot.checks.strings import plural_problems, string_problems
from bot.content.limits import MAX_CALLBACK_ANSWER
from bot.content.loader import load_case, read_content
from bot.content.models import LANGS, CaseContent, Content, ContentError, Lang
from bot.content.render import RenderFailure, Texts, compiled_texts
from bot.content.signature import LONGEST_SIGNATURES, MAX_NAME, Signature
from bot.core.clock import appeal_day
from bot.screens.admin import AdminViews
from bot.screens.base import PAGE_SIZE
from bot.screens.screen import Screen
from bot.screens.views import Views
from bot.storage.supporters import ALERT_MODES, ActionRecord, StoredData, Supporter

#: Longest summary that keeps the case card's buttons on a phone's first screen (with the
#: greeting, the ask and the deadline, about 900 characters in all).
MAX_SUMMARY = 450
#: Longest possible bot username, so deep links in checked screens are worst-case long.
_LONGEST_USERNAME = "x" * 32
#: Notes every supporter can reach, rendered without a case.
_NOTES = (
    "help",
    "outdated",
    "language_set",
    "forgotten",
    "nothing_to_forget",
    "forget_cancelled",
    "unknown_command",
    "free_text",
    "other_media",
    "error",
    "slow_down",
    "subscribed",
    "stopped",
    "nothing_to_stop",
)
#: Organizer notes without values.
_ADMIN_NOTES = (
    "admin_no_chart",
    "admin_choose_case",
    "admin_empty_audience",
    "admin_nothing_to_cancel",
    "admin_draft_cancelled",
    "admin_draft_gone",
)
#: Counts every string is rendered with: each plural category in English and Russian.
_COUNTS = (0, 1, 2, 5, 11, 21, 22, 101, 1_000_000_000)


def check_strings(content: Content, views: Views) -> list[str]:
    """Problems of the interface strings: every screen that needs no case, rendered.

    Each screen is rendered with real values (not stand-ins), so a misspelt name in a string
    fails here, naming the file and key, instead of in front of a supporter.
    """
    texts = views.texts
    admin = AdminViews(views)
    problems: list[str] = []
    now = datetime.now(UTC)
    today = appeal_day(now)
    lang: Lang
    for lang in LANGS:
        try:
            problems += [
                problem
                for where, screen in _screens_without_case(views, admin, lang, today)
                for problem in check_screen(screen, f"strings/{lang}.yaml: {where}")
            ]
            for key in content.strings[lang].messages:
                if texts.takes_no_values(lang, key):
                    texts.message(lang, key)  # a failure is a RenderFailure naming the key
            for key in ("already_counted", "closed_toast", "subscribed_toast", "saved_toast"):
                if len(texts.button(lang, key)) > MAX_CALLBACK_ANSWER:
                    problems.append(
                        f"strings/{lang}.yaml: buttons.{key}: over {MAX_CALLBACK_ANSWER}"
                        " characters (Telegram's limit for a button's answer)"
                    )
        except RenderFailure as error:
            problems.append(str(error))
    return list(dict.fromkeys(problems))  # the same broken string is named once


def _screens_without_case(
    views: Views, admin: AdminViews, lang: Lang, today: date
) -> Iterator[tuple[str, Screen]]:
    """Every screen (and toast) that needs no case, with sample values at their longest."""
    for key in _NOTES:
        yield key, views.note(lang, key)
    for page in range(max(1, -(-len(views.content.cases) // PAGE_SIZE))):
        yield "case list", views.case_list(lang, today, page, greeting=True, alerts_on=False)
        yield "case list", views.ended_list(lang, today, page)
    yield "private_only", views.private_only(lang)
    yield "language_menu", views.language_menu(lang)
    for days, backups in ((9999, 9999), (0, 0)):  # the longest numbers a deployment sets
        yield "privacy", views.privacy(lang, days, backups)
    yield "forget_question", views.forget_question(lang)
    yield "alerts_question", views.alerts_question(lang)
    for alerts in (*ALERT_MODES, None):
        for on in (True, False):
            yield "settings", views.settings(lang, alerts, on, on, ("ua-1", "ua-2") if on else ())
    longest = LONGEST_SIGNATURES[-1]
    for current in (None, Signature("none"), longest):
        yield "signature_question", views.signature_question(lang, current, None)
    for step in ("name", "initials", "city"):
        yield f"ask_{step}", views.ask_text(lang, step)
    yield "empty_input", views.input_refused(lang)
    yield "too_long", views.input_refused(lang, MAX_NAME)
    for signature in LONGEST_SIGNATURES:
        yield "signature_saved", views.signature_saved(lang, signature, go_on=True)
    day = date(2022, 5, 5)
    record = ActionRecord("ua-1", "official", "e", day)
    supporter = Supporter(
        lang=lang,
        signature=longest,
        pending=None,
        created_at=day,
        actions=(record,) * 3,
        subscriptions=frozenset({"ua-1"}),
        alerts="weekly",
        letter_langs={"ua-1": "es"},
    )
    stored = StoredData(supporter, lang, True, day, day, {"ua-1": day}, 9999)
    yield "my_data", views.my_data(lang, None)
    yield "my_data", views.my_data(lang, stored)
    for count in _COUNTS:
        yield "admin_progress", admin.progress(lang, "broadcast", {"sent": count}, 75.0, False)
        yield "admin_progress", admin.progress(lang, "reminder", {"sent": count}, None, True)
        yield "admin_cancelled", admin.note(lang, "admin_cancelled", count=count)
        yield "admin_ask_text", admin.note(lang, "admin_ask_text", size=count)
        yield "admin_preview", admin.confirm(lang, 1, count)
        yield "admin_sending", admin.note(lang, "admin_sending", size=count)
        yield "too_long", views.input_refused(lang, count)
    for kind in ("alert", "digest", "update"):
        yield "admin_progress", admin.progress(lang, kind, {"sent": 1}, None, True)
    yield "admin_overview", admin.overview(lang, [], {}, {"each": 2, "weekly": 1}, 3, today)
    yield "admin_choose_case", admin.choose_case(lang, [])
    yield "admin_report_usage", admin.note(lang, "admin_report_usage", cases=["ua-1", "ua-2"])
    problems = ["x" * 200] * 3
    for count in _COUNTS:
        yield (
            "admin_reloaded",
            admin.note(
                lang,
                "admin_reloaded",
                cases=count,
                broken_cases=["ua-1"],
                kept=True,
                broken=problems,
                more_broken=count,
                warnings=problems,
                more_warnings=count,
            ),
        )
        yield (
            "admin_reload_failed",
            admin.note(lang, "admin_reload_failed", problems=problems, more=count),
        )
    for key in _ADMIN_NOTES:
        yield key, admin.note(lang, key)


def load_content(directory: Path, cases_dir: Path | None = None) -> Content:
    """Read every content file and check every screen.

    Raises ContentError when the interface strings are broken. A case that fails its check
    is moved to `Content.broken` with its problems; the returned content serves the others.
    Cases in `cases_dir` (made in Telegram) override those of `directory` with the same id.
    """
    read = read_content(directory, cases_dir)
    problems = string_link_problems(read) + string_problems(read) + plural_problems(read)
    if problems:
        raise ContentError(problems)
    try:
        views = Views(read, compiled_texts(read.strings), _LONGEST_USERNAME)
    except RenderFailure as error:  # a string that does not compile (also found above)
        raise ContentError([str(error)]) from None
    problems = check_strings(read, views)
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
        for lang, summary in item.case.summary.items():
            if len(summary) > MAX_SUMMARY:
                warnings.append(
                    f"{item.directory / 'case.yaml'}: field 'summary.{lang}': {len(summary)} "
                    f"characters push the case card's buttons below a phone's screen; keep it "
                    f"to about two sentences (under {MAX_SUMMARY}) and move details to "
                    "'background'"
                )
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
