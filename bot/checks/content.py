"""Loading content for serving: read it, render every screen, refuse what Telegram would refuse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jinja2

from bot.checks.cases import check_case
from bot.checks.limits import check_screen
from bot.content.loader import read_content
from bot.content.models import LANGS, Content, ContentError, Lang
from bot.content.render import Texts
from bot.core.clock import appeal_day
from bot.screens.views import Views

#: Longest possible bot username, so deep links in checked screens are worst-case long.
_LONGEST_USERNAME = "x" * 32


def check_content(content: Content) -> tuple[list[str], list[str]]:
    """Errors (the bot must not start) and warnings (it may) for loaded content."""
    texts = Texts(content.strings)
    views = Views(content, texts, _LONGEST_USERNAME)
    errors: list[str] = []
    try:
        for item in content.iter_cases():
            errors += check_case(views, texts, item)
        for lang in LANGS:
            for key in ("privacy", "help", "language_menu", "forget_question", "outdated"):
                errors += check_screen(views.note(lang, key), f"strings/{lang}.yaml: {key}")
    except jinja2.UndefinedError as error:
        errors.append(f"{content.directory}: a template uses an unknown name: {error.message}")
    except jinja2.TemplateError as error:
        errors.append(f"{content.directory}: a template failed to render: {error}")
    except KeyError as error:
        errors.append(f"{content.directory}/strings: missing string {error}")
    warnings = missing_translations(content)
    today = appeal_day(datetime.now(UTC))
    for item in content.iter_cases():
        deadline = item.case.deadline
        if deadline is not None and deadline < today and item.case.status == "active":
            warnings.append(
                f"{item.directory / 'case.yaml'}: field 'deadline': {deadline} is in the past; "
                "supporters will be told the appeal period has ended"
            )
    return errors, warnings


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
    """Read every content file and check every screen; raise ContentError naming each problem."""
    content = read_content(directory)
    errors, warnings = check_content(content)
    if errors:
        raise ContentError(errors)
    content.warnings.extend(warnings)
    return content
